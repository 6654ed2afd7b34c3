package compiler

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/floe-dev/floe/diag"
)

// TestBadInputs runs every fixture under testdata/bad. A fixture is a directory with a
// floe.yaml and optionally a manifest.yaml (default: testdata/bad/manifest.yaml) and
// further manifests of an inheritance chain. Expected diagnostics are written as
//
//	key: value # want "regexp" "regexp"   on the line where each diagnostic must land
//	# want-file "regexp"                  a diagnostic about the whole file (line 0)
//
// in any .yaml file of the fixture, and, for files that cannot carry a comment (empty,
// whitespace-only), in a file named `wants` with lines `<file>:<line> "regexp" …`
// (file relative to the fixture directory). The regexp is matched against
// "CODE message; help: suggestion" (the help part only when there is a suggestion) and
// against the same text prefixed with "severity: " (so "^warning: " pins the severity).
// Every diagnostic must be wanted and every want must be met; none may be internal.
//
// A floe.yaml with the comment `# floe-test: manifest-from-spec` is compiled the way
// the CLI does without --manifest: the manifest comes from its platform.manifest; with
// `# floe-test: dbt-manifest=FILE` (relative to the fixture) as with --dbt-manifest.
// A dbt_project.yml beside floe.yaml is checked as the CLI does.
func TestBadInputs(t *testing.T) {
	dirs, err := filepath.Glob("testdata/bad/*/floe.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, spec := range dirs {
		dir := filepath.Dir(spec)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			manifest := filepath.Join(dir, "manifest.yaml")
			if _, err := os.Stat(manifest); err != nil {
				manifest = "testdata/bad/manifest.yaml"
			}
			src, err := os.ReadFile(spec)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{SpecPath: spec, ManifestPath: manifest, ReadFile: os.ReadFile, ReadDir: os.ReadDir, Stat: os.Stat,
				CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"airflow", "dagster"}}
			if bytes.Contains(src, []byte("# floe-test: manifest-from-spec")) {
				opts.ManifestPath = ""
			}
			if m := dbtManifestRe.FindSubmatch(src); m != nil {
				opts.DbtManifest = filepath.ToSlash(filepath.Join(dir, string(m[1])))
			}
			res := Compile(opts)
			if res.Internal {
				t.Errorf("internal error: %v", res.Diags)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			files = append(files, manifest)
			wants := map[diag.Pos][]*regexp.Regexp{}
			seen := map[string]bool{}
			for _, f := range files {
				if seen[filepath.Clean(f)] {
					continue
				}
				seen[filepath.Clean(f)] = true
				for k, v := range parseWants(t, f) {
					wants[k] = append(wants[k], v...)
				}
			}
			for k, v := range parseWantsFile(t, dir) {
				wants[k] = append(wants[k], v...)
			}
			if len(wants) == 0 {
				t.Fatalf("fixture has no # want comments")
			}
			for _, d := range res.Diags {
				key := diag.Pos{File: filepath.Clean(d.Pos.File), Line: d.Pos.Line}
				text := d.Code + " " + d.Message
				if d.Suggest != "" {
					text += "; help: " + d.Suggest
				}
				matched := -1
				for i, re := range wants[key] {
					if re.MatchString(text) || re.MatchString(d.Severity.String()+": "+text) {
						matched = i
						break
					}
				}
				if matched < 0 {
					t.Errorf("%s: unexpected diagnostic: %s: %s", d.Pos, d.Severity, text)
					continue
				}
				wants[key] = append(wants[key][:matched], wants[key][matched+1:]...)
			}
			for pos, res := range wants {
				for _, re := range res {
					t.Errorf("%s:%d: no diagnostic matched %q", pos.File, pos.Line, re)
				}
			}
		})
	}
}

var (
	dbtManifestRe = regexp.MustCompile(`# floe-test: dbt-manifest=(\S+)`)
	wantRe        = regexp.MustCompile(`# want((?:-file)?) ((?:"(?:[^"\\]|\\.)*"\s*)+)`)
	quotedRe      = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	wantLineRe    = regexp.MustCompile(`^(\S+):(\d+)\s+((?:"(?:[^"\\]|\\.)*"\s*)+)$`)
)

// parseWants reads the # want and # want-file comments of file.
func parseWants(t *testing.T, file string) map[diag.Pos][]*regexp.Regexp {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	file = filepath.Clean(file)
	out := map[diag.Pos][]*regexp.Regexp{}
	for i, line := range strings.Split(string(b), "\n") {
		m := wantRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		pos := diag.Pos{File: file, Line: i + 1}
		if m[1] == "-file" {
			pos.Line = 0
		}
		out[pos] = append(out[pos], compileWants(t, file, i+1, m[2])...)
	}
	return out
}

// parseWantsFile reads dir/wants, for wants about files that cannot hold a comment.
func parseWantsFile(t *testing.T, dir string) map[diag.Pos][]*regexp.Regexp {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "wants"))
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[diag.Pos][]*regexp.Regexp{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := wantLineRe.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s/wants:%d: want `<file>:<line> \"regexp\"…`, got %q", dir, n, line)
		}
		ln, _ := strconv.Atoi(m[2])
		pos := diag.Pos{File: filepath.Join(dir, m[1]), Line: ln}
		out[pos] = append(out[pos], compileWants(t, dir+"/wants", n, m[3])...)
	}
	return out
}

func compileWants(t *testing.T, file string, line int, quoted string) []*regexp.Regexp {
	t.Helper()
	var out []*regexp.Regexp
	for _, q := range quotedRe.FindAllString(quoted, -1) {
		s, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("%s:%d: bad want %s: %v", file, line, q, err)
		}
		re, err := regexp.Compile(s)
		if err != nil {
			t.Fatalf("%s:%d: bad want regexp %s: %v", file, line, q, err)
		}
		out = append(out, re)
	}
	return out
}
