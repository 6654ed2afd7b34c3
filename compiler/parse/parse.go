// Package parse is the compiler's first pass: YAML bytes to a yaml.Node tree with
// positions. It rejects what YAML itself cannot represent for floe (syntax errors,
// duplicate keys, several documents, non-UTF-8 bytes, oversized or bomb-like input)
// and never panics on any input.
package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
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
	// Root is the top-level mapping, or nil for an empty document.
	Root *yaml.Node
	// Spelled maps key nodes a later pass renamed (snake_case aliases folded into their
	// camelCase key) to what the user wrote, so diagnostics can quote it.
	Spelled map[*yaml.Node]string
	// Written maps plain scalars whose value YAML 1.1 resolution rewrote (yes → true,
	// 017 → 15) to the text written (see yaml11.go).
	Written map[*yaml.Node]string
}

// UserPath renders loc (mapping keys and list indexes) as the user wrote it:
// transforms[2].depends_on[0] when floe.yaml says depends_on.
func (f *File) UserPath(loc []string) string {
	var b strings.Builder
	n := f.Root
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
		if s, ok := f.Spelled[k]; ok && k != nil {
			p = s
		}
		b.WriteString(p)
		n = v
	}
	return b.String()
}

// Pos returns n's position in f.
func (f *File) Pos(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: f.Name}
	}
	return diag.Pos{File: f.Name, Line: n.Line, Col: n.Column}
}

var lineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
var colRe = regexp.MustCompile(`^yaml: line (\d+): column (\d+): (.*)$`)

// Parse parses src. The returned File is nil when src cannot be read as YAML; it is
// returned with errors about single values YAML 1.1 reads differently (see yaml11.go).
// Big files are decoded in concurrent pieces (see decodeChunked), to the same tree.
func Parse(name string, src []byte) (*File, diag.List) {
	return parse(name, src, defaultChunking())
}

func parse(name string, src []byte, c chunking) (*File, diag.List) {
	var diags diag.List
	whole := diag.Pos{File: name}
	if len(src) > MaxFileBytes {
		diags.Add(diag.Errorf(whole, diag.CodeLimit, "", "file is %d bytes; the limit is %d", len(src), MaxFileBytes))
		return nil, diags
	}
	body := bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(body, []byte("\xff\xfe")) || bytes.HasPrefix(body, []byte("\xfe\xff")) {
		d := diag.Errorf(diag.Pos{File: name, Line: 1, Col: 1}, diag.CodeEncoding, "", "file is UTF-16; floe reads UTF-8")
		d.Suggest = "save the file as UTF-8"
		diags.Add(d)
		return nil, diags
	}
	if !utf8.Valid(body) {
		line, col := firstInvalidUTF8(body)
		diags.Add(diag.Errorf(diag.Pos{File: name, Line: line, Col: col}, diag.CodeEncoding, "", "file is not valid UTF-8"))
		return nil, diags
	}
	// pieces, when set, are the middle items of a big sequence decoded apart, which the
	// walks below may skip: they are grafted into the tree once it has been checked.
	var doc *yaml.Node
	var pieces *chunkedDoc
	if d, ok := decodeChunked(body, c); ok {
		doc = d.doc
		if d.plain {
			pieces = d
		} else {
			d.graft()
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(body))
		doc = &yaml.Node{}
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			return &File{Name: name, Src: src}, nil
		}
		if err != nil {
			diags.Add(syntaxDiag(name, body, err))
			return nil, diags
		}
		var extra yaml.Node
		if err := dec.Decode(&extra); err == nil {
			diags.Add(diag.Errorf(diag.Pos{File: name, Line: extra.Line, Col: extra.Column}, diag.CodeSyntax, "", "more than one YAML document; floe reads exactly one"))
			return nil, diags
		} else if !errors.Is(err, io.EOF) {
			diags.Add(syntaxDiag(name, body, err))
			return nil, diags
		}
	}
	f := &File{Name: name, Src: src}
	if len(doc.Content) == 0 {
		return f, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil
	}
	if root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		diags.Add(diag.Errorf(f.Pos(root), diag.CodeNotMapping, "", "the top level must be a mapping of keys to values, not %s", KindName(root)))
		return nil, diags
	}
	f.Root = root
	checkNodes(f, root, 0, map[*yaml.Node]bool{}, &diags)
	if diags.HasErrors() {
		return nil, diags
	}
	budget := MaxAliasNodes
	shared := map[*yaml.Node]bool{}
	expandMerges(f, root, 0, map[*yaml.Node]bool{}, shared, &budget, &diags)
	if diags.HasErrors() {
		return nil, diags
	}
	sz := sizer{memo: map[*yaml.Node]int{}, shared: shared}
	if pieces != nil {
		sz.stand, sz.standNodes = pieces.sentinel, pieces.nodes
	}
	if expanded := sz.size(root); expanded > sz.written+MaxAliasNodes {
		d := diag.Errorf(whole, diag.CodeLimit, "", "aliases expand the document to more than %d nodes (%d written); the limit is %d more than written",
			min(expanded, MaxNodes), sz.written, MaxAliasNodes)
		d.Suggest = "write the repeated parts out, or use fewer levels of aliases"
		diags.Add(d)
		return nil, diags
	}
	if pieces != nil {
		pieces.graft()
	}
	// Read as the reference reads it (YAML 1.1). What 1.1 cannot load is an error at
	// its place, but the file is still returned: the rest of it can be checked.
	retag11(f, root, &diags)
	return f, diags
}

