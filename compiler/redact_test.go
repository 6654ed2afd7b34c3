package compiler

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// TestLiteralSecretsInListsAreRedacted: a literal secret nested in a list of a plugin
// config (a duckdb attach item) is reported and redacted like one in a mapping.
func TestLiteralSecretsInListsAreRedacted(t *testing.T) {
	dir := "testdata/bad/secrets-literal-in-lists/"
	res := Compile(Options{SpecPath: dir + "floe.yaml", ManifestPath: dir + "manifest.yaml", ReadFile: os.ReadFile,
		CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"dagster"}})
	if res.Product == nil {
		t.Fatalf("no product: %v", res.Diags)
	}
	for _, secret := range []string{"hunter2", "abc123"} {
		if bytes.Contains(res.Product.RedactedArtifactsJSON, []byte(secret)) {
			t.Errorf("redacted artifacts contain the literal secret %q", secret)
		}
	}
	if !bytes.Contains(res.Product.RedactedArtifactsJSON, []byte("s3://bucket/other.duckdb")) {
		t.Errorf("redaction removed more than the secrets")
	}
}

// secretCase is one spelling of a literal secret, in one place of the inputs.
type secretCase struct {
	name string
	// plugins is YAML under "plugins:" besides compute (indented by 2), spec is YAML under
	// the one transform's quality check parameters (indented by 10), observability is
	// the manifest's observability block.
	compute, plugins, spec, observability string
	// markers must reach no output but the verbatim artifact.
	markers []string
	// paths are the FLOE-E600 diagnostics' paths, what their messages say.
	paths []string
	what  string
}

