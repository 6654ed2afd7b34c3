package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMovedOutputIsNotUpToDate: the output's location is part of what it was made
// from (definitions.py's project_dir, the Dockerfile's ARG and CMD name it), so an
// output moved elsewhere is rewritten there, not reported "up to date" with the old
// location inside (found by the red-team review: package p; mv p/target/floe p/out;
// package p -o p/out).
func TestMovedOutputIsNotUpToDate(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "prod")
	if code, out := runMain(t, "package", prod); code != 0 {
		t.Fatalf("package: exit %d\n%s", code, out)
	}
	moved := filepath.Join(prod, "out")
	if err := os.Rename(filepath.Join(prod, "target", "floe"), moved); err != nil {
		t.Fatal(err)
	}
	code, out := runMain(t, "package", prod, "-o", moved)
	if code != 0 || strings.Contains(out, "up to date") {
		t.Fatalf("package -o the moved output: exit %d, want a fresh compile\n%s", code, out)
	}
	if b := mustRead(t, filepath.Join(moved, "Dockerfile")); !strings.Contains(b, "ARG FLOE_OUTPUT_DIR=out\n") {
		t.Errorf("the Dockerfile does not name the new location:\n%s", b)
	}
	if b := mustRead(t, filepath.Join(moved, "definitions.py")); !strings.Contains(b, `project_dir=".."`) {
		t.Errorf("definitions.py's project_dir is not the product directory seen from the new location:\n%s", b)
	}
	if code, out := runMain(t, "package", prod, "-o", moved); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("a second run at the new place: exit %d, want up to date\n%s", code, out)
	}
}

// TestForgedStampIsBounded: a stamp is untrusted input. One listing "/" fifty times as
// model directories, or a 64 MiB file three hundred times as inputs, made the
// up-to-date check take minutes (found by the red-team review). The work of one check
// is bounded; beyond it the answer is "not up to date". The watchdog only catches a
// hang: the check takes milliseconds.
func TestForgedStampIsBounded(t *testing.T) {
	root := t.TempDir()
	big := filepath.Join(root, "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	small := filepath.Join(root, "floe.yaml")
	writeTestFiles(t, root, map[string]string{"floe.yaml": "x"})
	repeat := func(s string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	for name, st := range map[string]stamp{
		"root listed fifty times": {Key: "forged", Inputs: []string{small}, Dirs: repeat("/", 50), Files: map[string]string{}},
		"big file 300 times":      {Key: "forged", Inputs: repeat(big, 300), Files: map[string]string{}},
		"many directories":        {Key: "forged", Inputs: []string{small}, Dirs: append(repeat(root, 1), manyDirs(2000)...), Files: map[string]string{}},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(root, "out-"+strings.ReplaceAll(name, " ", "-"))
			b, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			writeTestFiles(t, out, map[string]string{stampFile: string(b)})
			done := make(chan bool, 1)
			start := time.Now()
			go func() { done <- upToDate(out, []string{"o"}) }()
			select {
			case ok := <-done:
				if ok {
					t.Error("a forged stamp is up to date")
				}
				t.Logf("answered in %s", time.Since(start))
			case <-time.After(20 * time.Second):
				t.Fatal("the up-to-date check of a forged stamp still runs after 20s")
			}
		})
	}
}

func manyDirs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("/nonexistent/%d", i)
	}
	return out
}

// TestRepeatedListingCostsOne: a stamp naming one directory a hundred times costs about
// what naming it once does (it was a hundred listings). Compared with the same check of
// a stamp naming it once, so the machine's speed does not matter.
func TestRepeatedListingCostsOne(t *testing.T) {
	root := t.TempDir()
	d := filepath.Join(root, "models")
	files := map[string]string{"floe.yaml": "x"}
	for i := range 5000 {
		files[fmt.Sprintf("models/m%04d.sql", i)] = ""
	}
	writeTestFiles(t, root, files)
	check := func(dirs []string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			stampKey(nil, stampInputs{Files: []string{filepath.Join(root, "floe.yaml")}, Dirs: dirs}, nil)
			best = min(best, time.Since(start))
		}
		return best
	}
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = d
	}
	one, many := check([]string{d}), check(hundred)
	t.Logf("one listing %s, the same listed 100 times %s", one, many)
	if many > 10*one+50*time.Millisecond {
		t.Errorf("a directory named 100 times took %s, once %s: it is listed again each time", many, one)
	}
}

