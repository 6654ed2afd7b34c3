package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spanCase is a schema and a JSON text to judge with it.
type spanCase struct {
	name string
	fast *node
	text []byte
}

// spanSchemas are the schemas validSpan runs with: the documents floe writes (whole),
// and the items of their long lists (as ListCheck.Item judges them).
func spanSchemas(t testing.TB) map[string]*node {
	t.Helper()
	out := map[string]*node{}
	for _, name := range []string{"compiled-artifacts", "iceberg-io", "schedules"} {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s.fast
	}
	for name, path := range map[string][]string{"compiled-artifacts": {"transforms", "models"}, "iceberg-io": {"tables"}} {
		s, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.List(path...)
		if err != nil {
			t.Fatal(err)
		}
		out[name+"/"+strings.Join(path, ".")+"[]"] = l.item.fast
	}
	for name, n := range out {
		if n == nil {
			t.Fatalf("%s: no fast path to compare with", name)
		}
	}
	return out
}

// goldenCases are the golden outputs of the CLI's tests, whole and item by item, each
// with the schema of its kind, compacted as floe's encoders write them.
func goldenCases(t testing.TB) []spanCase {
	t.Helper()
	schemas := spanSchemas(t)
	files, _ := filepath.Glob("../../cli/testdata/golden/*/want/*.json")
	var cases []spanCase
	for _, p := range files {
		kind := strings.TrimSuffix(filepath.Base(p), ".json")
		kind = map[string]string{"compiled_artifacts": "compiled-artifacts", "iceberg_io": "iceberg-io", "schedules": "schedules"}[kind]
		if kind == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, spanCase{p, schemas[kind], compact.Bytes()})
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		var items []any
		switch kind {
		case "compiled-artifacts":
			items, _ = doc["transforms"].(map[string]any)["models"].([]any)
			kind += "/transforms.models[]"
		case "iceberg-io":
			items, _ = doc["tables"].([]any)
			kind += "/tables[]"
		}
		for i, item := range items {
			text, err := json.Marshal(item)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, spanCase{fmt.Sprintf("%s item %d", p, i), schemas[kind], text})
		}
	}
	if len(cases) < 20 {
		t.Fatalf("only %d golden cases: is cli/testdata/golden there?", len(cases))
	}
	return cases
}