// sizer computes a tree's size with aliases expanded, in time linear in the nodes
// written: the nodes that can be reached twice (anchored ones, and those merge keys
// copied) are memoized, and sizes saturate at MaxNodes.
type sizer struct {
	memo    map[*yaml.Node]int
	shared  map[*yaml.Node]bool
	written int // distinct nodes visited
	// stand, when set, stands for standNodes nodes of plain items not in the tree yet
	// (see chunkedDoc).
	stand      *yaml.Node
	standNodes int
}

func (z *sizer) size(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if n == z.stand {
		z.written += z.standNodes
		return min(z.standNodes, MaxNodes)
	}
	if n.Kind == yaml.AliasNode {
		return 1 + z.size(n.Alias)
	}
	again := n.Anchor != "" || z.shared[n]
	if again {
		if v, ok := z.memo[n]; ok {
			return v
		}
		z.memo[n] = MaxNodes // an alias inside its own anchor expands without end
	}
	z.written++
	s := 1
	for _, c := range n.Content {
		s = min(s+z.size(c), MaxNodes)
	}
	if again {
		z.memo[n] = s
	}
	return s
}

// expandMerges applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`) in place, as the
// reference's PyYAML does: keys written in the mapping win over merged ones, and among
// merged mappings the earlier one wins. Entries keep their own positions. A mapping
// reached through several aliases is expanded once.
// budget bounds the entries copied, so merge chains cannot blow up.
//
// done holds anchored nodes only: they are the only ones the walk can reach twice.
// yaml.v3 points aliases at anchored nodes alone, every other node has one parent, and
// the entries a merge copies into a mapping are added after that mapping's walk, so
// the walk never reaches them through it.
func expandMerges(f *File, n *yaml.Node, depth int, done, shared map[*yaml.Node]bool, budget *int, diags *diag.List) {
	n = Deref(n)
	if n == nil || depth > MaxDepth {
		return
	}
	if n.Anchor != "" {
		if done[n] {
			return
		}
		done[n] = true
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			expandMerges(f, c, depth+1, done, shared, budget, diags)
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
		expandMerges(f, v, depth+1, done, shared, budget, diags)
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
					diags.Add(diag.Errorf(f.Pos(item), diag.CodeSyntax, "", "a merge key (<<) takes a mapping or a list of mappings, not a list holding %s", KindName(item)))
				}
			}
		default:
			diags.Add(diag.Errorf(f.Pos(v), diag.CodeSyntax, "", "a merge key (<<) takes a mapping or a list of mappings, not %s", KindName(v)))
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
			if *budget -= 2; *budget < 0 {
				diags.Add(diag.Errorf(f.Pos(n), diag.CodeLimit, "", "merge keys add more than %d nodes to the document", MaxAliasNodes))
				return
			}
			index[k.Value] = len(merged)
			merged = append(merged, k, src.Content[i+1])
			shared[k], shared[src.Content[i+1]] = true, true
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tabLine returns the first line from line on whose indentation holds a tab (yaml.v3
// reports tab errors at the scalar being scanned, which may start a line earlier).
func tabLine(src []byte, line int) (int, int) {
	lines := strings.Split(string(src), "\n")
	for i := max(line, 1) - 1; i < len(lines); i++ {
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
		if j := strings.IndexByte(indent, '\t'); j >= 0 {
			return i + 1, j + 1
		}
	}
	return line, 0
}

// parserProblem lists yaml.v3's parser errors (as opposed to its scanner errors); see
// syntaxDiag.
var parserProblem = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

var unknownAnchorRe = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// aliasUse finds the first use of alias *name in src (yaml.v3 reports an undefined
// alias without a position).
func aliasUse(src []byte, name string) (line, col int) {
	for i, l := range strings.Split(string(src), "\n") {
		for off := 0; ; {
			j := strings.Index(l[off:], "*"+name)
			if j < 0 {
				break
			}
			end := off + j + 1 + len(name)
			if end == len(l) || strings.ContainsRune(" \t\r,]}#", rune(l[end])) {
				return i + 1, utf8.RuneCountInString(l[:off+j]) + 1
			}
			off = end
		}
	}
	return 0, 0
}

func syntaxDiag(name string, src []byte, err error) diag.Diagnostic {
	msg := err.Error()
	pos := diag.Pos{File: name}
	if m := colRe.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Col, _ = strconv.Atoi(m[2])
		msg = m[3]
	} else if m := lineRe.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if parserProblem[msg] {
		// yaml.v3 reports parser (not scanner) errors with the 0-based line of the
		// construct being parsed, and with no line at all when that is the first one.
		pos.Line++
	}
	if n := bytes.Count(src, []byte("\n")) + 1 - boolInt(bytes.HasSuffix(src, []byte("\n"))); pos.Line > n {
		pos.Line, pos.Col = n, 0 // an error at the end of the input: its last line
	}
	if strings.Contains(msg, "tab character") {
		pos.Line, pos.Col = tabLine(src, pos.Line)
	}
	if m := unknownAnchorRe.FindStringSubmatch(msg); m != nil && pos.Line == 0 {
		pos.Line, pos.Col = aliasUse(src, m[1])
	}
	d := diag.Errorf(pos, diag.CodeSyntax, "", "invalid YAML: %s", msg)
	if strings.Contains(msg, "found character that cannot start any token") || strings.Contains(msg, "tab") {
		d.Suggest = "YAML indentation must use spaces, not tabs"
	}
	return d
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

// checkNodes reports duplicate keys (yaml.v3 only reports them when decoding) and
// excessive depth, visiting each node once.
func checkNodes(f *File, n *yaml.Node, depth int, seen map[*yaml.Node]bool, diags *diag.List) {
	if n == nil {
		return
	}
	if depth > MaxDepth {
		diags.Add(diag.Errorf(f.Pos(n), diag.CodeLimit, "", "nesting deeper than %d levels", MaxDepth))
		return
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
				diags.Add(diag.Errorf(f.Pos(k), diag.CodeSyntax, "", "mapping keys must be plain strings, not %s", KindName(k)))
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
				d := diag.Errorf(f.Pos(k), diag.CodeDuplicateKey, "", "duplicate key %q", k.Value)
				d.Related = []diag.Related{{Pos: f.Pos(prev), Message: "first defined here"}}
				d.Suggest = "remove one of the two; YAML does not allow a key twice in one mapping"
				diags.Add(d)
			}
			checkNodes(f, n.Content[i+1], depth+1, seen, diags)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			checkNodes(f, c, depth+1, seen, diags)
		}
	case yaml.AliasNode:
		// Only alias targets can be reached twice: remember those alone.
		if !seen[n.Alias] {
			seen[n.Alias] = true
			checkNodes(f, n.Alias, depth+1, seen, diags)
		}
	}
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

