package parse

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
)

// Finding nodes and their positions. A path is a list of mapping keys and list
// indexes from a node ("transforms", "2", "name"); walk is the one walker that follows
// one, and the rest of this file says which of its nodes a diagnostic points at.

// Deref follows an alias.
func Deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// MapGet returns the key and value nodes of key in mapping n (nil when absent).
func MapGet(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], Deref(n.Content[i+1])
		}
	}
	return nil, nil
}

// walk follows path from n as far as it exists, and returns the key node (nil for a
// list item, and for n itself) and the value node of the deepest step that exists, and
// whether every step did.
func walk(n *yaml.Node, path []string) (key, val *yaml.Node, complete bool) {
	val = Deref(n)
	for _, p := range path {
		switch {
		case val == nil:
			return key, val, false
		case val.Kind == yaml.MappingNode:
			k, v := MapGet(val, p)
			if k == nil {
				return key, val, false
			}
			key, val = k, v
		case val.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(val.Content) {
				return key, val, false
			}
			key, val = nil, Deref(val.Content[i])
		default:
			return key, val, false
		}
	}
	return key, val, true
}

// Lookup follows path from n and returns the key and value nodes of its end, or of the
// deepest step that exists.
func Lookup(n *yaml.Node, path []string) (key, val *yaml.Node) {
	key, val, _ = walk(n, path)
	return key, val
}

// LookupExact is Lookup when the whole path exists; ok is false (and both nodes nil)
// when it does not, so callers can look for the value in another file.
func LookupExact(n *yaml.Node, path []string) (key, val *yaml.Node, ok bool) {
	key, val, ok = walk(n, path)
	if !ok {
		return nil, nil, false
	}
	return key, val, true
}

// Pos returns n's position in f.
func (f *File) Pos(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: f.Name}
	}
	return diag.Pos{File: f.Name, Line: n.Line, Col: n.Column}
}

// At is the position of the value at path from the top level, or of the deepest value
// on the path that exists: where a diagnostic about that value points.
func (f *File) At(path ...string) diag.Pos {
	_, v, _ := walk(f.Root, path)
	return f.Pos(v)
}

// Mark is where a diagnostic about the whole value at path points: at the value, or at
// its key when the value is a block mapping or list (which starts on the line after its
// key); when path does not exist, at the deepest value on it that does.
func (f *File) Mark(path ...string) diag.Pos {
	return f.Pos(Mark(f.Root, path))
}

// Mark is File.Mark's node: the value at path from n, or its key when the value is a
// block mapping or list.
func Mark(n *yaml.Node, path []string) *yaml.Node {
	k, v, _ := walk(n, path)
	if k != nil && IsBlock(v) {
		return k
	}
	return v
}

// IsBlock reports whether n is a mapping or list written in block style (starting on
// the line after its key).
func IsBlock(n *yaml.Node) bool {
	return n != nil && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && n.Style&yaml.FlowStyle == 0
}

// Key is the position of the key of the value at path (of the deepest one that exists).
func (f *File) Key(path ...string) diag.Pos {
	k, _, _ := walk(f.Root, path)
	return f.Pos(k)
}

// Has reports whether the whole path exists in f.
func (f *File) Has(path ...string) bool {
	_, _, ok := walk(f.Root, path)
	return ok
}

// Find returns the key and value nodes at path, when the whole path exists.
func (f *File) Find(path ...string) (key, val *yaml.Node, ok bool) {
	return LookupExact(f.Root, path)
}

// Spell records that the key node k, renamed to its canonical spelling by a later pass,
// was written as written. The top level of a file is validated on one goroutine; the
// items of a List keep their own spellings (see UserPath).
func (f *File) Spell(k *yaml.Node, written string) {
	if f.spelled == nil {
		f.spelled = map[*yaml.Node]string{}
	}
	f.spelled[k] = written
}

// Spelled returns what the key node k was written as, when a later pass renamed it.
func (f *File) Spelled(k *yaml.Node) (string, bool) {
	s, ok := f.spelled[k]
	return s, ok
}

// UserPath renders loc (mapping keys and list indexes from the top level) as the user
// wrote it: transforms[2].depends_on[0] when floe.yaml says depends_on.
func (f *File) UserPath(loc []string) string {
	return UserPath(f.Root, loc, f.spelled)
}

// UserPath renders loc from n as the user wrote it, spelled giving what renamed keys
// were written as.
func UserPath(n *yaml.Node, loc []string, spelled map[*yaml.Node]string) string {
	var b strings.Builder
	for _, p := range loc {
		if i, err := strconv.Atoi(p); err == nil && i >= 0 {
			b.WriteString("[" + p + "]")
			if n = Deref(n); n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
				n = n.Content[i]
			} else {
				n = nil
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		k, v := MapGet(n, p)
		if s, ok := spelled[k]; ok && k != nil {
			p = s
		}
		b.WriteString(p)
		n = v
	}
	return b.String()
}

// KindName describes a node's kind for messages ("a mapping", "a list", "a string").
func KindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return KindName(n.Alias)
	}
	if v := scalar(n); n.Tag != "!!null" {
		if _, isString := v.(string); isString {
			// .inf and .nan, and a tag the value does not fit (!!int abc), leave a string.
			if n.Tag == "!!float" {
				var f float64
				if err := n.Decode(&f); err == nil {
					return "an infinite or NaN number (" + n.Value + ")"
				}
			}
			return "a string"
		}
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case TimestampTag:
		return "a date"
	case "!!bool":
		return "a boolean"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	}
	return "a string"
}