var secretCases = []secretCase{
	{name: "snake key under settings", compute: "settings: {s3_secret_access_key: S3SECRET-m1}", markers: []string{"S3SECRET-m1"},
		paths: []string{"plugins.compute.config.settings.s3_secret_access_key"}, what: "holds a literal secret"},
	{name: "motherduck_token", compute: "settings: {motherduck_token: MDTOKEN-m2}", markers: []string{"MDTOKEN-m2"},
		paths: []string{"plugins.compute.config.settings.motherduck_token"}, what: "holds a literal secret"},
	{name: "camelCase clientSecret", plugins: "catalog: {type: polaris, config: {uri: 'https://polaris.example.com/api', warehouse: w, oauth2: {clientId: floe, clientSecret: CLIENTSECRET-m3}}}",
		markers: []string{"CLIENTSECRET-m3"}, paths: []string{"plugins.catalog.config.oauth2.clientSecret"}, what: "holds a literal secret"},
	{name: "camelCase secretAccessKey", plugins: "storage: {type: s3, config: {bucket: b, secretAccessKey: SAK-m4}}",
		markers: []string{"SAK-m4"}, paths: []string{"plugins.storage.config.secretAccessKey"}, what: "holds a literal secret"},
	{name: "camelCase sessionToken", compute: "settings: {sessionToken: SESSION-m5}", markers: []string{"SESSION-m5"},
		paths: []string{"plugins.compute.config.settings.sessionToken"}, what: "holds a literal secret"},
	{name: "camelCase accessToken", plugins: "lineage_backend: {type: marquez, config: {url: 'https://marquez.example.com', accessToken: ACCESSTOK-m6}}",
		markers: []string{"ACCESSTOK-m6"}, paths: []string{"plugins.lineage_backend.config.accessToken"}, what: "holds a literal secret"},
	{name: "pwd", compute: "settings: {pwd: PWD-m7}", markers: []string{"PWD-m7"},
		paths: []string{"plugins.compute.config.settings.pwd"}, what: "holds a literal secret"},
	{name: "Authorization header", plugins: "lineage_backend: {type: marquez, config: {url: 'https://marquez.example.com', headers: {Authorization: 'Bearer AUTHZ-m8xyz'}}}",
		markers: []string{"AUTHZ-m8xyz"}, paths: []string{"plugins.lineage_backend.config.headers.Authorization"}, what: "holds a literal secret"},
	{name: "Bearer value under another key", plugins: "lineage_backend: {type: marquez, config: {url: 'https://marquez.example.com', headers: {X-Auth: 'Bearer BEARER-m9xyz'}}}",
		markers: []string{"BEARER-m9xyz"}, paths: []string{"plugins.lineage_backend.config.headers.X-Auth"}, what: "holds literal authorization credentials"},
	{name: "token as a URL's user", plugins: "lineage_backend: {type: marquez, config: {url: 'https://URLUSER-m10@marquez.example.com/api'}}",
		markers: []string{"URLUSER-m10"}, paths: []string{"plugins.lineage_backend.config.url"}, what: "is a URL with a token as its user"},
	{name: "client_secret in a query string", plugins: "catalog: {type: polaris, config: {uri: 'https://polaris.example.com/api', warehouse: w, oauth2: {token_url: 'https://idp.example.com/t?client_id=floe&client_secret=QCS-m11'}}}",
		markers: []string{"QCS-m11"}, paths: []string{"plugins.catalog.config.oauth2.token_url"}, what: "holds a literal client_secret in its query or connection string"},
	{name: "X-Amz-Signature", plugins: "storage: {type: s3, config: {bucket: b, endpoint: 'https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature=AMZSIG-m12'}}",
		markers: []string{"AMZSIG-m12"}, paths: []string{"plugins.storage.config.endpoint"}, what: "holds a literal X-Amz-Signature in its query or connection string"},
	{name: "sig= (Azure SAS)", plugins: "storage: {type: azure, config: {container: c, url: 'https://a.blob.core.windows.net/c?sv=2021&sig=AZSIG-m13'}}",
		markers: []string{"AZSIG-m13"}, paths: []string{"plugins.storage.config.url"}, what: "holds a literal sig in its query or connection string"},
	{name: "token= in a query", observability: "tracing: {endpoint: 'https://otel.example.com:4317/v1?token=QTOK-m14'}",
		markers: []string{"QTOK-m14"}, paths: []string{"observability.tracing.endpoint"}, what: "holds a literal token in its query or connection string"},
	{name: "URL password holding /", plugins: "catalog: {type: sql, config: {uri: 'postgresql://floe:pw/SLASH-m15@db.example.com/catalog', warehouse: 's3://b/w'}}",
		markers: []string{"pw/SLASH-m15"}, paths: []string{"plugins.catalog.config.uri"}, what: "is a URL with a literal password"},
	{name: "URL password holding ?", plugins: "catalog: {type: sql, config: {uri: 'postgresql://floe:pw?QMARK-m16@db.example.com/catalog', warehouse: 's3://b/w'}}",
		markers: []string{"pw?QMARK-m16"}, paths: []string{"plugins.catalog.config.uri"}, what: "is a URL with a literal password"},
	{name: "libpq DSN", compute: "attach: [{path: 'host=db.example.com port=5432 user=floe password=DSN-m17 dbname=x', alias: pg, type: postgres}]",
		markers: []string{"DSN-m17"}, paths: []string{"plugins.compute.config.attach[0].path"}, what: "holds a literal password in its query or connection string"},
	{name: "ODBC Pwd", plugins: "ingestion: {type: odbc, config: {connection: 'Server=db;Uid=floe;Pwd=ODBC-m18;'}}",
		markers: []string{"ODBC-m18"}, paths: []string{"plugins.ingestion.config.connection"}, what: "holds a literal Pwd in its query or connection string"},
	{name: "list under a secret key", compute: "settings: {tokens: [LIST-m19a, LIST-m19b]}", markers: []string{"LIST-m19a", "LIST-m19b"},
		paths: []string{"plugins.compute.config.settings.tokens[0]", "plugins.compute.config.settings.tokens[1]"}, what: "holds a literal secret"},
	{name: "number under a secret key", compute: "settings: {password: 987654321}", markers: []string{"987654321"},
		paths: []string{"plugins.compute.config.settings.password"}, what: "holds a literal secret"},
	{name: "URL with a password in a quality check", spec: "url: 'https://qc:QCPW-m20@api.example.com/x'", markers: []string{"QCPW-m20"},
		paths: []string{"transforms[0].quality_checks[0].parameters.url"}, what: "is a URL with a literal password"},
	{name: "clientSecret in a quality check", spec: "clientSecret: QCCS-m21", markers: []string{"QCCS-m21"},
		paths: []string{"transforms[0].quality_checks[0].parameters.clientSecret"}, what: "holds a literal secret"},
	{name: "URL password in the lineage endpoint", observability: "lineage: {enabled: true, transport: http, endpoint: 'https://ol:OLPW-m22@marquez.example.com/api/v1/lineage'}",
		markers: []string{"OLPW-m22"}, paths: []string{"observability.lineage.endpoint"}, what: "is a URL with a literal password"},
}

