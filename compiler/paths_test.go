package compiler

import (
	"os"
	"testing"
	"time"
)

// TestPathsKeepTheUsersSpelling: as the reference does, a diagnostic's path names a
// key the way floe.yaml writes it (depends_on, not the canonical dependsOn).
func TestPathsKeepTheUsersSpelling(t *testing.T) {
	for fixture, want := range map[string]string{
		"graph-unknown-dependency-snake-case": "transforms[1].depends_on[0]",
		"spec-alias-snake-case-errors":        "transforms[0].quality_checks[0].dimension",
	} {
		dir := "testdata/bad/" + fixture + "/"
		res := Compile(Options{SpecPath: dir + "floe.yaml", ManifestPath: "testdata/bad/manifest.yaml", ReadFile: os.ReadFile,
			CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"dagster"}})
		if len(res.Diags) != 1 || res.Diags[0].Path != want {
			t.Errorf("%s: diagnostics %+v, want one with path %s", fixture, res.Diags, want)
		}
	}
}
