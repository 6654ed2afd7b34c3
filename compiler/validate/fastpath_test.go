package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/internal/synth"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/schemas/check"
)

// TestFastPathAgrees is the guarantee behind schemas/check's fast path: whatever it
// calls valid, santhosh-tekuri calls valid too. It runs both over every value of the
// examples, the bad-input corpus, a synthetic product, the golden outputs, and
// thousands of mutations of them, against every schema and every $defs entry.
func TestFastPathAgrees(t *testing.T) {
	for _, f := range schemas.SchemaFiles {
		if err := check.FastPathError(f.Name); err != nil {
			t.Errorf("fast path off for %s: %v", f.Name, err)
		}
	}
	corpus := fastCorpus(t)
	if len(corpus) < 150 {
		t.Fatalf("corpus has %d values; the inputs were not found", len(corpus))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var checked, fastValid, slowValid, mutants int
	for _, c := range corpus {
		sch := schemaOf(t, c.schema)
		targets := []*check.Schema{sch}
		for _, name := range defNames(sch) {
			d, err := sch.Def(name)
			if err != nil {
				t.Fatal(err)
			}
			targets = append(targets, d)
		}
		values := []any{c.value}
		for range 16 {
			values = append(values, mutate(rng, deepCopy(c.value)))
			mutants++
		}
		for _, v := range values {
			subs := subValues(v)
			for i, tg := range targets {
				for j, sub := range subs {
					if i == 0 && j > 0 {
						break // the document schema judges whole documents only
					}
					f, s := agree(t, c.name, tg, sub)
					checked++
					if f {
						fastValid++
					}
					if s {
						slowValid++
					}
				}
			}
		}
	}
	t.Logf("%d checks over %d values (%d mutants): fast path valid %d, santhosh-tekuri valid %d", checked, len(corpus), mutants, fastValid, slowValid)
	// The comparison must exercise both answers, and the fast path must decide most of
	// what is valid (else it would be agreeing by never answering).
	if fastValid == 0 || slowValid == checked || fastValid*10 < slowValid*9 {
		t.Errorf("fast path judged %d valid of %d santhosh-tekuri valid (of %d): not exercised", fastValid, slowValid, checked)
	}
}

type corpusValue struct {
	name, schema string
	value        any
}

func agree(t *testing.T, name string, s *check.Schema, v any) (fast, slow bool) {
	t.Helper()
	ss, err := s.Full()
	if err != nil {
		t.Fatal(err)
	}
	fast = s.FastValid(v)
	slow = ss.Validate(v) == nil
	if fast && !slow {
		b, _ := json.Marshal(v)
		t.Errorf("%s: fast path accepts a value santhosh-tekuri rejects: %s\n%v", name, b, ss.Validate(v))
	}
	return fast, slow
}

var schemaCache = map[string]*check.Schema{}

func schemaOf(t *testing.T, name string) *check.Schema {
	if s, ok := schemaCache[name]; ok {
		return s
	}
	s, err := check.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	schemaCache[name] = s
	return s
}

func defNames(s *check.Schema) []string {
	defs, _ := s.Doc()["$defs"].(map[string]any)
	var out []string
	for k := range defs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// fastCorpus collects YAML inputs (as floe-spec and manifest values) and JSON outputs.
func fastCorpus(t *testing.T) []corpusValue {
	var out []corpusValue
	addYAML := func(name string, src []byte) {
		f, _ := parse.Parse(name, src)
		if f == nil || f.Root == nil {
			return
		}
		v, err := parse.ToValue(f.Root)
		if err != nil {
			return
		}
		for _, s := range []string{"floe-spec", "manifest"} {
			out = append(out, corpusValue{name, s, v})
		}
	}
	var yamls []string
	for _, g := range []string{"../../examples/*/*.yaml", "../testdata/bad/*/*.yaml", "../testdata/bad/*/*/*.yaml"} {
		m, _ := filepath.Glob(g)
		yamls = append(yamls, m...)
	}
	for _, p := range yamls {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		addYAML(p, b)
	}
	addYAML("synthetic", synth.Spec(40))
	jsons, _ := filepath.Glob("../../cli/testdata/golden/*/want/*.json")
	for _, p := range jsons {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		schema := map[string]string{"compiled_artifacts.json": "compiled-artifacts", "iceberg_io.json": "iceberg-io", "schedules.json": "schedules"}[filepath.Base(p)]
		if schema != "" {
			out = append(out, corpusValue{p, schema, v})
		}
	}
	return out
}

// subValues is v and every value nested in it.
func subValues(v any) []any {
	out := []any{v}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, subValues(t[k])...)
		}
	case []any:
		for _, e := range t {
			out = append(out, subValues(e)...)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// replacements are values a mutation may put anywhere: each kind, edge lengths and
// numbers, near-miss enum values and values that are integers only in JSON Schema's eyes.
var replacements = []any{
	nil, true, false, "", "x", "UPPER", "a-b", "a_b", "1.0.0", "v1.0.0", "floe.dev/v1", "FloeSpec",
	"bronze", "platinum", "0 6 * * *", "UTC", "Mars/Base", "2026-01-01", "2026-13-45", "2026-01-01T00:00:00Z", "2026-01-01T25:00:00Z", "2026-02-30T00:00:00+01:00", "ÄÖü", "a\nb",
	strings.Repeat("x", 64), strings.Repeat("y", 129), strings.Repeat("z", 501), strings.Repeat("é", 100),
	json.Number("0"), json.Number("1"), json.Number("-1"), json.Number("1.5"), json.Number("100000"),
	json.Number("100001"), json.Number("1e3"), json.Number("3.0"), json.Number("99999999999999999999"),
	json.Number("1.00000000000000000001"), json.Number("-1e-400"), json.Number("0.1"), json.Number("10.000000000000002"),
	float64(2), 0.5, float64(-3), map[string]any{}, []any{}, []any{"x"}, []any{json.Number("1")},
	map[string]any{"unknown_key": "x"}, map[string]any{"name": "x"},
}

// mutate changes one random place of v (often several places, by chance of recursion).
func mutate(rng *rand.Rand, v any) any {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		switch r := rng.IntN(10); {
		case r == 0 || len(keys) == 0:
			t[fmt.Sprintf("extra_%d", rng.IntN(3))] = replacements[rng.IntN(len(replacements))]
		case r == 1:
			delete(t, keys[rng.IntN(len(keys))])
		case r == 2:
			t[keys[rng.IntN(len(keys))]] = replacements[rng.IntN(len(replacements))]
		default:
			k := keys[rng.IntN(len(keys))]
			t[k] = mutate(rng, t[k])
		}
		return t
	case []any:
		switch r := rng.IntN(8); {
		case r == 0 || len(t) == 0:
			return append(t, replacements[rng.IntN(len(replacements))])
		case r == 1:
			i := rng.IntN(len(t))
			return append(t[:i], t[i+1:]...)
		default:
			i := rng.IntN(len(t))
			t[i] = mutate(rng, t[i])
			return t
		}
	}
	if rng.IntN(3) == 0 {
		return v
	}
	return replacements[rng.IntN(len(replacements))]
}

// TestDecodeNodeAgrees checks decodeInto against the JSON round trip it replaces, over
// every valid document of the corpus and its valid mutants (as floe-spec and manifest).
func TestDecodeNodeAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	types := map[string]func() any{
		"floe-spec": func() any { return new(schemas.FloeSpec) },
		"manifest":  func() any { return new(schemas.Manifest) },
	}
	var compared, directOK int
	for _, c := range fastCorpus(t) {
		mk := types[c.schema]
		if mk == nil {
			continue
		}
		sch := schemaOf(t, c.schema)
		values := []any{c.value}
		for range 30 {
			values = append(values, mutate(rng, deepCopy(c.value)))
		}
		for _, v := range values {
			if sch.Validate(v) != nil {
				continue
			}
			src, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			f, ds := parse.Parse("mutant.yaml", src)
			if f == nil || f.Root == nil || ds.HasErrors() {
				continue
			}
			cs, err := Schema(c.schema)
			if err != nil {
				t.Fatal(err)
			}
			if integerFields(top(f), cs, nil).HasErrors() {
				continue
			}
			direct, viaJSON := mk(), mk()
			errDirect := decodeInto(f.Root, direct)
			b, err := parse.ToJSON(f.Root)
			if err != nil {
				t.Fatal(err)
			}
			errJSON := json.Unmarshal(b, viaJSON)
			if (errDirect == nil) != (errJSON == nil) {
				t.Errorf("%s: decodeInto error %v, json.Unmarshal error %v\n%s", c.name, errDirect, errJSON, src)
				continue
			}
			if !reflect.DeepEqual(direct, viaJSON) {
				t.Errorf("%s: decodeInto and the JSON round trip differ\n%s\ndirect: %+v\njson:   %+v", c.name, src, direct, viaJSON)
			}
			compared++
			if decodeNode(f.Root, reflect.ValueOf(mk()).Elem(), 0) == nil {
				directOK++
			}
		}
	}
	t.Logf("%d valid documents decoded both ways, %d without falling back to JSON", compared, directOK)
	if directOK*2 < compared {
		t.Errorf("only %d of %d documents decoded directly", directOK, compared)
	}
	if compared < 100 {
		t.Errorf("only %d documents compared", compared)
	}
}

// TestDecodeAliasDeepenedMap: a free-form map reached through aliases deeper than
// MaxDepth in the document decodes as the whole-document round trip does (null below
// the limit), not from its own depth.
func TestDecodeAliasDeepenedMap(t *testing.T) {
	deep := strings.Repeat("[", 195) + "1" + strings.Repeat("]", 195)
	src := "apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: p, version: 1.0.0}\n" +
		"platform: {manifest: m.yaml}\ntransforms: [{name: a}]\n" +
		"destinations:\n  - name: d\n    sink_type: s\n    connection_secret_ref: c\n" +
		"    config: {a: &x " + deep + ", a2: *x, b: {k: {k: {k: *x}}}}\n"
	f, ds := parse.Parse("floe.yaml", []byte(src))
	if f == nil {
		t.Fatalf("parse: %v", ds)
	}
	var direct, viaJSON schemas.FloeSpec
	if err := decodeInto(f.Root, &direct); err != nil {
		t.Fatal(err)
	}
	b, err := parse.ToJSON(f.Root)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(direct, viaJSON) {
		t.Error("decodeInto differs from the whole-document JSON round trip")
	}
}
