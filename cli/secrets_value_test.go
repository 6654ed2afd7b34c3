package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/floe-dev/floe/diag"
)

// The product of TestSecretsByValueReachNoOutput: secrets that reach other fields by
// value (a YAML alias, a value pasted twice), secrets inside floe.yaml strings that
// land in generated files (tags, quality-check parameters), mapping keys that are
// secrets, and the spellings added after the red-team review. Every marker starts
// with "AV" (rewritten to "NV" for the --check step).
const byValueSpec = `apiVersion: floe.dev/v1
kind: FloeSpec
metadata: {name: vault, version: 1.0.0, description: "region AV11-alias-region"}
platform: {manifest: manifest.yaml}
transforms:
  - name: stg_orders
    tags: ["Bearer AV20-tagbearer9", "token=AV21-tagtoken", "X-Api-Key: AV22-hdr", "Cookie: session=AV23-cookie; theme=dark", "AV11-alias-region"]
    quality_checks:
      - name: remote
        type: custom
        dimension: validity
        parameters:
          note: AV11-alias-region
          callback: 'https://cb.example.com/done#access_token=AV24-frag'
          owner: AV10-owner-secret
  - name: mart_orders
    dependsOn: [stg_orders]
    tags: [AV13-pasted]
`

const byValueManifest = `apiVersion: floe.dev/v1
kind: Manifest
metadata: {name: vault-platform, version: 1.0.0, owner: &own AV10-owner-secret}
plugins:
  compute:
    type: duckdb
    config:
      path: target/x.duckdb
      settings:
        s3_region: &k AV11-alias-region
        s3_secret_access_key: *k
        api_keys: {AV12keyA1: v1}
        "postgres://u:AV14-keyurl@db/x": 1
        extra_password: *own
        pass: AV25-pass
        secretValue: AV26-secretvalue
        private_key_pem: AV27-pem
        home_directory: AV13-pasted
        token: AV13-pasted
  orchestrator:
    type: dagster
    config:
      image: {repository: ghcr.io/example/vault, tag: 1.0.0}
`

// TestSecretsByValueReachNoOutput: a value that is anywhere a literal secret is a
// secret everywhere it appears. The red-team review found an aliased secret
// (s3_region: &k X, s3_secret_access_key: *k) in profiles.yml, in the ConfigMap and in
// the --check diff, secrets in floe.yaml tags in definitions.py, and secret mapping
// keys in profiles.yml and the E600 message.
func TestSecretsByValueReachNoOutput(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "vault")
	writeTestFiles(t, dir, map[string]string{"vault/floe.yaml": byValueSpec, "vault/manifest.yaml": byValueManifest})
	markers := byValueMarkers()
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
	step(0, "compile", prod)
	artifact := mustRead(t, filepath.Join(prod, "target", "floe", "compiled_artifacts.json"))
	for _, m := range markers {
		if !strings.Contains(artifact, m) {
			t.Errorf("marker %s is not in the verbatim artifact: the test does not test it", m)
		}
	}
	profiles := mustRead(t, filepath.Join(prod, "target", "floe", "profiles.yml"))
	for _, want := range []string{"s3_region: '{{ env_var(''DBT_ENV_SECRET_FLOE_SETTINGS_S3_REGION'') }}'",
		"'**********': '{{ env_var(''DBT_ENV_SECRET_FLOE_SETTINGS_API_KEYS_0'') }}'"} {
		if !strings.Contains(profiles, want) {
			t.Errorf("profiles.yml does not read the aliased secret from a variable named by position (%s):\n%s", want, profiles)
		}
	}
	step(0, "package", prod, "-o", filepath.Join(dir, "chart"))
	step(0, "compile", prod, "--output-format", "configmap", "-o", filepath.Join(dir, "cm"))
	for _, f := range diag.Formats {
		step(0, "validate", prod, "--format", f)
	}
	// Rotated: the --check diff shows the changed lines without either value.
	for _, name := range []string{"floe.yaml", "manifest.yaml"} {
		p := filepath.Join(prod, name)
		writeTestFiles(t, prod, map[string]string{name: strings.ReplaceAll(mustRead(t, p), "AV", "NV")})
	}
	if out := step(1, "compile", prod, "--check"); !strings.Contains(out, "differs: profiles.yml") && !strings.Contains(out, "differs: compiled_artifacts.json") {
		t.Errorf("--check does not report the rotated secrets:\n%s", out)
	}
	step(1, "package", prod, "-o", filepath.Join(dir, "chart"), "--check")
	markers = append(markers, strings.Split(strings.ReplaceAll(strings.Join(markers, "\n"), "AV", "NV"), "\n")...)
	assertNoMarkers(t, dir, streams, markers, 30)
}

