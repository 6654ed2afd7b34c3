package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// hostile strings built to break out of Python, YAML, JSON and Go/Helm templates.
var hostile = []string{
	`"); import os; os.system("id"); ("`,
	`'''; raise SystemExit; '''`,
	"line1\nline2\r\n\tx",
	`back\slash\\"`,
	`{{ .Values.secret }}`,
	`- item: &anchor *alias | > !tag`,
	"\u2028unicode\u00e9\U0001F600",
	"# not a comment",
}

// TestHostileStringsStayData compiles a product whose tags and manifest values are
// built to break out of each output format, then parses every output with its own
// language's parser and checks each string came through as one exact value.
func TestHostileStringsStayData(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	dir := t.TempDir()
	var spec strings.Builder
	spec.WriteString("apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: hostile, version: 1.0.0}\nplatform: {manifest: manifest.yaml}\ntransforms:\n  - name: stg_a\n    tags:\n")
	for _, h := range hostile {
		b, _ := json.Marshal(h) // a JSON string is a valid YAML double-quoted scalar
		spec.WriteString("      - " + string(b) + "\n")
	}
	uri, _ := json.Marshal(`https://cat.example.com/a"b'c{{x}}`)
	manifest := "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: p, version: 1.0.0, owner: me}\nplugins:\n" +
		"  compute: {type: duckdb, config: {path: \"target/it's \\\"q\\\".duckdb\"}}\n  orchestrator: {type: dagster}\n" +
		"  catalog: {type: polaris, config: {uri: " + string(uri) + ", warehouse: w}}\n"
	for name, body := range map[string]string{"floe.yaml": spec.String(), "manifest.yaml": manifest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"package", dir, "-o", out}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}

	// JSON: the artifact carries the tags exactly.
	var ca struct {
		Transforms struct {
			Models []struct {
				Tags []string `json:"tags"`
			} `json:"models"`
		} `json:"transforms"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "compiled_artifacts.json"))
	if err := json.Unmarshal(b, &ca); err != nil {
		t.Fatalf("compiled_artifacts.json: %v", err)
	}
	if !slices.Equal(ca.Transforms.Models[0].Tags, hostile) {
		t.Errorf("artifact tags changed: %q", ca.Transforms.Models[0].Tags)
	}

	// Python: definitions.py parses, and every hostile tag is one string constant.
	script := `import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
print(json.dumps([n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]))`
	pyOut, err := exec.Command(python, "-c", script, filepath.Join(out, "definitions.py")).CombinedOutput()
	if err != nil {
		t.Fatalf("definitions.py does not parse as Python: %v\n%s", err, pyOut)
	}
	var consts []string
	if err := json.Unmarshal(pyOut, &consts); err != nil {
		t.Fatal(err)
	}
	for _, h := range hostile {
		if !slices.Contains(consts, h) {
			t.Errorf("definitions.py: %q is not one string constant", h)
		}
	}

	// YAML: every YAML file parses; profiles.yml keeps the path exactly.
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) || strings.Contains(p, "/templates/") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Errorf("%s does not parse as YAML: %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var prof map[string]struct {
		Outputs map[string]struct {
			Path string `yaml:"path"`
		} `yaml:"outputs"`
	}
	b, _ = os.ReadFile(filepath.Join(out, "profiles.yml"))
	if err := yaml.Unmarshal(b, &prof); err != nil {
		t.Fatal(err)
	}
	// The path is dbt Jinja with the compiled path as a string literal (dbt's rendering
	// of hostile paths is checked by tests/runtime/test_unit_profiles.py).
	if got := prof["hostile"].Outputs["dev"].Path; got != `{{ env_var('FLOE_DUCKDB_PATH', 'target/it\'s "q".duckdb') }}` {
		t.Errorf("profiles.yml path = %q", got)
	}
	var io struct {
		Catalog struct {
			URI string `json:"uri"`
		} `json:"catalog"`
	}
	b, _ = os.ReadFile(filepath.Join(out, "iceberg_io.json"))
	if err := json.Unmarshal(b, &io); err != nil || io.Catalog.URI != `https://cat.example.com/a"b'c{{x}}` {
		t.Errorf("iceberg_io.json catalog uri = %q (%v)", io.Catalog.URI, err)
	}
}
