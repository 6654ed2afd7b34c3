// Package check validates generic JSON values against floe's embedded JSON Schemas.
//
// santhosh-tekuri/jsonschema is the validator of record: every error floe reports comes
// from it. It is thorough, and its cost is the price of that thoroughness: per value it
// allocates a validator, a scope and error trees, and compiling a schema checks it
// against the draft 2020-12 metaschema. A compile of 10,000 transforms spent more time
// there than parsing the YAML. So each Schema here also has a fast path: the schema
// document compiled into a small tree of checks for the keywords floe's generated
// schemas use ("format" is judged by santhosh-tekuri's own format validators). It only
// ever answers "certainly valid"; anything else (an invalid value, or a value form it
// does not judge, such as an integral float where an integer is wanted, or a numeric
// enum) goes to santhosh-tekuri, whose answer is returned. So the
// fast path can make validation faster, never more lenient, as long as it never calls
// an invalid value valid: compiler/validate's TestFastPathAgrees checks exactly that
// over the examples, the bad-input corpus and thousands of mutated values.
package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/floe-dev/floe/schemas"
)

// Schema is one embedded schema, or one of its $defs entries, ready to validate values
// as encoding/json (with UseNumber) or jsonschema.UnmarshalJSON produce them: nil,
// bool, json.Number, float64, string, []any, map[string]any.
type Schema struct {
	doc  *document
	ptr  string // "" for the root, else "#/$defs/<name>"
	fast *node  // nil when the fast path cannot judge this schema

	once sync.Once
	slow *jsonschema.Schema
	err  error
}

// document is one embedded schema file: its raw JSON, its santhosh-tekuri compiler
// (compiled lazily: a run whose values all pass the fast path never needs it) and the
// fast nodes of its definitions.
type document struct {
	name string
	url  string
	raw  map[string]any
	root *Schema

	mu       sync.Mutex // guards compiler (not safe for concurrent use) and defs
	compiler *jsonschema.Compiler
	defs     map[string]*Schema
	splits   map[string]splitResult

	fastErr error // why the fast path is off for this document (nil: on)
	nodes   map[string]*node
}

var (
	loadMu sync.Mutex
	loaded = map[string]*Schema{}
)

// Load returns the embedded schema name ("floe-spec", "manifest", …), parsed once.
func Load(name string) (*Schema, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	if s, ok := loaded[name]; ok {
		return s, nil
	}
	raw, err := schemas.Schema(name)
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read schema %s: %w", name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("read schema %s: not an object", name)
	}
	s := newDocument(name, name, m).root
	loaded[name] = s
	return s, nil
}

// newDocument makes the document of the schema raw, named name in messages and
// file.schema.json in santhosh-tekuri's (network-free) URL space.
func newDocument(name, file string, raw map[string]any) *document {
	d := &document{name: name, url: "floe:///" + file + ".schema.json", raw: raw,
		defs: map[string]*Schema{}, nodes: map[string]*node{}, splits: map[string]splitResult{}}
	d.root = &Schema{doc: d}
	d.root.fast, d.fastErr = d.compileFast(raw)
	return d
}

// Def returns the schema of the $defs entry name.
func (s *Schema) Def(name string) (*Schema, error) {
	d := s.doc
	d.mu.Lock()
	defer d.mu.Unlock()
	if ds, ok := d.defs[name]; ok {
		return ds, nil
	}
	defs, _ := d.raw["$defs"].(map[string]any)
	if _, ok := defs[name].(map[string]any); !ok {
		return nil, fmt.Errorf("schema %s has no $defs entry %q", d.name, name)
	}
	ds := &Schema{doc: d, ptr: "#/$defs/" + name}
	if d.fastErr == nil {
		ds.fast = d.nodes[name]
	}
	d.defs[name] = ds
	return ds, nil
}

// Doc is the schema document as parsed JSON (for looking up keys and descriptions).
func (s *Schema) Doc() map[string]any { return s.doc.raw }

// Validate returns nil when v is valid, else santhosh-tekuri's *jsonschema.ValidationError
// (or the error compiling the schema).
func (s *Schema) Validate(v any) error {
	if s.FastValid(v) {
		return nil
	}
	slow, err := s.Full()
	if err != nil {
		return err
	}
	return slow.Validate(v)
}

