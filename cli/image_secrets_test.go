package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// TestImageBuildContextHoldsNoSecret: `floe package` of a product whose manifest and
// floe.yaml carry literal secrets writes the Dockerfile and its .dockerignore; the build
// context BuildKit sends for `docker build -f target/floe/Dockerfile .` (every file of the
// product directory the .dockerignore does not exclude, read with BuildKit's reader and
// matcher) holds no literal secret: the verbatim compiled_artifacts.json stays out, and
// the redacted copy the Dockerfile copies in its place is in.
func TestImageBuildContextHoldsNoSecret(t *testing.T) {
	for _, orchestrator := range []string{"dagster", "airflow"} {
		t.Run(orchestrator, func(t *testing.T) {
			prod := filepath.Join(t.TempDir(), "vault")
			if err := os.MkdirAll(prod, 0o755); err != nil {
				t.Fatal(err)
			}
			manifest := secretsManifest
			if orchestrator == "airflow" {
				manifest = strings.Replace(manifest, "  orchestrator:\n    type: dagster\n", "  orchestrator:\n    type: airflow\n", 1)
			}
			if err := os.MkdirAll(filepath.Join(prod, "seeds"), 0o755); err != nil {
				t.Fatal(err)
			}
			// Local environment files, where developers keep credentials (direnv, docker
			// compose, python-dotenv), are never the image's.
			dotenv := "PASSWORD=" + secretMarkers("MK")[0] + "\n"
			for name, text := range map[string]string{"floe.yaml": secretsSpec, "manifest.yaml": manifest, "seeds/a.csv": "a\n1\n",
				".env": dotenv, "seeds/.env.local": dotenv} {
				if err := os.WriteFile(filepath.Join(prod, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if code, out := runMain(t, "package", prod); code != 0 {
				t.Fatalf("floe package: exit %d\n%s", code, out)
			}
			ignore, err := os.ReadFile(filepath.Join(prod, "target", "floe", "Dockerfile.dockerignore"))
			if err != nil {
				t.Fatal(err)
			}
			patterns, err := ignorefile.ReadAll(bytes.NewReader(ignore))
			if err != nil {
				t.Fatal(err)
			}
			pm, err := patternmatcher.New(patterns)
			if err != nil {
				t.Fatal(err)
			}
			markers := secretMarkers("MK")
			var context []string
			err = filepath.WalkDir(prod, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, err := filepath.Rel(prod, p)
				if err != nil {
					return err
				}
				rel = filepath.ToSlash(rel)
				if excluded, err := pm.MatchesOrParentMatches(rel); err != nil || excluded {
					return err
				}
				context = append(context, rel)
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				for _, m := range markers {
					if bytes.Contains(data, []byte(m)) {
						t.Errorf("%s is in the image's build context and holds the secret %s", rel, m)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// The test tests something: the verbatim artifact exists and holds the
			// secrets, and the files the image needs are in the context; the inputs
			// holding secrets are not.
			verbatim, err := os.ReadFile(filepath.Join(prod, "target", "floe", "compiled_artifacts.json"))
			if err != nil || !bytes.Contains(verbatim, []byte(markers[0])) {
				t.Fatalf("the verbatim artifact does not hold %s (%v)", markers[0], err)
			}
			for _, want := range []string{"seeds/a.csv", "target/floe/compiled_artifacts.image.json", "target/floe/profiles.yml"} {
				if !slices.Contains(context, want) {
					t.Errorf("%s is not in the build context %q", want, context)
				}
			}
			for _, gone := range []string{"floe.yaml", "manifest.yaml", "target/floe/compiled_artifacts.json", ".env", "seeds/.env.local"} {
				if slices.Contains(context, gone) {
					t.Errorf("%s is in the build context", gone)
				}
			}
		})
	}
}
