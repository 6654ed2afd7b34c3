package parse

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync/atomic"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/par"
)

// Decoding in pieces.
//
// yaml.v3 decodes about 10 MB/s, and a big floe.yaml is one long top-level block
// sequence (transforms:). Its items are independent, so they can be decoded apart: the
// lines of the sequence are cut where an item starts at the sequence's indentation,
// each run of items (a piece) is decoded on its own, on every CPU, and its items are
// checked and handed over to the next pass, which keeps what it needs of them. The
// rest of the file (the skeleton) is decoded once. Each item must be the node, with
// the positions, that decoding the whole file gives; parsePieces gives up (and Parse
// decodes the whole file) whenever it cannot show that:
//
//   - Line numbers: every piece keeps its bytes and its lines intact, and starts with
//     as many empty lines as precede it in the file, so yaml.v3 numbers its lines and
//     columns as in the file. Files with other line breaks than \n (\r, NEL, LS, PS),
//     a BOM past the start, directives or document markers are not split.
//   - Where a piece ends, yaml.v3 looks at the next token: an empty value at the end of
//     an item is placed where the next item begins. Each piece therefore ends with a
//     sentinel item, "-" at the sequence's indentation on the very line where the next
//     item begins in the file; it is dropped after decoding.
//   - The skeleton keeps the first and last items of the sequence, and the middle
//     items are replaced by the sentinel line and empty lines, so what precedes and
//     follows the sequence, and its first and last item, are decoded in the same
//     surroundings as in the file.
//   - A cut can only be wrong inside a multi-line quoted scalar or flow collection,
//     which would leave the piece before it unterminated (an error), or hide an item
//     start, which would change the count of items: both are checked. Block and plain
//     scalars end at a line indented no more than the sequence.
//   - Comments, whose attachment to nodes depends on their surroundings, and tabs are
//     not allowed from the first item's line to the last item's last line.
//   - The items of a piece hold no anchor, alias or merge key, and neither the list nor
//     the top level is anchored: nothing in an item is shared with another part of the
//     file, nor can the item be reached another way, so each is checked alone, on any
//     CPU.
//   - yaml.v3's nesting limit counts one level less in a piece than in the file: pieces
//     nested deeper than MaxDepth are not used (Parse rejects those files anyway).
//
// A piece that fails any of these makes Parse decode the whole file instead, after the
// other pieces were handed over: List.Start is then called again. TestPiecesSame and
// FuzzParse compare both ways of decoding.

// chunking says when and how finely a file is cut into pieces.
type chunking struct {
	minBytes   int // smaller files are decoded whole
	pieces     int // at least this many pieces (< 2: the file is decoded whole)
	pieceBytes int // at most about this many bytes a piece (0: no bound)
}

// defaultChunking cuts files of 64 KiB and more into two pieces per CPU at least (so
// CPUs that finish early take more), and pieces of at most 512 KiB (so a big file is
// never decoded all at once: a piece's tree is garbage once its items are handed over).
func defaultChunking() chunking {
	return chunking{minBytes: 64 << 10, pieces: 2 * runtime.GOMAXPROCS(0), pieceBytes: 512 << 10}
}

// itemLine is a line that starts an item of the sequence being split.
type itemLine struct {
	off  int // byte offset of the line in the file
	line int // 1-based line number
}

// seqRegion is a top-level block sequence found by looking at lines alone.
type seqRegion struct {
	indent  int // column of its "-" (0-based)
	start   int // byte offset of its first item
	end     int // byte offset just after its last line with content
	startLn int // line of its first item
}

// plan is how a file is cut: items are every item line of the list, and piece k holds
// the items from cuts[k] to cuts[k+1] (the first and last items stay in the skeleton).
type plan struct {
	key    string
	region seqRegion
	items  []itemLine
	cuts   []int
}