// FastValid reports whether the fast path alone finds v valid. False means "invalid,
// or not judged here", never only "invalid".
func (s *Schema) FastValid(v any) bool {
	return s.fast != nil && s.fast.valid(v)
}

// Full returns the schema compiled by the full validator, santhosh-tekuri/jsonschema:
// every keyword, and every error message floe reports (compiled once, on first use).
func (s *Schema) Full() (*jsonschema.Schema, error) {
	s.once.Do(func() {
		d := s.doc
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.compiler == nil {
			c := jsonschema.NewCompiler()
			c.UseLoader(noNetwork{})
			// Draft 2020-12 makes "format" an annotation; floe asserts it (expires:
			// date), as the reference's typed fields do.
			c.AssertFormat()
			if err := c.AddResource(d.url, d.raw); err != nil {
				s.err = fmt.Errorf("add schema %s: %w", d.name, err)
				return
			}
			d.compiler = c
		}
		s.slow, s.err = d.compiler.Compile(d.url + s.ptr)
		if s.err != nil {
			s.err = fmt.Errorf("compile schema %s%s: %w", d.name, s.ptr, s.err)
		}
	})
	return s.slow, s.err
}

type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, fmt.Errorf("floe does not load schemas from the network (%s)", url)
}

// FastPathError reports why the fast path is off for schema name (nil when it is on).
func FastPathError(name string) error {
	s, err := Load(name)
	if err != nil {
		return err
	}
	return s.doc.fastErr
}

// Value kinds, as bits of node.types.
const (
	tNull = 1 << iota
	tBool
	tInt // a number written as an integer
	tNum // any other finite number
	tStr
	tArr
	tObj
)

var typeBits = map[string]uint8{
	"null": tNull, "boolean": tBool, "integer": tInt, "number": tInt | tNum,
	"string": tStr, "array": tArr, "object": tObj,
}

// node is one compiled schema object of the fast path.
type node struct {
	never bool  // false schema, or a keyword (format) this path leaves to santhosh-tekuri
	types uint8 // 0: any type

	enum     []any // strings, bools and nulls only (else the node is never)
	hasConst bool
	constV   any

	ref *node

	format string // checked by santhosh-tekuri's own validator of that format

	minLen, maxLen int // -1: none
	pattern        *regexp.Regexp

	min, max     *float64
	exclMin      *float64
	exclMax      *float64
	minItems     int
	maxItems     int // -1: none
	items        *node
	props        map[string]*node
	required     []string
	additional   *node // nil: any
	minProps     int
	maxProps     int // -1: none
	anyOf, allOf []*node
	oneOf        []*node
}

// annotations are keywords with no bearing on validity.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$defs": true, "title": true, "description": true,
	"default": true, "examples": true, "deprecated": true, "readOnly": true, "writeOnly": true,
}

// compileFast compiles the root and every $defs entry; it fails on any keyword it does
// not implement, which turns the fast path off for the whole document.
func (d *document) compileFast(root map[string]any) (*node, error) {
	defs, _ := d.raw["$defs"].(map[string]any)
	for name := range defs {
		d.nodes[name] = &node{}
	}
	for name, def := range defs {
		if err := d.fill(d.nodes[name], def); err != nil {
			return nil, fmt.Errorf("$defs/%s: %w", name, err)
		}
	}
	n := &node{}
	if err := d.fill(n, root); err != nil {
		return nil, err
	}
	return n, nil
}

func (d *document) sub(v any) (*node, error) {
	n := &node{}
	return n, d.fill(n, v)
}

