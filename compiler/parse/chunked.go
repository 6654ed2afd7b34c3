package parse

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
)

// Chunked decoding.
//
// yaml.v3 decodes about 10 MB/s, and a big floe.yaml is one long top-level block
// sequence (transforms:). Its items are independent, so they can be decoded
// concurrently: the lines of the sequence are cut where an item starts at the
// sequence's indentation, each run of items is decoded on its own, and the items are
// grafted into the tree decoded from the rest of the file. The result must be the tree
// sequential decoding gives, node for node and position for position; decodeChunked
// gives up (and Parse decodes the whole file as usual) whenever it cannot show that:
//
//   - Line numbers: every piece keeps its bytes and its lines intact, and starts with
//     as many empty lines as precede it in the file, so yaml.v3 numbers its lines and
//     columns as in the file. Files with other line breaks than \n (\r, NEL, LS, PS),
//     a BOM past the start, directives or document markers are not split.
//   - Where a piece ends, yaml.v3 looks at the next token: an empty value at the end of
//     an item is placed where the next item begins. Each piece therefore ends with a
//     sentinel item, "-" at the sequence's indentation on the very line where the next
//     item begins in the file; it is dropped after decoding.
//   - The rest of the file (the skeleton) keeps the first and last items of the
//     sequence, and the middle items are replaced by the sentinel line and empty lines,
//     so what precedes and follows the sequence, and its first and last item, are
//     decoded in the same surroundings as in the file.
//   - A cut can only be wrong inside a multi-line quoted scalar or flow collection,
//     which would leave the piece before it unterminated (an error), or hide an item
//     start, which would change the count of items: both are checked. Block and plain
//     scalars end at a line indented no more than the sequence.
//   - Comments, whose attachment to nodes depends on their surroundings, and tabs are
//     not allowed from the first item's line to the last item's last line.
//   - Anchors: an alias in a piece whose anchor is elsewhere fails to decode; an anchor
//     defined in a piece must not be defined in any other piece or the skeleton, so
//     every alias means the same node as in the file.
//   - yaml.v3's nesting limit counts one level less in a piece than in the file: pieces
//     nested deeper than MaxDepth are not used (Parse rejects those files anyway).
//
// The goroutine that decodes a piece also surveys its items. When none holds an
// anchor, alias, merge key or anything checkNodes would report (the common case),
// Parse's walks skip them (see chunkedDoc.plain): they run on the skeleton, with the
// sentinel standing for the middle items, which are grafted in at the end.
//
// TestChunkedDecodeSame and FuzzParse compare the two ways of decoding.

// chunking says when and how finely decodeChunked splits a file.
type chunking struct {
	minBytes int // smaller files are decoded in one piece
	pieces   int // pieces the middle items are split into (< 2: no splitting)
}

