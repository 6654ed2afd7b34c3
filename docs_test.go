package floe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/cli"
)

// floeOut runs floe in this process and returns its stdout (the test fails on a
// non-zero exit).
func floeOut(t *testing.T, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cli.Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("floe %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.Bytes()
}

// generatedBlock is a fenced block in the docs preceded by <!-- floe ARGS -->: its
// content must be what `floe ARGS` prints.
var generatedBlock = regexp.MustCompile("(?s)<!-- floe ([^>]*?) -->\\s*```[a-z]*\\n(.*?)```")

// TestDocsShowWhatFloePrints: every block the docs mark as floe's output (the
// example's dependency graph as Mermaid, …) is what floe prints today.
func TestDocsShowWhatFloePrints(t *testing.T) {
	checked := 0
	for _, doc := range []string{"README.md", "docs/getting-started.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range generatedBlock.FindAllSubmatch(b, -1) {
			args := strings.Fields(string(m[1]))
			got := floeOut(t, args...)
			if !bytes.Equal(got, m[2]) {
				t.Errorf("%s: the block after <!-- floe %s --> is not what floe prints; replace it with:\n%s", doc, m[1], got)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no <!-- floe … --> block found: the example's graph is missing from the docs")
	}
}

// TestGitHubActionsExample: docs/examples/github-actions.yml is a workflow GitHub
// accepts (SchemaStore's schema, testdata/schemastore) that validates with SARIF
// output and uploads it to code scanning, with the permission that needs.
func TestGitHubActionsExample(t *testing.T) {
	raw, err := os.ReadFile("docs/examples/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf map[string]any
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	asJSON, err := json.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(asJSON))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/schemastore/github-workflows.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("github-workflows.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("github-workflows.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("not a valid GitHub workflow: %v", err)
	}

	var w struct {
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				ID   string            `yaml:"id"`
				If   string            `yaml:"if"`
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if w.Permissions["security-events"] != "write" {
		t.Error("code scanning uploads need permissions: security-events: write")
	}
	sarif := regexp.MustCompile(`floe validate( \S+)? --format sarif > (\S+)`)
	var installed, validated bool
	var sarifFile string
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			switch {
			case strings.Contains(s.Run, "go install github.com/floe-dev/floe/cmd/floe@"):
				installed = true
			case sarif.MatchString(s.Run):
				if !installed {
					t.Error("floe validate runs before floe is installed")
				}
				validated, sarifFile = true, sarif.FindStringSubmatch(s.Run)[2]
			case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
				if !validated || s.With["sarif_file"] != sarifFile {
					t.Errorf("upload-sarif uploads %q, not the file floe validate wrote (%q)", s.With["sarif_file"], sarifFile)
				}
				if s.If != "always()" {
					t.Error("the SARIF upload must run when floe validate found errors: if: always()")
				}
			}
		}
	}
	if !installed || !validated || sarifFile == "" {
		t.Fatalf("the workflow must install floe and run floe validate --format sarif (installed %v, validated %v)", installed, validated)
	}
	// The flags the example uses exist and give SARIF.
	var log struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(floeOut(t, "validate", "examples/hello-orders", "--format", "sarif"), &log); err != nil || log.Version != "2.1.0" {
		t.Errorf("floe validate --format sarif does not print SARIF 2.1.0 (%v)", err)
	}
}
