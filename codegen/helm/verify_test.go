package helm

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/floe-dev/floe/schemas"
	helmchart "github.com/floe-dev/floe/templates/helm"
)

// TestEveryOverlayDecodesStrictly renders each overlay and checks that the objects are the
// expected typed Kubernetes objects (renderChart already fails on any strict decoding error).
func TestEveryOverlayDecodesStrictly(t *testing.T) {
	files := packagedChart(t)
	want := map[string][]string{
		"":                    {"ServiceAccount", "Service", "Deployment"},
		"values-dev.yaml":     {"ServiceAccount", "Service", "Deployment"},
		"values-staging.yaml": {"NetworkPolicy", "ServiceAccount", "Service", "Deployment"},
		"values-prod.yaml":    {"NetworkPolicy", "PodDisruptionBudget", "ServiceAccount", "Service", "Deployment"},
	}
	for overlay, kinds := range want {
		var overlays [][]byte
		if overlay != "" {
			overlays = append(overlays, chartFileData(t, files, overlay))
		}
		objs, err := renderChart(files, "floe-customer-360", "data-products", overlays...)
		if err != nil {
			t.Fatalf("%s: %v", overlay, err)
		}
		var got []string
		for _, o := range objs {
			got = append(got, o.Kind)
			switch obj := o.Object.(type) {
			case *appsv1.Deployment, *corev1.Service, *corev1.ServiceAccount,
				*networkingv1.NetworkPolicy, *policyv1.PodDisruptionBudget:
			default:
				t.Errorf("%s: %s decoded into unexpected type %T", overlay, o.Source, obj)
			}
		}
		if strings.Join(got, ",") != strings.Join(kinds, ",") {
			t.Errorf("%s: rendered kinds %v, want %v", overlay, got, kinds)
		}
	}
}

// TestStrictDecodingRejects proves the verifier can fail: a template with a misspelled
// field, a duplicate key or a wrong type is an error from Generate's checks.
func TestStrictDecodingRejects(t *testing.T) {
	base := exampleChart(t, customer360())
	deployment := string(chartFileData(t, base, "templates/deployment.yaml"))
	cases := map[string]struct{ from, to, want string }{
		"unknown field": {"  revisionHistoryLimit: 3\n", "  revisionHistoryLimt: 3\n", `unknown field "spec.revisionHistoryLimt"`},
		"duplicate key": {"  revisionHistoryLimit: 3\n", "  revisionHistoryLimit: 3\n  revisionHistoryLimit: 4\n", "revisionHistoryLimit"},
		"wrong type":    {"  revisionHistoryLimit: 3\n", "  revisionHistoryLimit: three\n", "cannot unmarshal"},
		"bad name":      {"  name: {{ include \"floe.fullname\" . }}\n", "  name: Floe_Code\n", "Floe_Code"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(deployment, c.from) {
				t.Fatalf("deployment template has no %q", c.from)
			}
			broken := replaceChartFile(base, "templates/deployment.yaml",
				[]byte(strings.Replace(deployment, c.from, c.to, 1)))
			_, err := renderChart(broken, "floe-customer-360", "data-products")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("renderChart error = %v, want one containing %q", err, c.want)
			}
			if err := verifyChart(broken); err == nil {
				t.Fatal("verifyChart accepted the broken chart")
			}
		})
	}
}

// TestLintIsStrict proves the Helm linter runs and that warnings fail: a template whose
// object lacks metadata.name is only a lint warning in Helm, an error here.
func TestLintIsStrict(t *testing.T) {
	base := exampleChart(t, customer360())
	if err := lintChart(base); err != nil {
		t.Fatalf("example chart: %v", err)
	}
	broken := replaceChartFile(base, "templates/extra.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n"))
	err := lintChart(broken)
	if err == nil || !strings.Contains(err.Error(), "templates/extra.yaml") {
		t.Fatalf("lintChart error = %v, want a finding on templates/extra.yaml", err)
	}
	badVersion := replaceChartFile(base, "Chart.yaml",
		[]byte(strings.Replace(string(chartFileData(t, base, "Chart.yaml")), `version: "1.0.0"`, `version: "one"`, 1)))
	if err := lintChart(badVersion); err == nil {
		t.Fatal("lintChart accepted a non-SemVer chart version")
	}
}

// TestOverlayTypoRejected: a misspelled key in a values overlay, at any depth, is rejected
// by values.schema.json, at render and at lint time, and the error names the key.
func TestOverlayTypoRejected(t *testing.T) {
	files := exampleChart(t, customer360())
	cases := map[string]string{
		"replicaCont":                "replicaCont: 2\n",
		"networkPolicy.enabeld":      "networkPolicy:\n  enabeld: true\n",
		"image.pullPolicy enum":      "image:\n  pullPolicy: Sometimes\n",
		"resourcePreset unknown":     "resourcePreset: huge\n",
		"resourcePresets extra key":  "resourcePresets:\n  small:\n    request:\n      cpu: 1\n",
		"secretEnv item typo":        "secretEnv:\n  - name: X\n    secretName: s\n    secretKy: k\n",
		"bad quantity":               "resourcePresets:\n  small:\n    limits:\n      cpu: lots\n",
		"environment not label-safe": "environment: Prod_EU\n",
	}
	for name, overlay := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := renderChart(files, "floe-customer-360", "data-products", []byte(overlay))
			if err == nil || !strings.Contains(err.Error(), "schema") {
				t.Fatalf("renderChart error = %v, want a values schema error", err)
			}
			if err := lintChart(files, []byte(overlay)); err == nil {
				t.Fatal("lintChart accepted the overlay")
			}
		})
	}
	// The shipped overlays themselves pass.
	for _, o := range envOverlays {
		if _, err := renderChart(files, "floe-customer-360", "data-products", chartFileData(t, files, o)); err != nil {
			t.Errorf("%s: %v", o, err)
		}
	}
}

