"""Unit tests of floe_airflow, imported from templates/ in this Dagster-free environment.

floe_airflow and floe_runtime are laid out as floe compile writes them (copies side by
side in one directory), then imported in a fresh interpreter,
so that each test sees exactly what a DAG file sees.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import AIRFLOW_TEMPLATES, RUNTIME_TEMPLATES, VENV_BIN


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    """An output directory holding floe_airflow and floe_runtime, as compiled."""
    out = tmp_path / "out"
    out.mkdir()
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(
        AIRFLOW_TEMPLATES / "floe_airflow", out / "floe_airflow", ignore=skip
    )
    shutil.copytree(
        RUNTIME_TEMPLATES / "floe_runtime", out / "floe_runtime", ignore=skip
    )
    return out


def py(out: Path, code: str, env: dict[str, str] | None = None) -> dict:
    """Run code in a fresh interpreter with out on sys.path; returns its last JSON line."""
    import os

    proc = subprocess.run(
        [str(VENV_BIN / "python"), "-c", textwrap.dedent(code)],
        cwd=out,
        env={
            **os.environ,
            "PYTHONPATH": str(out),
            "PYTHONDONTWRITEBYTECODE": "1",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_no_dagster_here() -> None:
    """The premise of these tests: Dagster cannot even be imported in this venv."""
    with pytest.raises(ImportError):
        __import__("dagster")


def test_imports_the_shared_runtime_without_dagster(output_dir: Path) -> None:
    got = py(
        output_dir,
        """
        import json, sys
        import floe_airflow
        from floe_airflow import prepare, steps
        from floe_runtime import iceberg, step_inputs, files, secrets, groups
        import floe_runtime
        print(json.dumps({
            "dagster": sorted(
                m for m in sys.modules if m.split(".")[0] in ("dagster", "dagster_dbt")
            ),
            "dagster_modules_of_the_runtime": sorted(
                m for m in sys.modules
                if m in ("floe_runtime.build", "floe_runtime.assets", "floe_runtime.run")
            ),
            "runtime_from": floe_runtime.__file__,
            "write_table": callable(iceberg.write_table),
            "load_inputs": callable(step_inputs.load_inputs),
        }))
        """,
    )
    assert got == {
        "dagster": [],
        "dagster_modules_of_the_runtime": [],
        "runtime_from": str(output_dir / "floe_runtime" / "__init__.py"),
        "write_table": True,
        "load_inputs": True,
    }


def test_missing_runtime_package_says_what_to_do(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copytree(
        AIRFLOW_TEMPLATES / "floe_airflow",
        out / "floe_airflow",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    proc = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "import floe_airflow"],
        cwd=out,
        env={
            "PYTHONPATH": str(out),
            "PATH": "/usr/bin:/bin",
            "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "floe's runtime package is missing beside the DAG file" in proc.stderr
    assert "re-run `floe compile`" in proc.stderr


PLAN = """
from floe_airflow import Model, Plan, Resources
PLAN = Plan(
    product="demo", product_version="1.0.0", slug="demo", floe_version="t",
    contract_version=CONTRACT, project_dir="../..", dbt_profile="demo", dbt_target="dev",
    presets={"small": Resources("100m", "256Mi", "500m", ""), "big": Resources("1", "1Gi", "2", "2Gi")},
    default_preset="small",
    models=(
        Model(name="a", preset="small"),
        Model(name="b", preset="big"),
        Model(name="c", depends_on=("a", "b")),
        Model(name="d", depends_on=("c",), preset="big"),
    ),
)
"""


def test_contract_mismatch_is_refused_at_parse(output_dir: Path) -> None:
    got = py(
        output_dir,
        "CONTRACT = '0.9.0'\n"
        + PLAN
        + """
import json
from pathlib import Path
from floe_airflow import build_dag
from floe_runtime.errors import CompiledOutputError
try:
    build_dag(PLAN, None, Path("."))
except CompiledOutputError as exc:
    print(json.dumps({"error": str(exc)}))
""",
    )
    assert "compiled by floe t for CompiledArtifacts contract 0.9.0" in got["error"]
    assert "reads contract 0.10.0: re-run `floe compile`" in got["error"]


BUILD = (
    "CONTRACT = '0.10.0'\n"
    + PLAN
    + """