// defaultChunking splits files of 256 KiB and more into one piece per CPU.
func defaultChunking() chunking {
	return chunking{minBytes: 256 << 10, pieces: runtime.GOMAXPROCS(0)}
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

// chunkedDoc is a file decoded in pieces.
type chunkedDoc struct {
	// doc is the skeleton's document. Until graft, its sequence holds the sentinel
	// where the middle items belong.
	doc      *yaml.Node
	seq      *yaml.Node
	sentinel *yaml.Node
	items    []*yaml.Node // every item of the sequence, in order
	// plain is set when Parse's checks may skip the middle items: they hold no anchor,
	// alias, merge key or anything checkNodes reports, and they can be reached only
	// once, through the sequence. Then the sentinel stands for them, as nodes nodes.
	plain bool
	nodes int
}

// graft puts the middle items in place of the sentinel.
func (d *chunkedDoc) graft() {
	d.seq.Content = d.items
}

// decodeChunked decodes body as Parse's sequential decoder would, in concurrent pieces.
// It returns false when the file is small, cannot be split safely, or does not decode
// cleanly (the sequential decoder then decides what to report).
func decodeChunked(body []byte, c chunking) (*chunkedDoc, bool) {
	if c.pieces < 2 || len(body) < c.minBytes {
		return nil, false
	}
	// Other line breaks than \n move line numbers, and a BOM may start a document.
	for _, s := range []string{"\r", "\u0085", "\u2028", "\u2029", "\ufeff"} {
		if bytes.Contains(body, []byte(s)) {
			return nil, false
		}
	}
	region, ok := largestSequence(body)
	if !ok {
		return nil, false
	}
	items, ok := itemLines(body, region)
	if !ok || len(items) < 3 {
		return nil, false
	}
	middle := items[1 : len(items)-1]
	last := items[len(items)-1]
	if !plainLines(body[region.start:region.end]) {
		return nil, false
	}

	// Cut the middle items into pieces of about the same size.
	n := min(c.pieces, len(middle))
	target := (last.off - middle[0].off + n - 1) / n
	var cuts []int // indexes into items of each piece's first item; the last is len(items)-1
	for i := 1; i < len(items)-1; i++ {
		if len(cuts) == 0 || (items[i].off-items[cuts[len(cuts)-1]].off >= target && len(cuts) < n) {
			cuts = append(cuts, i)
		}
	}
	cuts = append(cuts, len(items)-1)

	pieces := make([]piece, len(cuts)-1)
	var wg sync.WaitGroup
	for p := range pieces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// Should yaml.v3 panic, let it do so again in the sequential decode, on
				// the caller's goroutine, where the CLI reports an internal error.
				if recover() != nil {
					pieces[p] = piece{}
				}
			}()
			first, next := items[cuts[p]], items[cuts[p+1]]
			pieces[p] = decodePiece(body[first.off:next.off], first.line, next.line, region.indent, items[cuts[p]:cuts[p+1]])
		}()
	}
	doc, seq, skelOK := decodeSkeleton(body, region, items[0], middle[0], last)
	wg.Wait()
	if !skelOK {
		return nil, false
	}
	d := &chunkedDoc{doc: doc, seq: seq, sentinel: seq.Content[1], items: make([]*yaml.Node, 0, len(items))}
	// The sequence and the root are reached once each when neither is an alias target.
	d.plain = seq.Anchor == "" && doc.Content[0].Anchor == ""
	var anchors []map[string]bool
	for _, p := range pieces {
		if !p.ok {
			return nil, false
		}
		d.nodes += p.nodes
		d.plain = d.plain && p.plain
		if len(p.anchors) > 0 {
			anchors = append(anchors, p.anchors)
		}
	}
	if len(anchors) > 0 && !disjointAnchors(doc, anchors) {
		return nil, false
	}
	d.items = append(d.items, seq.Content[0])
	for _, p := range pieces {
		d.items = append(d.items, p.items...)
	}
	d.items = append(d.items, seq.Content[2])
	return d, true
}

