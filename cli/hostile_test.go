package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/schemas"
)

// hostileValue is one entry of testdata/hostile/values.json.
type hostileValue struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Repeat string `json:"repeat"`
	Times  int    `json:"times"`
}

// loadHostileValues reads testdata/hostile/values.json.
func loadHostileValues(t *testing.T) []hostileValue {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hostile", "values.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs []hostileValue
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	for i := range vs {
		if vs[i].Times > 0 {
			vs[i].Value = strings.Repeat(vs[i].Repeat, vs[i].Times)
		}
	}
	return vs
}

// Where a field's value must come back unchanged, read with the file's own parser.
const (
	inArtifact   = "artifact"    // compiled_artifacts.json, .yaml, the ConfigMap and the chart's copy
	inIceberg    = "iceberg"     // iceberg_io.json and the chart's copy
	inSchedules  = "schedules"   // schedules.json and the chart's copy
	inPython     = "python"      // definitions.py, as a str constant
	inProfiles   = "profiles"    // profiles.yml, as a value dbt's Jinja renders to the input
	inProfileKey = "profile-key" // profiles.yml, as a mapping key
	inHelmValues = "helm-values" // helm/values.yaml and the chart's values.yaml
)

// hostileField is one place of floe.yaml or manifest.yaml a user's string goes to.
type hostileField struct {
	name   string // the placeholder in the templates below
	benign string // a value every check accepts
	lands  []string
	key    bool   // the value is a mapping key
	prefix string // put before the value (a URL scheme where only URLs are accepted)
}

var hostileFields = []hostileField{
	{name: "product_name", benign: "hostile", lands: []string{inArtifact, inPython, inHelmValues}},
	{name: "description", benign: "A product"},
	{name: "owner", benign: "team@example.com"},
	{name: "label", benign: "retail"},
	{name: "transform_name", benign: "stg_a", lands: []string{inArtifact, inPython, inIceberg}},
	{name: "tag", benign: "staging", lands: []string{inArtifact, inPython}},
	{name: "partition", benign: "day", lands: []string{inIceberg}},
	{name: "qc_column", benign: "id", lands: []string{inArtifact}},
	{name: "cron", benign: "0 6 * * *", lands: []string{inSchedules}},
	{name: "timezone", benign: "Europe/Berlin", lands: []string{inSchedules}},
	{name: "m_owner", benign: "platform@example.com"},
	{name: "m_description", benign: "The platform"},
	{name: "compute_path", benign: "target/local.duckdb", lands: []string{inArtifact, inProfiles}},
	{name: "memory_limit", benign: "1GB", lands: []string{inArtifact, inProfiles}},
	{name: "setting_value", benign: "x", lands: []string{inArtifact, inProfiles}},
	{name: "setting_key", benign: "other_setting", key: true, lands: []string{inProfileKey}},
	{name: "image_repository", benign: "ghcr.io/example/hostile", lands: []string{inHelmValues}},
	{name: "image_tag", benign: "1.0.0", lands: []string{inHelmValues}},
	{name: "catalog_uri", benign: "http://polaris:8181/api/catalog", lands: []string{inArtifact, inIceberg}},
	{name: "catalog_warehouse", benign: "floe", lands: []string{inArtifact, inIceberg}},
	{name: "catalog_namespace", benign: "analytics", lands: []string{inArtifact}},
	{name: "oauth_scope", benign: "PRINCIPAL_ROLE:ALL", lands: []string{inArtifact, inIceberg}},
	{name: "token_url", benign: "http://polaris:8181/api/catalog/v1/oauth/tokens", lands: []string{inArtifact, inIceberg}},
	{name: "storage_endpoint", benign: "http://minio:9000", lands: []string{inArtifact, inIceberg}},
	{name: "storage_region", benign: "us-east-1", lands: []string{inArtifact, inIceberg}},
	{name: "lineage_endpoint", benign: "marquez:5000", prefix: "http://", lands: []string{inArtifact, inPython}},
}

