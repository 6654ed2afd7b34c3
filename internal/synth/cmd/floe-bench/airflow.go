package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/floe-dev/floe/internal/synth"
)

// The Airflow rows: how long Airflow takes to parse the DAG file floe generates for a
// synthetic product, next to Astronomer Cosmos' DbtDag (LoadMode.DBT_MANIFEST) on the
// same dbt project and manifest. Airflow's DAG processor re-parses every DAG file in a
// loop, so this is a cost paid continuously, not once. main's -airflow and -airflow-venv
// flags choose the sizes and the environment.

// airflowParseTarget is the target for parsing the DAG of 1,000 models.
const airflowParseTarget = time.Second

// airflowNote says what the Airflow rows time.
const airflowNote = `airflow parse N models: the time Airflow's DagBag takes to parse one DAG file: floe's
generated dag.py, or a DAG file holding Cosmos' DbtDag with LoadMode.DBT_MANIFEST and
TestBehavior.BUILD (one ` + "`dbt build`" + ` task per model, as floe's), on the same dbt project and
manifest. Each run is a fresh Python process that has imported Airflow first, as the DAG
processor's parsing process has; the figure is DagBag's parse, not the process; median of
the runs after one warm-up, peak RSS of that process. "k8s" parses with the
KubernetesExecutor configured: each task then carries its preset's pod override, which
imports the Kubernetes client. Untimed, once before: the synthetic product and its dbt
project (floe-synth -dbt), floe compile for Airflow, ` + "`dbt parse`" + `.`

// parseScript times one DagBag parse of the DAG file argv[1] and prints the seconds and
// the number of tasks it found.
const parseScript = `
import sys, time
from airflow.dag_processing.dagbag import DagBag
start = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.perf_counter() - start
if bag.import_errors or len(bag.dags) != 1:
    sys.exit(f"parse failed: {bag.import_errors or bag.dags}")
(dag,) = bag.dags.values()
print(f"{elapsed:.6f} {len(dag.tasks)}")
`

// cosmosDAG is the Cosmos DAG file of the synthetic product (project, manifest and
// profiles as floe compiled them).
const cosmosDAG = `# Cosmos DbtDag of the synthetic product, for floe-bench (airflow DAG parse rows).
from datetime import datetime

from cosmos import DbtDag, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior

dag = DbtDag(
    dag_id="cosmos_synthetic",
    project_config=ProjectConfig(
        dbt_project_path=%q,
        manifest_path=%q,
    ),
    profile_config=ProfileConfig(
        profile_name=%q, target_name="dev", profiles_yml_filepath=%q
    ),
    render_config=RenderConfig(
        load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD
    ),
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
)
`

// airflowRows times the DAG parse of floe's generated DAG and of Cosmos' DbtDag for each
// size of -airflow (sizes), in the Python environment venv; a step that cannot run makes
// its rows say so.
func airflowRows(floe, work, venv string, sizes []int, runs int) []row {
	var rows []row
	for _, n := range sizes {
		rows = append(rows, airflowParse(floe, venv, filepath.Join(work, fmt.Sprintf("airflow-%d", n)), n, runs)...)
	}
	return rows
}