// planPieces cuts body's list under key into pieces, by its lines alone; false when
// the file is small or cannot be cut safely (then it is decoded whole).
func planPieces(body []byte, key string, c chunking) (*plan, bool) {
	if c.pieces < 2 || len(body) < c.minBytes {
		return nil, false
	}
	// Other line breaks than \n move line numbers, and a BOM may start a document.
	for _, s := range []string{"\r", "\u0085", "\u2028", "\u2029", "\ufeff"} {
		if bytes.Contains(body, []byte(s)) {
			return nil, false
		}
	}
	region, ok := keySequence(body, key)
	if !ok {
		return nil, false
	}
	items, ok := itemLines(body, region)
	if !ok || len(items) < 3 || !plainLines(body[region.start:region.end]) {
		return nil, false
	}
	middle := items[1 : len(items)-1]
	last := items[len(items)-1]
	n := c.pieces
	if c.pieceBytes > 0 {
		n = max(n, (last.off-middle[0].off+c.pieceBytes-1)/c.pieceBytes)
	}
	n = min(n, len(middle))
	target := (last.off - middle[0].off + n - 1) / n
	p := &plan{key: key, region: region, items: items}
	for i := 1; i < len(items)-1; i++ {
		if len(p.cuts) == 0 || (items[i].off-items[p.cuts[len(p.cuts)-1]].off >= target && len(p.cuts) < n) {
			p.cuts = append(p.cuts, i)
		}
	}
	p.cuts = append(p.cuts, len(items)-1)
	return p, true
}

// parsePieces parses body cut as p: the skeleton is decoded and checked, the pieces are
// decoded on every CPU and their items checked and handed over as they come, and the
// first and last items are handed over once the whole file passed. False when a piece
// did not decode as the whole file does (the file is then decoded whole).
func parsePieces(name string, src, body []byte, p *plan, list *List) (*File, diag.List, bool) {
	f := &File{Name: name, Src: src}
	doc, seq, ok := decodeSkeleton(body, p)
	if !ok {
		return nil, nil, false
	}
	root := doc.Content[0]
	f.Root = root
	c := newChecker(f)
	c.checkNodes(root, 0)
	if !c.failed() {
		c.expandMerges(root, 0)
	}
	expanded := 0
	if !c.failed() {
		expanded = c.sizeOf(root)
	}
	n := len(p.items)
	take := list.Start(f, n)

	type result struct {
		c     *checker
		nodes int
	}
	results := make([]result, len(p.cuts)-1)
	var failed atomic.Bool
	_ = par.Ranges(min(runtime.GOMAXPROCS(0), len(results)), len(results), func(_, lo, hi int) error {
		for k := lo; k < hi && !failed.Load(); k++ {
			items, nodes, ok := p.decodePiece(body, k)
			if !ok {
				failed.Store(true)
				return nil
			}
			pc := newChecker(f)
			for j, item := range items {
				errs := len(pc.nodes)
				// Items sit at depth 2 of the file: root mapping, sequence, item.
				pc.checkNodes(item, 2)
				pc.retag11(item)
				if len(pc.nodes) == errs {
					take(p.cuts[k]+j, item)
				}
			}
			results[k] = result{pc, nodes}
		}
		return nil
	})
	if failed.Load() {
		return nil, nil, false
	}
	// The sentinel stands in the skeleton for the middle items: count them instead.
	written, expanded := c.sizer.written-1, expanded-1
	for _, r := range results {
		c.add(r.c)
		written += r.nodes
		expanded += r.nodes
	}
	if !c.failed() {
		c.sizeLimit(min(expanded, MaxNodes), written)
	}
	if !c.failed() {
		c.retag11(root)
	}
	diags, ok := c.result()
	if !ok {
		return nil, diags, true
	}
	take(0, seq.Content[0])
	take(n-1, seq.Content[2])
	seq.Content = nil
	f.Items = n
	return f, diags, true
}

