package helm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/floe-dev/floe/schemas"
)

// TestPackageReproducible: two runs give byte-identical archives (and every other file);
// a different Options.Time gives a different archive, so the time really is the one stamped.
func TestPackageReproducible(t *testing.T) {
	a := generateFiles(t, customer360(), chartOptions())
	time.Sleep(1100 * time.Millisecond) // chartutil.Save would differ after a second
	b := generateFiles(t, customer360(), chartOptions())
	if len(a) != len(b) {
		t.Fatalf("runs returned %d and %d files", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	tgz := a["helm/floe-customer-360-1.0.0.tgz"]
	later := chartOptions()
	later.Time = later.Time.Add(time.Hour)
	if c := generateFiles(t, customer360(), later)["helm/floe-customer-360-1.0.0.tgz"]; bytes.Equal(tgz, c) {
		t.Error("archive does not depend on Options.Time")
	}

	entries, hdrs := untar(t, tgz)
	if hdrs[0].Name != "floe-customer-360/Chart.yaml" {
		t.Errorf("first entry %s, want Chart.yaml (Helm's order)", hdrs[0].Name)
	}
	for _, h := range hdrs {
		if !h.ModTime.Equal(chartOptions().Time) || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: mtime %v mode %o uid %d gid %d uname %q", h.Name, h.ModTime, h.Mode, h.Uid, h.Gid, h.Uname)
		}
		if !strings.HasPrefix(h.Name, "floe-customer-360/") {
			t.Errorf("entry %s outside the chart directory", h.Name)
		}
	}
	// Helm loads it back: same name, version, templates and values.
	ch, err := loader.LoadArchive(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Name() != "floe-customer-360" || ch.Metadata.Version != "1.0.0" || len(ch.Templates) != 7 || ch.Schema == nil {
		t.Errorf("loaded %s %s with %d templates, schema %v", ch.Name(), ch.Metadata.Version, len(ch.Templates), ch.Schema != nil)
	}
	if len(entries) != len(hdrs) {
		t.Errorf("duplicate archive entries")
	}
}

// TestNoLiteralSecret: the product's unredacted artifacts hold client_secret demo-secret;
// the string appears in no generated file, inside the archive, or in any rendered object.
func TestNoLiteralSecret(t *testing.T) {
	p := customer360()
	if !bytes.Contains(p.ArtifactsJSON, []byte(demoSecret)) {
		t.Fatal("fixture lost its secret")
	}
	files := generateFiles(t, p, chartOptions())
	for name, data := range files {
		if bytes.Contains(data, []byte(demoSecret)) {
			t.Errorf("%s contains the literal secret", name)
		}
		if strings.HasSuffix(name, ".tgz") {
			entries, _ := untar(t, data)
			for en, ed := range entries {
				if bytes.Contains(ed, []byte(demoSecret)) {
					t.Errorf("%s!%s contains the literal secret", name, en)
				}
			}
		}
	}
	chart := packagedChart(t)
	for _, o := range append([]string{""}, envOverlays...) {
		var overlays [][]byte
		if o != "" {
			overlays = append(overlays, chartFileData(t, chart, o))
		}
		objs, err := renderChart(chart, "floe-customer-360", "data-products", overlays...)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objs {
			if strings.Contains(obj.YAML, demoSecret) {
				t.Errorf("%s %s contains the literal secret", o, obj.Source)
			}
		}
	}
	// The search above can fail: with the secret as a plain environment value, it finds it.
	leaky := customer360()
	leaky.Deployment.Env = append(leaky.Deployment.Env, schemas.KeyValue{Key: "LEAK", Value: demoSecret})
	found := false
	for _, data := range generateFiles(t, leaky, chartOptions()) {
		found = found || bytes.Contains(data, []byte(demoSecret))
	}
	if !found {
		t.Error("secret search cannot find a secret that is there")
	}
	// Without redacted bytes, Generate refuses rather than fall back to the real ones.
	p.RedactedArtifactsJSON = nil
	if _, err := Generate(p, chartOptions()); err == nil || !strings.Contains(err.Error(), "redacted") {
		t.Fatalf("Generate without redacted artifacts: err = %v", err)
	}
}

// TestPresetResourcesReachPods: the default preset's resources are the code server's in
// every overlay, and selecting another preset at install time changes them.
func TestPresetResourcesReachPods(t *testing.T) {
	chart := packagedChart(t)
	podResources := func(overlays ...[]byte) corev1.ResourceRequirements {
		t.Helper()
		objs, err := renderChart(chart, "floe-customer-360", "data-products", overlays...)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if d, ok := o.Object.(*appsv1.Deployment); ok {
				return d.Spec.Template.Spec.Containers[0].Resources
			}
		}
		t.Fatal("no Deployment rendered")
		return corev1.ResourceRequirements{}
	}
	check := func(name string, r corev1.ResourceRequirements, rc, lc, rm, lm string) {
		t.Helper()
		got := []string{r.Requests.Cpu().String(), r.Limits.Cpu().String(), r.Requests.Memory().String(), r.Limits.Memory().String()}
		want := []string{rc, lc, rm, lm}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: resources %v, want %v", name, got, want)
		}
	}
	for _, o := range envOverlays {
		check(o, podResources(chartFileData(t, chart, o)), "100m", "500m", "256Mi", "512Mi")
	}
	check("prod + resourcePreset=large",
		podResources(chartFileData(t, chart, "values-prod.yaml"), []byte("resourcePreset: large\n")),
		"500m", "2", "1Gi", "2Gi")
	check("resourcePreset=medium", podResources([]byte("resourcePreset: medium\n")), "250m", "1", "512Mi", "1Gi")

	// A product whose default preset is "medium" gets medium everywhere, in both outputs.
	p := customer360()
	p.DefaultPreset = "medium"
	files := generateFiles(t, p, chartOptions())
	if !bytes.Contains(files["helm/values.yaml"], []byte("cpu: 250m")) {
		t.Errorf("official values lack the medium preset:\n%s", files["helm/values.yaml"])
	}
	if !bytes.Contains(files["helm/floe-customer-360/values.yaml"], []byte("resourcePreset: medium")) {
		t.Error("chart values do not select the medium preset")
	}
}