// disjointAnchors reports whether no anchor name is defined in two of: the skeleton
// doc and the pieces (given by the anchor names each defines).
func disjointAnchors(doc *yaml.Node, pieces []map[string]bool) bool {
	seen := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Anchor != "" {
			seen[n.Anchor] = true
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	for _, anchors := range pieces {
		for a := range anchors {
			if seen[a] {
				return false
			}
		}
		for a := range anchors {
			seen[a] = true
		}
	}
	return true
}

// largestSequence finds the largest block sequence that is the value of a top-level
// key, by indentation alone: after a line starting at column 0 (not a comment, not an
// item), a line "- …" at some column c starts it, and it goes on through empty lines,
// comment lines, lines indented more than c and further "- …" lines at column c. The
// guess is checked by decoding (decodeSkeleton). False when there is none, or when the
// file holds a directive or document marker.
func largestSequence(body []byte) (seqRegion, bool) {
	var best, cur seqRegion
	inSeq := false
	afterKey := false // the last line with content started at column 0 and is no item
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
		if inSeq && !(blank || comment || indent > cur.indent || (indent == cur.indent && dash)) {
			inSeq = false
			if cur.end-cur.start > best.end-best.start {
				best = cur
			}
		}
		switch {
		case inSeq:
			if !blank && !comment {
				cur.end = end // comments after the last item belong to what follows
			}
		case blank, comment:
		case dash && afterKey:
			inSeq = true
			cur = seqRegion{indent: indent, start: off, end: end, startLn: ln}
			afterKey = false
		default:
			afterKey = indent == 0 && !dash
		}
		off = end
	}
	if inSeq && cur.end-cur.start > best.end-best.start {
		best = cur
	}
	return best, best.end > best.start
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

// piece is the middle items of one piece, decoded.
type piece struct {
	items   []*yaml.Node
	anchors map[string]bool // names of the anchors defined in the items
	nodes   int             // nodes in the items
	plain   bool            // see chunkedDoc.plain
	ok      bool
}

// decodePiece decodes the items in src (lines firstLine to nextLine-1 of the file) as a
// sequence at column indent, followed by the sentinel item. items are the item lines in
// src.
func decodePiece(src []byte, firstLine, nextLine, indent int, items []itemLine) piece {
	text := make([]byte, 0, firstLine-1+len(src)+indent+2)
	text = append(text, bytes.Repeat([]byte("\n"), firstLine-1)...)
	text = append(text, src...)
	text = append(text, bytes.Repeat([]byte(" "), indent)...)
	text = append(text, "-\n"...)
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return piece{}
	}
	seq := doc.Content[0]
	if !isBlockSeqAt(seq, firstLine, indent) || len(seq.Content) != len(items)+1 || !isSentinel(seq.Content[len(items)]) {
		return piece{}
	}
	p := piece{items: seq.Content[:len(items)], plain: true, ok: true}
	for i, n := range p.items {
		// An item starts on its line, or where the next begins when it is empty.
		next := nextLine
		if i+1 < len(items) {
			next = items[i+1].line
		}
		if n.Line < items[i].line || n.Line > next {
			return piece{}
		}
		if !p.survey(n, 0) {
			return piece{}
		}
	}
	if p.plain {
		// Items sit at depth 2 of the file: root mapping, sequence, item.
		var ds diag.List
		for _, n := range p.items {
			checkNodes(&File{}, n, 2, map[*yaml.Node]bool{}, &ds)
		}
		p.plain = len(ds) == 0
	}
	return p
}

// survey counts the nodes of n, notes the anchors it defines and whether it is plain,
// and reports whether it nests at most MaxDepth levels below the piece's sequence:
// yaml.v3 counts one level less in a piece than in the file, and deeper files are
// rejected anyway.
func (p *piece) survey(n *yaml.Node, depth int) bool {
	if depth >= MaxDepth {
		return false
	}
	p.nodes++
	if n.Anchor != "" {
		if p.anchors == nil {
			p.anchors = map[string]bool{}
		}
		p.anchors[n.Anchor] = true
		p.plain = false
	}
	switch n.Kind {
	case yaml.AliasNode:
		p.plain = false
	case yaml.MappingNode:
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Tag == "!!merge" {
				p.plain = false
			}
		}
	}
	for _, c := range n.Content {
		if !p.survey(c, depth+1) {
			return false
		}
	}
	return true
}

// decodeSkeleton decodes body with the middle items (from mid to last) replaced by the
// sentinel item and empty lines, and returns the document and the sequence, whose
// three items are the first item, the sentinel and the last item.
func decodeSkeleton(body []byte, r seqRegion, first, mid, last itemLine) (*yaml.Node, *yaml.Node, bool) {
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
	root := doc.Content[0]
	for i := 1; i < len(root.Content); i += 2 {
		seq := root.Content[i]
		if !isBlockSeqAt(seq, first.line, r.indent) {
			continue
		}
		if len(seq.Content) != 3 || !isSentinel(seq.Content[1]) ||
			seq.Content[0].Line > mid.line || seq.Content[2].Line < last.line {
			return nil, nil, false
		}
		return &doc, seq, true
	}
	return nil, nil, false
}

// isBlockSeqAt reports whether n is a block sequence whose first "-" is at line, column
// indent (0-based).
func isBlockSeqAt(n *yaml.Node, line, indent int) bool {
	return n.Kind == yaml.SequenceNode && n.Style == 0 && n.Tag == "!!seq" && n.Line == line && n.Column == indent+1
}

// isSentinel reports whether n is what the sentinel line "-" decodes to.
func isSentinel(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0 && n.Anchor == "" && len(n.Content) == 0
}
