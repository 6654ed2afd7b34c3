package validate

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Broken is the set of values of a file that failed validation (or are required and
// missing), by path ("transforms/3/name"). Validation replaces each broken value by
// null and drops each unknown key, so the file still decodes; later passes run over
// what is left and skip what depends on a broken value, which was already reported.
type Broken map[string]bool

// Has reports whether the value at path, or a value that holds it, is broken.
func (b Broken) Has(path ...string) bool {
	if len(b) == 0 {
		return false
	}
	var k strings.Builder
	for i, p := range path {
		if i > 0 {
			k.WriteByte('/')
		}
		k.WriteString(p)
		if b[k.String()] {
			return true
		}
	}
	return false
}

// Within reports whether the value at path, a value that holds it or a value it holds
// is broken.
func (b Broken) Within(path ...string) bool {
	if b.Has(path...) {
		return true
	}
	prefix := strings.Join(path, "/") + "/"
	for k := range b {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// Add marks path broken.
func (b Broken) Add(path ...string) {
	b[strings.Join(path, "/")] = true
}

// breakage collects, while the diagnostics of a tree are made, what the schema pass
// found broken; apply prunes the tree once every diagnostic is made (they look nodes up
// in it).
type breakage struct {
	paths [][]string
	null  []*yaml.Node
	drop  []dropKey
}

type dropKey struct {
	m   *yaml.Node
	key string
}

// broken records loc as broken and its value node, when it exists, for nulling.
func (b *breakage) broken(t *tree, loc []string) {
	if b == nil {
		return
	}
	_, v, ok := t.lookupExact(loc)
	b.paths = append(b.paths, append([]string(nil), loc...))
	if ok && v != nil {
		b.null = append(b.null, v)
	}
}

// brokenNode records loc as broken with its value node n.
func (b *breakage) brokenNode(loc []string, n *yaml.Node) {
	if b == nil {
		return
	}
	b.paths = append(b.paths, append([]string(nil), loc...))
	b.null = append(b.null, n)
}

// missing records loc as broken (a required value that is not there).
func (b *breakage) missing(loc []string) {
	if b == nil {
		return
	}
	b.paths = append(b.paths, append([]string(nil), loc...))
}

// unknown records key of mapping m for removal.
func (b *breakage) unknown(m *yaml.Node, key string) {
	if b == nil || m == nil {
		return
	}
	b.drop = append(b.drop, dropKey{m, key})
}

// apply prunes the tree and adds the broken paths to set (made when nil and needed).
func (b *breakage) apply(set Broken) Broken {
	for _, d := range b.drop {
		m := d.m
		kept := m.Content[:0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value != d.key {
				kept = append(kept, m.Content[i], m.Content[i+1])
			}
		}
		m.Content = kept
	}
	for _, n := range b.null {
		nullNode(n)
	}
	for _, p := range b.paths {
		if set == nil {
			set = Broken{}
		}
		set.Add(p...)
	}
	return set
}

// nullNode turns n into a null scalar in place, keeping its position.
func nullNode(n *yaml.Node) {
	n.Kind, n.Tag, n.Value, n.Content, n.Style, n.Anchor, n.Alias = yaml.ScalarNode, "!!null", "", nil, 0, "", nil
}