// TestGenerateRejects: inputs the generator cannot represent are errors, with no files.
func TestGenerateRejects(t *testing.T) {
	cases := map[string]struct {
		edit func(p *schemas.Product)
		want string
	}{
		"name too long":           {func(p *schemas.Product) { p.Name = strings.Repeat("a", 49) }, "metadata.name"},
		"name not DNS":            {func(p *schemas.Product) { p.Name = "Customer_360" }, "metadata.name"},
		"request above limit":     {func(p *schemas.Product) { p.ResourcePresets[2].Resources.Requests.CPU = "4" }, "resource_presets.small.requests.cpu"},
		"bad quantity":            {func(p *schemas.Product) { p.ResourcePresets[0].Resources.Limits.Memory = "2GB" }, "resource_presets.large.limits.memory"},
		"unknown default preset":  {func(p *schemas.Product) { p.DefaultPreset = "xl" }, `"xl"`},
		"bad secret name":         {func(p *schemas.Product) { p.Deployment.Secrets[0].SecretName = "Polaris_Creds" }, "deployment.secrets[0].secret_name"},
		"bad env name":            {func(p *schemas.Product) { p.Deployment.Env[0].Key = "1BAD" }, "deployment.env[0].name"},
		"port out of range":       {func(p *schemas.Product) { p.Deployment.Port = 70000 }, "deployment.port"},
		"missing redacted output": {func(p *schemas.Product) { p.RedactedArtifactsJSON = nil }, "redacted"},
		"image with tag":          {func(p *schemas.Product) { p.Deployment.ImageRepository = "ghcr.io/acme/c360:1.0" }, "deployment.image_repository"},
		"image tag with colon":    {func(p *schemas.Product) { p.Deployment.ImageTag = "sha256:abc" }, "deployment.image_tag"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := customer360()
			c.edit(p)
			files, err := Generate(p, chartOptions())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %s", err, c.want)
			}
			var input *InputError
			if isInput := errors.As(err, &input); isInput != (name != "missing redacted output") {
				t.Errorf("errors.As(InputError) = %v for %v", isInput, err)
			}
			if files != nil {
				t.Fatalf("Generate returned %d files along with an error", len(files))
			}
		})
	}
}

// TestImageFlagsChecked: bad --image-repository / --image-tag values are errors.
func TestImageFlagsChecked(t *testing.T) {
	opts := chartOptions()
	opts.ImageTag = "1.0 beta"
	if _, err := Generate(customer360(), opts); err == nil || !strings.Contains(err.Error(), "--image-tag") {
		t.Fatalf("err = %v", err)
	}
	opts = chartOptions()
	opts.ImageRepository = "https://ghcr.io/acme"
	if _, err := Generate(customer360(), opts); err == nil || !strings.Contains(err.Error(), "--image-repository") {
		t.Fatalf("err = %v", err)
	}
}