import json
from pathlib import Path
from floe_airflow import Schedule, build_dag
dag = build_dag(PLAN, SCHEDULE, Path("."))
"""
)


def test_edges_written_directly_equal_set_upstream(output_dir: Path) -> None:
    """build_dag writes edges into the tasks' id sets (see dag.py for why); the graph
    must be exactly the one Airflow's own set_upstream makes from the same plan."""
    got = py(
        output_dir,
        "SCHEDULE = None\n"
        + BUILD
        + """
from airflow.sdk import DAG
from floe_airflow import FloeDbtOperator, SEEDS_TASK
ref = DAG(dag_id="ref", schedule=None)
tasks = {m.name: FloeDbtOperator(task_id=m.name, plan=PLAN, output_dir=".", model=m.name, dag=ref) for m in PLAN.models}
seeds = FloeDbtOperator(task_id=SEEDS_TASK, plan=PLAN, output_dir=".", model=None, dag=ref)
for m in PLAN.models:
    tasks[m.name].set_upstream([tasks[d] for d in m.depends_on] or [seeds])
def graph(d):
    return sorted((t.task_id, sorted(t.upstream_task_ids), sorted(t.downstream_task_ids)) for t in d.tasks)
print(json.dumps({"built": graph(dag), "ref": graph(ref), "roots": sorted(t.task_id for t in dag.roots),
                  "topo": [t.task_id for t in dag.topological_sort()]}))
""",
    )
    assert got["built"] == got["ref"]
    assert got["roots"] == ["dbt-seeds"]
    assert got["topo"].index("c") > max(got["topo"].index("a"), got["topo"].index("b"))


def test_schedule_paused_and_timezone(output_dir: Path) -> None:
    got = py(
        output_dir,
        "from floe_airflow import Schedule\n"
        + "SCHEDULE = Schedule(cron='30 2 * * 1', timezone='America/New_York', "
        + "enabled=False)\n"
        + BUILD
        + """
print(json.dumps({"cron": dag.timetable.expression, "paused": dag.is_paused_upon_creation,
    "start": dag.start_date.isoformat(), "catchup": dag.catchup,
    "tz": getattr(dag.timetable.timezone, "name", str(dag.timetable.timezone))}))
""",
    )
    assert got == {
        "cron": "30 2 * * 1",
        "paused": True,
        # Midnight in New York (Airflow keeps start dates in UTC): timezone-aware.
        "start": "2024-01-01T05:00:00+00:00",
        "catchup": False,
        "tz": "America/New_York",
    }


