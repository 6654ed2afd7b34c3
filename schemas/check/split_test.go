package check

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestSplitAgrees: a document is valid exactly when Split's doc accepts it with
// placeholders for its list and Split's item accepts each item, for documents with and
// without the list's own violations (an empty list where items are required, a list of
// the wrong type) and with broken items.
func TestSplitAgrees(t *testing.T) {
	item := func(i int) string { return fmt.Sprintf(`{"name": "m_%d", "tags": ["a"], "dependsOn": []}`, i) }
	items := func(n int) string {
		var l []string
		for i := range n {
			l = append(l, item(i))
		}
		return "[" + strings.Join(l, ", ") + "]"
	}
	doc := func(list string) string {
		return `{"apiVersion": "floe.dev/v1", "kind": "FloeSpec", "metadata": {"name": "p", "version": "1.0.0"},
			"platform": {"manifest": "m.yaml"}, "transforms": ` + list + `}`
	}
	cases := map[string]string{
		"valid":              doc(items(3)),
		"one item":           doc(items(1)),
		"empty list":         doc(`[]`),
		"not a list":         doc(`{"name": "m"}`),
		"broken item":        doc(`[` + item(0) + `, {"name": "Bad Name"}]`),
		"item of a bad type": doc(`[` + item(0) + `, "m_1"]`),
		"unknown item key":   doc(`[{"name": "m", "colour": "red"}]`),
		"broken top level":   strings.Replace(doc(items(2)), `"kind": "FloeSpec"`, `"kind": "Other"`, 1),
		"no list":            strings.Replace(doc(`[]`), `, "transforms": []`, ``, 1),
	}
	s, err := Load("floe-spec")
	if err != nil {
		t.Fatal(err)
	}
	docSchema, itemSchema, err := s.Split("transforms")
	if err != nil {
		t.Fatal(err)
	}
	var valid, invalid int
	for name, text := range cases {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(text)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		whole := s.Validate(v) == nil
		m := v.(map[string]any)
		split := true
		if list, ok := m["transforms"].([]any); ok {
			for _, it := range list {
				split = split && itemSchema.Validate(it) == nil
			}
			m["transforms"] = Placeholders(len(list))
		}
		split = split && docSchema.Validate(m) == nil
		if whole != split {
			t.Errorf("%s: whole document valid %v, split %v", name, whole, split)
		}
		if whole {
			valid++
		} else {
			invalid++
		}
	}
	if valid < 2 || invalid < 6 {
		t.Errorf("%d valid and %d invalid cases: the cases do not say what they mean", valid, invalid)
	}
}

// TestSplitErrors: Split names no list that is not there, and no list whose items are
// not a $defs entry.
func TestSplitErrors(t *testing.T) {
	s, err := Load("floe-spec")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{{"nonesuch"}, {"metadata"}, {"transforms", "deeper"}} {
		if _, _, err := s.Split(path...); err == nil {
			t.Errorf("Split(%v): no error", path)
		}
	}
	for _, c := range []struct {
		schema string
		path   []string
	}{{"compiled-artifacts", []string{"transforms", "models"}}, {"iceberg-io", []string{"tables"}}} {
		a, err := Load(c.schema)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.List(c.path...); err != nil {
			t.Errorf("%s: %v", c.schema, err)
		}
	}
}