// TestSchemaClosedEverywhere walks the filled values.schema.json: every object schema is
// closed (additionalProperties: false), except the listed string maps whose keys are user
// data, which must be typed string maps.
func TestSchemaClosedEverywhere(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(chartFileData(t, exampleChart(t, customer360()), "values.schema.json"), &schema); err != nil {
		t.Fatal(err)
	}
	stringMaps := map[string]bool{"definitions.stringMap": true}
	// Kubernetes objects passed through to the pod as they are: the API server validates
	// them (and floe's render decodes them strictly); the schema closes what is around them.
	passThrough := map[string]bool{
		"affinity.nodeAffinity": true, "affinity.podAffinity": true, "affinity.podAntiAffinity": true,
		"definitions.probe.httpGet": true, "definitions.probe.tcpSocket": true, "extraVolumes.items": true,
	}
	var objects []string
	var walk func(path string, node any)
	walk = func(path string, node any) {
		m, ok := node.(map[string]any)
		if !ok {
			if l, ok := node.([]any); ok {
				for i, v := range l {
					walk(fmt.Sprintf("%s[%d]", path, i), v)
				}
			}
			return
		}
		if m["type"] == "object" {
			objects = append(objects, path)
			ap, has := m["additionalProperties"]
			switch {
			case passThrough[path]:
			case stringMaps[path]:
				if s, ok := ap.(map[string]any); !ok || s["type"] != "string" {
					t.Errorf("%s: string map without additionalProperties {type: string}", path)
				}
			case !has || ap != false:
				t.Errorf("%s: object schema without additionalProperties: false", path)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := k
			if path != "" {
				child = path + "." + k
			}
			if k == "properties" || k == "definitions" {
				props, _ := m[k].(map[string]any)
				names := make([]string, 0, len(props))
				for n := range props {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					p := n
					if k == "definitions" {
						p = "definitions." + n
					} else if path != "" {
						p = path + "." + n
					}
					walk(p, props[n])
				}
				continue
			}
			walk(child, m[k])
		}
	}
	walk("", schema)
	if len(objects) < 14 {
		t.Fatalf("walked only %d object schemas: %v", len(objects), objects)
	}
	// The presets are filled in, closed, and the enum names exactly them.
	props := schema["properties"].(map[string]any)
	presets := props["resourcePresets"].(map[string]any)["properties"].(map[string]any)
	if len(presets) != 3 || presets["small"] == nil || presets["medium"] == nil || presets["large"] == nil {
		t.Errorf("resourcePresets.properties = %v", presets)
	}
	if enum := fmt.Sprint(props["resourcePreset"].(map[string]any)["enum"]); enum != "[large medium small]" {
		t.Errorf("resourcePreset.enum = %s", enum)
	}
}

// TestValuesMatchTemplates: every key the generated values.yaml has is read by some
// template (no dead keys), found by a plain-text search for ".Values.<path>" or a `with`.
func TestValuesMatchTemplates(t *testing.T) {
	var sources strings.Builder
	err := fs.WalkDir(helmchart.Chart(), "templates", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(helmchart.Chart(), p)
		sources.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	text := sources.String()
	for _, key := range yamlLeafPaths(reflect.TypeOf(ChartValues{}), "") {
		if !regexp.MustCompile(`\.Values\.` + regexp.QuoteMeta(key) + `\b`).MatchString(text) {
			t.Errorf("values key %s is read by no template", key)
		}
	}
}

// yamlLeafPaths lists the dotted yaml paths of t's fields, descending into structs only
// (maps, slices and scalars are leaves).
func yamlLeafPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if prefix != "" {
			name = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct {
			out = append(out, yamlLeafPaths(f.Type, name)...)
			continue
		}
		out = append(out, name)
	}
	return out
}

// TestReleaseNames: any release name Helm accepts gives valid object names, also for the
// longest product name floe accepts (the name checks run inside renderChart).
func TestReleaseNames(t *testing.T) {
	long := customer360()
	long.Name = strings.Repeat("p", 48)
	for _, p := range []*schemas.Product{customer360(), long} {
		chart := exampleChart(t, p)
		for _, release := range []string{"c360", "floe-" + p.Name, strings.Repeat("r", 53), "a-b-c-" + strings.Repeat("x", 40)} {
			objs, err := renderChart(chart, release, "data-products", chartFileData(t, chart, "values-prod.yaml"))
			if err != nil {
				t.Fatalf("product %s, release %s: %v", p.Name, release, err)
			}
			for _, o := range objs {
				if len(o.Name) > 63 {
					t.Errorf("release %s: %s name %q longer than 63", release, o.Kind, o.Name)
				}
			}
		}
	}
}

// TestPDBNeedsSpareReplica: a PodDisruptionBudget that would block every node drain fails
// the render with a message, instead of being installed.
func TestPDBNeedsSpareReplica(t *testing.T) {
	chart := exampleChart(t, customer360())
	_, err := renderChart(chart, "floe-customer-360", "data-products",
		chartFileData(t, chart, "values-prod.yaml"), []byte("replicaCount: 1\n"))
	if err == nil || !strings.Contains(err.Error(), "must be below replicaCount") {
		t.Fatalf("err = %v", err)
	}
}
