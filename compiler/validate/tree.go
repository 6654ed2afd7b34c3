package validate

import (
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
)

// A tree is the part of a file a rule runs over: the file's top level, or one item of
// floe.yaml's transforms, which parse hands over apart from the file's tree. Every
// path a rule speaks of starts at the file's top level; an item's start with
// transforms and its index (its prefix).
type tree struct {
	f      *parse.File
	root   *yaml.Node
	prefix []string
	// spelled holds what the keys folded in an item were written as (the top level's
	// are the file's).
	spelled map[*yaml.Node]string
}

// top is the file's top level.
func top(f *parse.File) *tree {
	return &tree{f: f, root: f.Root}
}

// item is item i of the list under key, handed over as n.
func item(f *parse.File, key string, i int, n *yaml.Node) *tree {
	return &tree{f: f, root: n, prefix: []string{key, strconv.Itoa(i)}}
}

// rel is loc without the tree's prefix (false when loc is outside the tree).
func (t *tree) rel(loc []string) ([]string, bool) {
	if len(loc) < len(t.prefix) || !slices.Equal(loc[:len(t.prefix)], t.prefix) {
		return nil, false
	}
	return loc[len(t.prefix):], true
}

// lookup is parse.Lookup from the file's top level, for a path in this tree.
func (t *tree) lookup(loc []string) (key, val *yaml.Node) {
	rel, ok := t.rel(loc)
	if !ok {
		return nil, nil
	}
	return parse.Lookup(t.root, rel)
}

// lookupExact is parse.LookupExact from the file's top level, for a path in this tree.
func (t *tree) lookupExact(loc []string) (key, val *yaml.Node, ok bool) {
	rel, ok := t.rel(loc)
	if !ok {
		return nil, nil, false
	}
	return parse.LookupExact(t.root, rel)
}

// pos is n's position in the file.
func (t *tree) pos(n *yaml.Node) diag.Pos { return t.f.Pos(n) }

// spell records that key node k was written as written.
func (t *tree) spell(k *yaml.Node, written string) {
	if t.prefix == nil {
		t.f.Spell(k, written)
		return
	}
	if t.spelled == nil {
		t.spelled = map[*yaml.Node]string{}
	}
	t.spelled[k] = written
}

// spelledAs returns what key node k was written as, when a rule renamed it.
func (t *tree) spelledAs(k *yaml.Node) (string, bool) {
	if t.prefix == nil {
		return t.f.Spelled(k)
	}
	s, ok := t.spelled[k]
	return s, ok
}

// userPath renders loc as the user wrote it: transforms[2].depends_on[0].
func (t *tree) userPath(loc []string) string {
	if t.prefix == nil {
		return t.f.UserPath(loc)
	}
	rel, ok := t.rel(loc)
	if !ok {
		return DottedPath(loc)
	}
	head, tail := DottedPath(t.prefix), parse.UserPath(t.root, rel, t.spelled)
	if tail == "" || tail[0] == '[' {
		return head + tail
	}
	return head + "." + tail
}
