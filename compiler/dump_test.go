package compiler

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPassesInOrder: the pass table lists each pass once, every pass it needs comes
// before it, and lowering (and what follows it) runs only on inputs without errors.
func TestPassesInOrder(t *testing.T) {
	want := []string{"parse", "validate", "manifests", "resolve", "graph", "dbt", "schedule", "govern", "lower", "kubernetes"}
	if got := Passes(); !slices.Equal(got, want) {
		t.Fatalf("Passes() = %v, want %v", got, want)
	}
	for i, p := range passes {
		for _, n := range p.needs {
			if j := slices.Index(Passes(), n); j < 0 || j >= i {
				t.Errorf("%s needs %s, which does not come before it", p.name, n)
			}
		}
		if (p.name == "lower" || p.name == "kubernetes") != p.clean {
			t.Errorf("%s: clean = %v", p.name, p.clean)
		}
	}
}

// TestDumpAfter: Options.DumpAfter writes what the named pass produced (and nothing
// for any other name), as the Go compiler's -d=ssa/PASS/dump does.
func TestDumpAfter(t *testing.T) {
	dir := "../examples/customer-360/"
	compile := func(pass, manifest string) (*Result, string) {
		var b bytes.Buffer
		res := Compile(Options{SpecPath: dir + "floe.yaml", ManifestPath: manifest, ReadFile: os.ReadFile, ReadDir: os.ReadDir, Stat: os.Stat,
			CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"dagster"}, DumpAfter: pass, Dump: &b})
		return res, b.String()
	}
	wants := map[string]*regexp.Regexp{
		// The tree with positions, each transform as decoded.
		"parse":      regexp.MustCompile(`(?s)"transforms" \(key \d+:1\) = \d+:3 list of 0\n.*transforms\[0\]:\n +\d+:5 mapping\n +"name" \(key \d+:5\) = \d+:11 !!str "stg_crm_customers"`),
		"validate":   regexp.MustCompile(`(?s)"floe_spec": \{.*"name": "stg_crm_customers".*"broken": \[\]`),
		"manifests":  regexp.MustCompile(`(?s)"file": "\.\./examples/customer-360/manifest\.yaml",\n\s+"manifest": \{`),
		"resolve":    regexp.MustCompile(`"default_compute": "duckdb"`),
		"graph":      regexp.MustCompile(`(?m)^layer 0: .*stg_crm_customers`),
		"dbt":        regexp.MustCompile(`"inputs": \[\n\s+"\.\./examples/customer-360/dbt_project\.yml",`),
		"schedule":   regexp.MustCompile(`"schedules": \[`),
		"govern":     regexp.MustCompile(`"level": "`),
		"lower":      regexp.MustCompile(`"version": "0\.10\.0"`),
		"kubernetes": regexp.MustCompile(`produces nothing new`),
	}
	for _, pass := range Passes() {
		res, out := compile(pass, dir+"manifest.yaml")
		if res.Product == nil {
			t.Fatalf("%s: compile failed: %v", pass, res.Diags)
		}
		if !strings.HasPrefix(out, "# after "+pass+"\n") || !wants[pass].MatchString(out) {
			t.Errorf("dump after %s:\n%s", pass, out)
		}
	}
	if _, out := compile("nonesuch", dir+"manifest.yaml"); out != "" {
		t.Errorf("dump after an unknown pass: %q", out)
	}
	// A pass that did not run says so.
	if _, out := compile("lower", dir+"no-such-manifest.yaml"); !strings.Contains(out, "lower produced nothing") {
		t.Errorf("dump after lower, which did not run:\n%s", out)
	}
}