// TestStampBudget: the bounds hold inside one key: bytes over the budget, listing
// entries over the budget, and a file listed twice is read once (the key still names
// it twice, so the same list gives the same key).
func TestStampBudget(t *testing.T) {
	root := t.TempDir()
	writeTestFiles(t, root, map[string]string{"a": "0123456789", "d/1": "", "d/2": "", "d/3": ""})
	a := filepath.Join(root, "a")
	if hashInput(io.Discard, a, &stampBudget{bytes: 9}) {
		t.Error("a file over the byte budget was hashed")
	}
	if !hashInput(io.Discard, a, &stampBudget{bytes: 10}) {
		t.Error("a file within the byte budget was not hashed")
	}
	if hashListing(io.Discard, filepath.Join(root, "d"), &stampBudget{entries: 3}) {
		t.Error("a listing over the entry budget was hashed")
	}
	if !hashListing(io.Discard, filepath.Join(root, "d"), &stampBudget{entries: 4}) {
		t.Error("a listing within the entry budget was not hashed")
	}
	once, ok1 := stampKey(nil, stampInputs{Files: []string{a}}, nil)
	twice, ok2 := stampKey(nil, stampInputs{Files: []string{a, a}}, nil)
	again, ok3 := stampKey(nil, stampInputs{Files: []string{a, a}}, nil)
	if !ok1 || !ok2 || !ok3 || once == twice || twice != again {
		t.Errorf("keys of [a] and [a a]: %v %v %v, want two distinct stable keys", ok1, ok2, ok3)
	}
}

// TestBigDbtManifestIsUpToDate: dbt's manifest.json may be far over the 64 MiB limit of
// YAML inputs (its own is 1 GiB). One of 80 MB was never up to date: the stamp read
// every input through the YAML limit, got no key, and every run compiled again (found
// by the red-team review).
func TestBigDbtManifestIsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("writes an 80 MB file")
	}
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod")
	writeTestFiles(t, prod, map[string]string{
		"floe.yaml": "apiVersion: floe.dev/v1\nkind: FloeSpec\nmetadata: {name: shop, version: 1.2.3}\n" +
			"platform: {manifest: manifest.yaml}\ntransforms:\n  - name: stg_orders\n",
		"manifest.yaml": "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: shop-platform, version: 1.0.0, owner: me}\n" +
			"plugins:\n  compute: {type: duckdb, config: {path: target/x.duckdb}}\n  orchestrator: {type: dagster}\n",
		"dbt_project.yml":       "name: shop\nprofile: shop\nmodel-paths: [models]\n",
		"models/stg_orders.sql": "select 1 as id\n",
	})
	f, err := os.Create(filepath.Join(prod, "target", "manifest.json"))
	if os.IsNotExist(err) {
		if err = os.MkdirAll(filepath.Join(prod, "target"), 0o755); err == nil {
			f, err = os.Create(filepath.Join(prod, "target", "manifest.json"))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `{"nodes": {"model.shop.stg_orders": {"name": "stg_orders", "resource_type": "model", "package_name": "shop", "original_file_path": "models/stg_orders.sql", "depends_on": {"nodes": []}}}, "macros": {"m": "`)
	chunk := strings.Repeat("x", 1<<20)
	for range 80 {
		w.WriteString(chunk)
	}
	fmt.Fprint(w, `"}}`)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, out := runMain(t, "compile", prod); code != 0 || strings.Contains(out, "W313") {
		t.Fatalf("compile: exit %d\n%s", code, out)
	}
	if code, out := runMain(t, "compile", prod); code != 0 || !strings.Contains(out, "is up to date") {
		t.Errorf("a second compile with an 80 MB manifest.json: exit %d, want up to date\n%s", code, out)
	}
}

// TestDbtUserFileIsNotTheUsers: dbt run by hand as docs/runtime.md said (`dbt parse
// --profiles-dir <output>`) writes its anonymous user id, .user.yml, into floe's
// output, after which floe refused its own output ("holds files floe did not write";
// found by the red-team review). dbt's file is treated like Python's bytecode cache;
// a .user.yml with other content is the user's and still refused.
func TestDbtUserFileIsNotTheUsers(t *testing.T) {
	dir := t.TempDir()
	smallProduct(t, dir)
	prod := filepath.Join(dir, "prod")
	out := filepath.Join(prod, "target", "floe")
	if code, o := runMain(t, "compile", prod); code != 0 {
		t.Fatalf("compile: exit %d\n%s", code, o)
	}
	user := filepath.Join(out, ".user.yml")
	writeTestFiles(t, out, map[string]string{".user.yml": "id: 0f8fad5b-d9cb-469f-a165-70867728950e\n"})
	if code, o := runMain(t, "compile", prod); code != 0 || !strings.Contains(o, "up to date") {
		t.Errorf("with dbt's .user.yml: exit %d, want up to date\n%s", code, o)
	}
	if code, o := runMain(t, "compile", prod, "--check"); code != 0 {
		t.Errorf("--check with dbt's .user.yml: exit %d, want 0\n%s", code, o)
	}
	if code, o := runMain(t, "compile", prod, "--force"); code != 0 {
		t.Errorf("--force with dbt's .user.yml: exit %d, want 0\n%s", code, o)
	}
	writeTestFiles(t, out, map[string]string{".user.yml": "my: notes\n"})
	if code, o := runMain(t, "compile", prod, "--force"); code != 1 || !strings.Contains(o, ".user.yml") {
		t.Errorf("with a .user.yml of the user's: exit %d, want 1 naming it\n%s", code, o)
	}
	if got := mustRead(t, user); got != "my: notes\n" {
		t.Errorf("the user's .user.yml was changed: %q", got)
	}
}
