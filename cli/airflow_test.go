package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// airflowProduct writes smallProduct orchestrated by Airflow, with a local catalog and a
// lineage file (nothing doctor would reach over the network).
func airflowProduct(t *testing.T, root string) string {
	t.Helper()
	smallProduct(t, root)
	writeTestFiles(t, root, map[string]string{
		"manifest.yaml": "apiVersion: floe.dev/v1\nkind: Manifest\nmetadata: {name: shop-platform, version: 1.0.0, owner: me}\n" +
			"plugins:\n  compute: {type: duckdb, config: {path: target/x.duckdb}}\n  orchestrator: {type: airflow}\n" +
			"  catalog: {type: sql, config: {uri: 'sqlite:///target/floe-local/catalog.db', warehouse: target/floe-local/warehouse}}\n",
	})
	return filepath.Join(root, "prod")
}

// TestRunAndDevRefuseAirflowProducts: floe run and floe dev run Dagster products; for
// one orchestrated by Airflow they compile it, then refuse as a usage error (exit 2)
// naming Airflow and the DAG file, whether they compiled it or found it up to date,
// and start nothing (no local runtime directory).
func TestRunAndDevRefuseAirflowProducts(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	prod := airflowProduct(t, t.TempDir())
	dag := filepath.Join(prod, "target", "floe", "dag.py")
	for _, args := range [][]string{
		{"run", prod},                           // compiles, then refuses
		{"run", prod},                           // up to date: nothing compiled
		{"dev", prod, "--port", "1"},            // refuses before any server starts
		{"run", prod, "--select", "stg_orders"}, // --select changes nothing
	} {
		code, out := runMain(t, args...)
		if code != ExitUsage || !strings.Contains(out, "orchestrated by Airflow") || !strings.Contains(out, "dag.py") ||
			!strings.Contains(out, "floe "+args[0]+" runs Dagster products") {
			t.Errorf("floe %s: exit %d, want 2 naming Airflow and the DAG\n%s", strings.Join(args, " "), code, out)
		}
		if strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
			t.Errorf("floe %s crashed:\n%s", strings.Join(args, " "), out)
		}
	}
	if _, err := os.Stat(dag); err != nil {
		t.Errorf("the product was not compiled for Airflow: %v", err)
	}
	if _, err := os.Stat(filepath.Join(prod, "target", "floe-local")); err == nil {
		t.Error("a refused run made the local runtime directory")
	}
}

// TestDoctorOnAnAirflowProduct: no Dagster runtime or webserver is probed for an Airflow
// product; one orchestrator line says where the DAG is and that Airflow runs it.
func TestDoctorOnAnAirflowProduct(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	prod := airflowProduct(t, t.TempDir())
	if code, out := runMain(t, "compile", prod); code != 0 {
		t.Fatalf("compile: exit %d\n%s", code, out)
	}
	code, out := runMain(t, "doctor", prod, "--json", "--dagster-url", "http://127.0.0.1:9", "--timeout", "2s")
	if code != 0 {
		t.Fatalf("doctor: exit %d, want 0\n%s", code, out)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	got := map[string]doctorCheck{}
	for _, c := range rep.Checks {
		got[c.Name] = c
	}
	for _, name := range []string{"python runtime", "dagster webserver"} {
		if _, ok := got[name]; ok {
			t.Errorf("doctor checked the %s of an Airflow product", name)
		}
	}
	o, ok := got["orchestrator"]
	if !ok || o.Status != "ok" || !strings.Contains(o.Detail, "Airflow") || !strings.Contains(o.Detail, "dag.py") {
		t.Errorf("no orchestrator line naming Airflow and the DAG: %+v", rep.Checks)
	}
	if c := got["compiled output"]; c.Status != "ok" {
		t.Errorf("compiled output: %+v", c)
	}
}