// decodeWhole decodes body in one piece: nil for an empty document, the diagnostic
// when it is not one YAML document.
func decodeWhole(name string, body []byte) (*yaml.Node, diag.Diagnostic, error) {
	dec := yaml.NewDecoder(bytes.NewReader(body))
	doc := &yaml.Node{}
	err := dec.Decode(doc)
	if errors.Is(err, io.EOF) {
		return nil, diag.Diagnostic{}, nil
	}
	if err != nil {
		return nil, syntaxDiag(name, body, err), err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, diag.Errorf(diag.Pos{File: name, Line: extra.Line, Col: extra.Column}, diag.CodeSyntax, "", "more than one YAML document; floe reads exactly one"), errMore
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxDiag(name, body, err), err
	}
	return doc, diag.Diagnostic{}, nil
}

var errMore = errors.New("more than one document")

// keySequence finds the block sequence that is the value of the top-level key, by
// indentation alone: after the line "key:" (a comment may follow), a line "- …" at some
// column c starts it, and it goes on through empty lines, comment lines, lines indented
// more than c and further "- …" lines at column c. The guess is checked by decoding
// (decodeSkeleton). False when there is none, or when the file holds a directive or
// document marker.
func keySequence(body []byte, key string) (seqRegion, bool) {
	var cur seqRegion
	inSeq, found := false, false
	afterKey := false // the last line with content is the key's
	for off, ln := 0, 1; off < len(body); ln++ {
		end := bytes.IndexByte(body[off:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += off + 1
		}
		line := body[off:end]
		if bytes.HasPrefix(line, []byte("%")) || bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")) {
			return seqRegion{}, false
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		blank := len(rest) == 0 || rest[0] == '\n'
		comment := !blank && rest[0] == '#'
		dash := !blank && rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '\n')
		switch {
		case inSeq && (blank || comment || indent > cur.indent || (indent == cur.indent && dash)):
			if !blank && !comment {
				cur.end = end // comments after the last item belong to what follows
			}
		case inSeq:
			inSeq = false
		case found:
		case blank, comment:
		case dash && afterKey:
			inSeq, found = true, true
			cur = seqRegion{indent: indent, start: off, end: end, startLn: ln}
		default:
			afterKey = indent == 0 && isKeyLine(line, key)
		}
		off = end
	}
	return cur, found && cur.end > cur.start
}

// isKeyLine reports whether line is "key:", perhaps followed by spaces and a comment.
func isKeyLine(line []byte, key string) bool {
	rest, ok := bytes.CutPrefix(line, []byte(key+":"))
	if !ok {
		return false
	}
	value := bytes.TrimLeft(rest, " ")
	return len(value) == 0 || value[0] == '\n' || value[0] == '#' && len(value) < len(rest)
}

// itemLines lists the lines of r that start an item at its indentation.
func itemLines(body []byte, r seqRegion) ([]itemLine, bool) {
	var items []itemLine
	for off, ln := r.start, r.startLn; off < r.end; ln++ {
		end := bytes.IndexByte(body[off:r.end], '\n')
		if end < 0 {
			return nil, false // the sequence must end with a line break, like every piece
		}
		end += off + 1
		line := body[off:end]
		if len(line) > r.indent && line[r.indent] == '-' && (line[r.indent+1] == ' ' || line[r.indent+1] == '\n') &&
			len(bytes.TrimLeft(line[:r.indent], " ")) == 0 {
			items = append(items, itemLine{off: off, line: ln})
		}
		off = end
	}
	return items, true
}