func airflowParse(floe, venv, dir string, n, runs int) []row {
	names := []string{
		fmt.Sprintf("airflow parse %d models, floe", n),
		fmt.Sprintf("airflow parse %d models, floe, k8s", n),
		fmt.Sprintf("airflow parse %d models, Cosmos", n),
	}
	rows := make([]row, len(names))
	for i := range rows {
		rows[i].name = names[i]
	}
	if n == 1000 {
		rows[0].target, rows[1].target = airflowParseTarget, airflowParseTarget
	}
	fail := func(why string) []row {
		for i := range rows {
			rows[i].skipped = why
		}
		return rows
	}
	bin, err := filepath.Abs(filepath.Join(venv, "bin"))
	if err != nil {
		return fail("skipped: " + err.Error())
	}
	python, dbt := filepath.Join(bin, "python"), filepath.Join(bin, "dbt")
	for _, exe := range []string{python, dbt} {
		if _, err := os.Stat(exe); err != nil {
			return fail(fmt.Sprintf("skipped: no %s (the Airflow environment is built by `bash scripts/airflow-env.sh`)", exe))
		}
	}
	// The synthetic product with `plugins.orchestrator.type: airflow`: the one line that
	// moves it from Dagster.
	if err := writeInputs(dir, n, inProduct, inDbt, inAirflow); err != nil {
		return fail("failed: " + err.Error())
	}
	out := filepath.Join(dir, "target", "floe")
	home := filepath.Join(dir, "airflow-home")
	cosmosDir := filepath.Join(dir, "cosmos")
	for _, d := range []string{home, cosmosDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail("failed: " + err.Error())
		}
	}
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AIRFLOW_HOME="+home,
		"AIRFLOW__CORE__LOAD_EXAMPLES=False",
		"AIRFLOW__CORE__EXECUTOR=LocalExecutor",
		"DBT_SEND_ANONYMOUS_USAGE_STATS=false",
		"DBT_VERSION_CHECK=false",
		"SOURCE_DATE_EPOCH=1700000000",
		"PYTHONDONTWRITEBYTECODE=", // bytecode caches as users have them (see dagsterRows)
	)
	prepare := []*exec.Cmd{
		exec.Command(floe, "compile", dir),
		exec.Command(dbt, "parse", "--project-dir", dir, "--profiles-dir", out),
	}
	for _, cmd := range prepare {
		cmd.Env = env
		if outb, err := cmd.CombinedOutput(); err != nil {
			return fail(fmt.Sprintf("failed: %s %s: %v: %s", filepath.Base(cmd.Path), cmd.Args[1], err, lastLine(outb)))
		}
	}
	cosmosFile := filepath.Join(cosmosDir, "cosmos_dag.py")
	src := fmt.Sprintf(cosmosDAG, dir, filepath.Join(dir, "target", "manifest.json"), synth.ProductName, filepath.Join(out, "profiles.yml"))
	if err := os.WriteFile(cosmosFile, []byte(src), 0o644); err != nil {
		return fail("failed: " + err.Error())
	}
	k8s := append(append([]string{}, env...), "AIRFLOW__CORE__EXECUTOR=KubernetesExecutor")
	for i, c := range []struct {
		file string
		env  []string
	}{{filepath.Join(out, "dag.py"), env}, {filepath.Join(out, "dag.py"), k8s}, {cosmosFile, env}} {
		wall, rss, tasks, err := measureParse(python, c.file, c.env, runs)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			rows[i].skipped = "failed: " + lastLine([]byte(err.Error()))
			continue
		}
		rows[i].wall, rows[i].rss = wall, rss
		rows[i].name += fmt.Sprintf(" (%s tasks)", tasks)
	}
	return rows
}

// airflowSummary is what follows the table for the Airflow rows: floe's parse against
// Cosmos' at each size (the other half of the target), then what the rows time.
func airflowSummary(rows []row) string {
	byName := map[string]row{}
	var sizes []string
	for _, r := range rows {
		name, _, _ := strings.Cut(r.name, " (")
		byName[name] = r
		if n, ok := strings.CutSuffix(name, " models, floe"); ok {
			sizes = append(sizes, strings.TrimPrefix(n, "airflow parse "))
		}
	}
	if len(sizes) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, n := range sizes {
		f, c := byName["airflow parse "+n+" models, floe"], byName["airflow parse "+n+" models, Cosmos"]
		if f.skipped != "" || c.skipped != "" || f.wall == 0 {
			continue
		}
		fmt.Fprintf(&b, "airflow parse at %s models: floe %.3f s, Cosmos %.3f s: floe %.1f× faster (target: faster than Cosmos — %s)\n",
			n, f.wall.Seconds(), c.wall.Seconds(), c.wall.Seconds()/f.wall.Seconds(), verdict(f.wall < c.wall))
	}
	b.WriteString("\n" + airflowNote + "\n")
	return b.String()
}

// measureParse runs parseScript once to warm up, then runs times, and returns the median
// parse time the DagBag took, the largest peak RSS (KiB) and the number of tasks.
func measureParse(python, file string, env []string, runs int) (time.Duration, int64, string, error) {
	var parses []time.Duration
	var rss int64
	var tasks string
	for i := 0; i <= runs; i++ {
		cmd := exec.Command(python, "-c", parseScript, file)
		cmd.Env = env
		outb, err := cmd.CombinedOutput()
		if err != nil {
			return 0, 0, "", fmt.Errorf("%s: %w\n%s", file, err, outb)
		}
		fields := strings.Fields(lastLine(outb))
		if len(fields) != 2 {
			return 0, 0, "", fmt.Errorf("%s: unexpected output %q", file, lastLine(outb))
		}
		secs, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, 0, "", err
		}
		tasks = fields[1]
		if i == 0 {
			continue
		}
		parses = append(parses, time.Duration(secs*float64(time.Second)))
		rss = max(rss, maxRSSKiB(cmd.ProcessState))
	}
	slices.Sort(parses)
	return parses[len(parses)/2], rss, tasks, nil
}
