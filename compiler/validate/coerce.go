package validate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
)

// Codes of the values the reference's lax mode converts.
const (
// diag.CodeCoerced: a value of another type the reference converts (the string "30"
// for an integer, 1 or "yes" for a boolean); floe converts it the same way and says
// how to write it.
// diag.CodeYAML11: a value only YAML 1.1 reads so (yes/no/on/off as booleans), or one the
// reference's reader would reject where floe accepts it.
)

// laxInt is the text Pydantic's lax mode reads as an integer: surrounding whitespace,
// a sign, digits with single underscores between them, a fraction of zeros.
var laxInt = lazy.Regexp(`^[+-]?[0-9]+(?:_[0-9]+)*(?:\.0*)?$`)

// laxBools are the strings Pydantic's lax mode reads as booleans (any case).
var laxBools = map[string]bool{"0": false, "off": false, "f": false, "false": false, "n": false, "no": false,
	"1": true, "on": true, "t": true, "true": true, "y": true, "yes": true}

// coerce converts, in place, the scalars under n (at loc) that the reference's lax
// mode converts to the type the schema wants there, with a warning each; and reports a
// date (an unquoted YAML 1.1 timestamp) where a string is wanted, which the reference
// rejects (recorded in b: the schema pass reads it as a string and must not see it).
func coerce(t *tree, cs *compiledSchema, schema map[string]any, n *yaml.Node, loc []string, b *breakage) diag.List {
	var diags diag.List
	var walk func(s map[string]any, n *yaml.Node)
	var seen nodeSet
	walk = func(s map[string]any, n *yaml.Node) {
		if n != nil && n.Kind == yaml.AliasNode {
			n = parse.Deref(n)
			if n == nil || !seen.add(n) {
				return
			}
		}
		s = cs.resolve(s)
		if n == nil || s == nil {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			props, _ := s["properties"].(map[string]any)
			ap, _ := s["additionalProperties"].(map[string]any)
			if props == nil && ap == nil {
				return // free-form: copied as written
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				sub, ok := props[k].(map[string]any)
				if !ok {
					sub = ap
				}
				if sub == nil {
					continue
				}
				loc = append(loc, k)
				walk(sub, n.Content[i+1])
				loc = loc[:len(loc)-1]
			}
		case yaml.SequenceNode:
			items, _ := s["items"].(map[string]any)
			if items == nil {
				return
			}
			for i, c := range n.Content {
				loc = append(loc, strconv.Itoa(i))
				walk(items, c)
				loc = loc[:len(loc)-1]
			}
		case yaml.ScalarNode:
			if d, ok := coerceScalar(t, s, n, loc, b); ok {
				diags.Add(d)
			}
		}
	}
	walk(schema, n)
	return diags
}

