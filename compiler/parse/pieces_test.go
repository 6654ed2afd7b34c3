package parse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/synth"
)

// forced are the chunkings the differential tests compare with decoding whole: any
// file size, and pieces from two to one per item.
var forced = []chunking{{minBytes: 0, pieces: 2}, {minBytes: 0, pieces: 3}, {minBytes: 0, pieces: 1 << 20}}

// parsed is a parse with its list's items handed over: the file (its tree with the
// items put back in place of the list's empty sequence) and the diagnostics, sorted.
type parsed struct {
	f     *File
	diags diag.List
	items []*yaml.Node
}

// parseTransforms parses src as a compile does (the transforms handed over), cut as c.
func parseTransforms(src []byte, c chunking) parsed {
	var items []*yaml.Node
	var mu sync.Mutex
	list := &List{Key: "transforms", Start: func(_ *File, n int) func(int, *yaml.Node) {
		items = make([]*yaml.Node, n)
		return func(i int, item *yaml.Node) {
			mu.Lock()
			defer mu.Unlock()
			if items[i] != nil {
				panic(fmt.Sprintf("item %d handed over twice", i))
			}
			items[i] = item
		}
	}}
	f, diags := parse("t.yaml", src, list, c)
	if f != nil && f.Root != nil && f.Items > 0 {
		_, seq := MapGet(f.Root, "transforms")
		seq.Content = items
	}
	return parsed{f: f, diags: diags.Sorted(), items: items}
}

// samePieces checks that parsing src cut as c gives what Parse gives for the whole
// file: the same diagnostics, and the same tree (every node field and position, and the
// same sharing of nodes) once the items handed over are put back.
func samePieces(src []byte, c chunking) error {
	want, wantDiags := Parse("t.yaml", src)
	got := parseTransforms(src, c)
	if !reflect.DeepEqual(got.diags, wantDiags.Sorted()) {
		return fmt.Errorf("diagnostics differ:\npieces %v\nwhole  %v", got.diags, wantDiags.Sorted())
	}
	if (got.f == nil) != (want == nil) {
		return fmt.Errorf("file: pieces %v, whole %v", got.f != nil, want != nil)
	}
	if got.f == nil {
		return nil
	}
	for i, it := range got.items {
		if it == nil && got.f.Items > 0 {
			return fmt.Errorf("item %d of %d not handed over", i, got.f.Items)
		}
	}
	if got.f.Name != want.Name || !bytes.Equal(got.f.Src, want.Src) {
		return fmt.Errorf("file fields differ")
	}
	return sameTree(got.f.Root, want.Root, map[*yaml.Node]*yaml.Node{}, "$")
}

// split reports whether src is cut into pieces as c says (not decoded whole).
func split(src []byte, c chunking) bool {
	body := bytes.TrimPrefix(src, []byte("\ufeff"))
	p, ok := planPieces(body, "transforms", c)
	if !ok {
		return false
	}
	list := &List{Key: "transforms", Start: func(*File, int) func(int, *yaml.Node) { return func(int, *yaml.Node) {} }}
	_, _, ok = parsePieces("t.yaml", src, body, p, list)
	return ok
}

// sameTree compares a (pieces) with b (whole); seen maps the nodes of a already
// compared to their counterparts in b.
func sameTree(a, b *yaml.Node, seen map[*yaml.Node]*yaml.Node, path string) error {
	if a == nil || b == nil {
		if a != b {
			return fmt.Errorf("%s: nil vs %v", path, b)
		}
		return nil
	}
	if m, ok := seen[a]; ok {
		if m != b {
			return fmt.Errorf("%s: node shared differently", path)
		}
		return nil
	}
	seen[a] = b
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: pieces %s, whole %s", path, describe(a), describe(b))
	}
	if a.Kind == yaml.AliasNode {
		if err := sameTree(a.Alias, b.Alias, seen, path+"*"); err != nil {
			return err
		}
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], seen, path+"/"+strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return nil
}

func describe(n *yaml.Node) string {
	return fmt.Sprintf("{kind %d style %d tag %q value %q anchor %q comments %q %q %q at %d:%d, %d children}",
		n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.HeadComment, n.LineComment, n.FootComment, n.Line, n.Column, len(n.Content))
}

