package validate

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
)

// errNodeDecode says decodeNode met a shape it leaves to encoding/json.
var errNodeDecode = errors.New("not decoded directly")

// decodeInto decodes the YAML node n into dst (a pointer) as
// json.Unmarshal(parse.ToJSON(n), dst) would, without the JSON text in between for the
// plain shapes of floe's input types (structs with json tags, pointers, strings, bools,
// integers, floats, slices). Types with their own UnmarshalJSON (order-keeping Maps,
// Python floats) still get the JSON of their node; any other shape falls back to the
// JSON round trip as a whole. TestDecodeNodeAgrees checks both give equal values.
func decodeInto(n *yaml.Node, dst any) error {
	if err := decodeNode(n, reflect.ValueOf(dst).Elem(), 0); err == nil {
		return nil
	}
	b, err := parse.ToJSON(n)
	if err != nil {
		return err
	}
	// dst may hold part of a failed direct decode: json.Unmarshal sets every field the
	// JSON names, and zeroing first drops the rest.
	v := reflect.ValueOf(dst).Elem()
	v.Set(reflect.Zero(v.Type()))
	return json.Unmarshal(b, dst)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func decodeNode(n *yaml.Node, v reflect.Value, depth int) error {
	n = parse.Deref(n)
	if n == nil || depth > parse.MaxDepth {
		return errNodeDecode // null and cut-off depths: leave to encoding/json's rules
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		switch v.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		return errNodeDecode
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeNode(n, v.Elem(), depth)
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		// ToJSON counts depth (MaxDepth) from the node it starts at: through an alias,
		// a subtree can sit deeper in the document than in itself, so one with aliases
		// is left to the whole-document round trip.
		if hasAnchors(n) {
			return errNodeDecode
		}
		b, err := parse.ToJSON(n)
		if err != nil {
			return err
		}
		return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b)
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return errNodeDecode
		}
		fields := structFields(v.Type())
		if fields == nil {
			return errNodeDecode
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			f, ok := fields[n.Content[i].Value]
			if !ok {
				return errNodeDecode // unknown or differently cased key: encoding/json's matching rules
			}
			if err := decodeNode(n.Content[i+1], v.Field(f), depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return errNodeDecode
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := decodeNode(c, s.Index(i), depth+1); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.String:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			v.SetString(n.Value)
			return nil
		}
	case reflect.Bool:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
			if b, ok := parse.Bool(n); ok {
				v.SetBool(b)
				return nil
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
			if s, ok := parse.IntText(n.Value); ok {
				i, err := strconv.ParseInt(s, 10, 64)
				if err == nil && !v.OverflowInt(i) {
					v.SetInt(i)
					return nil
				}
			}
		}
	case reflect.Float64:
		if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
			b, err := parse.ToJSON(n)
			if err == nil {
				if f, err := strconv.ParseFloat(string(b), 64); err == nil {
					v.SetFloat(f)
					return nil
				}
			}
		}
	}
	return errNodeDecode
}

var fieldCache sync.Map // reflect.Type → map[string]int (nil map: not decoded directly)

// structFields maps a struct's JSON names to field indexes; nil when the struct has a
// shape encoding/json treats specially (embedded fields, options other than omitempty).
func structFields(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			m = nil
			break
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		if opts != "" && opts != "omitempty" {
			m = nil
			break
		}
		if name == "" {
			name = f.Name
		}
		m[name] = i
	}
	fieldCache.Store(t, m)
	return m
}

// hasAnchors reports whether any node under n has an anchor or is an alias: only then
// can two places of the document share nodes.
func hasAnchors(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAnchors(c) {
			return true
		}
	}
	return false
}
