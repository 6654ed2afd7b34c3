package helm

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/floe-dev/floe/codegen/gen"
)

// yamlHostile are strings JSON carries raw but YAML cannot: DEL, C1 controls, NEL, the line
// and paragraph separators, the byte-order mark and the non-characters (plus a few that
// only need quoting).
var yamlHostile = []string{
	"a\x7fb", "a\u0085b", "a\u009bb", "a\u2028b", "a\u2029b", "\ufeffbom", "a\ufffeb", "a\uffffb",
	"a\x00b", "tab\there", "nl\nthere", "cr\rthere", "quote\"s'", "back\\slash", "{{ .Values.x }}", "---", "# c",
}

// TestWorkingDirReachesPods: an output directory with quotes, spaces, $ and Go-template
// text reaches the code server's workingDir and command unchanged (the Dockerfile's side
// is TestDockerfileHostileOutputDir).
func TestWorkingDirReachesPods(t *testing.T) {
	p := customer360()
	for _, dir := range []string{`it's "my" out`, "$HOME/{{ .Values.x }}", "a: b # c", "yes", "---"} {
		opts := chartOptions()
		opts.OutputDir = dir
		d, err := planDeployment(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		chart, err := buildChart(p, d)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := renderChart(chart, "floe-customer-360", "data-products")
		if err != nil {
			t.Fatalf("%q: %v", dir, err)
		}
		for _, o := range objs {
			dep, ok := o.Object.(*appsv1.Deployment)
			if !ok {
				continue
			}
			c := dep.Spec.Template.Spec.Containers[0]
			if c.WorkingDir != d.WorkingDir || !strings.Contains(strings.Join(c.Command, "\x00"), "\x00"+d.DefinitionsFile+"\x00") {
				t.Errorf("%q: workingDir %q, command %q; want %q and %q", dir, c.WorkingDir, c.Command, d.WorkingDir, d.DefinitionsFile)
			}
		}
	}
}

// TestYAMLSafeJSON: only what YAML cannot carry is escaped, the document's value is
// unchanged, and bytes without such characters come back as they are.
func TestYAMLSafeJSON(t *testing.T) {
	for _, s := range append(yamlHostile, "plain", "ünïcödé 日本 😀", "\u00a0") {
		b, err := json.Marshal(map[string]string{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		safe := gen.YAMLSafeJSON(b)
		var got map[string]string
		if err := json.Unmarshal(safe, &got); err != nil || got["k"] != s {
			t.Errorf("%q: reads back as %q (%v)", s, got["k"], err)
		}
		for _, r := range string(safe) {
			if r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff {
				t.Errorf("%q: %U left raw in %s", s, r, safe)
			}
		}
	}
	plain := []byte(`{"k": "ünïcödé"}`)
	if got := gen.YAMLSafeJSON(plain); &got[0] != &plain[0] {
		t.Error("a document without such characters was copied")
	}
	if got := string(gen.YAMLSafeJSON([]byte("{\"k\": \"a\xffb\"}"))); got != `{"k": "a\ufffdb"}` {
		t.Errorf("invalid UTF-8: %s", got)
	}
}
