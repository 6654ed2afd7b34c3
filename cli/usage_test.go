package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestUserInputNeverExits3: values the red-team review found making floe exit 3
// ("internal error, please report") are usage errors naming the variable (exit 2) or
// input errors at the value's line (exit 1): a SOURCE_DATE_EPOCH past year 9999, and a
// product version whose numbers the version pattern allows but a Helm chart version
// cannot hold.
func TestUserInputNeverExits3(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "prod")
	for epoch, want := range map[string]int{"253402300800": 2, "9223372036854775807": 2, "253402300799": 0} {
		t.Setenv("SOURCE_DATE_EPOCH", epoch)
		code, out := runMain(t, "compile", prod, "--force")
		if code != want || want == 2 && !strings.Contains(out, "SOURCE_DATE_EPOCH") {
			t.Errorf("SOURCE_DATE_EPOCH=%s: exit %d, want %d naming the variable\n%s", epoch, code, want, out)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, version := range []string{"18446744073709551616.0.0", "0.0.18446744073709551616", "1.99999999999999999999.0"} {
		writeTestFiles(t, dir, map[string]string{"prod/floe.yaml": "apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: shop, version: \"" + version + "\"}\n" +
			"platform: {manifest: ../manifest.yaml}\ntransforms:\n  - name: stg_orders\n"})
		for _, cmd := range []string{"compile", "package"} {
			code, out := runMain(t, cmd, prod)
			if code != 1 || !strings.Contains(out, "floe.yaml:3:") || !strings.Contains(out, "FLOE-E230") {
				t.Errorf("%s with version %s: exit %d, want 1 with FLOE-E230 at floe.yaml:3\n%s", cmd, version, code, out)
			}
		}
	}
}

// TestBadFlagsAreUsageErrors: a bad flag is exit 2 even when the output is up to date
// (the check came first and ended the run with 0), and so is help or completion for a
// topic or shell that does not exist.
func TestBadFlagsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "prod")
	if code, out := runMain(t, "compile", prod); code != 0 {
		t.Fatalf("compile: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"compile", prod, "--format", "bogus"},
		{"package", prod, "--format", "bogus"},
		{"help", "nope"},
		{"completion", "nope"},
	} {
		if code, out := runMain(t, args...); code != 2 {
			t.Errorf("floe %s: exit %d, want 2\n%s", strings.Join(args, " "), code, out)
		}
	}
	for _, args := range [][]string{{"help"}, {"help", "compile"}, {"completion", "bash"}, {"completion"}, {"compile", prod}} {
		if code, out := runMain(t, args...); code != 0 {
			t.Errorf("floe %s: exit %d, want 0\n%s", strings.Join(args, " "), code, out)
		}
	}
	if _, out := runMain(t, "completion", "bash"); !strings.Contains(out, "bash completion") {
		t.Errorf("the completion script does not go to floe's stdout:\n%.200s", out)
	}
}

// TestPrintedTextIsTerminalSafe: a product directory named with an escape sequence
// reached the terminal raw in "wrote N files to …", "… is up to date" and in the file
// names of text diagnostics (found by the red-team review); it is printed escaped.
func TestPrintedTextIsTerminalSafe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows file names cannot hold control characters")
	}
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "red\x1b[31m\u0085")
	if err := os.Rename(filepath.Join(dir, "prod"), prod); err != nil {
		t.Fatal(err)
	}
	check := func(what string, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\u0085") {
			t.Errorf("%s prints a raw control character: %q", what, out)
		}
		if !strings.Contains(out, `\x1b`) {
			t.Errorf("%s does not name the directory (escaped): %q", what, out)
		}
	}
	_, out := runMain(t, "compile", prod)
	check("compile", out)
	_, out = runMain(t, "compile", prod)
	check("an up-to-date compile", out)
	_, out = runMain(t, "compile", prod, "--check")
	check("compile --check", out)
	_, out = runMain(t, "validate", prod)
	check("validate", out)
	writeTestFiles(t, prod, map[string]string{"floe.yaml": mustRead(t, filepath.Join(prod, "floe.yaml")) + "bogus: 1\n"})
	_, out = runMain(t, "validate", prod)
	check("a text diagnostic", out)
}

// TestDoctorHidesURLCredentials: `floe doctor --dagster-url http://u:pw@…?token=…`
// printed the URL whole (found by the red-team review).
func TestDoctorHidesURLCredentials(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	code, out := runMain(t, "doctor", filepath.Join(dir, "prod"), "--dagster-url", "http://u:DOCpw1234@127.0.0.1:9/?token=DOCtok5678", "--timeout", "2s")
	if code != 1 || !strings.Contains(out, "dagster webserver") {
		t.Fatalf("doctor: exit %d, want 1 reporting the webserver\n%s", code, out)
	}
	if strings.Contains(out, "DOCpw1234") || strings.Contains(out, "DOCtok5678") {
		t.Errorf("doctor prints the URL's credentials:\n%s", out)
	}
}

// TestBadFlagValuesAreUsageErrors: a flag value that can never work exits 2 naming the
// flag, before anything is compiled or checked.
func TestBadFlagValuesAreUsageErrors(t *testing.T) {
	root := t.TempDir()
	smallProduct(t, root)
	for _, args := range [][]string{
		{"doctor", "prod", "--timeout", "-1s"},
		{"doctor", "prod", "--timeout", "0s"},
		{"compile", "prod", "--image-repository", "UPPER/x"},
		{"package", "prod", "--image-repository", "Acme/shop"},
	} {
		r := runFloe(t, root, args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, args[2]) {
			t.Errorf("floe %s: exit %d, want %d naming %s:\n%s", strings.Join(args, " "), r.code, ExitUsage, args[2], r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "prod", "target")); err == nil {
		t.Error("a refused run wrote output")
	}
}
