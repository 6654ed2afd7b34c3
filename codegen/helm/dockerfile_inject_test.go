package helm

import (
	"bytes"
	"errors"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// hostileOutputDirs are output directories (relative to the product directory, as the
// CLI passes -o) that a Dockerfile can name exactly: each must come back from BuildKit's
// own parser as the same value, in a Dockerfile with exactly the intended instructions.
var hostileOutputDirs = []string{
	"target/floe", ".", "out",
	"my out", "a  b", "it's", `say "hi"`, "a'b\"c", "'", `"`, "''", `'; touch /pwned; '`,
	"$HOME", "${FLOE_OUTPUT_DIR}", "$(id)", "`id`", "a#b", "#x", "x #", "{{ .Values.x }}", "{% raw %}x{% endraw %}",
	"a: b", "- x", "&a", "x!", "|", ">", "%x", "@x", "~x", "---", "a=b", "-o", "--build-arg", ";", "&&", "<<EOF",
	"x/FROM busybox", "x/RUN touch", "ünïcödé/日本語", "a\u00a0b", "\u202eevil", "emoji😀",
	strings.Repeat("long", 60) + "/" + strings.Repeat("x", 250),
}

// unrepresentableOutputDirs cannot be named exactly in a Dockerfile or .dockerignore: line
// breaks and other control characters end a line or hide in it, the pattern characters
// are globs to COPY and .dockerignore, and .dockerignore trims surrounding space.
var unrepresentableOutputDirs = []string{
	"x\nFROM busybox\nRUN touch /pwned #", "x\r", "x\rFROM busybox", "a\tb", "a\x00b", "a\x1bb", "\x7f", "a\u0085b",
	"a\u2028b", "a\u2029b", "a\u009bb", "a*b", "a?b", "[x]", `a\b`, "x\\", " lead", "trail ", "\u00a0nbsp", "\xff", "!x",
}

// TestDockerfileHostileOutputDir renders the Dockerfile and .dockerignore for each hostile
// output directory and reads them back with BuildKit's parser, instruction parser and shell
// lexer, and with the .dockerignore reader and matcher BuildKit uses.
func TestDockerfileHostileOutputDir(t *testing.T) {
	p := customer360()
	base := renderDockerfile(t, "target/floe")
	want := dockerInstructions(t, base)
	for _, dir := range hostileOutputDirs {
		t.Run(dir, func(t *testing.T) {
			d, err := planDeployment(p, gen.Options{ProjectDir: "x", OutputDir: dir, Chart: true,
				ImageExclude: []string{"floe.yaml", "#manifest.yaml", "platform/!manifest.yaml", "a b/x.yaml"}})
			if err != nil {
				t.Fatal(err)
			}
			df := renderDockerfile(t, dir)
			got := dockerInstructions(t, df)
			if len(got) != len(want) {
				t.Fatalf("%d instructions, want %d:\n%s", len(got), len(want), df)
			}
			stages, meta, err := instructions.Parse(parseDockerfile(t, df).AST, nil)
			if err != nil || len(stages) != 1 || len(meta) != 0 {
				t.Fatalf("stages %d, meta args %d, err %v; want one stage:\n%s", len(stages), len(meta), err, df)
			}
			st := stages[0]
			if st.BaseName != PythonImage || len(st.Commands) != len(want)-1 {
				t.Fatalf("stage FROM %q with %d commands:\n%s", st.BaseName, len(st.Commands), df)
			}
			// FLOE_OUTPUT_DIR's default, expanded as BuildKit expands it, is the directory.
			lex := shell.NewLex(parser.DefaultEscapeToken)
			arg, ok := st.Commands[0].(*instructions.ArgCommand)
			if !ok || len(arg.Args) != 1 || arg.Args[0].Key != "FLOE_OUTPUT_DIR" || arg.Args[0].Value == nil {
				t.Fatalf("first command %#v, want ARG FLOE_OUTPUT_DIR=…", st.Commands[0])
			}
			value, _, err := lex.ProcessWord(*arg.Args[0].Value, shell.EnvsFromSlice(nil))
			if err != nil || value != dir {
				t.Fatalf("FLOE_OUTPUT_DIR = %q (%v), want %q", value, err, dir)
			}
			env := shell.EnvsFromSlice([]string{"FLOE_OUTPUT_DIR=" + value})
			for i, cmd := range st.Commands {
				switch c := cmd.(type) {
				case *instructions.ArgCommand:
					// Checked above.
				case *instructions.CopyCommand:
					if len(c.SourcePaths) != 1 {
						t.Fatalf("COPY %q", c.SourcePaths)
					}
					src, _, err := lex.ProcessWord(c.SourcePaths[0], env)
					if wantSrc := expandOutputDir(c.SourcePaths[0], dir); err != nil || src != wantSrc {
						t.Errorf("COPY source %q expands to %q (%v), want %q", c.SourcePaths[0], src, err, wantSrc)
					}
				case *instructions.WorkdirCommand:
					wd, _, err := lex.ProcessWord(c.Path, env)
					if err != nil || path.Clean(wd) != d.WorkingDir {
						t.Errorf("WORKDIR = %q (%v), want %q", wd, err, d.WorkingDir)
					}
				case *instructions.CmdCommand:
					wantCmd := []string{"dagster", "api", "grpc", "--host", "0.0.0.0", "--port", "3030",
						"--python-file", d.DefinitionsFile, "--working-directory", d.WorkingDir}
					if c.PrependShell || !slices.Equal(c.CmdLine, wantCmd) {
						t.Errorf("CMD %q (shell form %v), want exec form %q", c.CmdLine, c.PrependShell, wantCmd)
					}
				default:
					// Every other instruction does not depend on the directory.
					if got[i+1] != want[i+1] {
						t.Errorf("instruction %d = %q, want %q", i+1, got[i+1], want[i+1])
					}
				}
			}
			// The comments never end early: every line is a comment, blank or an instruction.
			for _, line := range strings.Split(string(df), "\n") {
				if strings.HasPrefix(line, "#") && strings.Contains(line, "docker build") &&
					!strings.Contains(line, shellWord(path.Join(dir, "Dockerfile"))) {
					t.Errorf("build comment %q does not name %q", line, dir)
				}
			}
			checkDockerignore(t, d)
		})
	}
}

// expandOutputDir is COPY's expected source: the pattern with ${FLOE_OUTPUT_DIR} replaced by dir.
func expandOutputDir(pattern, dir string) string {
	return strings.ReplaceAll(pattern, "${FLOE_OUTPUT_DIR}", dir)
}

// checkDockerignore reads Dockerfile.dockerignore as BuildKit does: the output directory
// is kept (re-included exactly), dbt's target directory and caches stay out.
func checkDockerignore(t *testing.T, d deploymentPlan) {
	t.Helper()
	patterns, err := ignorefile.ReadAll(bytes.NewReader(dockerignore(d)))
	if err != nil {
		t.Fatalf("dockerignore: %v", err)
	}
	if d.OutputDir != "." && !slices.Contains(patterns, "!"+d.OutputDir) {
		t.Errorf("dockerignore patterns %q lack !%s", patterns, d.OutputDir)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf("dockerignore: %v", err)
	}
	for _, f := range []string{"definitions.py", "helm/values.yaml"} {
		if excluded, err := pm.MatchesOrParentMatches(path.Join(d.OutputDir, f)); err != nil || excluded {
			t.Errorf("%s is kept out of the build context (%v)", path.Join(d.OutputDir, f), err)
		}
	}
	if excluded, _ := pm.MatchesOrParentMatches("target/manifest.json"); !excluded {
		t.Errorf("dbt's target/manifest.json is in the build context")
	}
	// The verbatim artifacts (literal secrets) stay out; the redacted copy the Dockerfile
	// copies in their place is in.
	if excluded, err := pm.MatchesOrParentMatches(path.Join(d.OutputDir, "compiled_artifacts.json")); err != nil || !excluded {
		t.Errorf("the verbatim %s is in the build context (%v)", path.Join(d.OutputDir, "compiled_artifacts.json"), err)
	}
	if excluded, err := pm.MatchesOrParentMatches(path.Join(d.OutputDir, ImageArtifactsFile)); err != nil || excluded {
		t.Errorf("the redacted %s is kept out of the build context (%v)", path.Join(d.OutputDir, ImageArtifactsFile), err)
	}
	for _, f := range d.Exclude {
		if excluded, err := pm.MatchesOrParentMatches(f); err != nil || !excluded {
			t.Errorf("the input %s is in the build context (%v)", f, err)
		}
	}
}

// TestDockerfileRefusesUnrepresentableOutputDir: Generate refuses such a directory with an
// OptionError (a usage error to the CLI) and writes no Dockerfile; without the chart no
// Dockerfile is written and the directory is accepted.
func TestDockerfileRefusesUnrepresentableOutputDir(t *testing.T) {
	p := customer360()
	for _, dir := range unrepresentableOutputDirs {
		t.Run(dir, func(t *testing.T) {
			opts := chartOptions()
			opts.OutputDir = dir
			_, err := Generate(p, opts)
			var optErr *gen.OptionError
			if !errors.As(err, &optErr) || optErr.Value != dir {
				t.Fatalf("Generate = %v, want an OptionError for %q", err, dir)
			}
			d, err := planDeployment(p, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dockerfile(p, d); !errors.As(err, &optErr) {
				t.Fatalf("dockerfile = %v, want an OptionError", err)
			}
			opts.Chart = false
			if _, err := Generate(p, opts); err != nil {
				t.Errorf("without the chart: %v", err)
			}
		})
	}
}

// TestDockerignoreRefusesUnnameableInput: an input inside the product (floe.yaml, a
// manifest) that a .dockerignore line cannot name exactly would be copied into the image
// with its literal secrets; Generate refuses it (an InputError) instead.
func TestDockerignoreRefusesUnnameableInput(t *testing.T) {
	p := customer360()
	for _, name := range append(slices.Clone(unrepresentableOutputDirs), "!manifest.yaml", "m]anifest.yaml") {
		t.Run(name, func(t *testing.T) {
			opts := chartOptions()
			opts.ImageExclude = []string{"floe.yaml", name}
			_, err := Generate(p, opts)
			var inErr *InputError
			if !errors.As(err, &inErr) || !strings.Contains(err.Error(), "Dockerfile.dockerignore") {
				t.Fatalf("Generate = %v, want an InputError naming Dockerfile.dockerignore", err)
			}
			opts.Chart = false
			if _, err := Generate(p, opts); err != nil {
				t.Errorf("without the chart: %v", err)
			}
		})
	}
}

// renderDockerfile renders the Dockerfile for the example with the output at dir.
func renderDockerfile(t *testing.T, dir string) []byte {
	t.Helper()
	p := customer360()
	d, err := planDeployment(p, gen.Options{ProjectDir: "x", OutputDir: dir, Chart: true})
	if err != nil {
		t.Fatal(err)
	}
	df, err := dockerfile(p, d)
	if err != nil {
		t.Fatalf("dockerfile(%q): %v", dir, err)
	}
	return df
}

// parseDockerfile parses df with BuildKit's parser, failing on warnings too.
func parseDockerfile(t *testing.T, df []byte) *parser.Result {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(df))
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v\n%s", err, df)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("BuildKit warns: %+v", res.Warnings)
	}
	return res
}

