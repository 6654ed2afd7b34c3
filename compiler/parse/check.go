package parse

import (
	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/par"
)

// A checker runs Parse's checks over the parts of one file (its top level, and each
// item of a list decoded apart) and keeps what the parts share: the alias targets
// already walked, the nodes merge keys copied, the alias budget, the sizes memoized.
//
// The checks come in an order of precedence, and a file fails at the first that found
// errors, reporting that check's findings alone: duplicate keys and depth (a tree
// that fails them is not walked further by the next), then merge keys, then the size
// aliases expand to. YAML 1.1's verdicts on single values come last and leave the file
// usable. Parts may be checked in any order; only the verdict combines them.
type checker struct {
	f      *File
	nodes  diag.List // duplicate keys, non-string keys, depth
	merges diag.List
	size   diag.List
	yaml11 diag.List

	seen    map[*yaml.Node]bool // alias targets checkNodes walked
	done    map[*yaml.Node]bool // anchored mappings whose merge keys were applied
	copied  map[*yaml.Node]bool // nodes merge keys copied into another mapping
	retaged map[*yaml.Node]bool // alias targets retag11 walked
	budget  int                 // entries merge keys may still copy
	sizer   sizer
	// shared is set when the file holds an anchor or an alias: then its parts may share
	// nodes and must be walked one after the other.
	shared bool
}

func newChecker(f *File) *checker {
	return &checker{f: f, seen: map[*yaml.Node]bool{}, done: map[*yaml.Node]bool{}, copied: map[*yaml.Node]bool{},
		retaged: map[*yaml.Node]bool{}, budget: MaxAliasNodes}
}

// failed reports whether a check that makes the file unusable found an error: the next
// check in the order of precedence must not walk a tree that failed the one before
// (merge keys can make a mapping hold itself, which only the size check catches).
func (c *checker) failed() bool {
	return c.nodes.HasErrors() || c.merges.HasErrors() || c.size.HasErrors()
}

// result combines the checks' findings into Parse's: false when the file failed one.
func (c *checker) result() (diag.List, bool) {
	for _, l := range []diag.List{c.nodes, c.merges, c.size} {
		if l.HasErrors() {
			return l, false
		}
	}
	return c.yaml11, true
}

// add appends the findings of the checker of another part.
func (c *checker) add(o *checker) {
	c.nodes.Add(o.nodes...)
	c.merges.Add(o.merges...)
	c.size.Add(o.size...)
	c.yaml11.Add(o.yaml11...)
}

// sizeLimit reports a document whose aliases expand it beyond the limit; expanded is its
// size with aliases expanded, written the nodes written in it.
func (c *checker) sizeLimit(expanded, written int) {
	if expanded > written+MaxAliasNodes {
		d := diag.Errorf(diag.Pos{File: c.f.Name}, diag.CodeLimit, "", "aliases expand the document to more than %d nodes (%d written); the limit is %d more than written",
			min(expanded, MaxNodes), written, MaxAliasNodes)
		d.Suggest = "write the repeated parts out, or use fewer levels of aliases"
		c.size.Add(d)
	}
}

// handOver calls fn for each of n items: on every CPU for a big list, on the caller's
// goroutine when shared (the items may share nodes).
func handOver(n int, shared bool, fn func(i int)) {
	if shared {
		for i := range n {
			fn(i)
		}
		return
	}
	_ = par.Each(n, func(i int) error { fn(i); return nil })
}

// checkNodes reports duplicate keys (yaml.v3 only reports them when decoding) and
// excessive depth, visiting each node once.
func (c *checker) checkNodes(n *yaml.Node, depth int) {
	if n == nil {
		return
	}
	if depth > MaxDepth {
		c.nodes.Add(diag.Errorf(c.f.Pos(n), diag.CodeLimit, "", "nesting deeper than %d levels", MaxDepth))
		return
	}
	if n.Anchor != "" {
		c.shared = true
	}
	switch n.Kind {
	case yaml.MappingNode:
		// Small mappings (the common case) are checked by a linear scan: no map allocation.
		var keys map[string]*yaml.Node
		if len(n.Content) > 32 {
			keys = make(map[string]*yaml.Node, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				c.nodes.Add(diag.Errorf(c.f.Pos(k), diag.CodeSyntax, "", "mapping keys must be plain strings, not %s", KindName(k)))
				continue
			}
			var prev *yaml.Node
			if keys != nil {
				prev = keys[k.Value]
				if prev == nil {
					keys[k.Value] = k
				}
			} else {
				for j := 0; j < i; j += 2 {
					if pk := n.Content[j]; pk.Kind == yaml.ScalarNode && pk.Value == k.Value {
						prev = pk
						break
					}
				}
			}
			if prev != nil {
				d := diag.Errorf(c.f.Pos(k), diag.CodeDuplicateKey, "", "duplicate key %q", k.Value)
				d.Related = []diag.Related{{Pos: c.f.Pos(prev), Message: "first defined here"}}
				d.Suggest = "remove one of the two; YAML does not allow a key twice in one mapping"
				c.nodes.Add(d)
			}
			c.checkNodes(n.Content[i+1], depth+1)
		}
	case yaml.SequenceNode:
		for _, ch := range n.Content {
			c.checkNodes(ch, depth+1)
		}
	case yaml.AliasNode:
		c.shared = true
		// Only alias targets can be reached twice: remember those alone.
		if !c.seen[n.Alias] {
			c.seen[n.Alias] = true
			c.checkNodes(n.Alias, depth+1)
		}
	}
}