const hostileSpec = `apiVersion: floe.dev/v1
kind: FloeSpec
metadata:
  name: @product_name@
  version: 1.0.0
  description: @description@
  owner: @owner@
  labels:
    team: @label@
platform:
  manifest: manifest.yaml
transforms:
  - name: @transform_name@
    tags:
      - @tag@
    iceberg:
      partition_by:
        - @partition@
    qualityChecks:
      - name: q1
        type: not_null
        dimension: completeness
        column: @qc_column@
schedule:
  cron: @cron@
  timezone: @timezone@
`

const hostileManifest = `apiVersion: floe.dev/v1
kind: Manifest
metadata:
  name: hostile-platform
  version: 1.0.0
  owner: @m_owner@
  description: @m_description@
plugins:
  compute:
    type: duckdb
    config:
      path: @compute_path@
      memory_limit: @memory_limit@
      settings:
        custom_setting: @setting_value@
        @setting_key@: "y"
  orchestrator:
    type: dagster
    config:
      image:
        repository: @image_repository@
        tag: @image_tag@
  catalog:
    type: polaris
    config:
      uri: @catalog_uri@
      warehouse: @catalog_warehouse@
      namespace: @catalog_namespace@
      oauth2:
        scope: @oauth_scope@
        token_url: @token_url@
  storage:
    type: s3
    config:
      endpoint: @storage_endpoint@
      region: @storage_region@
      bucket: lake
observability:
  lineage:
    enabled: true
    transport: http
    endpoint: @lineage_endpoint@
`

// yamlQuote writes s as a YAML double-quoted scalar with every character outside
// printable ASCII escaped, so the file holds exactly s whatever s is.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// fill replaces each @field@ of tmpl with its value quoted, returning the file and the
// line of each field.
func fill(tmpl string, values map[string]string) (string, map[int]string) {
	lines := map[int]string{}
	out := strings.Split(tmpl, "\n")
	for i, line := range out {
		for _, f := range hostileFields {
			ph := "@" + f.name + "@"
			if strings.Contains(line, ph) {
				lines[i+1] = f.name
				out[i] = strings.Replace(line, ph, yamlQuote(f.prefix+values[f.name]), 1)
			}
		}
	}
	return strings.Join(out, "\n"), lines
}

// hostileRun is one floe run: its arguments, exit code and output.
type hostileRun struct {
	args           []string
	code           int
	stdout, stderr string
}