// judge checks validSpan against valid on the parsed text: never valid where the
// parsed value is not; and, for text the reader takes (no escapes), the same verdict.
func judge(t *testing.T, c spanCase) (span bool) {
	t.Helper()
	span = c.fast.validSpan(c.text)
	v, err := ParseJSON(c.text)
	parsed := err == nil && c.fast.valid(v)
	if span && !parsed {
		t.Errorf("%s: validSpan true, valid on the parsed value false (%v):\n%s", c.name, err, c.text)
	}
	if !bytes.Contains(c.text, []byte(`\`)) && err == nil && span != parsed {
		t.Errorf("%s: validSpan %v, valid on the parsed value %v:\n%s", c.name, span, parsed, c.text)
	}
	return span
}

// TestValidSpanAgrees: on floe's golden outputs, whole and item by item, and on
// thousands of mutants of them (a value replaced, a key removed or added, a byte
// changed), validSpan says what valid says of the parsed value.
func TestValidSpanAgrees(t *testing.T) {
	cases := goldenCases(t)
	valid := 0
	for _, c := range cases {
		if judge(t, c) {
			valid++
		}
	}
	if valid < len(cases)*9/10 {
		t.Errorf("validSpan judged only %d of %d golden texts valid", valid, len(cases))
	}
	r := rand.New(rand.NewPCG(1, 2))
	replacements := []string{`null`, `true`, `0`, `-1`, `1.5`, `1e400`, `""`, `"x"`, `[]`, `{}`, `[1,2]`, `{"a":1}`, `"é"`, `01`, `"a\"b"`}
	mutants, invalid := 0, 0
	for round := 0; round < 30; round++ {
		for _, c := range cases {
			text := mutate(r, c.text, replacements)
			mutants++
			if !judge(t, spanCase{c.name + " (mutant)", c.fast, text}) {
				invalid++
			}
		}
	}
	t.Logf("%d cases, %d valid; %d mutants, %d invalid", len(cases), valid, mutants, invalid)
	if invalid < mutants/10 {
		t.Errorf("only %d of %d mutants were judged invalid: the mutants test little", invalid, mutants)
	}
}

// mutate changes one thing in the JSON text b: a scalar replaced, a byte changed or
// removed, a member removed, or one added after an opening brace.
func mutate(r *rand.Rand, b []byte, replacements []string) []byte {
	out := bytes.Clone(b)
	i := r.IntN(len(out))
	switch r.IntN(5) {
	case 4: // a member removed: from a key after '{' or ',' to its value's end
		for i < len(out) && !(out[i] == '"' && i > 0 && (out[i-1] == '{' || out[i-1] == ',')) {
			i++
		}
		if i == len(out) {
			return out
		}
		keyEnd, ok := stringEnd(out, i)
		if !ok || keyEnd >= len(out) || out[keyEnd] != ':' {
			return out
		}
		end, ok := valueEnd(out, keyEnd+1, 0)
		if !ok {
			return out
		}
		if end < len(out) && out[end] == ',' {
			end++
		} else if out[i-1] == ',' {
			i--
		}
		return append(out[:i:i], out[end:]...)
	case 0: // a scalar (from a quote or digit to its end) replaced
		for i < len(out) && !strings.ContainsRune(`"-0123456789tfn`, rune(out[i])) {
			i++
		}
		if i == len(out) {
			return out
		}
		end, ok := valueEnd(out, i, 0)
		if !ok {
			end = i + 1
		}
		return append(append(out[:i:i], replacements[r.IntN(len(replacements))]...), out[end:]...)
	case 1:
		out[i] = "{}[]\",:0a \\"[r.IntN(11)]
		return out
	case 2:
		return append(out[:i:i], out[i+1:]...)
	default:
		for i < len(out) && out[i] != '{' {
			i++
		}
		if i == len(out) {
			return out
		}
		return append(append(out[:i+1:i+1], `"zz_unknown":1,`...), out[i+1:]...)
	}
}

// FuzzValidSpan: validSpan never finds valid what valid rejects once parsed.
func FuzzValidSpan(f *testing.F) {
	for _, c := range goldenCases(f) {
		f.Add(c.text)
	}
	for _, s := range []string{`{}`, `[]`, `{"a":1,"a":2}`, `{"a":1x}`, `[1,]`, `{"a" 1}`, `"\u00e9"`, `1e`, `[1 2]`} {
		f.Add([]byte(s))
	}
	schemas := spanSchemas(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		for name, n := range schemas {
			if !n.validSpan(in) {
				continue
			}
			v, err := ParseJSON(in)
			if err != nil || !n.valid(v) {
				t.Fatalf("%s: validSpan(%q) true, parsed: %v, valid %v", name, in, err, err == nil && n.valid(v))
			}
		}
	})
}

// TestValidSpanTakesOnlyWellFormedText: with a schema that allows anything, validSpan is
// true exactly for well-formed JSON it can read in place; anything malformed, and
// strings with escapes (left to the parser), are false.
func TestValidSpanTakesOnlyWellFormedText(t *testing.T) {
	anything := &node{minLen: -1, maxLen: -1, maxItems: -1, maxProps: -1}
	for text, want := range map[string]bool{
		`{"a":[1,{"b":null}],"c":"d","e":-0.5e3,"f":true,"g":[]}`: true, `[]`: true, `{}`: true, `"x"`: true, ` [ 1 , 2 ] `[1:10]: true,
		`{"a":1x}`: false, `[1,]`: false, `{"a":tru}`: false, `[01]`: false, `{"a" 1}`: false, `[1 2]`: false,
		`{"a":1,}`: false, `"\u00e9"`: false, `{"a":"\u0001"}`: false, `{"a":1}}`: false, `[[1]`: false, `{"a":[1}]}`: false,
		`{1:2}`: false, `[-]`: false, `["\xff"]`: false, `[1]x`: false, ``: false, `{"a":{"b":[nul]}}`: false,
	} {
		if got := anything.validSpan([]byte(text)); got != want {
			t.Errorf("validSpan(%q) = %v, want %v", text, got, want)
		}
	}
}
