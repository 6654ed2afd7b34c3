package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