def test_pod_overrides_only_for_the_kubernetes_executor(output_dir: Path) -> None:
    code = (
        "SCHEDULE = None\n"
        + BUILD
        + """
import sys
out = {}
for t in dag.tasks:
    pod = (t.executor_config or {}).get("pod_override")
    out[t.task_id] = pod.spec.containers[0].resources.to_dict() if pod else None
print(json.dumps({"pods": out, "k8s_imported": "kubernetes.client" in sys.modules}))
"""
    )
    local = py(output_dir, code, {"AIRFLOW__CORE__EXECUTOR": "LocalExecutor"})
    assert local == {
        "pods": dict.fromkeys(["a", "b", "c", "d", "dbt-seeds"]),
        "k8s_imported": False,
    }
    k8s = py(
        output_dir,
        code,
        {"AIRFLOW__CORE__EXECUTOR": "LocalExecutor,KubernetesExecutor"},
    )
    small = {
        "claims": None,
        "limits": {"cpu": "500m"},
        "requests": {"cpu": "100m", "memory": "256Mi"},
    }
    big = {
        "claims": None,
        "limits": {"cpu": "2", "memory": "2Gi"},
        "requests": {"cpu": "1", "memory": "1Gi"},
    }
    pods = k8s["pods"]
    assert pods["a"] == small and pods["dbt-seeds"] == small and pods["c"] == small
    assert pods["b"] == big and pods["d"] == big
    forced = py(
        output_dir,
        code,
        {"AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "FLOE_AIRFLOW_POD_OVERRIDE": "1"},
    )
    assert forced["pods"] == pods


MANIFEST = {
    "metadata": {"project_name": "demo"},
    "nodes": {
        "seed.demo.raw": {
            "unique_id": "seed.demo.raw",
            "name": "raw",
            "resource_type": "seed",
            "package_name": "demo",
            "schema": "main",
            "fqn": ["demo", "raw"],
            "depends_on": {"nodes": []},
        },
        "model.demo.a": {
            "unique_id": "model.demo.a",
            "name": "a",
            "resource_type": "model",
            "package_name": "demo",
            "schema": "main",
            "fqn": ["demo", "staging", "a"],
            "depends_on": {"nodes": ["seed.demo.raw"]},
        },
        "model.demo.b": {
            "unique_id": "model.demo.b",
            "name": "b",
            "resource_type": "model",
            "package_name": "demo",
            "schema": "main",
            "fqn": ["demo", "b"],
            "depends_on": {"nodes": ["model.demo.a"]},
        },
        "test.demo.not_null_a": {
            "unique_id": "test.demo.not_null_a",
            "resource_type": "test",
            "depends_on": {"nodes": ["model.demo.a"]},
        },
        # A relationships test from a to b: it reads b, which is built after a.
        "test.demo.rel_a_b": {
            "unique_id": "test.demo.rel_a_b",
            "resource_type": "test",
            "depends_on": {"nodes": ["model.demo.a", "model.demo.b"]},
        },
    },
    "child_map": {
        "seed.demo.raw": ["model.demo.a"],
        "model.demo.a": ["model.demo.b", "test.demo.not_null_a", "test.demo.rel_a_b"],
        "model.demo.b": ["test.demo.rel_a_b"],
    },
}


def test_step_selection_and_inputs(output_dir: Path) -> None:
    """A's task runs a's own tests but leaves the a-b test to b's task, so it never
    loads b (not built yet); b's task runs that test and loads a. The compiled edges
    are compared with dbt's refs."""
    got = py(
        output_dir,
        "CONTRACT = '0.10.0'\n"
        + PLAN
        + f"""
import json
from floe_airflow import steps
from floe_runtime import step_inputs
from floe_runtime.manifest import graph_differences
m = json.loads({json.dumps(json.dumps(MANIFEST))})
nodes = step_inputs.root_nodes(m)
def inputs(ids):
    return [n["name"] for n in step_inputs.upstream_nodes(m, ids, steps.buildable_children(m, ids))]
print(json.dumps({{
    "a": steps.selection("a", nodes), "seeds": steps.selection(None, nodes),
    "a_inputs": inputs(["model.demo.a"]), "b_inputs": inputs(["model.demo.b"]),
    "a_tests": steps.buildable_children(m, ["model.demo.a"])["model.demo.a"],
    "b_tests": steps.buildable_children(m, ["model.demo.b"])["model.demo.b"],
    "edges_c": graph_differences(PLAN, m, ["c"]),
    "edges_b": graph_differences(PLAN, m, ["b"]),
    "edges_a": graph_differences(PLAN, m, ["a"]),
}}))
""",
    )
    assert got["a"] == [["model.demo.a"], "fqn:demo.staging.a"]
    assert got["seeds"] == [["seed.demo.raw"], "resource_type:seed"]
    assert got["a_tests"] == ["model.demo.b", "test.demo.not_null_a"]
    assert got["b_tests"] == ["test.demo.rel_a_b"]
    assert got["a_inputs"] == ["raw"]
    assert got["b_inputs"] == ["a"]
    # The Dagster runtime's graph check, limited to the task's model.
    assert got["edges_c"] == [
        "transform c has no dbt model of that name",
        "floe.yaml declares a -> c (dependsOn of c) but dbt model c does not ref('a')",
        "floe.yaml declares b -> c (dependsOn of c) but dbt model c does not ref('b')",
    ]
    assert got["edges_b"] == [
        "dbt has edge a -> b (ref('a') in b) that floe.yaml does not declare in dependsOn of b"
    ]
    # A task checks its own model's edges only: b's undeclared edge is not a's problem.
    assert got["edges_a"] == []


def test_prepare_without_a_dag_file_says_what_to_do(output_dir: Path) -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "floe_airflow", "prepare", str(output_dir)],
        cwd=output_dir,
        env={
            "PYTHONPATH": str(output_dir),
            "PATH": "/usr/bin:/bin",
            "AIRFLOW_HOME": str(output_dir / "airflow_home"),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "dag.py: not found; run `floe compile` first" in proc.stderr


def test_python_is_formatted() -> None:
    src = str(AIRFLOW_TEMPLATES / "floe_airflow")
    for args in (
        ["format", "--isolated", "--check", src],
        ["check", "--isolated", src],
    ):
        proc = subprocess.run(
            [str(VENV_BIN / "ruff"), *args], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