// corpus is every YAML input the tests know: examples, the bad-input fixtures, the
// FuzzParse seeds and corpus, synthetic products, and the split cases below.
func corpus(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	for _, pattern := range []string{"../testdata/bad/*/*.yaml", "../testdata/bad/*.yaml", "../../examples/*/*.yaml", "../../examples/*/*/*.yaml", "../../examples/*/*/*/*.yaml", "../../examples/*/*/*/*/*.yaml"} {
		names, _ := filepath.Glob(pattern)
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			files[name] = b
		}
	}
	corp, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, name := range corp {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.TrimSpace(strings.TrimPrefix(string(b), "go test fuzz v1\n"))
		s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
		v, err := strconv.Unquote(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files[name] = []byte(v)
	}
	for i, s := range fuzzSeeds() {
		files[fmt.Sprintf("seed %d", i)] = s
	}
	for _, n := range []int{3, 10, 100, 1000} {
		files[fmt.Sprintf("synth %d", n)] = synth.Spec(n)
	}
	files["synth enterprise"] = []byte(synth.Enterprise)
	files["synth domain"] = []byte(synth.Domain)
	for name, s := range splitCases {
		files[name] = []byte(s)
	}
	return files
}

// items repeats an item template (%[1]d is its index) n times.
func items(n int, tmpl string) string {
	var b strings.Builder
	for i := range n {
		if strings.Contains(tmpl, "%") {
			fmt.Fprintf(&b, tmpl, i)
		} else {
			b.WriteString(tmpl)
		}
	}
	return b.String()
}