// TestValuesOnlyWithoutChart: without Options.Chart only helm/values.yaml is written.
func TestValuesOnlyWithoutChart(t *testing.T) {
	opts := chartOptions()
	opts.Chart = false
	opts.ImageRepository, opts.ImageTag = "registry.example.com/c360", "sha-abc123"
	files := generateFiles(t, customer360(), opts)
	if len(files) != 2 || files["helm/values.yaml"] == nil || files[PlatformValuesFile] == nil {
		t.Fatalf("files = %v", keys(files))
	}
	v := string(files["helm/values.yaml"])
	if !strings.Contains(v, "repository: registry.example.com/c360") || !strings.Contains(v, "tag: sha-abc123") {
		t.Errorf("image flags not applied:\n%s", v)
	}
}

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestNoDefaultPreset: presets without a default (or no presets at all) give a code server
// without resources, and the chart still verifies; selecting a preset later works.
func TestNoDefaultPreset(t *testing.T) {
	for name, edit := range map[string]func(p *schemas.Product){
		"presets, no default": func(p *schemas.Product) { p.DefaultPreset = "" },
		"no presets":          func(p *schemas.Product) { p.DefaultPreset, p.ResourcePresets = "", nil },
	} {
		t.Run(name, func(t *testing.T) {
			p := customer360()
			edit(p)
			files := generateFiles(t, p, chartOptions())
			if strings.Contains(string(files["helm/values.yaml"]), "resources:") {
				t.Errorf("official values carry resources without a preset:\n%s", files["helm/values.yaml"])
			}
			chart := exampleChart(t, p)
			objs, err := renderChart(chart, "floe-customer-360", "data-products")
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if d, ok := o.Object.(*appsv1.Deployment); ok {
					if r := d.Spec.Template.Spec.Containers[0].Resources; len(r.Limits)+len(r.Requests) != 0 {
						t.Errorf("resources %v without a preset", r)
					}
				}
			}
			if len(p.ResourcePresets) > 0 {
				if _, err := renderChart(chart, "floe-customer-360", "data-products", []byte("resourcePreset: large\n")); err != nil {
					t.Errorf("selecting a preset: %v", err)
				}
			}
		})
	}
}

// TestValueQuoting: environment values that YAML 1.1 (Helm's parser) would read as booleans,
// numbers or null, or that hold quotes, colons and newlines, reach the pods unchanged.
func TestValueQuoting(t *testing.T) {
	tricky := []string{"on", "yes", "y", "No", "off", "true", "null", "~", "0755", "1e3", "1.0", "0x1F",
		"a: b", "# not a comment", `"quoted"`, "multi\nline", " leading space", "{x}", "[1]", "*alias", "&anchor", "!tag", "%", "@", "`",
		"del\x7f", "nel\u0085", "ls\u2028", "ps\u2029", "c1\u009b", "bom\ufeff", "nul\x00", "{{ .Values.x }}"}
	p := customer360()
	p.Deployment.Env = nil
	for i, v := range tricky {
		p.Deployment.Env = append(p.Deployment.Env, schemas.KeyValue{Key: fmt.Sprintf("V%02d", i), Value: v})
	}
	files := generateFiles(t, p, chartOptions())
	// Product chart: rendered through Helm.
	chart := exampleChart(t, p)
	objs, err := renderChart(chart, "floe-customer-360", "data-products")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range objs {
		if d, ok := o.Object.(*appsv1.Deployment); ok {
			for _, e := range d.Spec.Template.Spec.Containers[0].Env {
				got[e.Name] = e.Value
			}
		}
	}
	// Official values: read back as Helm reads values files.
	official, err := chartutil.ReadValues(files["helm/values.yaml"])
	if err != nil {
		t.Fatal(err)
	}
	officialEnv := map[string]any{}
	for _, e := range official["deployments"].([]any)[0].(map[string]any)["env"].([]any) {
		m := e.(map[string]any)
		officialEnv[m["name"].(string)] = m["value"]
	}
	for i, v := range tricky {
		k := fmt.Sprintf("V%02d", i)
		if got[k] != v {
			t.Errorf("product chart: %s = %q, want %q", k, got[k], v)
		}
		if officialEnv[k] != v {
			t.Errorf("official values: %s = %#v, want %q", k, officialEnv[k], v)
		}
	}
}
