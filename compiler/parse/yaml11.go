package parse

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
)

// floe reads plain (unquoted, untagged) scalars as the reference does: PyYAML's
// safe_load, YAML 1.1. yaml.v3 resolves them by YAML 1.2, and the two disagree on
// yes/no/on/off (booleans in 1.1), 0o17, 1e3 and 08 (strings in 1.1), 017 (octal 15
// in 1.1), 1_000 and 1:30 (integers in 1.1, the latter 90). So a value means in floe
// what it means in the reference: the same inputs are accepted, and free-form plugin
// config reaches compiled_artifacts.json as the reference writes it.
//
// The regular expressions are PyYAML's implicit resolvers (yaml/resolver.py), tried in
// its order: bool, float, int, null, timestamp. Its bool and null resolvers match a
// fixed set of words (PyYAML's regular expressions spelled out): sets are cheaper than
// a regular expression for every key of a big file.
var (
	bool11 = map[string]bool{"yes": true, "Yes": true, "YES": true, "no": false, "No": false, "NO": false,
		"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false,
		"on": true, "On": true, "ON": true, "off": false, "Off": false, "OFF": false}
	null11  = map[string]bool{"~": true, "null": true, "Null": true, "NULL": true, "": true}
	float11 = lazy.Regexp(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	int11   = lazy.Regexp(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	time11  = lazy.Regexp(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

func isBool11(v string) bool {
	_, ok := bool11[v]
	return ok
}

// TimestampTag is the tag of plain scalars YAML 1.1 reads as dates or times: strings
// in free-form maps (their text is what the reference's JSON writes for a date), never
// where a string is required (the reference rejects a date there).
const TimestampTag = "!!timestamp"

// resolve11 is the YAML 1.1 tag of a plain scalar, with the value in the form the rest
// of floe reads (true/false, decimal integers, Go-parsable floats); ok is false when
// PyYAML could not construct it (it would fail to load the file).
func resolve11(v string) (tag, value string, ok bool) {
	if v == "" {
		return "!!null", v, true
	}
	c := v[0]
	switch {
	case strings.IndexByte("yYnNtTfFoO", c) >= 0 && isBool11(v):
		return "!!bool", strconv.FormatBool(bool11[v]), true
	case strings.IndexByte("-+0123456789.", c) >= 0 && float11().MatchString(v):
		f, ok := construct11Float(v)
		if !ok {
			return "", v, false
		}
		return "!!float", f, true
	case strings.IndexByte("-+0123456789", c) >= 0 && int11().MatchString(v):
		i, ok := construct11Int(v)
		if !ok {
			return "", v, false
		}
		return "!!int", i, true
	case strings.IndexByte("~nN", c) >= 0 && null11[v]:
		return "!!null", v, true
	case c >= '0' && c <= '9' && time11().MatchString(v):
		return TimestampTag, v, true
	case v == "=":
		return "", v, false // PyYAML's "value" tag, which safe_load cannot construct
	}
	return "!!str", v, true
}

// construct11Int is PyYAML's construct_yaml_int, as a decimal string.
func construct11Int(v string) (string, bool) {
	s := strings.ReplaceAll(v, "_", "")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var z big.Int
	ok := true
	switch {
	case s == "0":
	case strings.HasPrefix(s, "0b"):
		_, ok = z.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = z.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = z.SetString(s[1:], 8)
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			var d big.Int
			if _, ok = d.SetString(part, 10); !ok {
				break
			}
			z.Mul(&z, big.NewInt(60))
			z.Add(&z, &d)
		}
	default:
		_, ok = z.SetString(s, 10)
	}
	if !ok {
		return "", false
	}
	if neg {
		z.Neg(&z)
	}
	return z.String(), true
}

// construct11Float is PyYAML's construct_yaml_float, in a form yaml.v3 and Go parse.
func construct11Float(v string) (string, bool) {
	s := strings.ToLower(strings.ReplaceAll(v, "_", ""))
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	var f float64
	switch {
	case s == ".inf", s == ".nan":
		return v, true // as written: yaml.v3 reads every spelling PyYAML does
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return "", false
			}
			f = f*60 + d
		}
	default:
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil && !strings.Contains(err.Error(), "range") {
			return "", false
		}
	}
	f *= sign
	if math.IsInf(f, 0) {
		if f < 0 {
			return "-.inf", true
		}
		return ".inf", true
	}
	out := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(out, ".e") {
		out += ".0"
	}
	return out, true
}

// retag11 gives every plain scalar under root its YAML 1.1 tag and value, recording
// the text written where the value changes (for messages), and reports what YAML 1.1
// cannot load or what cannot be a mapping key.
func (c *checker) retag11(root *yaml.Node) {
	f := c.f
	var walk func(n *yaml.Node, key bool)
	walk = func(n *yaml.Node, key bool) {
		if n == nil {
			return
		}
		switch n.Kind {
		case yaml.AliasNode:
			if !c.retaged[n.Alias] {
				c.retaged[n.Alias] = true
				walk(n.Alias, key)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i], true)
				walk(n.Content[i+1], false)
			}
		case yaml.SequenceNode:
			for _, ch := range n.Content {
				walk(ch, false)
			}
		case yaml.ScalarNode:
			if n.Style != 0 || n.Tag == "!!merge" {
				return // quoted, block, explicitly tagged: yaml.v3 and PyYAML agree
			}
			tag, value, ok := resolve11(n.Value)
			if !ok {
				d := diag.Errorf(f.Pos(n), diag.CodeSyntax, "", "%q cannot be read by YAML 1.1 (the reference's YAML reader fails on it)", n.Value)
				d.Suggest = "quote it to make it a string"
				c.yaml11.Add(d)
				return
			}
			if key && tag != "!!str" {
				d := diag.Errorf(f.Pos(n), diag.CodeSyntax, "", "key %q is read as %s by YAML 1.1 (as the reference reads it), not as a string", n.Value, tagName(tag))
				d.Suggest = "quote it: \"" + n.Value + "\""
				c.yaml11.Add(d)
				return
			}
			if value != n.Value {
				f.setWritten(n, n.Value)
			}
			n.Tag, n.Value = tag, value
		}
	}
	walk(root, false)
}

func tagName(tag string) string {
	switch tag {
	case "!!bool":
		return "a boolean"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!null":
		return "null"
	case TimestampTag:
		return "a date"
	}
	return "a string"
}

// WrittenText is n's value as written in the file (before YAML 1.1 resolution gave it
// its canonical form).
func (f *File) WrittenText(n *yaml.Node) string {
	f.mu.Lock()
	s, ok := f.written[n]
	f.mu.Unlock()
	if ok {
		return s
	}
	if n == nil {
		return ""
	}
	return n.Value
}

// setWritten records the text written for n, whose value YAML 1.1 resolution rewrote
// (the parts of a file are checked on several goroutines at once).
func (f *File) setWritten(n *yaml.Node, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.written == nil {
		f.written = map[*yaml.Node]string{}
	}
	f.written[n] = text
}

// Bool is the value of a !!bool scalar.
func Bool(n *yaml.Node) (bool, bool) {
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}