func (d *document) subs(v any) ([]*node, error) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, fmt.Errorf("want a non-empty list of schemas")
	}
	out := make([]*node, len(l))
	for i, e := range l {
		n, err := d.sub(e)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (d *document) fill(n *node, v any) error {
	n.minLen, n.maxLen, n.maxItems, n.maxProps = -1, -1, -1, -1
	switch s := v.(type) {
	case bool:
		n.never = !s
		return nil
	case map[string]any:
		for k, kv := range s {
			if err := d.keyword(n, k, kv); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	}
	return fmt.Errorf("a schema must be an object or a boolean")
}

func (d *document) keyword(n *node, k string, v any) error {
	var err error
	switch k {
	case "type":
		switch t := v.(type) {
		case string:
			n.types, err = typeBit(t)
		case []any:
			for _, e := range t {
				s, _ := e.(string)
				b, e2 := typeBit(s)
				if e2 != nil {
					return e2
				}
				n.types |= b
			}
		default:
			return fmt.Errorf("unsupported form")
		}
		return err
	case "enum":
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("not a list")
		}
		n.enum = []any{}
		for _, e := range l {
			switch e.(type) {
			case string, bool, nil:
				n.enum = append(n.enum, e)
			default:
				n.never = true // numbers and structures: santhosh-tekuri compares them
			}
		}
		return nil
	case "const":
		switch v.(type) {
		case string, bool, nil:
			n.hasConst, n.constV = true, v
		default:
			n.never = true
		}
		return nil
	case "$ref":
		s, _ := v.(string)
		name, ok := strings.CutPrefix(s, "#/$defs/")
		if !ok || d.nodes[name] == nil {
			return fmt.Errorf("unsupported reference %q", s)
		}
		n.ref = d.nodes[name]
		return nil
	case "format":
		n.format, _ = v.(string)
		return nil
	case "pattern":
		s, _ := v.(string)
		n.pattern, err = regexp.Compile(s)
		return err
	case "minLength":
		n.minLen, err = count(v)
	case "maxLength":
		n.maxLen, err = count(v)
	case "minItems":
		n.minItems, err = count(v)
	case "maxItems":
		n.maxItems, err = count(v)
	case "minProperties":
		n.minProps, err = count(v)
	case "maxProperties":
		n.maxProps, err = count(v)
	case "minimum":
		n.min, err = bound(v)
	case "maximum":
		n.max, err = bound(v)
	case "exclusiveMinimum":
		n.exclMin, err = bound(v)
	case "exclusiveMaximum":
		n.exclMax, err = bound(v)
	case "items":
		n.items, err = d.sub(v)
	case "additionalProperties":
		n.additional, err = d.sub(v)
	case "properties":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("not an object")
		}
		n.props = make(map[string]*node, len(m))
		for p, pv := range m {
			if n.props[p], err = d.sub(pv); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		}
	case "required":
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("not a list")
		}
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("not a list of strings")
			}
			n.required = append(n.required, s)
		}
	case "anyOf":
		n.anyOf, err = d.subs(v)
	case "allOf":
		n.allOf, err = d.subs(v)
	case "oneOf":
		n.oneOf, err = d.subs(v)
	default:
		if !annotations[k] {
			return fmt.Errorf("keyword not implemented by the fast path")
		}
	}
	return err
}

func typeBit(s string) (uint8, error) {
	b, ok := typeBits[s]
	if !ok {
		return 0, fmt.Errorf("unknown type %q", s)
	}
	return b, nil
}

func count(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	i, err := strconv.Atoi(string(n))
	if err != nil || i < 0 {
		return 0, fmt.Errorf("not a non-negative integer")
	}
	return i, nil
}

// bound reads a numeric bound; only bounds a float64 holds exactly are accepted.
func bound(v any) (*float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf("not a number")
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.Abs(f) > 1<<53 || strconv.FormatFloat(f, 'f', -1, 64) != strings.TrimSuffix(string(n), ".0") {
		return nil, fmt.Errorf("bound %s is not exact as a float64", n)
	}
	return &f, nil
}

// kind classifies v; ok is false for values the fast path does not judge.
func kind(v any) (k uint8, num float64, ok bool) {
	switch t := v.(type) {
	case nil:
		return tNull, 0, true
	case bool:
		return tBool, 0, true
	case string:
		return tStr, 0, true
	case map[string]any:
		return tObj, 0, true
	case []any:
		return tArr, 0, true
	case json.Number:
		s := string(t)
		if isIntText(s) && len(s) <= 15 { // |n| < 10^15 < 2^53: exact as a float64
			i, err := strconv.ParseInt(s, 10, 64)
			return tInt, float64(i), err == nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1<<53 {
			return 0, 0, false
		}
		// Only text that is this float's shortest form compares like the decimal
		// santhosh-tekuri compares (1.00000000000000000001 rounds to 1): no float
		// bound lies between the two. Trailing zeros of a fraction (Python writes 1.0)
		// change no value.
		if !shortest(s, f) {
			return 0, 0, false
		}
		return tNum, f, true
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) || math.Abs(t) >= 1<<53 {
			return 0, 0, false
		}
		return tNum, t, true
	case int:
		if t > 1<<53 || t < -(1<<53) {
			return 0, 0, false
		}
		return tInt, float64(t), true
	case int64:
		if t > 1<<53 || t < -(1<<53) {
			return 0, 0, false
		}
		return tInt, float64(t), true
	}
	return 0, 0, false
}