// plainLines reports whether b holds no tab and nothing that may be a comment
// ('#' at the start of a line or after a space).
func plainLines(b []byte) bool {
	if bytes.IndexByte(b, '\t') >= 0 {
		return false
	}
	for i := bytes.IndexByte(b, '#'); i >= 0; {
		if i == 0 || b[i-1] == ' ' || b[i-1] == '\n' {
			return false
		}
		j := bytes.IndexByte(b[i+1:], '#')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

// decodePiece decodes piece k: its items as a sequence at the list's indentation,
// followed by the sentinel item. It returns the items and how many nodes they hold;
// false when the piece does not decode to exactly its items, in their lines, with
// nothing shared.
func (p *plan) decodePiece(body []byte, k int) (items []*yaml.Node, nodes int, ok bool) {
	defer func() {
		// Should yaml.v3 panic, let it do so again when the whole file is decoded, on
		// the caller's goroutine, where the CLI reports an internal error.
		if recover() != nil {
			items, nodes, ok = nil, 0, false
		}
	}()
	lines := p.items[p.cuts[k]:p.cuts[k+1]]
	first, next := lines[0], p.items[p.cuts[k+1]]
	indent := p.region.indent
	text := make([]byte, 0, first.line-1+next.off-first.off+indent+2)
	text = append(text, bytes.Repeat([]byte("\n"), first.line-1)...)
	text = append(text, body[first.off:next.off]...)
	text = append(text, bytes.Repeat([]byte(" "), indent)...)
	text = append(text, "-\n"...)
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, 0, false
	}
	seq := doc.Content[0]
	if !isBlockSeqAt(seq, first.line, indent) || len(seq.Content) != len(lines)+1 || !isSentinel(seq.Content[len(lines)]) {
		return nil, 0, false
	}
	items = seq.Content[:len(lines)]
	for i, n := range items {
		// An item starts on its line, or where the next begins when it is empty.
		end := next.line
		if i+1 < len(lines) {
			end = lines[i+1].line
		}
		if n.Line < lines[i].line || n.Line > end {
			return nil, 0, false
		}
		c, ok := plainNodes(n, 0)
		if !ok {
			return nil, 0, false
		}
		nodes += c
	}
	return items, nodes, true
}

// plainNodes counts the nodes of n and reports whether none is an anchor, an alias or a
// merge key, and n nests at most MaxDepth levels below the piece's sequence: yaml.v3
// counts one level less in a piece than in the file, and deeper files are rejected
// anyway.
func plainNodes(n *yaml.Node, depth int) (int, bool) {
	if depth >= MaxDepth || n.Anchor != "" || n.Kind == yaml.AliasNode || n.Tag == "!!merge" {
		return 0, false
	}
	count := 1
	for _, c := range n.Content {
		k, ok := plainNodes(c, depth+1)
		if !ok {
			return 0, false
		}
		count += k
	}
	return count, true
}

// decodeSkeleton decodes body with the middle items replaced by the sentinel item and
// empty lines, and returns the document and the list's sequence, whose three items are
// the first item, the sentinel and the last item.
func decodeSkeleton(body []byte, p *plan) (*yaml.Node, *yaml.Node, bool) {
	r, first, mid, last := p.region, p.items[0], p.items[1], p.items[len(p.items)-1]
	blank := last.line - mid.line - 1
	text := make([]byte, 0, mid.off+r.indent+2+blank+len(body)-last.off)
	text = append(text, body[:mid.off]...)
	text = append(text, bytes.Repeat([]byte(" "), r.indent)...)
	text = append(text, "-\n"...)
	text = append(text, bytes.Repeat([]byte("\n"), blank)...)
	text = append(text, body[last.off:]...)
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, false
	}
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, false
	}
	// The items must be reachable one way only: not through an alias of the list or of
	// the top level (a walk through it would reach them at another depth).
	root := doc.Content[0]
	k, seq := MapGet(root, p.key)
	if root.Anchor != "" || k == nil || k.Style != 0 || !isBlockSeqAt(seq, first.line, r.indent) || seq.Anchor != "" ||
		len(seq.Content) != 3 || !isSentinel(seq.Content[1]) || seq.Content[0].Line > mid.line || seq.Content[2].Line < last.line {
		return nil, nil, false
	}
	return &doc, seq, true
}

// isBlockSeqAt reports whether n is a block sequence whose first "-" is at line, column
// indent (0-based).
func isBlockSeqAt(n *yaml.Node, line, indent int) bool {
	return n != nil && n.Kind == yaml.SequenceNode && n.Style == 0 && n.Tag == "!!seq" && n.Line == line && n.Column == indent+1
}

// isSentinel reports whether n is what the sentinel line "-" decodes to.
func isSentinel(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0 && n.Anchor == "" && len(n.Content) == 0
}