// inputs returns floe.yaml and manifest.yaml for c.
func (c secretCase) inputs(level string) map[string][]byte {
	spec := `apiVersion: floe.dev/v1
kind: FloeSpec
metadata: {name: shop, version: 1.0.0}
transforms:
  - name: stg_orders
`
	if c.spec != "" {
		spec += "    quality_checks:\n      - name: q\n        type: custom\n        dimension: validity\n        parameters:\n          " + c.spec + "\n"
	}
	m := `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: shop-platform, version: 1.0.0, owner: me}
plugins:
  compute:
    type: duckdb
    config:
      path: target/x.duckdb
`
	if c.compute != "" {
		m += "      " + c.compute + "\n"
	}
	m += "  orchestrator: {type: dagster}\n"
	if c.plugins != "" {
		m += "  " + c.plugins + "\n"
	}
	if c.observability != "" {
		m += "observability:\n  " + c.observability + "\n"
	}
	if level != "" {
		m += "governance: {policy_enforcement_level: " + level + "}\n"
	}
	return map[string][]byte{"floe.yaml": []byte(spec), "manifest.yaml": []byte(m)}
}

func compileFiles(files map[string][]byte) *Result {
	return Compile(Options{SpecPath: "floe.yaml", ManifestPath: "manifest.yaml",
		ReadFile: func(name string) ([]byte, error) {
			if b, ok := files[name]; ok {
				return b, nil
			}
			return nil, os.ErrNotExist
		},
		CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"dagster"}})
}

// TestLiteralSecretSpellings: each spelling of a literal secret, in each place it can
// be written, is a FLOE-E600 warning at its path (an error under strict) whose
// rendering, in every format, never shows it, and it reaches nothing the compiler
// hands to the generators but the verbatim artifact.
func TestLiteralSecretSpellings(t *testing.T) {
	for _, c := range secretCases {
		t.Run(c.name, func(t *testing.T) {
			res := compileFiles(c.inputs(""))
			if res.Product == nil {
				t.Fatalf("no product: %v", res.Diags)
			}
			var paths []string
			for _, d := range res.Diags {
				if d.Code != "FLOE-E600" {
					t.Errorf("unexpected diagnostic %s %s", d.Code, d.Message)
					continue
				}
				paths = append(paths, d.Path)
				if d.Severity != diag.Warning || !strings.Contains(d.Message, c.what) {
					t.Errorf("%s: %s %q, want a warning that %s", d.Path, d.Severity, d.Message, c.what)
				}
			}
			if !slices.Equal(paths, c.paths) {
				t.Errorf("FLOE-E600 at %q, want %q", paths, c.paths)
			}
			product, err := json.Marshal(res.Product)
			if err != nil {
				t.Fatal(err)
			}
			profiles, _ := schemas.DbtProfilesWithEnv(res.Product.Artifacts.DbtProfiles, res.Product.Secrets)
			prof, _ := json.Marshal(profiles)
			rendered := renderAll(t, res)
			for _, m := range c.markers {
				if !bytes.Contains(res.Product.ArtifactsJSON, []byte(m)) {
					t.Errorf("%q is not in the verbatim artifact", m)
				}
				for what, b := range map[string][]byte{"redacted artifact": res.Product.RedactedArtifactsJSON,
					"product": product, "dbt profiles": prof, "diagnostics": rendered} {
					if bytes.Contains(b, []byte(m)) {
						t.Errorf("%q is in the %s", m, what)
					}
				}
			}
			strict := compileFiles(c.inputs("strict"))
			if strict.Product != nil || !strict.Diags.HasErrors() {
				t.Errorf("strict: want errors, got %v", strict.Diags)
			}
			for _, m := range c.markers {
				if bytes.Contains(renderAll(t, strict), []byte(m)) {
					t.Errorf("strict: %q is in the diagnostics", m)
				}
			}
		})
	}
}

// renderAll renders res's diagnostics as the CLI does, in every format.
func renderAll(t *testing.T, res *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	diags, src := res.Redacted()
	for _, f := range diag.Formats {
		if err := diag.Render(&b, f, diags, src, "floe", "test"); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}