// expandMerges applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`) in place, as the
// reference's PyYAML does: keys written in the mapping win over merged ones, and among
// merged mappings the earlier one wins. Entries keep their own positions. A mapping
// reached through several aliases is expanded once. The budget bounds the entries
// copied, so merge chains cannot blow up.
//
// done holds anchored nodes only: they are the only ones the walk can reach twice.
// yaml.v3 points aliases at anchored nodes alone, every other node has one parent, and
// the entries a merge copies into a mapping are added after that mapping's walk, so
// the walk never reaches them through it.
func (c *checker) expandMerges(n *yaml.Node, depth int) {
	n = Deref(n)
	if n == nil || depth > MaxDepth {
		return
	}
	if n.Anchor != "" {
		if c.done[n] {
			return
		}
		c.done[n] = true
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, ch := range n.Content {
			c.expandMerges(ch, depth+1)
		}
		return
	case yaml.MappingNode:
	default:
		return
	}
	// own (the mapping's entries without its merge keys) is built from the first merge
	// key on: most mappings have none and cost no allocation.
	var own, merged, sources []*yaml.Node
	merging := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		c.expandMerges(v, depth+1)
		if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
			if merging {
				own = append(own, k, v)
			}
			continue
		}
		if !merging {
			merging = true
			own = append(make([]*yaml.Node, 0, len(n.Content)), n.Content[:i]...)
		}
		switch dv := Deref(v); {
		case dv != nil && dv.Kind == yaml.MappingNode:
			sources = append(sources, dv)
		case dv != nil && dv.Kind == yaml.SequenceNode:
			for _, item := range dv.Content {
				if di := Deref(item); di != nil && di.Kind == yaml.MappingNode {
					sources = append(sources, di)
				} else {
					c.merges.Add(diag.Errorf(c.f.Pos(item), diag.CodeSyntax, "", "a merge key (<<) takes a mapping or a list of mappings, not a list holding %s", KindName(item)))
				}
			}
		default:
			c.merges.Add(diag.Errorf(c.f.Pos(v), diag.CodeSyntax, "", "a merge key (<<) takes a mapping or a list of mappings, not %s", KindName(v)))
		}
	}
	if !merging {
		return
	}
	// Key order as PyYAML builds the dict: merged keys first, then the mapping's own;
	// an own key replaces a merged one in place.
	index := map[string]int{}
	for _, src := range sources {
		for i := 0; i+1 < len(src.Content); i += 2 {
			k := src.Content[i]
			if _, dup := index[k.Value]; dup {
				continue
			}
			if c.budget -= 2; c.budget < 0 {
				c.merges.Add(diag.Errorf(c.f.Pos(n), diag.CodeLimit, "", "merge keys add more than %d nodes to the document", MaxAliasNodes))
				return
			}
			index[k.Value] = len(merged)
			merged = append(merged, k, src.Content[i+1])
			c.copied[k], c.copied[src.Content[i+1]] = true, true
		}
	}
	for i := 0; i < len(own); i += 2 {
		if j, ok := index[own[i].Value]; ok {
			merged[j], merged[j+1] = own[i], own[i+1]
			continue
		}
		merged = append(merged, own[i], own[i+1])
	}
	n.Content = merged
}

// sizer computes a tree's size with aliases expanded, in time linear in the nodes
// written: the nodes that can be reached twice (anchored ones, and those merge keys
// copied) are memoized, and sizes saturate at MaxNodes.
type sizer struct {
	memo    map[*yaml.Node]int
	written int // distinct nodes visited
}

// sizeOf returns n's size with aliases expanded and counts the nodes written under it.
func (c *checker) sizeOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	z := &c.sizer
	if n.Kind == yaml.AliasNode {
		return 1 + c.sizeOf(n.Alias)
	}
	again := n.Anchor != "" || c.copied[n]
	if again {
		if v, ok := z.memo[n]; ok {
			return v
		}
		if z.memo == nil {
			z.memo = map[*yaml.Node]int{}
		}
		z.memo[n] = MaxNodes // an alias inside its own anchor expands without end
	}
	z.written++
	s := 1
	for _, ch := range n.Content {
		s = min(s+c.sizeOf(ch), MaxNodes)
	}
	if again {
		z.memo[n] = s
	}
	return s
}
