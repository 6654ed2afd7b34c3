package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/schemas"
)

// The values of a tree, as the passes after parsing read them: the generic value the
// schema validator takes (ToValue), JSON in key order for decoding into the Go types
// (ToJSON), and scalars by their (YAML 1.1) tag.

// ErrTooLarge is returned by ToValue and ToJSON when alias expansion exceeds MaxNodes.
var ErrTooLarge = fmt.Errorf("document expands to more than %d nodes (aliases)", MaxNodes)

// ToValue converts n to the generic JSON-like value the schema validator takes:
// map[string]any, []any, string, json.Number, bool, nil.
func ToValue(n *yaml.Node) (any, error) {
	budget := MaxNodes
	return toValue(n, &budget, 0)
}

func toValue(n *yaml.Node, budget *int, depth int) (any, error) {
	n = Deref(n)
	*budget--
	if *budget < 0 {
		return nil, ErrTooLarge
	}
	if n == nil || depth > MaxDepth {
		return nil, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := toValue(n.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toValue(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	}
	return scalar(n), nil
}

// scalar resolves a plain or quoted scalar by its YAML 1.2 tag.
func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		if b, ok := Bool(n); ok {
			return b
		}
	case "!!int":
		if s, ok := IntText(n.Value); ok {
			return json.Number(s)
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value // .inf and .nan are no JSON numbers: the schema reports their type
}

// ToNumber returns the exact value of an integer or float scalar (false for anything
// else, and for .inf and .nan).
func ToNumber(n *yaml.Node) (*big.Rat, bool) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, false
	}
	switch n.Tag {
	case "!!int":
		if s, ok := IntText(n.Value); ok {
			return new(big.Rat).SetString(s)
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return new(big.Rat).SetFloat64(f), true
		}
	}
	return nil, false
}

// IntText returns the decimal text of a YAML integer literal (0x, 0o, _ allowed).
func IntText(v string) (string, bool) {
	s := strings.ReplaceAll(v, "_", "")
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "0o"):
		base, s = 8, s[2:]
	case strings.HasPrefix(s, "0b"):
		base, s = 2, s[2:]
	}
	var z big.Int
	if _, ok := z.SetString(s, base); !ok {
		return "", false
	}
	if neg {
		z.Neg(&z)
	}
	return z.String(), true
}

// ToJSON writes n as JSON keeping mapping key order, so free-form objects decode into
// order-preserving schemas.Map values. Floats are written with a '.' or exponent.
func ToJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	budget := MaxNodes
	if err := writeJSON(&b, n, &budget, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, n *yaml.Node, budget *int, depth int) error {
	n = Deref(n)
	*budget--
	if *budget < 0 {
		return ErrTooLarge
	}
	if n == nil || depth > MaxDepth {
		b.WriteString("null")
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, n.Content[i].Value)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1], budget, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c, budget, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	switch v := scalar(n).(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		b.WriteString(string(v))
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		switch {
		case strings.ContainsAny(s, "IN"): // Inf, NaN: not JSON; keep the text
			writeString(b, n.Value)
			return nil
		case !strings.ContainsAny(s, ".e"):
			s += ".0"
		}
		b.WriteString(s)
	case string:
		writeString(b, v)
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	q, _ := schemas.AppendJSON(b.AvailableBuffer(), s) // a string always encodes
	b.Write(q)
}
