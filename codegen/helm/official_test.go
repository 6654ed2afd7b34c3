package helm

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
	corev1 "k8s.io/api/core/v1"
)

// officialData reads a file of the official chart kept in testdata/official (see its README).
func officialData(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "official", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// offlineK8sLoader answers the schema's remote Kubernetes $refs with permissive empty
// schemas (never the network); the objects behind them are checked by strict decoding into
// k8s.io/api types instead (TestOfficialValuesKubernetesTypes).
type offlineK8sLoader struct{ docs map[string]any }

func (l offlineK8sLoader) Load(url string) (any, error) {
	if d, ok := l.docs[url]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("offline: refusing to load %s", url)
}

// newOfficialSchema compiles the official schema with every remote $ref document stubbed.
func newOfficialSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	raw := officialData(t, "dagster-user-deployments.values.schema.json")
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Build, for each remote document, nested empty objects along each referenced pointer.
	docs := map[string]any{}
	refs := map[string]bool{}
	var walk func(any)
	walk = func(n any) {
		switch v := n.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && strings.HasPrefix(ref, "http") {
				refs[ref] = true
				url, ptr, _ := strings.Cut(ref, "#")
				d, _ := docs[url].(map[string]any)
				if d == nil {
					d = map[string]any{}
					docs[url] = d
				}
				for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
					next, _ := d[tok].(map[string]any)
					if next == nil {
						next = map[string]any{}
						d[tok] = next
					}
					d = next
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(refs) != 16 {
		t.Fatalf("official schema has %d distinct remote $refs, the README says 16", len(refs))
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineK8sLoader{docs: docs})
	const loc = "file:///dagster-user-deployments.values.schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(loc)
	if err != nil {
		t.Fatal(err)
	}
	return sch, doc.(map[string]any)
}

// coalesceOverDefaults merges user values over the chart defaults the way Helm does before
// it validates, plus the two keys the schema requires that the defaults lack.
func coalesceOverDefaults(t *testing.T, values []byte) map[string]any {
	t.Helper()
	defaults, err := chartutil.ReadValues(officialData(t, "dagster-user-deployments.values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	user, err := chartutil.ReadValues(values)
	if err != nil {
		t.Fatal(err)
	}
	defaults["includeInstance"] = false
	defaults["global"].(map[string]any)["dagsterInstanceConfigMap"] = ""
	merged := chartutil.CoalesceTables(user, defaults)
	// Round-trip through JSON so the validator sees JSON types only.
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

func TestOfficialValuesValidateAgainstOfficialSchema(t *testing.T) {
	sch, _ := newOfficialSchema(t)
	values := generateFiles(t, customer360(), chartOptions())["helm/values.yaml"]
	if err := sch.Validate(coalesceOverDefaults(t, values)); err != nil {
		t.Fatalf("generated values rejected by the official schema:\n%v", err)
	}
	// And the check can fail: a wrong type where the schema is precise is rejected.
	bad := bytes.Replace(values, []byte("port: 3030"), []byte("port: \"3030\""), 1)
	if err := sch.Validate(coalesceOverDefaults(t, bad)); err == nil {
		t.Fatal("official schema accepted a string port")
	}
}

// TestOfficialValuesKeysAreDeclared: every key floe emits is declared by the official
// schema (whose deployment entries are open, so a typo would otherwise pass and be ignored
// by the chart). Where the schema defers to a remote Kubernetes type, the value is decoded
// strictly into that k8s.io/api type instead.
func TestOfficialValuesKeysAreDeclared(t *testing.T) {
	_, schema := newOfficialSchema(t)
	var values map[string]any
	if err := yaml.Unmarshal(generateFiles(t, customer360(), chartOptions())["helm/values.yaml"], &values); err != nil {
		t.Fatal(err)
	}
	undeclared, remote := undeclaredKeys(values, schema)
	if len(undeclared) > 0 {
		t.Errorf("keys not declared by the official schema: %v", undeclared)
	}
	// The walk can fail: the reference's kind of typo is caught.
	dep := values["deployments"].([]any)[0].(map[string]any)
	dep["dagsterApiGrpcArg"] = dep["dagsterApiGrpcArgs"]
	if typo, _ := undeclaredKeys(values, schema); fmt.Sprint(typo) != "[.deployments[0].dagsterApiGrpcArg]" {
		t.Errorf("typo not caught: undeclared = %v", typo)
	}
	delete(dep, "dagsterApiGrpcArg")
	want := ".deployments[0].env[0] .deployments[0].env[1] .deployments[0].env[2] .deployments[0].envSecrets[0] " +
		".deployments[0].podSecurityContext .deployments[0].resources .deployments[0].securityContext"
	if got := strings.Join(remote, " "); got != want {
		t.Errorf("values behind remote Kubernetes $refs: %s\nwant %s (each needs a strict k8s decoding check)", got, want)
	}
}

// undeclaredKeys walks values alongside the official schema and returns the keys the schema
// does not declare, and the paths of values it defers to remote Kubernetes definitions.
func undeclaredKeys(values, schema map[string]any) (undeclared, remote []string) {
	defs := schema["$defs"].(map[string]any)
	var walk func(path string, v any, node map[string]any)
	walk = func(path string, v any, node map[string]any) {
		alts := expandSchema(node, defs)
		for _, a := range alts {
			if ref, _ := a["$ref"].(string); strings.HasPrefix(ref, "http") {
				remote = append(remote, path)
				return
			}
		}
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
					undeclared = append(undeclared, path+"."+k)
					continue
				}
				walk(path+"."+k, val[k], child)
			}
		case []any:
			for i, item := range val {
				var child map[string]any
				for _, a := range alts {
					if c, ok := a["items"].(map[string]any); ok {
						child = c
					}
				}
				if child == nil {
					undeclared = append(undeclared, fmt.Sprintf("%s[%d]", path, i))
					continue
				}
				walk(fmt.Sprintf("%s[%d]", path, i), item, child)
			}
		}
	}
	walk("", values, schema)
	return undeclared, remote
}

// expandSchema resolves local $refs and anyOf/allOf into the list of alternative schemas.
func expandSchema(node map[string]any, defs map[string]any) []map[string]any {
	if ref, ok := node["$ref"].(string); ok && strings.HasPrefix(ref, "#/$defs/") {
		return expandSchema(defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any), defs)
	}
	out := []map[string]any{node}
	for _, k := range []string{"anyOf", "allOf", "oneOf"} {
		if l, ok := node[k].([]any); ok {
			for _, a := range l {
				if m, ok := a.(map[string]any); ok {
					out = append(out, expandSchema(m, defs)...)
				}
			}
		}
	}
	return out
}

// TestOfficialValuesKubernetesTypes decodes the values the official schema leaves to remote
// Kubernetes definitions strictly into the k8s.io/api types the chart passes them to.
func TestOfficialValuesKubernetesTypes(t *testing.T) {
	var values UserDeploymentsValues
	dec := yaml.NewDecoder(bytes.NewReader(generateFiles(t, customer360(), chartOptions())["helm/values.yaml"]))
	dec.KnownFields(true)
	if err := dec.Decode(&values); err != nil {
		t.Fatalf("values.yaml does not decode into UserDeploymentsValues: %v", err)
	}
	var raw struct {
		Deployments []map[string]any `yaml:"deployments"`
	}
	if err := yaml.Unmarshal(generateFiles(t, customer360(), chartOptions())["helm/values.yaml"], &raw); err != nil {
		t.Fatal(err)
	}
	d := raw.Deployments[0]
	strict := func(key string, into any) {
		t.Helper()
		b, err := json.Marshal(d[key])
		if err != nil {
			t.Fatal(err)
		}
		jd := json.NewDecoder(bytes.NewReader(b))
		jd.DisallowUnknownFields()
		if err := jd.Decode(into); err != nil {
			t.Errorf("%s does not decode strictly into %T: %v", key, into, err)
		}
	}
	var env []corev1.EnvVar
	strict("env", &env)
	var envFrom []corev1.SecretEnvSource
	strict("envSecrets", &envFrom)
	var res corev1.ResourceRequirements
	strict("resources", &res)
	var psc corev1.PodSecurityContext
	strict("podSecurityContext", &psc)
	var sc corev1.SecurityContext
	strict("securityContext", &sc)
	if got := res.Limits.Memory().String(); got != "512Mi" {
		t.Errorf("resources.limits.memory = %s, want the small preset's 512Mi", got)
	}
	if len(env) != 3 || env[2].ValueFrom == nil || env[2].ValueFrom.SecretKeyRef.Name != "polaris-credentials" {
		t.Errorf("env = %+v", env)
	}
	if len(envFrom) != 1 || envFrom[0].Name != "minio-credentials" {
		t.Errorf("envSecrets = %+v", envFrom)
	}
}
