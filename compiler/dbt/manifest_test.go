package dbt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestDecodeManifestMatchesUnmarshal: the streaming decoder reads the same nodes as
// json.Unmarshal does, on the fixture dbt wrote and on hand-made manifests with what a
// scanner gets wrong (escapes in keys and strings, brackets inside strings, nodes after
// big skipped values, nodes null), and fails where Unmarshal fails for truncated input.
func TestDecodeManifestMatchesUnmarshal(t *testing.T) {
	fixture, err := os.ReadFile("../testdata/bad/dbt-refs/build/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"fixture": string(fixture),
		"escapes": `{"macros": {"m": {"sql": "{% if x %}]}\"\\"}}, "nodes": {"model.a.b\u00e9": {"name": "b\"q",
			"resource_type": "model", "package_name": "a", "original_file_path": "models/b.sql",
			"raw_code": "select '{[\"' as x", "checksum": {"name": "sha256", "checksum": "00"},
			"depends_on": {"nodes": ["model.a.c"], "macros": []}, "config": {"tags": [1, 2.5, true, null]}}},
			"docs": [1, {"a": []}], "z": null}`,
		"nodes null":  `{"nodes": null}`,
		"empty nodes": `{"nodes": {}}`,
		"no nodes":    `{"metadata": {"x": 1}}`,
		"whitespace":  " \n{ \"nodes\" :\t{ \"m\" : { \"name\" : \"x\" } } }\n",
	}
	for name, doc := range docs {
		var want manifest
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// A reader that returns one byte at a time finds every buffer-boundary bug.
		for _, r := range []io.Reader{strings.NewReader(doc), &oneByteReader{s: doc}} {
			got, err := decodeManifest(r)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("%s: decoded\n%+v\nwant\n%+v", name, *got, want)
			}
		}
	}
	for name, doc := range map[string]string{
		"truncated":        `{"nodes": [1, 2`,
		"truncated node":   `{"nodes": {"m": {"name": "x"`,
		"truncated string": `{"nodes": {"m": {"name": "x`,
		"nodes array":      `{"nodes": [1, 2]}`,
		"not an object":    `[1]`,
		"trailing":         `{"nodes": {}} x`,
		"bad node":         `{"nodes": {"m": {"name": 1}}}`,
		"empty":            ``,
	} {
		if _, err := decodeManifest(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := decodeManifest(strings.NewReader(`{"nodes": [1, 2`)); err == nil || err.Error() != "unexpected end of JSON input" {
		t.Errorf("truncated: %v, want encoding/json's words", err)
	}
}

type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

// TestDecodeManifestMemoryIsBounded: a manifest of 200 MB (most of it the SQL of its
// nodes and a huge macros block) is decoded holding one node at a time: the heap grows
// by far less than the file (reading it whole took about three times its size).
func TestDecodeManifestMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB")
	}
	sql, _ := json.Marshal(strings.Repeat("select 1 as x -- padding {[\"\n", 300))
	r := &bigManifest{nodes: 20000, sqlJSON: string(sql), macros: 50 << 20, chunk: strings.Repeat("m", 1<<20)}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := decodeManifest(r)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if len(m.Nodes) != r.nodes {
		t.Fatalf("%d nodes, want %d", len(m.Nodes), r.nodes)
	}
	if r.size < 200<<20 {
		t.Fatalf("the manifest is only %d bytes", r.size)
	}
	grown := after.TotalAlloc - before.TotalAlloc
	t.Logf("decoding %d MB allocated %d MB", r.size>>20, grown>>20)
	if grown > uint64(r.size)/4 {
		t.Errorf("decoding %d MB allocated %d MB", r.size>>20, grown>>20)
	}
}

// bigManifest generates a manifest.json as it is read: {"macros": {"m": "<macros
// bytes>"}, "nodes": {<nodes models, each with sql as raw_code>}}.
type bigManifest struct {
	nodes          int
	sqlJSON, chunk string
	macros         int
	buf            bytes.Buffer
	i              int
	size           int
	state          int
}

func (b *bigManifest) Read(p []byte) (int, error) {
	for b.buf.Len() < len(p) && b.state < 4 {
		switch b.state {
		case 0:
			b.buf.WriteString(`{"macros": {"m": "`)
			b.state = 1
		case 1:
			n := min(b.macros, len(b.chunk))
			b.buf.WriteString(b.chunk[:n])
			if b.macros -= n; b.macros == 0 {
				b.buf.WriteString(`"}, "nodes": {`)
				b.state = 2
			}
		case 2:
			if b.i > 0 {
				b.buf.WriteString(", ")
			}
			fmt.Fprintf(&b.buf, `"model.p.m%d": {"name": "m%d", "resource_type": "model", "package_name": "p", "raw_code": %s, "depends_on": {"nodes": []}}`, b.i, b.i, b.sqlJSON)
			if b.i++; b.i == b.nodes {
				b.state = 3
			}
		case 3:
			b.buf.WriteString("}}")
			b.state = 4
		}
	}
	n, err := b.buf.Read(p)
	b.size += n
	return n, err
}
