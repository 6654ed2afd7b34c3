package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
)

func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[]}`, `{"a":{},"b":[1,2,{"c":null}]}`, `"x\"y\\"`,
		`{"k\"{[,:":"v\\\\\"}]","e":"\u00e9\n"}`, `[[[]],[{}],""]`, `1.5e10`, `true`} {
		f.Add([]byte(s))
	}
	golden, _ := filepath.Glob("../cli/testdata/golden/*/want/*.json")
	for _, p := range golden {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v any
		if json.Unmarshal(in, &v) != nil {
			return
		}
		// Only compact JSON as the encoder writes it is AppendIndent's input.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(v) != nil {
			return
		}
		src := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		var want bytes.Buffer
		if err := json.Indent(&want, src, "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := AppendIndent(nil, src); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendIndent(%s)\n got %s\nwant %s", src, got, want.Bytes())
		}
	})
}

func BenchmarkAppendIndent(b *testing.B) {
	src, err := os.ReadFile("../cli/testdata/golden/example-customer-360/want/compiled_artifacts.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, src); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(compact.Len()))
	b.ReportAllocs()
	var dst []byte
	for b.Loop() {
		dst = AppendIndent(dst[:0], compact.Bytes())
	}
}

type spliceDoc struct {
	Name  string         `json:"name"`
	Outer map[string]any `json:"outer"`
	Inner struct {
		Models []spliceItem `json:"models"`
		After  []int        `json:"after"`
	} `json:"inner"`
	Tail string `json:"tail"`
}

type spliceItem struct {
	N    int      `json:"n"`
	S    string   `json:"s"`
	L    []string `json:"l"`
	Null *string  `json:"null"`
	Obj  struct{} `json:"obj"`
}

// recorder is a ListChecker that records what it is handed.
type recorder struct {
	t     *testing.T
	docs  atomic.Int64
	items atomic.Int64
	n     int
}

func (r *recorder) Document(b []byte, n int) error {
	if n != r.n || !bytes.Contains(b, []byte(`"models":[]`)) {
		r.t.Errorf("Document(%s, %d)", b, n)
	}
	r.docs.Add(1)
	return nil
}

func (r *recorder) Item(i int, b []byte) error {
	var back spliceItem
	if err := json.Unmarshal(b, &back); err != nil || back.N != i {
		r.t.Errorf("Item(%d) got %s", i, b)
	}
	r.items.Add(1)
	return nil
}

// TestIndentList compares IndentList with encoding the whole document at once, with
// look-alikes of the list elsewhere in the document (keys and text "models": []).
func TestIndentList(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "é ü 日本 🙂", "<html> & more", "\n\t\u2028", `"models":[]`}
	for _, n := range []int{0, 1, 2, 3, 255, 256, 257, 1000} {
		var doc spliceDoc
		doc.Name, doc.Tail = "x", `"models": []`
		doc.Outer = map[string]any{"models": []any{}, "inner": map[string]any{"models": []any{}}, "z": "\"models\": []"}
		doc.Inner.After = []int{}
		items := make([]spliceItem, n)
		for i := range items {
			items[i] = spliceItem{N: i, S: strs[i%len(strs)], L: strs[:i%4]}
		}
		doc.Inner.Models = items
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(&doc); err != nil {
			t.Fatal(err)
		}
		empty := doc
		empty.Inner.Models = []spliceItem{}
		rec := &recorder{t: t, n: n}
		got, err := IndentList(&empty, []string{"inner", "models"}, n, func(i int) any { return &items[i] }, rec)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Errorf("n=%d: IndentList differs from whole encoding\n got %s\nwant %s", n, got, w)
		}
		if rec.docs.Load() != 1 || rec.items.Load() != int64(n) {
			t.Errorf("n=%d: the check saw %d documents and %d items", n, rec.docs.Load(), rec.items.Load())
		}
	}
	// No list at the path: an error, not a guess.
	var doc spliceDoc
	doc.Inner.Models = []spliceItem{{N: 1}}
	for _, path := range [][]string{{"inner", "models"}, {"inner", "none"}, {"name"}} {
		if _, err := IndentList(&doc, path, 1, func(int) any { return spliceItem{} }, nil); err == nil {
			t.Errorf("path %v: no error", path)
		}
	}
}

// TestIndentListAllocatesLinearly guards against re-growing the output piece by piece
// (quadratic copying): the bytes allocated stay a small multiple of the output.
func TestIndentListAllocatesLinearly(t *testing.T) {
	items := make([]spliceItem, 40000)
	for i := range items {
		items[i] = spliceItem{N: i, S: "some text", L: []string{"a", "b"}}
	}
	var doc spliceDoc
	doc.Inner.Models = []spliceItem{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := IndentList(&doc, []string{"inner", "models"}, len(items), func(i int) any { return &items[i] }, nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 12*uint64(len(out)) {
		t.Errorf("allocated %d bytes for %d bytes of output", alloc, len(out))
	}
}
