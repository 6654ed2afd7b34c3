package compiler

import (
	"fmt"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/diag"
)

// mutationProducts are valid products whose every value TestMutations replaces, one at
// a time, with hostile values. Keys are the paths Compile sees; values the files on disk.
var mutationProducts = []struct {
	spec, manifest string
	files          map[string]string
}{
	{"c360/floe.yaml", "c360/manifest.yaml", map[string]string{
		"c360/floe.yaml": "../examples/customer-360/floe.yaml", "c360/manifest.yaml": "../examples/customer-360/manifest.yaml"}},
	{"c360/floe.yaml", "c360/manifest.prod.yaml", map[string]string{
		"c360/floe.yaml": "../examples/customer-360/floe.yaml", "c360/manifest.prod.yaml": "../examples/customer-360/manifest.prod.yaml"}},
	{"sink/floe.yaml", "sink/manifest.yaml", map[string]string{
		"sink/floe.yaml": "testdata/mutate/floe.yaml", "sink/manifest.yaml": "testdata/mutate/manifest.yaml"}},
	{"sales/orders/floe.yaml", "sales/domain.yaml", map[string]string{
		"sales/orders/floe.yaml":   "../examples/enterprise-domain/sales/orders-analytics/floe.yaml",
		"sales/domain.yaml":        "../examples/enterprise-domain/sales/domain.yaml",
		"platform/enterprise.yaml": "../examples/enterprise-domain/platform/enterprise.yaml"}},
}

// hostile are the replacement values: wrong kinds, empties, extremes, non-finite and
// out-of-range numbers, traversal, injection and Unicode.
var hostile = []string{`""`, `" "`, `~`, `[]`, `{}`, `true`, `0`, `-1`, `1e3`, `2.5`, `.inf`, `.nan`,
	`99999999999999999999`, `"../../x"`, `"a\"b'c{{.}}\n$(x)"`, `"ünïcødé"`, `"` + strings.Repeat("x", 300) + `"`, `"0 25 * * *"`}

// TestMutations replaces each scalar of each input file of valid products with each
// hostile value, and deletes each mapping entry: every compile must end in a product or
// in positioned errors, never in a panic or an internal error. Structure-aware, it
// reaches the later passes that byte-level fuzzing rarely gets past validation to.
func TestMutations(t *testing.T) {
	mutated := map[string]bool{} // files on disk already mutated (in another product)
	for _, p := range mutationProducts {
		orig := map[string][]byte{}
		for name, disk := range p.files {
			b, err := os.ReadFile(disk)
			if err != nil {
				t.Fatal(err)
			}
			orig[name] = b
		}
		if res := compileMem(p.spec, p.manifest, orig); res.Product == nil {
			t.Fatalf("%s does not compile unmutated: %v", p.spec, res.Diags)
		}
		for name, disk := range p.files {
			if mutated[disk] {
				continue
			}
			mutated[disk] = true
			// One subtest per file, in parallel: each has its own tree to mutate.
			t.Run(p.manifest+"/"+name, func(t *testing.T) {
				t.Parallel()
				var doc yaml.Node
				if err := yaml.Unmarshal(orig[name], &doc); err != nil {
					t.Fatal(err)
				}
				n, failed := 0, 0
				for i, m := range mutations(&doc) {
					if testing.Short() && i%7 != 0 {
						continue // -short: a sample
					}
					m.apply()
					out, err := yaml.Marshal(&doc)
					m.undo()
					if err != nil {
						continue
					}
					files := map[string][]byte{}
					for k, v := range orig {
						files[k] = v
					}
					files[name] = out
					res := compileMem(p.spec, p.manifest, files)
					n++
					if res.Product == nil {
						failed++
					}
					checkResult(t, fmt.Sprintf("%s %s", name, m.desc), res)
				}
				t.Logf("%d mutated compiles, %d rejected", n, failed)
			})
		}
	}
}

type mutation struct {
	desc        string
	apply, undo func()
}

// mutations lists, for every scalar value, its replacement by each hostile value; for
// every mapping and list, its replacement by values of other kinds; for every list, the
// repetition of its items (duplicate names); for every mapping entry, its deletion.
func mutations(doc *yaml.Node) []mutation {
	var out []mutation
	replace := func(n *yaml.Node, where string, values []string) {
		for _, h := range values {
			var repl yaml.Node
			if err := yaml.Unmarshal([]byte("v: "+h), &repl); err != nil {
				panic(err)
			}
			r := repl.Content[0].Content[1]
			saved := *n
			out = append(out, mutation{fmt.Sprintf("%s = %s", where, h),
				func() { *n = *r },
				func() { *n = saved }})
		}
	}
	var walk func(n *yaml.Node, where string)
	walk = func(n *yaml.Node, where string) {
		if where != "" && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
			replace(n, where, []string{`x`, `~`, `1`, `[]`, `{}`, `[x]`})
		}
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", where, i))
			}
			if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
				saved := n.Content
				out = append(out, mutation{"repeat the items of " + where,
					func() { n.Content = append(append([]*yaml.Node{}, saved...), saved...) },
					func() { n.Content = saved }})
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				i, n := i, n
				key := where + "." + n.Content[i].Value
				saved := n.Content
				out = append(out, mutation{"delete " + key,
					func() { n.Content = append(append([]*yaml.Node{}, saved[:i]...), saved[i+2:]...) },
					func() { n.Content = saved }})
				walk(n.Content[i+1], key)
			}
		case yaml.ScalarNode:
			replace(n, where, hostile)
		}
	}
	walk(doc, "")
	return out
}

func compileMem(spec, manifest string, files map[string][]byte) *Result {
	return Compile(Options{SpecPath: spec, ManifestPath: manifest, CompiledAt: time.Unix(1700000000, 0), FloeVersion: "test",
		Orchestrators: []string{"dagster"}, ReadFile: func(name string) ([]byte, error) {
			if b, ok := files[path.Clean(name)]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("open %s: %w", name, os.ErrNotExist)
		}})
}

// checkResult asserts the invariants every compile must keep.
func checkResult(t *testing.T, what string, res *Result) {
	t.Helper()
	if res.Internal {
		t.Errorf("%s: internal error: %v", what, res.Diags)
		return
	}
	if (res.Product == nil) != res.Diags.HasErrors() {
		t.Errorf("%s: product %v with errors %v", what, res.Product != nil, res.Diags)
	}
	lineCount := map[string]int{}
	for name, src := range res.Sources {
		lineCount[name] = yamlLines(src)
	}
	for _, d := range res.Diags {
		lines, ok := lineCount[d.Pos.File]
		if !ok && d.Code != diag.CodeFile {
			t.Errorf("%s: diagnostic about a file that was not read: %+v", what, d)
			continue
		}
		if d.Pos.Line < 0 || d.Pos.Line > lines || d.Code == diag.CodeInternal {
			t.Errorf("%s: bad diagnostic: %+v", what, d)
		}
		for _, leak := range []string{"yaml.Node", "interface {}", "map[string]", "*schemas.", "json: cannot", "strconv.", "reflect", "float64", "int64"} {
			if strings.Contains(d.Message, leak) {
				t.Errorf("%s: diagnostic leaks Go internals (%q): %s", what, leak, d.Message)
			}
		}
	}
}