// byValueMarkers lists the markers of byValueSpec and byValueManifest.
func byValueMarkers() []string {
	seen := map[string]bool{}
	var out []string
	for _, text := range []string{byValueSpec, byValueManifest} {
		for _, f := range strings.FieldsFunc(text, func(r rune) bool {
			return strings.ContainsRune(" \t\n'\"[],:?&=/@{}#;*", r)
		}) {
			if strings.HasPrefix(f, "AV") && len(f) > 5 && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// assertNoMarkers fails for each marker found in an output stream or in a file under
// dir but the inputs (floe.yaml, manifest.yaml) and the verbatim contract
// (compiled_artifacts.json outside a chart's files/); chart archives are unpacked.
func assertNoMarkers(t *testing.T, dir string, streams, markers []string, minFiles int) {
	t.Helper()
	for _, s := range streams {
		for _, m := range markers {
			if strings.Contains(s, m) {
				t.Errorf("secret %s printed by %s", m, firstLine(s))
			}
		}
	}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		base := filepath.Base(path)
		if base == "compiled_artifacts.json" && filepath.Base(filepath.Dir(path)) != "files" ||
			base == "floe.yaml" || base == "manifest.yaml" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		contents := map[string][]byte{rel: data}
		if strings.HasSuffix(base, ".tgz") {
			contents = untar(t, rel, data)
		}
		for name, b := range contents {
			files++
			for _, m := range markers {
				if bytes.Contains(b, []byte(m)) {
					t.Errorf("secret %s written to %s", m, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < minFiles {
		t.Errorf("read %d generated files; the outputs should hold at least %d", files, minFiles)
	}
}

// TestQuotedLinesHideSecrets: the lines diagnostics quote never show a secret, in any
// format, where the red-team review found them shown: an anchored value used under a
// secret key (in a part of floe.yaml validation drops), a key spelled with an escape,
// and a URL whose password a line break splits, in a file with a syntax error.
func TestQuotedLinesHideSecrets(t *testing.T) {
	for name, tail := range map[string]string{
		"anchor":          "y: {x: &s FLSEKRET42, token: *s}\n",
		"escaped key":     "x:\n  \"pass\\x77ord\": HUNTERe2\n",
		"escaped broken":  "x:\n  \"pass\\x77ord\": HUNTERe3\n  - broken\n",
		"split url":       "y:\n  uri: \"https://u:HUNTERk1\n    @host/x\n  z: [\n",
		"split url block": "y:\n  uri: \"https://u:HUNTERk2\n    @host/x\"\n  - z\n",
		"split url flow":  "y: {uri: \"https://u:HUNTERk3\n    @host/x\", a: b: c}\n",
		"split url plain": "x:\n  uri: https://u:HUNTERk4\n    HUNTERk5@host/x\n  - broken\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			smallProduct(t, dir)
			spec := filepath.Join(dir, "prod", "floe.yaml")
			writeTestFiles(t, dir, map[string]string{"prod/floe.yaml": mustRead(t, spec) + tail})
			for _, f := range diag.Formats {
				code, out := runMain(t, "validate", spec, "--format", f)
				if code != 1 {
					t.Errorf("--format %s: exit %d, want 1\n%s", f, code, out)
				}
				for _, m := range []string{"FLSEKRET", "HUNTER"} {
					if strings.Contains(out, m) {
						t.Errorf("--format %s prints a secret:\n%s", f, out)
					}
				}
			}
		})
	}
}
