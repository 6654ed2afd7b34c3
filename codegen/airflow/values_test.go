package airflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chartutil"
)

// chartData reads a file of the official chart kept in testdata/chart (see its README).
func chartData(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "chart", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chartSchema compiles the official chart's values schema (draft-07, self-contained).
func chartSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(chartData(t, "values.schema.json")))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	const loc = "file:///airflow.values.schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		t.Fatal(err)
	}
	return sch, doc.(map[string]any)
}

// offline refuses every remote document: the schema has none, and a test never reaches
// for the network.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("offline: refusing to load %s", url)
}

// mergeOverDefaults merges values over the chart's defaults as Helm does before it
// validates them.
func mergeOverDefaults(t *testing.T, values []byte) map[string]any {
	t.Helper()
	defaults, err := chartutil.ReadValues(chartData(t, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := chartutil.ReadValues(values)
	if err != nil {
		t.Fatal(err)
	}
	merged := chartutil.CoalesceTables(user, defaults)
	b, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out.(map[string]any)
}

func TestChartDefaultsValidate(t *testing.T) {
	sch, _ := chartSchema(t)
	if err := sch.Validate(mergeOverDefaults(t, []byte("{}"))); err != nil {
		t.Fatalf("the chart's own defaults are rejected by its schema (a broken copy?): %v", err)
	}
}

func TestValuesValidateAgainstTheChartSchema(t *testing.T) {
	sch, _ := chartSchema(t)
	for name, build := range map[string]func(*testing.T) []byte{
		"customer-360": func(t *testing.T) []byte { return generateFiles(t, customer360(t), chartOptions())[ValuesFile] },
		"production":   func(t *testing.T) []byte { return generateFiles(t, production(t), chartOptions())[ValuesFile] },
	} {
		t.Run(name, func(t *testing.T) {
			values := build(t)
			if err := sch.Validate(mergeOverDefaults(t, values)); err != nil {
				t.Fatalf("generated values rejected by the chart's schema:\n%v", err)
			}
			// And the check can fail: an executor the chart does not know is rejected.
			bad := bytes.Replace(values, []byte("executor: KubernetesExecutor"), []byte("executor: KubernetesExecuter"), 1)
			if err := sch.Validate(mergeOverDefaults(t, bad)); err == nil {
				t.Fatal("the chart's schema accepted an unknown executor")
			}
		})
	}
}

// TestValuesKeysAreDeclared: every key floe writes is declared by the chart's schema
// (its top level is open, so a misspelled key would pass validation and be ignored).
func TestValuesKeysAreDeclared(t *testing.T) {
	_, schema := chartSchema(t)
	var values map[string]any
	if err := yaml.Unmarshal(generateFiles(t, production(t), chartOptions())[ValuesFile], &values); err != nil {
		t.Fatal(err)
	}
	if undeclared := undeclaredKeys(values, schema); len(undeclared) > 0 {
		t.Errorf("keys not declared by the chart's schema: %v", undeclared)
	}
	// The walk can fail: a typo at the open top level is caught.
	values["executr"] = values["executor"]
	values["dags"].(map[string]any)["mountPth"] = "/x"
	if got := fmt.Sprint(undeclaredKeys(values, schema)); got != "[.dags.mountPth .executr]" {
		t.Errorf("typos not caught: undeclared = %s", got)
	}
}

// undeclaredKeys walks values alongside the schema and returns the keys it does not
// declare (properties, or additionalProperties given as a schema).
func undeclaredKeys(values, schema map[string]any) []string {
	defs, _ := schema["definitions"].(map[string]any)
	var out []string
	var walk func(path string, v any, node map[string]any)
	walk = func(path string, v any, node map[string]any) {
		alts := expand(node, defs)
		switch val := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(val))
			for k := range val {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				var child map[string]any
				for _, a := range alts {
					if props, ok := a["properties"].(map[string]any); ok {
						if c, ok := props[k].(map[string]any); ok {
							child = c
						}
					}
					if c, ok := a["additionalProperties"].(map[string]any); ok && child == nil {
						child = c
					}
				}
				if child == nil {
					out = append(out, path+"."+k)
					continue
				}
				walk(path+"."+k, val[k], child)
			}
		case []any:
			for i, item := range val {
				for _, a := range alts {
					if c, ok := a["items"].(map[string]any); ok {
						walk(fmt.Sprintf("%s[%d]", path, i), item, c)
					}
				}
			}
		}
	}
	walk("", values, schema)
	return out
}

