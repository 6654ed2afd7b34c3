package check

import (
	"fmt"
	"strings"
)

// A document with one list that grows with the product (floe.yaml's transforms, the
// artifact's models, iceberg_io.json's tables) is never validated as one generic tree:
// the document is validated with a placeholder in the list for each item (so the
// list's own keywords, such as minItems, apply), and each item is validated against
// the list's item schema, on every CPU. Split makes the two schemas; it is the one
// place that knows how.

// Split returns the schemas that validate a document apart from its list at path (the
// list's keys from the root object): doc validates the document whose list holds
// Placeholders, and item validates each item of the list.
func (s *Schema) Split(path ...string) (doc, item *Schema, err error) {
	d := s.doc
	key := strings.Join(path, "/")
	d.mu.Lock()
	sp, ok := d.splits[key]
	d.mu.Unlock()
	if !ok {
		sp.doc, sp.item, sp.err = d.split(path)
		d.mu.Lock()
		d.splits[key] = sp
		d.mu.Unlock()
	}
	return sp.doc, sp.item, sp.err
}

// Placeholders is what a document validated by Split's doc holds in place of its list of
// n items: n values that the list's items schema is not asked about.
func Placeholders(n int) []any { return make([]any, n) }

// split is Split's work: a copy of the document whose list at path accepts any items.
func (d *document) split(path []string) (*Schema, *Schema, error) {
	raw := deepCopy(d.raw).(map[string]any)
	defs, _ := raw["$defs"].(map[string]any)
	node := raw
	for _, p := range append([]string{""}, path...) {
		if p != "" {
			props, _ := node["properties"].(map[string]any)
			node, _ = props[p].(map[string]any)
		}
		node = deref(node, defs)
		if node == nil {
			return nil, nil, fmt.Errorf("schema %s has no list at %s", d.name, strings.Join(path, "."))
		}
	}
	items, _ := node["items"].(map[string]any)
	ref, _ := items["$ref"].(string)
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil, nil, fmt.Errorf("schema %s: the items at %s are no $defs entry", d.name, strings.Join(path, "."))
	}
	node["items"] = true
	doc := newDocument(d.name+" (without "+strings.Join(path, ".")+")", d.name+"-split-"+strings.Join(path, "-"), raw)
	item, err := (&Schema{doc: d}).Def(name)
	if err != nil {
		return nil, nil, err
	}
	return doc.root, item, nil
}

// deref follows $ref, and the non-null branch of the anyOf or oneOf of nullable fields.
func deref(n map[string]any, defs map[string]any) map[string]any {
	for range 8 {
		if n == nil {
			return nil
		}
		if ref, ok := n["$ref"].(string); ok {
			n, _ = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			continue
		}
		one, ok := n["anyOf"].([]any)
		if !ok {
			one, ok = n["oneOf"].([]any)
		}
		if !ok {
			return n
		}
		var next map[string]any
		for _, o := range one {
			if om, ok := o.(map[string]any); ok && om["type"] != "null" {
				next = om
				break
			}
		}
		n = next
	}
	return n
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// ListCheck checks a document written item by item (schemas.IndentList): the
// document without its list's items, and each item, as Split validates them.
type ListCheck struct {
	path      []string
	doc, item *Schema
	keys      keyCache // the items repeat their keys
}

// List returns the ListCheck of the document's list at path.
func (s *Schema) List(path ...string) (*ListCheck, error) {
	doc, item, err := s.Split(path...)
	if err != nil {
		return nil, err
	}
	return &ListCheck{path: path, doc: doc, item: item}, nil
}

// Document checks the compact JSON of the document, whose list (holding no item) has n
// items written apart.
func (l *ListCheck) Document(compact []byte, n int) error {
	v, err := ParseJSON(compact)
	if err != nil {
		return err
	}
	m, _ := v.(map[string]any)
	for _, p := range l.path[:len(l.path)-1] {
		m, _ = m[p].(map[string]any)
	}
	if m == nil {
		return fmt.Errorf("the document has no %s", strings.Join(l.path, "."))
	}
	m[l.path[len(l.path)-1]] = Placeholders(n)
	return l.doc.Validate(v)
}

// Item checks the compact JSON of item i.
func (l *ListCheck) Item(i int, compact []byte) error {
	// Most items are valid: the fast path judges the text in place (validSpan), and only
	// an item it does not find valid (or cannot read in place: escapes) is parsed into a
	// value, which Validate judges by the fast path again, then by santhosh-tekuri.
	if f := l.item.fast; f != nil && f.validSpan(compact) {
		return nil
	}
	v, err := parseJSON(compact, &l.keys)
	if err != nil {
		return err
	}
	if err := l.item.Validate(v); err != nil {
		return fmt.Errorf("%s[%d]: %w", strings.Join(l.path, "."), i, err)
	}
	return nil
}

// splitResult is a Split made once per document and path.
type splitResult struct {
	doc, item *Schema
	err       error
}