// Lookup follows a JSON-pointer-like path (mapping keys and list indexes) from n and
// returns the key node (nil for list items and the root) and value node of its end.
// It stops at the deepest node that exists.
func Lookup(n *yaml.Node, path []string) (key, val *yaml.Node) {
	val = Deref(n)
	for _, p := range path {
		switch {
		case val == nil:
			return key, val
		case val.Kind == yaml.MappingNode:
			k, v := MapGet(val, p)
			if k == nil {
				return key, val
			}
			key, val = k, v
		case val.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(val.Content) {
				return key, val
			}
			key, val = nil, Deref(val.Content[i])
		default:
			return key, val
		}
	}
	return key, val
}

// LookupExact is Lookup when the whole path exists; ok is false (and both nodes nil)
// when it does not, so callers can look for the value in another file.
func LookupExact(n *yaml.Node, path []string) (key, val *yaml.Node, ok bool) {
	val = Deref(n)
	for _, p := range path {
		switch {
		case val == nil:
			return nil, nil, false
		case val.Kind == yaml.MappingNode:
			k, v := MapGet(val, p)
			if k == nil {
				return nil, nil, false
			}
			key, val = k, v
		case val.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(val.Content) {
				return nil, nil, false
			}
			key, val = nil, Deref(val.Content[i])
		default:
			return nil, nil, false
		}
	}
	return key, val, true
}

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
