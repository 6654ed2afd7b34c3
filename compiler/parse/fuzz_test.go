package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse: any bytes give a file or diagnostics, never a panic or a hang; every
// diagnostic is positioned inside the input and speaks YAML, not Go.
// Seeds: every YAML file of the bad-input corpus and the examples, plus hostile shapes.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../testdata/bad/*/*.yaml", "../testdata/bad/*.yaml", "../../examples/*/*.yaml", "../../examples/*/*/*.yaml", "../../examples/*/*/*/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	for _, s := range splitCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			fl, list := Parse("fuzz.yaml", src)
			if fl == nil && !list.HasErrors() {
				t.Errorf("no file and no error")
			}
			lines := yamlLines(src)
			for _, d := range list {
				if d.Pos.File != "fuzz.yaml" || d.Pos.Line < 0 || d.Pos.Line > lines || !strings.HasPrefix(d.Code, "FLOE-") {
					t.Errorf("bad diagnostic position or code: %+v (input has %d lines)", d, lines)
				}
				for _, leak := range []string{"yaml.Node", "interface {}", "*parse.", "reflect", "!!map", "!!seq"} {
					if strings.Contains(d.Message, leak) {
						t.Errorf("diagnostic leaks Go/YAML internals (%q): %s", leak, d.Message)
					}
				}
			}
			if fl != nil && fl.Root != nil {
				// The later passes convert the tree; that must not panic either.
				if _, err := ToValue(fl.Root); err == nil {
					_, _ = ToJSON(fl.Root)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Parse did not return within 10s on %d bytes", len(src))
		}
		// Decoding in pieces, however small, gives the same file, items and diagnostics.
		done = make(chan struct{})
		go func() {
			defer close(done)
			for _, c := range forced {
				if err := samePieces(src, c); err != nil {
					t.Errorf("%d pieces: %v", c.pieces, err)
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("parses in pieces did not return within 10s on %d bytes", len(src))
		}
	})
}

// yamlLines counts lines the way YAML does: \r\n, \r, \n, NEL, LS and PS all end a line.
func yamlLines(src []byte) int {
	s := bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	n := 1
	for _, br := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(s, []byte(br))
	}
	return n
}

// fuzzSeeds are hostile shapes FuzzParse starts from (besides the files of the tree).
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for _, s := range []string{
		"", " ", "~", "[]", "a", "\xef\xbb\xbf", "a: b\r\nc: d\r\n", "\ta: 1", "a: \xff",
		"a: &x [*x]", "a: *x", "<<: {a: 1}", "? [a]\n: b", "a: !!binary AAAA", "--- a\n--- b",
		"a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
		strings.Repeat("[", 300) + strings.Repeat("]", 300),
		strings.Repeat("- ", 250) + "x",
		"a: " + strings.Repeat("x", 1<<16),
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