// dockerInstructions is the Dockerfile's instruction list as BuildKit reads it: each
// instruction's keyword, flags and arguments.
func dockerInstructions(t *testing.T, df []byte) []string {
	t.Helper()
	var out []string
	for _, n := range parseDockerfile(t, df).AST.Children {
		parts := []string{strings.ToUpper(n.Value)}
		parts = append(parts, n.Flags...)
		for a := n.Next; a != nil; a = a.Next {
			parts = append(parts, a.Value)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// TestDockerfileInstructions pins the instruction list of the example's Dockerfile, so
// the hostile cases above are compared with a list known to be right.
func TestDockerfileInstructions(t *testing.T) {
	got := dockerInstructions(t, renderDockerfile(t, "target/floe"))
	want := []string{
		"FROM " + PythonImage,
		"ARG FLOE_OUTPUT_DIR=target/floe",
		"ENV PYTHONDONTWRITEBYTECODE 1 = PYTHONUNBUFFERED 1 = PIP_NO_CACHE_DIR 1 = PIP_DISABLE_PIP_VERSION_CHECK 1 = DAGSTER_HOME /opt/dagster/dagster_home =",
		"", // RUN groupadd …, checked by prefix below
		"COPY ${FLOE_OUTPUT_DIR}/image-requirements.txt /tmp/image-requirements.txt",
		"",
		"COPY --chown=10001:10001 . /opt/floe/product",
		"COPY --chown=10001:10001 ${FLOE_OUTPUT_DIR}/compiled_artifacts.image.json /opt/floe/product/${FLOE_OUTPUT_DIR}/compiled_artifacts.json",
		"USER 10001:10001",
		"WORKDIR /opt/floe/product/${FLOE_OUTPUT_DIR}",
		"RUN python -m floe_runtime prepare .",
		"RUN python -m compileall -q --invalidation-mode checked-hash .",
		"EXPOSE 3030",
		"CMD dagster api grpc --host 0.0.0.0 --port 3030 --python-file /opt/floe/product/target/floe/definitions.py --working-directory /opt/floe/product/target/floe",
	}
	if len(got) != len(want) {
		t.Fatalf("instructions:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if want[i] == "" {
			if !strings.HasPrefix(got[i], "RUN ") {
				t.Errorf("instruction %d = %q, want RUN", i, got[i])
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("instruction %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestDockerfilePrepareHasSecretPlaceholders: the image holds no literal secret, so the
// build's `prepare` (dbt parse, which renders profiles.yml) gets a placeholder for each of
// the profile's DBT_ENV_SECRET_FLOE_* variables on its RUN line, and for nothing else.
func TestDockerfilePrepareHasSecretPlaceholders(t *testing.T) {
	p := customer360()
	p.Deployment.Secrets = append(slices.Clone(p.Deployment.Secrets),
		schemas.SecretEnv{Env: "DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY", SecretName: "c", SecretKey: "k"},
		schemas.SecretEnv{Env: "DBT_ENV_SECRET_FLOE_ATTACH_0_PATH", SecretName: "c", SecretKey: "a"},
		schemas.SecretEnv{Env: "FLOE_CATALOG_CREDENTIAL", SecretName: "c", SecretKey: "cc"})
	d, err := planDeployment(p, gen.Options{ProjectDir: "../..", Chart: true})
	if err != nil {
		t.Fatal(err)
	}
	df, err := dockerfile(p, d)
	if err != nil {
		t.Fatal(err)
	}
	want := "RUN DBT_ENV_SECRET_FLOE_ATTACH_0_PATH=unset-at-image-build " +
		"DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY=unset-at-image-build python -m floe_runtime prepare ."
	if got := dockerInstructions(t, df); !slices.Contains(got, want) {
		t.Errorf("instructions %q lack %q", got, want)
	}
}
