package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// The product of TestSecretsReachNoOutput: every spelling of a literal secret floe
// detects, in every place of the manifest and floe.yaml a secret can be written. Each
// marker ("MK" + number) is distinct; the --check step rewrites MK to NW.
const secretsSpec = `apiVersion: floe.dev/v1
kind: FloeSpec
metadata: {name: vault, version: 1.0.0}
platform: {manifest: manifest.yaml}
transforms:
  - name: stg_orders
    quality_checks:
      - name: remote
        type: custom
        dimension: validity
        parameters:
          url: 'https://qc:MK01-qcurlpw@api.example.com/check'
          clientSecret: MK02-qccamel
          api: 'https://api.example.com/v1?access_token=MK03-qcquery'
          headers:
            X-Auth: 'Bearer MK04-qcbearer9'
          dsn: 'host=db.example.com user=qc password=MK05-qcdsn dbname=q'
  - name: mart_orders
    dependsOn: [stg_orders]
`

const secretsManifest = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: vault-platform, version: 1.0.0, owner: me}
plugins:
  compute:
    type: duckdb
    config:
      path: 'md:analytics?motherduck_token=MK10-mdpath'
      settings:
        s3_secret_access_key: MK11-s3sk
        motherduck_token: MK12-mdtok
        sessionToken: MK13-session
        pwd: MK14-pwd
        tokens: [MK15-lista, MK16-listb]
        http_proxy_password: 97531086420
      attach:
        - path: 'host=db.example.com port=5432 user=floe password=MK17-dsn dbname=x'
          alias: pg
          type: postgres
        - path: 'postgresql://floe:pw/MK18-slash@db.example.com/x'
          alias: pg2
          type: postgres
          secret_key: MK19-attachopt
  orchestrator:
    type: dagster
    config:
      image: {repository: ghcr.io/example/vault, tag: 1.0.0}
      api_token: MK20-orchtok
  catalog:
    type: polaris
    config:
      uri: 'https://MK21-urluser@polaris.example.com/api/catalog'
      warehouse: w
      oauth2:
        clientSecret: MK22-clientsecret
        token_url: 'https://idp.example.com/oauth/tokens?client_id=floe&client_secret=MK23-querycs'
  storage:
    type: s3
    config:
      bucket: b
      region: eu-central-1
      endpoint: 'https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature=MK24-amzsig'
      secretAccessKey: MK25-camelsak
  lineage_backend:
    type: marquez
    config:
      url: 'https://marquez.example.com/api?sv=2021&sig=MK26-sig'
      headers:
        Authorization: 'Bearer MK27-authz9'
        X-Other: 'Bearer MK28-bearer9'
      accessToken: MK29-access
      connection: 'Server=db;Uid=floe;Pwd=MK30-odbc;'
  ingestion:
    type: dlt
    config:
      source: 'postgresql://floe:pw?MK31-qmark@db.example.com/src'
      api_key: MK32-apikey
observability:
  tracing:
    endpoint: 'https://otel.example.com:4317/v1?token=MK33-otel'
  lineage:
    enabled: true
    transport: http
    endpoint: 'https://ol:MK34-olpw@marquez.example.com/api/v1/lineage'
