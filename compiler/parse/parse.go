// Package parse is the compiler's first pass: YAML bytes to yaml.Node trees with
// positions. It rejects what YAML itself cannot represent for floe (syntax errors,
// duplicate keys, several documents, non-UTF-8 bytes, oversized or bomb-like input),
// reads plain scalars as YAML 1.1 does, and never panics on any input.
//
// floe.yaml's transforms, the one list that grows with the product, are not kept in the
// tree: Parse hands them, one item at a time, to whoever takes them (List), on every CPU
// for a big file, each checked as the rest of the file is. The next pass validates an
// item and keeps what the later passes need of it (its value and where its fields were
// written), so a 500,000-transform floe.yaml is never one tree in memory.
//
// The package's files, by job:
//
//	parse.go   limits and encodings; the steps of a parse
//	decode.go  decoding, in pieces on every CPU when the list is big
//	errors.go  yaml.v3's error strings as diagnostics at their line and column
//	check.go   duplicate keys and depth, merge keys, the size aliases expand to
//	yaml11.go  plain scalars as YAML 1.1 (the reference's PyYAML) reads them
//	nodes.go   finding a node and its position (Lookup, At, UserPath)
//	value.go   a tree as the generic value the schema validator reads, or as JSON
package parse

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
)

// Limits bound the work a single input file may cause.
const (
	// MaxFileBytes is the largest input file accepted (64 MiB).
	MaxFileBytes = 64 << 20
	// MaxNodes bounds the nodes visited when aliases are expanded ("billion laughs").
	MaxNodes = 20_000_000
	// MaxDepth bounds nesting.
	MaxDepth = 200
	// MaxAliasNodes bounds the nodes aliases and merge keys may add to a document beyond
	// those written in it ("billion laughs"). Parse checks the whole expanded size once,
	// so every later walk of the tree, however it is split up, stays within
	// (nodes written + MaxAliasNodes).
	MaxAliasNodes = 1_000_000
)

// File is one parsed YAML input.
type File struct {
	// Name is the file name as shown in diagnostics.
	Name string
	// Src is the raw bytes (hashed into source_hash, quoted by the text renderer).
	Src []byte
	// Root is the top-level mapping, or nil for an empty document. The sequence of a
	// List has no items in it: they were handed over one by one.
	Root *yaml.Node
	// Items is the number of items of the List that were handed over.
	Items int

	mu sync.Mutex
	// spelled maps key nodes a later pass renamed (snake_case aliases folded into their
	// camelCase key) to what the user wrote, so diagnostics can quote it.
	spelled map[*yaml.Node]string
	// written maps plain scalars whose value YAML 1.1 resolution rewrote (yes → true,
	// 017 → 15) to the text written (see yaml11.go).
	written map[*yaml.Node]string
}

// A List is a top-level block sequence whose items Parse hands over one by one instead
// of keeping them in the tree: floe.yaml's transforms.
type List struct {
	// Key is the top-level key of the list.
	Key string
	// Start is called with the file and the number of items n before any item is handed
	// over, and returns the function each item i (0 ≤ i < n) is handed to, once, from
	// several goroutines at once for a big list (never two that share a node). Start is
	// called again, with a new File, when a file decoded in pieces turns out to need
	// decoding whole (see decode.go): what the first call started is then to be dropped.
	// Items are handed over only while the file has no error that makes Parse return no
	// File; what was handed over belongs to a failed parse when Parse returns nil.
	Start func(f *File, n int) func(i int, item *yaml.Node)
}

// Parse parses src into one tree (a manifest, or floe.yaml outside a compile).
func Parse(name string, src []byte) (*File, diag.List) {
	return ParseList(name, src, nil)
}

// ParseList parses src, handing the items of list (when not nil) over as they are
// decoded. The returned File is nil when src cannot be read as YAML; it is returned with
// errors about single values YAML 1.1 reads differently (see yaml11.go).
func ParseList(name string, src []byte, list *List) (*File, diag.List) {
	return parse(name, src, list, defaultChunking())
}

func parse(name string, src []byte, list *List, c chunking) (*File, diag.List) {
	body, d, ok := readable(name, src)
	if !ok {
		return nil, diag.List{d}
	}
	if list != nil {
		if p, ok := planPieces(body, list.Key, c); ok {
			if f, diags, ok := parsePieces(name, src, body, p, list); ok {
				return f, diags
			}
			// A piece did not decode as the whole file does: decode it whole.
		}
	}
	return parseWhole(name, src, body, list)
}

// readable applies the size limit and the encoding rules, and returns the body (src
// without a UTF-8 byte order mark).
func readable(name string, src []byte) ([]byte, diag.Diagnostic, bool) {
	if len(src) > MaxFileBytes {
		return nil, diag.Errorf(diag.Pos{File: name}, diag.CodeLimit, "", "file is %d bytes; the limit is %d", len(src), MaxFileBytes), false
	}
	body := bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(body, []byte("\xff\xfe")) || bytes.HasPrefix(body, []byte("\xfe\xff")) {
		d := diag.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, diag.CodeEncoding, "", "file is UTF-16; floe reads UTF-8")
		d.Suggest = "save the file as UTF-8"
		return nil, d, false
	}
	if !utf8.Valid(body) {
		line, col := firstInvalidUTF8(body)
		return nil, diag.Errorf(diag.Pos{File: name, Line: line, Col: col}, diag.CodeEncoding, "", "file is not valid UTF-8"), false
	}
	return body, diag.Diagnostic{}, true
}

func firstInvalidUTF8(b []byte) (line, col int) {
	line, col = 1, 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		b = b[size:]
	}
	return line, col
}

// top returns the document's top-level mapping: nil for an empty document, false (with
// the diagnostic) when the top level is something else.
func top(f *File, doc *yaml.Node) (*yaml.Node, diag.List, bool) {
	if len(doc.Content) == 0 {
		return nil, nil, true
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil, true
	}
	if root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, diag.List{diag.Errorf(f.Pos(root), diag.CodeNotMapping, "", "the top level must be a mapping of keys to values, not %s", KindName(root))}, false
	}
	return root, nil, true
}

// parseWhole parses body decoded in one piece: the whole tree is checked, then the
// list's items are handed over (on every CPU unless nodes are shared).
func parseWhole(name string, src, body []byte, list *List) (*File, diag.List) {
	f := &File{Name: name, Src: src}
	doc, d, err := decodeWhole(name, body)
	if err != nil {
		return nil, diag.List{d}
	}
	if doc == nil {
		return f, nil
	}
	root, ds, ok := top(f, doc)
	if !ok {
		return nil, ds
	}
	if root == nil {
		return f, nil
	}
	f.Root = root
	c := newChecker(f)
	c.checkNodes(root, 0)
	if !c.failed() {
		c.expandMerges(root, 0)
	}
	if !c.failed() {
		c.sizeLimit(c.sizeOf(root), c.sizer.written)
	}
	if !c.failed() {
		c.retag11(root)
	}
	diags, ok := c.result()
	if !ok {
		return nil, diags
	}
	if list == nil {
		return f, diags
	}
	// The list is the key's own value once merge keys are applied.
	_, seq := MapGet(root, list.Key)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return f, diags
	}
	items := seq.Content
	seq.Content = nil
	f.Items = len(items)
	take := list.Start(f, len(items))
	handOver(len(items), c.shared, func(i int) { take(i, items[i]) })
	return f, diags
}
