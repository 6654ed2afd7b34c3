package helm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// yamlHostile are strings JSON carries raw but YAML cannot: DEL, C1 controls, NEL, the line
// and paragraph separators, the byte-order mark and the non-characters (plus a few that
// only need quoting).
var yamlHostile = []string{
	"a\x7fb", "a\u0085b", "a\u009bb", "a\u2028b", "a\u2029b", "\ufeffbom", "a\ufffeb", "a\uffffb",
	"a\x00b", "tab\there", "nl\nthere", "cr\rthere", "quote\"s'", "back\\slash", "{{ .Values.x }}", "---", "# c",
}

// TestConfigMapCarriesEveryString renders the chart whose ConfigMap embeds artifacts, Iceberg
// configuration and schedules holding every string of yamlHostile, decodes the ConfigMap
// strictly and checks each embedded JSON document reads back equal to the file floe wrote
// (before YAMLSafeJSON, Helm's linter failed on DEL and NEL: "control characters are not
// allowed", and NEL and the separators would have cut the block scalar).
func TestConfigMapCarriesEveryString(t *testing.T) {
	p := customer360()
	artifacts, err := json.Marshal(map[string]any{"version": "0.10.0", "strings": yamlHostile})
	if err != nil {
		t.Fatal(err)
	}
	p.RedactedArtifactsJSON = append(artifacts, '\n')
	p.Iceberg.Catalog.URI = strings.Join(yamlHostile, "|")
	p.Iceberg.Tables[0].PartitionBy = yamlHostile
	p.Schedules.Schedules[0].Timezone = "a\u0085\u2028b"
	if _, err := Generate(p, chartOptions()); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	chart := exampleChart(t, p)
	objs, err := renderChart(chart, "floe-customer-360", "data-products")
	if err != nil {
		t.Fatal(err)
	}
	iceberg, err := gen.IcebergJSON(p.Iceberg)
	if err != nil {
		t.Fatal(err)
	}
	schedules, err := gen.SchedulesJSON(p.Schedules)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"compiled_artifacts.json": p.RedactedArtifactsJSON,
		"iceberg_io.json":         iceberg,
		"schedules.json":          schedules,
	}
	found := false
	for _, o := range objs {
		cm, ok := o.Object.(*corev1.ConfigMap)
		if !ok {
			continue
		}
		found = true
		for name, data := range want {
			var got, exp any
			if err := json.Unmarshal([]byte(cm.Data[name]), &got); err != nil {
				t.Fatalf("ConfigMap %s: %v", name, err)
			}
			if err := json.Unmarshal(data, &exp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("ConfigMap %s reads back as\n%v\nwant\n%v", name, got, exp)
			}
		}
	}
	if !found {
		t.Fatal("no ConfigMap rendered")
	}
	var io schemas.IcebergIOConfig
	if err := json.Unmarshal(iceberg, &io); err != nil || io.Catalog.URI != p.Iceberg.Catalog.URI {
		t.Errorf("iceberg_io.json catalog uri = %q (%v)", io.Catalog.URI, err)
	}
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