// splitCases are shapes near the cuts: what must split to the same tree, and what must
// not be split at all.
var splitCases = map[string]string{
	"empty values at item ends":          "transforms:\n" + items(8, "  - name: m%d\n    tier:\n"),
	"indentless":                         "a: 1\ntransforms:\n" + items(8, "- name: m%d\n  tier:\n  tags: [a, b]\n") + "z: 2\n",
	"deep indent":                        "transforms:\n" + items(8, "      - name: m%d\n        x: {a: [1, 2]}\n"),
	"item on the next line":              "transforms:\n" + items(8, "  -\n    name: m%d\n"),
	"empty items":                        "transforms:\n" + items(8, "  -\n") + "  - last\n",
	"scalar items":                       "transforms:\n" + items(8, "  - m%d\n") + "after: x\n",
	"blank lines between":                "transforms:\n\n" + items(8, "  - name: m%d\n\n\n    tier: gold\n\n") + "\nschedule: x\n",
	"no final line break":                "transforms:\n" + items(8, "  - name: m%d\n") + "  - name: last",
	"final line break missing after map": "transforms:\n" + items(8, "  - name: m%d\n") + "x: y",
	"nested sequences":                   "transforms:\n" + items(8, "  - - a%d\n    - - b\n      -\n"),
	"block scalars":                      "transforms:\n" + items(6, "  - sql: |\n      select %d\n\n      from t\n    note: >-\n      folded\n      text\n\n  - |\n    literal\n  - >\n\n    x\n"),
	"block scalar keep":                  "transforms:\n" + items(6, "  - sql: |+\n      select %d\n\n\n"),
	"plain multi-line":                   "transforms:\n" + items(6, "  - name: m%d\n      continues\n     here\n"),
	"flow across lines":                  "transforms:\n" + items(6, "  - tags: [a%d,\n      b, {c: d,\n      e: f}]\n"),
	"flow across items":                  "transforms:\n" + items(3, "  - tags: [a%d,\n") + items(5, "  - b%d\n") + "  ]\n",
	"quoted across lines":                "transforms:\n" + items(6, "  - name: \"m%d\n      x\"\n    d: 'it''s\n\n      y'\n"),
	"quoted across items":                "transforms:\n" + items(3, "  - name: \"m%d\n") + items(5, "  - x%d\"\n"),
	"single quoted across items":         "transforms:\n" + items(3, "  - name: 'm%d\n") + items(5, "  - x%d'\n"),
	"quoted across all":                  "transforms:\n  - \"a\n" + items(6, "  - x%d\n") + "  - b\"\n",
	"hashes that are no comments":        "transforms:\n" + items(8, "  - name: m%d#x\n    url: \"http://a/#b\"\n"),
	"comments around":                    "# head\n\ntransforms: # line\n  # before\n  - name: first\n" + items(6, "  - name: m%d\n") + "  - name: last\n  # after\n# between\n\nschedule: x # s\n# foot\n",
	"comment after first item":           "transforms:\n  - name: first\n  # about m0\n" + items(6, "  - name: m%d\n"),
	"comment in the last item":           "transforms:\n" + items(6, "  - name: m%d\n") + "  - name: last # end\n",
	"comments inside":                    "transforms:\n" + items(6, "  - name: m%d # c\n    # d\n"),
	"anchors inside items":               "transforms:\n" + items(8, "  - base: &b%[1]d {tier: gold, x: [1]}\n    one: *b%[1]d\n    two: {<<: *b%[1]d, y: 2}\n"),
	"anchor reused by items":             "transforms:\n" + items(8, "  - base: &b {n: %d}\n    one: *b\n"),
	"anchor before the list":             "base: &b {tier: gold}\ntransforms:\n" + items(8, "  - <<: *b\n    name: m%d\n"),
	"anchor used after the list":         "transforms:\n" + items(8, "  - &m%[1]d {name: m%[1]d}\n") + "pick: *m3\n",
	"anchor redefined by item":           "base: &b {tier: gold}\ntransforms:\n  - *b\n" + items(6, "  - &b {name: m%d}\n") + "  - *b\nafter: *b\n",
	"anchor of the list":                 "transforms: &all\n" + items(8, "  - name: m%d\n") + "again: *all\n",
	"alias into an earlier item":         "transforms:\n  - &first {a: 1}\n" + items(6, "  - *first\n"),
	"tags":                               "transforms:\n" + items(8, "  - !!str %d\n  - !custom {a: 1}\n  - !!map {b: 2}\n"),
	"tagged list":                        "transforms: !!seq\n" + items(8, "  - m%d\n"),
	"duplicate keys in items":            "transforms:\n" + items(8, "  - name: m%d\n    name: again\n"),
	"non-string keys in items":           "transforms:\n" + items(4, "  - {[a]: %d}\n"),
	"merge errors in items":              "transforms:\n" + items(4, "  - <<: %d\n"),
	"alias bomb in items":                "transforms:\n" + items(3, "  - a: &a%[1]d [x, x, x, x, x, x, x, x, x, x]\n    b: &b%[1]d [*a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d, *a%[1]d]\n    c: &c%[1]d [*b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d, *b%[1]d]\n    d: &d%[1]d [*c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d, *c%[1]d]\n    e: [*d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d, *d%[1]d]\n"),
	"too deep in an item":                "transforms:\n  - a\n  - " + strings.Repeat("[", 250) + strings.Repeat("]", 250) + "\n  - b\n  - c\n",
	"deep block in an item":              "transforms:\n  - a\n  - " + strings.Repeat("- ", 205) + "x\n  - b\n  - c\n",
	"two lists":                          "small:\n" + items(4, "  - s%d\n") + "transforms:\n" + items(8, "  - name: m%d\n") + "other:\n" + items(5, "- o%d\n"),
	"list in a nested mapping":           "a:\n  b:\n" + items(8, "    - m%d\n"),
	"root list":                          items(8, "- m%d\n"),
	"document markers":                   "---\ntransforms:\n" + items(8, "  - m%d\n") + "...\n",
	"second document":                    "transforms:\n" + items(8, "  - m%d\n") + "---\nb: 1\n",
	"directive":                          "%YAML 1.2\n---\ntransforms:\n" + items(8, "  - m%d\n"),
	"tab in an item":                     "transforms:\n" + items(8, "  - name:\tm%d\n"),
	"tab indentation":                    "transforms:\n" + items(8, "  - name: m%d\n\t  tier: x\n"),
	"crlf":                               "transforms:\r\n" + items(8, "  - name: m%d\r\n"),
	"lone cr":                            "transforms:\n" + items(8, "  - name: m%d\r"),
	"line separator":                     "transforms:\n" + items(8, "  - name: m%d\u2028x\n"),
	"bom inside":                         "transforms:\n" + items(8, "  - name: m%d\n") + "\ufeffb: 1\n",
	"syntax error in an item":            "transforms:\n" + items(4, "  - name: m%d\n") + "  - name: [a\n" + items(4, "  - name: n%d\n"),
	"unknown alias in an item":           "transforms:\n" + items(4, "  - name: m%d\n") + "  - *nope\n" + items(4, "  - name: n%d\n"),
	"key at the list's column":           "transforms:\n" + items(4, "  - name: m%d\n") + "  oops: 1\n" + items(4, "  - name: n%d\n"),
	"key left of the list":               "transforms:\n" + items(4, "    - name: m%d\n") + "  oops: 1\n" + items(4, "    - name: n%d\n"),
	"dash then no space":                 "transforms:\n" + items(4, "  - name: m%d\n") + "  -x\n" + items(4, "  - name: n%d\n"),
	"key in a quoted scalar":             "desc: \"x\ntransforms:\n" + items(8, "  - m%d\n") + "\"\n",
	"key in a block scalar":              "desc: |\n  transforms:\n" + items(8, "    - m%d\n"),
	"complex key":                        "? transforms\n:\n" + items(8, "  - m%d\n"),
	"errors around plain items":          "a: 1\na: 2\ntransforms:\n" + items(8, "  - name: m%d\n") + "b: {x: 1, x: 2, <<: 3}\n",
	"merge errors around plain items":    "transforms:\n" + items(8, "  - name: m%d\n") + "b: {<<: 3}\n",
	"bomb around plain items": "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\na1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\na2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\n" +
		"a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\na4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\n" +
		"transforms:\n" + items(8, "  - name: m%d\n") + "a5: [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]\n",
	"anchored root":            "&r\ntransforms:\n" + items(8, "  - name: m%d\n") + "x: {<<: *r}\ny: *r\n",
	"anchored root, deep item": "&r\ntransforms:\n" + items(4, "  - name: m%d\n") + "  - " + strings.Repeat("[", 198) + strings.Repeat("]", 198) + "\n" + items(4, "  - name: n%d\n") + "y: *r\n",
	"empty value then list":    "transforms:\n" + items(8, "  - name: m%d\n    depends:\n    - x\n"),
}