func runHostile(args ...string) hostileRun {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, nil, &stdout, &stderr)
	return hostileRun{args: args, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// hostileFlags are the flags a value goes through, and whether they were given.
type hostileFlags struct {
	out, namespace, configMapName, imageRepository, imageTag bool
}

// TestHostileValuesEverywhere feeds every value of testdata/hostile/values.json through
// every field of floe.yaml and manifest.yaml and every flag that reaches a generated file,
// at once, with `floe package --output-format configmap` (every generator). floe must never
// exit 3: a value is either refused (exit 1 with an error at the value's own line, exit 2
// naming the flag), or every generated file parses with its own parser (encoding/json,
// yaml.v3 and the YAML 1.1 yaml.v2 Kubernetes reads with, BuildKit's Dockerfile parser,
// Python's ast) into the intended structure with the value back unchanged where it goes.
// Refused fields and flags are set to a benign value and the run repeated until it passes.
// The compiled artifacts are then written as JSON and as YAML by plain compiles.
func TestHostileValuesEverywhere(t *testing.T) {
	values := loadHostileValues(t)
	base := t.TempDir()
	// The benign product's definitions.py is the shape every other must have.
	benign := map[string]string{}
	for _, f := range hostileFields {
		benign[f.name] = f.benign
	}
	writeHostileProduct(t, filepath.Join(base, "benign"), benign)
	if r := runHostile("compile", filepath.Join(base, "benign")); r.code != 0 {
		t.Fatalf("benign product: exit %d\n%s", r.code, r.stderr)
	}
	pyChecks := []pythonCheck{{file: filepath.Join(base, "benign", "target", "floe", "definitions.py")}}
	var mu sync.Mutex
	// The cases are independent (each its own directories); run them on every CPU. The
	// group returns when all have finished.
	t.Run("values", func(t *testing.T) {
		for i, hv := range values {
			t.Run(hv.Name, func(t *testing.T) {
				t.Parallel()
				pys := hostileCase(t, filepath.Join(base, fmt.Sprint(i)), hv.Value)
				mu.Lock()
				pyChecks = append(pyChecks, pys...)
				mu.Unlock()
			})
		}
	})
	checkPython(t, pyChecks)
}

// hostileCase runs one value through everything (see TestHostileValuesEverywhere) and
// returns the Python files to check.
func hostileCase(t *testing.T, dir, v string) []pythonCheck {
	hostile := map[string]bool{}
	for _, f := range hostileFields {
		hostile[f.name] = true
	}
	flags := hostileFlags{out: true, namespace: true, configMapName: true, imageRepository: true, imageTag: true}
	// -o is a directory inside the product directory named v; a value that is no single
	// path component (or that no file system takes) is tried as a flag of its own below.
	if !pathComponent(v) {
		flags.out = false
	}
	var run hostileRun
	var product, out string
	for attempt := 0; ; attempt++ {
		if attempt > len(hostileFields)+6 {
			t.Fatalf("still refused after %d attempts:\n%s", attempt, run.stderr)
		}
		product = filepath.Join(dir, fmt.Sprint(attempt))
		fieldValues := map[string]string{}
		for _, f := range hostileFields {
			fieldValues[f.name] = f.benign
			if hostile[f.name] {
				fieldValues[f.name] = v
			}
		}
		specLines := writeHostileProduct(t, product, fieldValues)
		out = filepath.Join(product, "target", "floe")
		if flags.out {
			out = product + string(filepath.Separator) + v
		}
		args := []string{"package", product, "-o", out, "--format", "json", "--output-format", "configmap"}
		if flags.namespace {
			args = append(args, "--namespace", v)
		}
		if flags.configMapName {
			args = append(args, "--configmap-name", v)
		}
		if flags.imageRepository {
			args = append(args, "--image-repository", v)
		}
		if flags.imageTag {
			args = append(args, "--image-tag", v)
		}
		run = runHostile(args...)
		switch run.code {
		case ExitOK:
		case ExitUsage:
			if !dropRefusedFlag(t, &flags, run) {
				t.Fatalf("exit 2 naming no flag given: %s", run.stderr)
			}
			continue
		case ExitInput:
			for _, name := range refusedFields(t, run, specLines) {
				hostile[name] = false
			}
			continue
		default:
			t.Fatalf("floe %q: exit %d (must be 0, 1 or 2)\n%s", run.args, run.code, run.stderr)
		}
		break
	}
	var accepted []string
	for _, f := range hostileFields {
		if hostile[f.name] {
			accepted = append(accepted, f.name)
		}
	}
	t.Logf("accepted by %q; flags %+v", accepted, flags)

	checkGeneratedFiles(t, out, v, hostile, flags)
	pys := []pythonCheck{{file: filepath.Join(out, "definitions.py"), want: wantInPython(v, hostile)}}

	// The artifact as YAML, by a plain compile of the same accepted product.
	yamlOut := filepath.Join(dir, "artifact-yaml")
	if r := runHostile("compile", product, "-o", yamlOut, "--output-format", "yaml"); r.code != 0 {
		t.Fatalf("compile --output-format yaml: exit %d\n%s", r.code, r.stderr)
	}
	checkArtifactLeaves(t, filepath.Join(yamlOut, "compiled_artifacts.yaml"), v, hostile)

	// As JSON (the contract's own bytes), by a plain compile of the same product in a
	// directory named v when v can name one: the product directory's name reaches
	// definitions.py (project_dir, relative to the output directory).
	named := product
	if pathComponent(v) {
		named = filepath.Join(dir, "named") + string(filepath.Separator) + v
		if err := copyInputs(product, named); err != nil {
			named = product // a file system that refuses the name
		}
	}
	jsonOut := filepath.Join(dir, "artifact-json")
	if r := runHostile("compile", named, "-o", jsonOut); r.code != 0 {
		t.Fatalf("compile of %s: exit %d\n%s", named, r.code, r.stderr)
	}
	checkArtifactLeaves(t, filepath.Join(jsonOut, "compiled_artifacts.json"), v, hostile)
	want := wantInPython(v, hostile)
	if named != product {
		want = append(want, "../named/"+v)
	}
	pys = append(pys, pythonCheck{file: filepath.Join(jsonOut, "definitions.py"), want: want})
	return pys
}

// copyInputs copies floe.yaml and manifest.yaml from one product directory to another.
func copyInputs(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"floe.yaml", "manifest.yaml"} {
		b, err := os.ReadFile(filepath.Join(from, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkArtifactLeaves checks the artifact file holds the value of every accepted field
// that lands in the artifact as one string.
func checkArtifactLeaves(t *testing.T, file, v string, hostile map[string]bool) {
	t.Helper()
	leaves := parseLeaves(t, file)
	for _, f := range hostileFields {
		if hostile[f.name] && slices.Contains(f.lands, inArtifact) && !slices.Contains(leaves, f.prefix+v) {
			t.Errorf("%s: %s's value is not one string", filepath.Base(file), f.name)
		}
	}
}

// pathComponent reports whether v can name one directory entry.
func pathComponent(v string) bool {
	return v != "" && v != "." && v != ".." && !strings.ContainsAny(v, `/\`+"\x00") && len(v) <= 255 &&
		utf8.ValidString(v)
}

// writeHostileProduct writes floe.yaml and manifest.yaml with the fields' values and
// returns the line of each field by file name.
func writeHostileProduct(t *testing.T, dir string, values map[string]string) map[string]map[int]string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec, specLines := fill(hostileSpec, values)
	manifest, manifestLines := fill(hostileManifest, values)
	for name, body := range map[string]string{"floe.yaml": spec, "manifest.yaml": manifest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]map[int]string{"floe.yaml": specLines, "manifest.yaml": manifestLines}
}

// dropRefusedFlag turns off the flag a usage error names; false when it names none given.
func dropRefusedFlag(t *testing.T, f *hostileFlags, run hostileRun) bool {
	t.Helper()
	_, msg, _ := strings.Cut(run.stderr, "floe: ")
	for _, c := range []struct {
		prefix string
		on     *bool
	}{
		{"-o ", &f.out}, {"--namespace", &f.namespace}, {"--configmap-name", &f.configMapName},
		{"--image-repository", &f.imageRepository}, {"--image-tag", &f.imageTag},
	} {
		if *c.on && strings.HasPrefix(msg, c.prefix) {
			*c.on = false
			return true
		}
	}
	return false
}

// refusedFields returns the fields the run's errors are about. Every error must be
// positioned on the line of a field holding the hostile value.
func refusedFields(t *testing.T, run hostileRun, lines map[string]map[int]string) []string {
	t.Helper()
	var report struct {
		Diagnostics []struct {
			Pos struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"pos"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Code     string `json:"code"`
		} `json:"diagnostics"`
	}
	dec := json.NewDecoder(strings.NewReader(run.stdout))
	if err := dec.Decode(&report); err != nil {
		t.Fatalf("exit 1 without diagnostics: %v\n%s", err, run.stdout+run.stderr)
	}
	var fields []string
	for _, d := range report.Diagnostics {
		if d.Severity != "error" {
			continue
		}
		name, ok := lines[filepath.Base(d.Pos.File)][d.Pos.Line]
		if !ok {
			t.Fatalf("error not at a field's line: %s:%d: %s [%s]", d.Pos.File, d.Pos.Line, d.Message, d.Code)
		}
		fields = append(fields, name)
	}
	if len(fields) == 0 {
		t.Fatalf("exit 1 without an error diagnostic:\n%s", run.stderr)
	}
	return fields
}

// checkGeneratedFiles parses every generated file with its own parser and checks that the
// value came back where each accepted field and flag sends it.
func checkGeneratedFiles(t *testing.T, out, v string, hostile map[string]bool, flags hostileFlags) {
	t.Helper()
	leaves := map[string][]string{}
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, out+string(filepath.Separator)))
		switch {
		case strings.Contains(rel, "/templates/") || strings.HasPrefix(rel, "floe_runtime/"):
			// The chart's templates and the runtime package are fixed sources.
		case strings.HasSuffix(rel, ".json"), strings.HasSuffix(rel, ".yaml"), strings.HasSuffix(rel, ".yml"):
			leaves[rel] = parseLeaves(t, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	has := func(file, v string) bool {
		l, ok := leaves[file]
		if !ok {
			t.Errorf("%s was not written", file)
		}
		return slices.Contains(l, v)
	}
	product := "hostile"
	if hostile["product_name"] {
		product = v
	}
	chart := "helm/floe-" + product + "/"
	cm := leaves["floe-compiled-values.yaml"]
	for _, f := range hostileFields {
		if !hostile[f.name] {
			continue
		}
		v := f.prefix + v
		for _, where := range f.lands {
			var files []string
			switch where {
			case inArtifact:
				// The ConfigMap format's copy (the chart carries no copy of the artifact).
				if !slices.Contains(cm, v) {
					t.Errorf("floe-compiled-values.yaml: %s's value is not one string", f.name)
				}
			case inIceberg:
				files = []string{"iceberg_io.json"}
			case inSchedules:
				files = []string{"schedules.json"}
			case inHelmValues:
				files = []string{"helm/values.yaml", chart + "values.yaml"}
			case inProfiles, inProfileKey:
				checkProfiles(t, filepath.Join(out, "profiles.yml"), product, v, where == inProfileKey)
			}
			for _, file := range files {
				if !has(file, v) {
					t.Errorf("%s: %s's value is not one string", file, f.name)
				}
			}
		}
	}
	if flags.namespace && !slices.Contains(cm, v) {
		t.Errorf("floe-compiled-values.yaml: --namespace is not one string")
	}
	if flags.configMapName && !slices.Contains(cm, v) {
		t.Errorf("floe-compiled-values.yaml: --configmap-name is not one string")
	}
	for _, on := range []bool{flags.imageRepository, flags.imageTag} {
		if on && (!has("helm/values.yaml", v) || !has(chart+"values.yaml", v)) {
			t.Errorf("helm values: image flag value is not one string")
		}
	}
	if flags.out {
		// The code server's working directory in the image, in both charts' values.
		wd := "/opt/floe/product/" + v
		if !has("helm/values.yaml", wd) || !has(chart+"values.yaml", wd) {
			t.Errorf("helm values: the working directory %q is not one string", wd)
		}
	}
	checkHostileDockerfile(t, out, v, flags.out)
}

// parseLeaves parses a JSON or YAML file (YAML with yaml.v3 and with the YAML 1.1 reader
// yaml.v2, which must agree) and returns its string values and keys. A YAML ConfigMap's
// data values are parsed too (they are YAML or JSON documents).
func parseLeaves(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if strings.HasSuffix(file, ".json") {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s is not JSON: %v", file, err)
		}
		return stringLeaves(v, nil)
	}
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not YAML: %v", file, err)
	}
	var v2 any
	if err := yamlv2.Unmarshal(b, &v2); err != nil {
		t.Fatalf("%s is not YAML to yaml.v2: %v", file, err)
	}
	leaves := stringLeaves(v, nil)
	if l2 := stringLeaves(v2, nil); !slices.Equal(sorted(leaves), sorted(l2)) {
		t.Errorf("%s: yaml.v2 reads other strings than yaml.v3: %q", file, symmetricDifference(leaves, l2))
	}
	if m, ok := v.(map[string]any); ok && m["kind"] == "ConfigMap" {
		data, _ := m["data"].(map[string]any)
		for _, doc := range data {
			var inner any
			if err := yaml.Unmarshal([]byte(doc.(string)), &inner); err != nil {
				t.Fatalf("%s: data is not YAML: %v", file, err)
			}
			leaves = stringLeaves(inner, leaves)
		}
	}
	return leaves
}

// symmetricDifference is the strings of a or b not in both.
func symmetricDifference(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, "v3:"+s)
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, "v2:"+s)
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// stringLeaves appends every string value and key of v to dst.
func stringLeaves(v any, dst []string) []string {
	switch t := v.(type) {
	case string:
		dst = append(dst, t)
	case []any:
		for _, e := range t {
			dst = stringLeaves(e, dst)
		}
	case map[string]any:
		for k, e := range t {
			dst = append(dst, k)
			dst = stringLeaves(e, dst)
		}
	case map[any]any:
		for k, e := range t {
			dst = stringLeaves(k, dst)
			dst = stringLeaves(e, dst)
		}
	}
	return dst
}

// checkProfiles checks profiles.yml holds the value as dbt will read it: as it is when dbt's
// Jinja leaves it alone (or when it is a whole env_var() reference), else as one Jinja
// string literal (tests/runtime renders these with dbt itself and compares).
func checkProfiles(t *testing.T, file, product, v string, key bool) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]struct {
		Target  string `yaml:"target"`
		Outputs map[string]map[string]any
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("profiles.yml: %v", err)
	}
	dev := doc[product].Outputs["dev"]
	settings, _ := dev["settings"].(map[string]any)
	if key {
		if settings[v] != "y" {
			t.Errorf("profiles.yml: settings key %q is missing: %v", v, settings)
		}
		return
	}
	found := false
	for _, got := range []any{dev["path"], settings["memory_limit"], settings["custom_setting"]} {
		s, _ := got.(string)
		if s == v && (schemas.IsDbtEnvVarRef(v) || !strings.ContainsAny(v, "{\r\n")) {
			found = true
		}
		if strings.HasPrefix(s, "{{ '") && strings.HasSuffix(s, "' }}") && strings.ContainsAny(v, "{\r\n") {
			found = true
		}
	}
	if !found {
		t.Errorf("profiles.yml does not hold %q as dbt reads it:\n%s", v, b)
	}
}

// checkHostileDockerfile parses the Dockerfile with BuildKit: exactly one stage from the
// pinned Python image, and FLOE_OUTPUT_DIR, expanded as BuildKit expands it, the output
// directory (v when -o named it, else the default target/floe).
func checkHostileDockerfile(t *testing.T, out, v string, named bool) {
	t.Helper()
	want := "target/floe"
	if named {
		want = v
	}
	checkHostileDockerfileAt(t, out, want)
}

// checkHostileDockerfileAt checks the Dockerfile in out names the output directory want.
func checkHostileDockerfileAt(t *testing.T, out, want string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := parser.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v", err)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil || len(stages) != 1 || len(meta) != 0 || len(res.AST.Children) != 14 {
		t.Fatalf("Dockerfile: %d stages, %d instructions (%v), want 1 and 14:\n%s", len(stages), len(res.AST.Children), err, b)
	}
	arg, ok := stages[0].Commands[0].(*instructions.ArgCommand)
	if !ok || arg.Args[0].Key != "FLOE_OUTPUT_DIR" || arg.Args[0].Value == nil {
		t.Fatalf("Dockerfile: first command is not ARG FLOE_OUTPUT_DIR=…:\n%s", b)
	}
	got, _, err := shell.NewLex(parser.DefaultEscapeToken).ProcessWord(*arg.Args[0].Value, shell.EnvsFromSlice(nil))
	if err != nil || got != want {
		t.Errorf("Dockerfile: FLOE_OUTPUT_DIR = %q (%v), want %q", got, err, want)
	}
}

// pythonCheck is a definitions.py and the strings it must hold as constants.
type pythonCheck struct {
	file string
	want []string
}

// wantInPython is what definitions.py must hold for the accepted fields.
func wantInPython(v string, hostile map[string]bool) []string {
	var want []string
	for _, f := range hostileFields {
		if hostile[f.name] && slices.Contains(f.lands, inPython) {
			want = append(want, f.prefix+v)
		}
	}
	return want
}

// checkPython parses every definitions.py with Python's own parser in one python3 run:
// each must have the statements and calls of the benign product's (checks[0]), string
// constants aside, and hold each wanted value as one str constant.
func checkPython(t *testing.T, checks []pythonCheck) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH; definitions.py is checked by tests/runtime")
	}
	const script = `import ast, json, sys
out = []
for path in sys.argv[1:]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    consts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            n.value = "S"
    calls = sorted({ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)})
    out.append({"consts": consts, "shape": ast.dump(tree), "calls": calls})
json.dump(out, sys.stdout)`
	args := []string{"-c", script}
	for _, c := range checks {
		args = append(args, c.file)
	}
	cmd := exec.Command(python, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var got []struct {
		Consts []string `json:"consts"`
		Shape  string   `json:"shape"`
		Calls  []string `json:"calls"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for i, c := range checks {
		if got[i].Shape != got[0].Shape || !slices.Equal(got[i].Calls, got[0].Calls) {
			t.Errorf("%s: the statements differ from the benign product's (calls %q, want %q)", c.file, got[i].Calls, got[0].Calls)
		}
		for _, w := range c.want {
			if !slices.Contains(got[i].Consts, w) {
				t.Errorf("%s: %q is not one str constant", c.file, w)
			}
		}
	}
}

// TestHostileOutputFlag passes each hostile value TestHostileValuesEverywhere could not
// give -o as one directory name (values with "/" or "\", NUL, over-long ones) as -o inside
// a benign product (values with "/" make subdirectories): `floe package` must write the output with
// a Dockerfile BuildKit reads back to that directory, or refuse the flag (exit 2), never
// fail as floe's own error. Only where the operating system refuses a name the test
// cannot create anyway (Windows, macOS) is an input error (exit 1) accepted.
func TestHostileOutputFlag(t *testing.T) {
	values := loadHostileValues(t)
	benign := map[string]string{}
	for _, f := range hostileFields {
		benign[f.name] = f.benign
	}
	base := t.TempDir()
	t.Run("values", func(t *testing.T) {
		for i, hv := range values {
			if pathComponent(hv.Value) {
				continue // -o of TestHostileValuesEverywhere
			}
			t.Run(hv.Name, func(t *testing.T) {
				t.Parallel()
				v := hv.Value
				product := filepath.Join(base, fmt.Sprint(i))
				writeHostileProduct(t, product, benign)
				out := product + string(filepath.Separator) + v
				r := runHostile("package", product, "-o", out)
				switch {
				case r.code == ExitOK:
					rel, err := filepath.Rel(product, filepath.Clean(out))
					if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
						t.Skipf("-o %q is not inside the product directory", out)
					}
					checkHostileDockerfileAt(t, filepath.Clean(out), filepath.ToSlash(rel))
				case r.code == ExitUsage:
					if !strings.HasPrefix(r.stderr, "floe: -o ") {
						t.Errorf("exit 2 not about -o: %s", r.stderr)
					}
				case r.code == ExitInput && runtime.GOOS != "linux":
					t.Logf("the file system refuses %q: %s", out, r.stderr)
				default:
					t.Errorf("floe package -o %q: exit %d\n%s", out, r.code, r.stderr)
				}
			})
		}
	})
}

// TestHostileArgumentsNeverInternal passes each hostile value as every other argument and
// flag (the product path, --manifest, --format, --output-format, graph --format, schema's
// name): floe refuses it as a usage (2) or input (1) error, never as its own (3).
func TestHostileArgumentsNeverInternal(t *testing.T) {
	product := t.TempDir()
	benign := map[string]string{}
	for _, f := range hostileFields {
		benign[f.name] = f.benign
	}
	writeHostileProduct(t, product, benign)
	out := filepath.Join(t.TempDir(), "out")
	for _, hv := range loadHostileValues(t) {
		v := hv.Value
		for _, args := range [][]string{
			{"compile", v, "-o", out},
			{"validate", v},
			{"compile", product, "-o", out, "--manifest", v},
			{"validate", product, "--manifest", filepath.Join(product, v)},
			{"compile", product, "-o", out, "--format", v},
			{"compile", product, "-o", out, "--output-format", v},
			{"graph", product, "--format", v},
			{"schema", v},
		} {
			r := runHostile(args...)
			if r.code != ExitInput && r.code != ExitUsage {
				t.Errorf("%s: floe %q: exit %d, want 1 or 2\n%s", hv.Name, args, r.code, r.stderr)
			}
		}
	}
}