`

// secretMarkers lists the markers of the files above (MK01…MK34, with gaps) plus the
// numeric one.
func secretMarkers(prefix string) []string {
	var out []string
	for _, text := range []string{secretsSpec, secretsManifest} {
		for _, f := range strings.FieldsFunc(text, func(r rune) bool {
			return strings.ContainsRune(" \t\n'\"[],:?&=/@{}", r)
		}) {
			if strings.HasPrefix(f, "MK") && len(f) > 5 {
				out = append(out, prefix+f[2:])
			}
		}
	}
	return append(out, "97531086420")
}

// run runs floe in-process and returns its exit code and both streams.
func runMain(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// TestSecretsReachNoOutput is the redaction promise end to end: a product whose
// manifest and floe.yaml carry literal secrets in every spelling floe detects, in
// every place (plugin configs, dbt settings, URLs, DSNs, query strings, headers,
// lists, quality-check parameters), is compiled, packaged, checked, validated, graphed
// and doctored; no marker may appear in any file floe wrote but the verbatim
// compiled_artifacts.json (packaged chart archives are unpacked and read too), nor in
// any output stream, in any --format.
func TestSecretsReachNoOutput(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "vault")
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(prod, "floe.yaml"), secretsSpec)
	write(filepath.Join(prod, "manifest.yaml"), secretsManifest)
	markers := append(secretMarkers("MK"), secretMarkers("NW")...)
	var streams []string
	step := func(wantCode int, args ...string) string {
		t.Helper()
		code, out := runMain(t, args...)
		if code != wantCode {
			t.Errorf("floe %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out)
		}
		streams = append(streams, "floe "+strings.Join(args, " ")+"\n"+out)
		return out
	}

	out := step(0, "compile", prod)
	if n, want := strings.Count(out, "[FLOE-E600]"), len(secretMarkers("MK")); n != want {
		t.Errorf("%d FLOE-E600 warnings, want one per secret (%d):\n%s", n, want, out)
	}
	artifact, err := os.ReadFile(filepath.Join(prod, "target", "floe", "compiled_artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range secretMarkers("MK") {
		if !bytes.Contains(artifact, []byte(m)) {
			t.Errorf("marker %s is not in the verbatim artifact: the test does not test it", m)
		}
	}
	step(0, "compile", prod) // up to date
	step(0, "compile", prod, "--check")
	step(0, "package", prod, "-o", filepath.Join(dir, "chart"))
	step(0, "compile", prod, "--output-format", "configmap", "-o", filepath.Join(dir, "cm"), "--namespace", "data")
	for _, f := range diag.Formats {
		step(0, "validate", prod, "--format", f)
	}
	for _, f := range []string{"dot", "mermaid", "json"} {
		step(0, "graph", prod, "--format", f)
	}
	for _, name := range schemas.SchemaNames() {
		step(0, "schema", name)
	}
	// doctor reaches the catalog (on a closed loopback port: no traffic leaves) and prints
	// its URI; lineage goes to the console so that nothing else is contacted.
	doctor := strings.NewReplacer("polaris.example.com", "127.0.0.1:9", "transport: http", "transport: console").Replace(secretsManifest)
	write(filepath.Join(dir, "doctor", "floe.yaml"), secretsSpec)
	write(filepath.Join(dir, "doctor", "manifest.yaml"), doctor)
	out = step(1, "doctor", filepath.Join(dir, "doctor"), "--dagster-url", "http://127.0.0.1:9", "--timeout", "5s")
	if !strings.Contains(out, "REST catalog https://**********@127.0.0.1:9/api/catalog") {
		t.Errorf("doctor does not name the catalog it tried:\n%s", out)
	}

	// Every secret changes: --check shows the changed lines, never a value (old or new).
	for _, name := range []string{"floe.yaml", "manifest.yaml"} {
		p := filepath.Join(prod, name)
		b, _ := os.ReadFile(p)
		write(p, strings.ReplaceAll(string(b), "MK", "NW"))
	}
	out = step(1, "compile", prod, "--check")
	if !strings.Contains(out, "differs: compiled_artifacts.json") {
		t.Errorf("--check does not report the changed artifact:\n%s", out)
	}
	step(1, "package", prod, "-o", filepath.Join(dir, "chart"), "--check")

	// strict: the same secrets are errors, reported without their values in every format.
	p := filepath.Join(prod, "manifest.yaml")
	b, _ := os.ReadFile(p)
	write(filepath.Join(dir, "strict", "manifest.yaml"), string(b)+"governance: {policy_enforcement_level: strict}\n")
	b, _ = os.ReadFile(filepath.Join(prod, "floe.yaml"))
	write(filepath.Join(dir, "strict", "floe.yaml"), string(b))
	for _, f := range diag.Formats {
		step(1, "validate", filepath.Join(dir, "strict"), "--format", f)
		step(1, "compile", filepath.Join(dir, "strict"), "--format", f)
	}

	// Broken inputs quote the line in error: a YAML syntax error on a secret's line, an
	// environment key (FLOE-E106) holding one in floe.yaml, an endpoint on a private
	// network (FLOE-E122, whose message quotes the URL).
	write(filepath.Join(dir, "broken", "floe.yaml"), strings.Replace(secretsSpec, "clientSecret: MK02-qccamel",
		"clientSecret: MK02-qccamel\n          password: MK35-e106", 1))
	write(filepath.Join(dir, "broken", "manifest.yaml"), strings.Replace(secretsManifest, "pwd: MK14-pwd",
		"pwd: MK14-pwd: broken", 1))
	markers = append(markers, "MK35-e106")
	for _, f := range diag.Formats {
		out := step(1, "validate", filepath.Join(dir, "broken"), "--format", f)
		if f == "text" && !strings.Contains(out, "invalid YAML") {
			t.Errorf("no syntax error reported:\n%s", out)
		}
	}
	write(filepath.Join(dir, "broken", "manifest.yaml"), strings.Replace(secretsManifest,
		"https://ol:MK34-olpw@marquez.example.com", "https://ol:MK36-e122@10.0.0.7", 1))
	markers = append(markers, "MK36-e122")
	for _, f := range diag.Formats {
		out := step(1, "compile", filepath.Join(dir, "broken"), "--format", f)
		if f == "text" && (!strings.Contains(out, "FLOE-E106") || !strings.Contains(out, "FLOE-E122")) {
			t.Errorf("no FLOE-E106 and FLOE-E122 reported:\n%s", out)
		}
	}

	assertNoMarkers(t, dir, streams, markers, 60)
}

// untar returns the entries of a .tgz by name (archive!entry).
func untar(t *testing.T, name string, data []byte) map[string][]byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name+"!"+h.Name] = b
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