// TestPiecesSame: wherever Parse cuts a file into pieces, it gives the file, the items
// and the diagnostics Parse gives when it decodes the file whole.
func TestPiecesSame(t *testing.T) {
	taken := map[string]bool{}
	for name, src := range corpus(t) {
		for _, c := range forced {
			if err := samePieces(src, c); err != nil {
				t.Errorf("%s (%d pieces): %v", name, c.pieces, err)
			}
			taken[name] = taken[name] || split(src, c)
		}
	}
	// The cut must actually happen where it is safe, or this test proves nothing.
	for _, name := range []string{"synth 10", "synth 1000", "empty values at item ends", "indentless", "deep indent",
		"item on the next line", "empty items", "scalar items", "blank lines between", "nested sequences", "block scalars",
		"plain multi-line", "flow across lines", "quoted across lines", "hashes that are no comments", "comments around",
		"tags", "duplicate keys in items", "two lists", "empty value then list", "errors around plain items",
		"merge errors around plain items", "bomb around plain items"} {
		if !taken[name] {
			t.Errorf("%s: not cut", name)
		}
	}
	for _, name := range []string{"flow across items", "quoted across items", "single quoted across items", "quoted across all",
		"comment after first item", "comments inside", "anchors inside items", "anchor reused by items", "anchor before the list",
		"anchor used after the list", "anchor redefined by item", "alias into an earlier item", "alias bomb in items",
		"merge errors in items", "too deep in an item", "list in a nested mapping", "root list", "complex key",
		"document markers", "second document", "directive", "tab in an item", "crlf", "lone cr", "line separator", "bom inside",
		"syntax error in an item", "unknown alias in an item", "key at the list's column", "key left of the list",
		"key in a quoted scalar", "key in a block scalar", "no final line break", "comment in the last item", "anchor of the list",
		"anchored root", "anchored root, deep item"} {
		if taken[name] {
			t.Errorf("%s: cut, though it must not be", name)
		}
	}
}

// TestPiecesThreshold: Parse cuts only big enough files, into at least two pieces, and
// big files into pieces of bounded size.
func TestPiecesThreshold(t *testing.T) {
	src := synth.Spec(100)
	if _, ok := planPieces(src, "transforms", chunking{minBytes: len(src) + 1, pieces: 2}); ok {
		t.Error("cut a file below the threshold")
	}
	if _, ok := planPieces(src, "transforms", chunking{minBytes: 0, pieces: 1}); ok {
		t.Error("cut into one piece")
	}
	if _, ok := planPieces(src, "other", chunking{minBytes: 0, pieces: 2}); ok {
		t.Error("cut a list under another key")
	}
	big := synth.Spec(20000)
	p, ok := planPieces(big, "transforms", defaultChunking())
	if !ok {
		t.Fatal("a 2 MB floe.yaml was not cut")
	}
	for k := range len(p.cuts) - 1 {
		if size := p.items[p.cuts[k+1]].off - p.items[p.cuts[k]].off; size > 600<<10 {
			t.Errorf("piece %d is %d bytes", k, size)
		}
	}
}
