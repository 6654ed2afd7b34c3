package validate

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/synth"
)

// TestSitesAreTheTreesPositions: where a Site says a transform's values were written is
// what looking them up in the transform's validated tree gives (as the passes after
// validation did before transforms were dropped), for every floe.yaml of the examples
// and the bad-input corpus and a synthetic product cut into pieces.
func TestSitesAreTheTreesPositions(t *testing.T) {
	files, _ := filepath.Glob("../testdata/bad/*/floe.yaml")
	ex, _ := filepath.Glob("../../examples/*/floe.yaml")
	srcs := map[string][]byte{"synthetic": synth.Spec(3000)}
	for _, p := range append(files, ex...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs[p] = b
	}
	var compared int
	for name, src := range srcs {
		var ts Transforms
		var mu sync.Mutex
		var items []*yaml.Node
		list := ts.List()
		start := list.Start
		list.Start = func(f *parse.File, n int) func(int, *yaml.Node) {
			take := start(f, n)
			items = make([]*yaml.Node, n)
			return func(i int, item *yaml.Node) {
				take(i, item)
				mu.Lock()
				items[i] = item
				mu.Unlock()
			}
		}
		f, _ := parse.ParseList(name, src, list)
		if f == nil {
			continue
		}
		spec, _ := ValidateSpec(f, &ts)
		if spec == nil {
			continue
		}
		for i, item := range items {
			paths := [][]string{{}, {"name"}, {"compute"}, {"resources"}, {"dependsOn"}, {"dependsOn", "0"}, {"dependsOn", "1"}, {"dependsOn", "7"}}
			for _, p := range paths {
				_, v := parse.Lookup(item, p)
				if got, want := spec.TransformAt(i, p...), f.Pos(v); got != want {
					t.Errorf("%s: transforms[%d] %v at %v, the tree says %v", name, i, p, got, want)
				}
				compared++
			}
			k, _ := parse.Lookup(item, []string{"dependsOn"})
			if got, ok := spec.DependsOnKey(i); ok != (k != nil) || ok && got != f.Pos(k) {
				t.Errorf("%s: transforms[%d] dependsOn key at %v (%v), the tree says %v", name, i, got, ok, k)
			}
			if got, want := spec.TransformPath(i, "dependsOn", "0"), "transforms["+strconv.Itoa(i)+"]."+spelled(src, item)+"[0]"; got != want {
				t.Errorf("%s: transforms[%d] path %s, want %s", name, i, got, want)
			}
		}
	}
	if compared < 10000 {
		t.Errorf("compared %d positions: the corpus was not found", compared)
	}
}

// spelled is how src wrote item's dependsOn key (validation renames depends_on in
// place): the text at the key's position.
func spelled(src []byte, item *yaml.Node) string {
	k, _ := parse.MapGet(item, "dependsOn")
	if k == nil {
		return "dependsOn"
	}
	line := strings.Split(string(src), "\n")[k.Line-1]
	if strings.HasPrefix(string([]rune(line)[k.Column-1:]), "depends_on") {
		return "depends_on"
	}
	return "dependsOn"
}

// TestTransformsNotHandedOver: a floe.yaml parsed whole (its transforms still in its
// tree) is refused as floe's fault, not validated without its transforms.
func TestTransformsNotHandedOver(t *testing.T) {
	src := []byte("apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: p, version: 1.0.0}\nplatform: {manifest: m.yaml}\ntransforms:\n  - name: a\n")
	f, ds := parse.Parse("floe.yaml", src)
	if f == nil {
		t.Fatal(ds)
	}
	var ts Transforms
	spec, ds := ValidateSpec(f, &ts)
	if spec != nil || len(ds) != 1 || ds[0].Code != diag.CodeInternal {
		t.Errorf("ValidateSpec of a whole tree: %v, %v", spec, ds)
	}
}
