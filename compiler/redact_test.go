package compiler

import (
	"bytes"
	"os"
	"testing"
	"time"
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