// expand resolves local $refs and anyOf/allOf/oneOf into the alternative schemas.
func expand(node map[string]any, defs map[string]any) []map[string]any {
	if ref, ok := node["$ref"].(string); ok && strings.HasPrefix(ref, "#/definitions/") {
		if d, ok := defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any); ok {
			return expand(d, defs)
		}
	}
	out := []map[string]any{node}
	for _, k := range []string{"anyOf", "allOf", "oneOf"} {
		if l, ok := node[k].([]any); ok {
			for _, a := range l {
				if m, ok := a.(map[string]any); ok {
					out = append(out, expand(m, defs)...)
				}
			}
		}
	}
	return out
}

// TestValuesCarryTheProduct: the image, the DAG folder in it, Secrets by reference, the
// plain environment, the default preset for task pods and the lineage backend.
func TestValuesCarryTheProduct(t *testing.T) {
	p := production(t)
	var v ChartValues
	dec := yaml.NewDecoder(bytes.NewReader(generateFiles(t, p, chartOptions())[ValuesFile]))
	dec.KnownFields(true)
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.Executor != "KubernetesExecutor" || v.AirflowVersion != AirflowVersion {
		t.Errorf("executor %s, airflowVersion %s", v.Executor, v.AirflowVersion)
	}
	if v.Images.Airflow.Repository != "ghcr.io/example/floe-customer-360" || v.Images.Airflow.Tag != "1.0.0" {
		t.Errorf("image %+v", v.Images.Airflow)
	}
	if v.Dags.MountPath != "/opt/floe/product/target/floe" || v.Dags.GitSync.Enabled || v.Dags.Persistence.Enabled {
		t.Errorf("dags %+v", v.Dags)
	}
	wantSecrets := []SecretVar{
		{EnvName: "FLOE_CATALOG_CREDENTIAL", SecretName: "customer-360-catalog", SecretKey: "credential"},
		{EnvName: "DBT_ENV_SECRET_FLOE_PASSWORD", SecretName: "customer-360-compute", SecretKey: "DBT_ENV_SECRET_FLOE_PASSWORD"},
	}
	if fmt.Sprint(v.Secret) != fmt.Sprint(wantSecrets) {
		t.Errorf("secret %+v, want %+v", v.Secret, wantSecrets)
	}
	if fmt.Sprint(v.Env) != "[{AWS_REGION on} {FLOE_ENV prod}]" {
		t.Errorf("env %+v", v.Env)
	}
	if v.Workers.Resources == nil || *v.Workers.Resources.Requests != (Quantities{CPU: "100m", Memory: "256Mi"}) {
		t.Errorf("workers %+v", v.Workers)
	}
	wantOL := OpenLineageConfig{Disabled: "False", Namespace: "retail",
		Transport: `{"endpoint":"api/v1/lineage","retry":{"connect":0,"read":0,"total":0},"timeout":5,"type":"http","url":"https://marquez.example.com"}`}
	if v.Config.OpenLineage != wantOL {
		t.Errorf("openlineage %+v\nwant %+v", v.Config.OpenLineage, wantOL)
	}
	// YAML 1.1 readers (Helm) must read "on" as the string it is.
	if !bytes.Contains(generateFiles(t, p, chartOptions())[ValuesFile], []byte(`value: "on"`)) {
		t.Error(`the value "on" is not quoted for YAML 1.1`)
	}
}

func TestOpenLineageTransports(t *testing.T) {
	p := customer360(t)
	for transport, want := range map[string]OpenLineageConfig{
		"noop":    {Disabled: "True"},
		"console": {Disabled: "False", Namespace: "customer-360", Transport: `{"type":"console"}`},
		"file":    {Disabled: "False", Namespace: "customer-360", Transport: `{"type":"console"}`},
	} {
		p.Lineage.Transport = transport
		got, err := openLineage(p.Lineage)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", transport, got, err, want)
		}
	}
	p.Lineage.Enabled = false
	p.Lineage.Transport = "http"
	if got, _ := openLineage(p.Lineage); got.Disabled != "True" {
		t.Errorf("disabled lineage: %+v", got)
	}
}
