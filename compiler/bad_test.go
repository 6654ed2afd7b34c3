package compiler

import (
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
// floe.yaml and optionally a manifest.yaml (default: testdata/bad/manifest.yaml); each
// expected diagnostic is a comment `# want "regexp"` (several per line allowed) on the
// line where it must land, in either file. The regexp is matched against
// "CODE message". Every diagnostic must be wanted and every want must be met.
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
			res := Compile(Options{SpecPath: spec, ManifestPath: manifest, ReadFile: os.ReadFile,
				CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"dagster"}})
			wants := map[diag.Pos][]*regexp.Regexp{}
			for _, f := range []string{spec, manifest} {
				for k, v := range parseWants(t, f) {
					wants[k] = append(wants[k], v...)
				}
			}
			if len(wants) == 0 {
				t.Fatalf("fixture has no # want comments")
			}
			for _, d := range res.Diags {
				key := diag.Pos{File: d.Pos.File, Line: d.Pos.Line}
				text := d.Code + " " + d.Message
				matched := -1
				for i, re := range wants[key] {
					if re.MatchString(text) {
						matched = i
						break
					}
				}
				if matched < 0 {
					t.Errorf("%s: unexpected diagnostic: %s", d.Pos, text)
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

var wantRe = regexp.MustCompile(`# want ((?:"(?:[^"\\]|\\.)*"\s*)+)`)
var quotedRe = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

func parseWants(t *testing.T, file string) map[diag.Pos][]*regexp.Regexp {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	out := map[diag.Pos][]*regexp.Regexp{}
	for i, line := range strings.Split(string(b), "\n") {
		m := wantRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, q := range quotedRe.FindAllString(m[1], -1) {
			s, err := strconv.Unquote(q)
			if err != nil {
				t.Fatalf("%s:%d: bad want %s: %v", file, i+1, q, err)
			}
			// "# want" on a line of its own (only the comment) points at line 0: whole-file.
			line := i + 1
			if strings.HasPrefix(strings.TrimSpace(strings.Split(string(b), "\n")[i]), "# want @0") {
				line = 0
			}
			out[diag.Pos{File: file, Line: line}] = append(out[diag.Pos{File: file, Line: line}], regexp.MustCompile(s))
		}
	}
	return out
}