func coerceScalar(t *tree, s map[string]any, n *yaml.Node, loc []string, b *breakage) (diag.Diagnostic, bool) {
	f := t.f
	want, _ := s["type"].(string)
	switch {
	case want == "string" && n.Tag != parse.TimestampTag && n.Tag != "!!bool",
		want == "integer" && n.Tag == "!!int", want == "number" && (n.Tag == "!!int" || n.Tag == "!!float"), want == "":
		return diag.Diagnostic{}, false // the common cases, first and cheaply: nothing to convert
	}
	written := f.WrittenText(n)
	if want == "boolean" && n.Tag == "!!bool" && written == n.Value {
		return diag.Diagnostic{}, false // a boolean written as YAML 1.2 writes it
	}
	path := t.userPath(loc) // only for the few values that get a diagnostic
	warn := func(format string, args ...any) (diag.Diagnostic, bool) {
		return diag.Warnf(f.Pos(n), diag.CodeCoerced, path, format, args...), true
	}
	set := func(tag, value string) {
		n.Tag, n.Value, n.Style = tag, value, 0
	}
	shown := written
	if n.Tag == "!!str" {
		shown = strconv.Quote(written)
	}
	switch want {
	case "integer":
		switch n.Tag {
		case "!!str":
			t := strings.TrimSpace(n.Value)
			if !laxInt().MatchString(t) {
				return diag.Diagnostic{}, false
			}
			t, _, _ = strings.Cut(strings.ReplaceAll(t, "_", ""), ".")
			i, ok := parse.IntText(strings.TrimPrefix(t, "+"))
			if !ok {
				return diag.Diagnostic{}, false
			}
			set("!!int", i)
			return warn("%s is a string; the reference reads it as the integer %s: write %s", shown, i, i)
		case "!!float":
			v, ok := parse.ToNumber(n)
			if !ok || !v.IsInt() || !v.Num().IsInt64() {
				return diag.Diagnostic{}, false // a fraction, or out of range: reported later
			}
			i := v.Num().String()
			set("!!int", i)
			return warn("%s has a fraction part; the reference reads it as the integer %s: write %s", written, i, i)
		case "!!bool":
			v, _ := parse.Bool(n)
			i := "0"
			if v {
				i = "1"
			}
			set("!!int", i)
			return warn("%s is a boolean; the reference reads it as the integer %s: write %s", written, i, i)
		}
	case "number":
		switch n.Tag {
		case "!!str":
			t := strings.TrimSpace(n.Value)
			if strings.Contains(t, "__") || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") {
				return diag.Diagnostic{}, false
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return diag.Diagnostic{}, false // not a number, or one JSON cannot carry: the schema reports it
			}
			canon := strconv.FormatFloat(v, 'g', -1, 64)
			if !strings.ContainsAny(canon, ".e") {
				canon += ".0"
			}
			set("!!float", canon)
			return warn("%s is a string; the reference reads it as the number %s: write %s", shown, canon, canon)
		case "!!bool":
			v, _ := parse.Bool(n)
			canon := "0.0"
			if v {
				canon = "1.0"
			}
			set("!!float", canon)
			return warn("%s is a boolean; the reference reads it as the number %s: write %s", written, canon, canon)
		}
	case "boolean":
		canon := func(v bool) string { return strconv.FormatBool(v) }
		switch n.Tag {
		case "!!bool":
			if written != n.Value && !slices.Contains([]string{"True", "TRUE", "False", "FALSE"}, written) {
				d := diag.Warnf(f.Pos(n), diag.CodeYAML11, path, "%s is a boolean only in YAML 1.1 (the reference reads it so, as floe does): write %s", written, n.Value)
				d.Suggest = "editors and other YAML 1.2 tools read it as a string"
				return d, true
			}
		case "!!str":
			v, ok := laxBools[strings.ToLower(n.Value)]
			if !ok {
				return diag.Diagnostic{}, false
			}
			set("!!bool", canon(v))
			return warn("%s is a string; the reference reads it as the boolean %s: write %s", shown, canon(v), canon(v))
		case "!!int", "!!float":
			r, ok := parse.ToNumber(n)
			if !ok || !r.IsInt() || !(r.Num().IsInt64() && (r.Num().Int64() == 0 || r.Num().Int64() == 1)) {
				return diag.Diagnostic{}, false
			}
			v := r.Num().Int64() == 1
			set("!!bool", canon(v))
			return warn("%s is a number; the reference reads it as the boolean %s: write %s", written, canon(v), canon(v))
		}
	case "string":
		switch n.Tag {
		case parse.TimestampTag:
			if f, _ := s["format"].(string); f == "date" || f == "date-time" {
				return diag.Diagnostic{}, false // a date where the reference wants one
			}
			d := diag.Errorf(f.Pos(n), diag.CodeType, path, "%s must be a string, not a date", fieldName(path))
			d.Suggest = fmt.Sprintf("YAML 1.1 reads %s as a date (as the reference does): quote it: \"%s\"", written, written)
			b.brokenNode(slices.Clone(loc), n)
			return d, true
		case "!!bool":
			// The enum spellings off/on/yes/no, written plainly, are booleans in YAML 1.1:
			// the reference rejects them. floe reads what was meant, and says so.
			enum, _ := s["enum"].([]any)
			if slices.Contains(enum, any(written)) {
				set("!!str", written)
				d := diag.Warnf(f.Pos(n), diag.CodeYAML11, path, "%s is a boolean in YAML 1.1: the reference rejects it here, floe reads the string %q", written, written)
				d.Suggest = fmt.Sprintf("quote it: \"%s\"", written)
				return d, true
			}
		}
	}
	return diag.Diagnostic{}, false
}
