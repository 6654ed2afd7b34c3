package dagster

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"text/template"
	"unicode"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/templates/runtime"
)

// The reference below is definitions.py as rendered before appendModels existed: the
// whole file through text/template, with pyString and pyTuple as they were then, kept
// verbatim. The fast path must produce the same bytes for any input.

// oldModelsTemplate is what definitions.py.tmpl had where {{models}} is now.
const oldModelsTemplate = `{{if .Models}}( {{- range .Models}}
        Model(
            name={{py .Name}},
            {{pytuple 12 "depends_on" .DependsOn}},
            {{pytuple 12 "tags" .Tags}},
            tier={{py .Tier}},
            preset={{py .Preset}},
        ),{{end}}
    ){{else}}(){{end}}`

var oldDefinitionsTemplate = template.Must(template.New(DefinitionsFile).
	Option("missingkey=error").
	Funcs(template.FuncMap{
		"py":      oldPyString,
		"pybool":  pyBool,
		"pytuple": oldPyTuple,
	}).
	Parse(strings.Replace(string(runtime.DefinitionsTemplate()), modelsAction, oldModelsTemplate, 1)))

// oldRenderDefinitions renders v the old way; the old view held sorted copies of the
// dependencies.
func oldRenderDefinitions(t *testing.T, v definitionsView) []byte {
	t.Helper()
	models := slices.Clone(v.Models)
	for i := range models {
		models[i].DependsOn = slices.Sorted(slices.Values(models[i].DependsOn))
	}
	v.Models = models
	var b bytes.Buffer
	if err := oldDefinitionsTemplate.Execute(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func oldPyString(s string) string {
	quote := '"'
	if strings.ContainsRune(s, '"') && !strings.ContainsRune(s, '\'') {
		quote = '\''
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == unicode.ReplacementChar || !unicode.IsPrint(r):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

func oldPyTuple(indent int, key string, items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = oldPyString(it)
	}
	var inline string
	switch len(quoted) {
	case 0:
		inline = "()"
	case 1:
		inline = "(" + quoted[0] + ",)"
	default:
		inline = "(" + strings.Join(quoted, ", ") + ")"
	}
	if indent+len(key)+1+len(inline)+1 <= pythonLineLength {
		return key + "=" + inline
	}
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	b.WriteString(key + "=(\n")
	for _, q := range quoted {
		b.WriteString(pad + "    " + q + ",\n")
	}
	b.WriteString(pad + ")")
	return b.String()
}

// hostilePieces are what random strings are made of: text that must be escaped, text
// that must not be, and text that is not UTF-8.
var hostilePieces = []string{
	"a", "m_1", "Z9", " ", "-", ".", "x", "layer_0", `"`, `'`, `\`, `\"`, `'"`,
	"\n", "\r", "\t", "\x00", "\x07", "\x1f", "\x7f", "{{", "}}", "#", "\"\"\"", "''' ",
	"é", "ß", "日本", "\u00a0", "\u00ad", "\u2028", "\u200b", "\ufeff", "\ufffd",
	"\xff", "\xe2\x82", "\xc0\x80", "😀", "\U000e0001", "\U0010ffff", "\U0001d400",
}

// randomString is a plain name (a length chosen to put tuples near ruff's line length)
// or a string of hostile pieces.
func randomString(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
		b := make([]byte, r.IntN(80))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(hostilePieces[r.IntN(len(hostilePieces))])
	}
	return b.String()
}

func randomStrings(r *rand.Rand, max int) []string {
	var s []string
	for range r.IntN(max + 1) {
		s = append(s, randomString(r))
	}
	return s
}

// randomProduct is customer-360 with random product text and 0 to 40 random models.
func randomProduct(t *testing.T, r *rand.Rand) *schemas.Product {
	p := customer360(t)
	p.Name, p.Version, p.FloeVersion = randomString(r), randomString(r), randomString(r)
	p.DefaultPreset = randomString(r)
	p.Lineage = schemas.LineageConfig{Enabled: r.IntN(2) == 0, Transport: randomString(r),
		Endpoint: randomString(r), File: randomString(r), Namespace: randomString(r)}
	p.ResourcePresets[0].Name = randomString(r)
	p.ResourcePresets[1].Resources.Limits.Memory = randomString(r)
	p.Models = nil
	for range r.IntN(41) {
		p.Models = append(p.Models, schemas.ModelPlan{
			Name:      randomString(r),
			DependsOn: randomStrings(r, 5),
			Tags:      randomStrings(r, 4),
			Tier:      randomString(r),
			Preset:    randomString(r),
		})
	}
	if r.IntN(2) == 0 {
		// A dbt profile named after the product, as the compiler writes it.
		p.Artifacts.DbtProfiles = &schemas.Map{Items: []schemas.MapItem{{Key: p.Name, Value: &schemas.Map{
			Items: []schemas.MapItem{{Key: "target", Value: randomString(r) + "t"}}}}}}
	}
	return p
}

// TestRenderDefinitionsMatchesTemplate renders fixed and random hostile products with
// the fast path and with the old all-template path and compares the bytes.
func TestRenderDefinitionsMatchesTemplate(t *testing.T) {
	products := map[string]*schemas.Product{
		"customer-360": customer360(t),
		"hostile":      hostile(t),
		"no models":    func() *schemas.Product { p := customer360(t); p.Models = nil; return p }(),
		"synthetic":    synthProduct(t, 2000),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		products[fmt.Sprintf("random %d", i)] = randomProduct(t, r)
	}
	for name, p := range products {
		v, err := newDefinitionsView(p, gen.Options{ProjectDir: randomString(r)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := renderDefinitions(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := oldRenderDefinitions(t, v); !bytes.Equal(got, want) {
			t.Errorf("%s: definitions.py differs from the template rendering:\n%s", name, firstDifference(got, want))
		}
	}
}

// firstDifference shows the lines around the first byte where got and want differ.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	start := bytes.LastIndexByte(got[:i], '\n') + 1
	end := func(b []byte) []byte { return b[start:min(len(b), i+200)] }
	return fmt.Sprintf("at byte %d\ngot:  %q\nwant: %q", i, end(got), end(want))
}

// TestRenderDefinitionsKeepsTheProduct checks that rendering sorts dependencies in the
// output only: the product the compiler handed over is not modified.
func TestRenderDefinitionsKeepsTheProduct(t *testing.T) {
	p := customer360(t)
	p.Models[3].DependsOn = []string{"z", "b", "a"}
	v, err := newDefinitionsView(p, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := renderDefinitions(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`depends_on=("a", "b", "z"),`)) {
		t.Errorf("dependencies not sorted in the output")
	}
	if got := p.Models[3].DependsOn; !slices.Equal(got, []string{"z", "b", "a"}) {
		t.Errorf("product's dependencies changed to %q", got)
	}
}

// TestDefinitionsSizeHoldsPlainNames checks the buffer estimate: with names that need no
// escaping the buffer is allocated once, never regrown.
func TestDefinitionsSizeHoldsPlainNames(t *testing.T) {
	v, err := newDefinitionsView(synthProduct(t, 5000), gen.Options{ProjectDir: "../.."})
	if err != nil {
		t.Fatal(err)
	}
	out, err := renderDefinitions(v)
	if err != nil {
		t.Fatal(err)
	}
	if size := definitionsSize(v.Models); len(out) > size {
		t.Errorf("definitions.py is %d bytes, estimated %d", len(out), size)
	}
}

func TestParseDefinitionsTemplateNeedsOneModelsAction(t *testing.T) {
	for _, src := range []string{"models=()", "{{models}} {{models}}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q: no panic", src)
				}
			}()
			parseDefinitionsTemplate(src)
		}()
	}
}

// FuzzPyString compares pyString and pyTuple with their old implementations.
func FuzzPyString(f *testing.F) {
	for _, s := range hostilePieces {
		f.Add(s, 12)
	}
	f.Add("plain", 0)
	f.Add(strings.Repeat("x", 40)+","+strings.Repeat("y", 40), 12)
	f.Fuzz(func(t *testing.T, s string, indent int) {
		if got, want := pyString(s), oldPyString(s); got != want {
			t.Errorf("pyString(%q) = %s, want %s", s, got, want)
		}
		indent = max(0, min(indent, 100))
		items := strings.Split(s, ",")
		if s == "" {
			items = nil
		}
		if got, want := pyTuple(indent, "tags", items), oldPyTuple(indent, "tags", items); got != want {
			t.Errorf("pyTuple(%d, %q) =\n%s\nwant\n%s", indent, items, got, want)
		}
	})
}