// shortest reports whether the decimal text s is f's shortest form, but for trailing
// zeros of its fraction ("1.0", "0.50"; not "1e-05" for 0.00001, which is not judged).
func shortest(s string, f float64) bool {
	if strconv.FormatFloat(f, 'g', -1, 64) == s {
		return true
	}
	if strings.ContainsAny(s, "eE") || !strings.Contains(s, ".") {
		return false
	}
	t := strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	return t != s && (strconv.FormatFloat(f, 'g', -1, 64) == t || strconv.FormatFloat(f, 'f', -1, 64) == t)
}

func isIntText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// valid reports whether v is certainly valid against n.
func (n *node) valid(v any) bool {
	if n.never {
		return false
	}
	k, num, ok := kind(v)
	if !ok {
		return false
	}
	// An integral number written with a fraction or exponent (3.0, 1e3) is an integer
	// to JSON Schema; this path classifies it as a plain number and, where an integer is
	// wanted, lets santhosh-tekuri decide.
	if n.types != 0 && n.types&k == 0 {
		return false
	}
	if n.enum != nil && !contains(n.enum, v) {
		return false
	}
	if n.hasConst && !contains([]any{n.constV}, v) {
		return false
	}
	if n.ref != nil && !n.ref.valid(v) {
		return false
	}
	switch k {
	case tStr:
		s := v.(string)
		if n.minLen >= 0 || n.maxLen >= 0 {
			c := utf8.RuneCountInString(s)
			if c < n.minLen || (n.maxLen >= 0 && c > n.maxLen) {
				return false
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(s) {
			return false
		}
		if n.format != "" {
			if f := formatValidator(n.format); f == nil || f(s) != nil {
				return false
			}
		}
	case tInt, tNum:
		if (n.min != nil && num < *n.min) || (n.max != nil && num > *n.max) ||
			(n.exclMin != nil && num <= *n.exclMin) || (n.exclMax != nil && num >= *n.exclMax) {
			return false
		}
	case tArr:
		l := v.([]any)
		if len(l) < n.minItems || (n.maxItems >= 0 && len(l) > n.maxItems) {
			return false
		}
		if n.items != nil {
			for _, e := range l {
				if !n.items.valid(e) {
					return false
				}
			}
		}
	case tObj:
		m := v.(map[string]any)
		if len(m) < n.minProps || (n.maxProps >= 0 && len(m) > n.maxProps) {
			return false
		}
		for _, r := range n.required {
			if _, ok := m[r]; !ok {
				return false
			}
		}
		if n.props != nil || n.additional != nil {
			for key, e := range m {
				if p, ok := n.props[key]; ok {
					if !p.valid(e) {
						return false
					}
				} else if n.additional != nil && !n.additional.valid(e) {
					return false
				}
			}
		}
	}
	for _, s := range n.allOf {
		if !s.valid(v) {
			return false
		}
	}
	if n.anyOf != nil {
		matched := false
		for _, s := range n.anyOf {
			if s.valid(v) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if n.oneOf != nil {
		// Exactly one branch must hold; a branch this path cannot judge is not known to
		// fail, so one judged valid and any others judged invalid is not proof enough
		// unless the others are certainly invalid. Leave oneOf to santhosh-tekuri.
		return false
	}
	return true
}

// contains compares strings, bools and nulls (the only enum and const values the fast
// path keeps) by JSON equality.
func contains(l []any, v any) bool {
	switch v.(type) {
	case string, bool, nil:
	default:
		return false
	}
	for _, e := range l {
		if e == v {
			return true
		}
	}
	return false
}

var formatCache sync.Map // format name → func(any) error (nil: none)

// formatValidator returns santhosh-tekuri's validator of the format name, taken from a
// one-keyword schema it compiled, so both paths judge formats by the same code.
func formatValidator(name string) func(any) error {
	if f, ok := formatCache.Load(name); ok {
		return f.(func(any) error)
	}
	var f func(any) error
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "floe:///format.schema.json"
	if c.AddResource(url, map[string]any{"format": name}) == nil {
		if s, err := c.Compile(url); err == nil && s.Format != nil {
			f = s.Format.Validate
		}
	}
	formatCache.Store(name, f)
	return f
}
