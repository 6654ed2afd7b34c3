"""The orchestrator-neutral part of floe_runtime imports and works without Dagster.

An orchestrator other than Dagster (an Airflow DAG) reuses the compiled-file loaders,
dbt's manifest and selections, the step's inputs and Iceberg publish, the secrets and
the lineage emitter. Each test runs a fresh Python in which importing dagster or
dagster_dbt fails (a meta path finder refuses them), as it would where Dagster is not
installed.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from conftest import RUNTIME_SRC, run

# Importable without Dagster; their public names are what other orchestrators call.
NEUTRAL = (
    "floe_runtime",
    "floe_runtime._compat",
    "floe_runtime.errors",
    "floe_runtime.files",
    "floe_runtime.groups",
    "floe_runtime.iceberg",
    "floe_runtime.lineage",
    "floe_runtime.manifest",
    "floe_runtime.plan",
    "floe_runtime.publish",
    "floe_runtime.secrets",
    "floe_runtime.selection",
    "floe_runtime.step",
    "floe_runtime.step_inputs",
)

BLOCK_DAGSTER = textwrap.dedent(
    """
    import importlib.abc, sys

    class NoDagster(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("dagster", "dagster_dbt"):
                raise ImportError(f"{name} is blocked: this test runs without Dagster")
            return None

    sys.meta_path.insert(0, NoDagster())
    sys.path.insert(0, sys.argv[1])
    """
)


def _python(code: str, *args: str) -> list[str]:
    result = run(
        [sys.executable, "-c", BLOCK_DAGSTER + textwrap.dedent(code), *args],
    )
    return result.stdout.strip().splitlines()


def test_the_blocker_blocks() -> None:
    """The finder does keep Dagster out (else the tests below would prove nothing)."""
    lines = _python(
        """
        try:
            import floe_runtime.build
        except ImportError as exc:
            print("blocked:", exc)
        """,
        str(RUNTIME_SRC),
    )
    assert lines and lines[-1].startswith("blocked: dagster"), lines


@pytest.mark.parametrize("module", NEUTRAL)
def test_imports_without_dagster(module: str) -> None:
    lines = _python(
        f"""
        import {module}
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("dagster", "dagster_dbt")))
        """,
        str(RUNTIME_SRC),
    )
    assert lines[-1] == "[]"


def test_a_step_without_dagster(tmp_path: Path) -> None:
    """Loaders, manifest, selection and the lineage of a step, all without Dagster."""
    out = tmp_path / "out"
    out.mkdir()
    lines = _python(
        """
        import json, logging
        from pathlib import Path
        from floe_runtime.groups import preset_groups
        from floe_runtime.lineage import LineageEmitter, dbt_timing
        from floe_runtime.manifest import child_map, graph_differences
        from floe_runtime.plan import Lineage, Model, Plan
        from floe_runtime.selection import group_select, name_selections, op_groups

        plan = Plan(
            product="demo", product_version="1", slug="demo", floe_version="dev",
            contract_version="x", project_dir=".", dbt_profile="p", dbt_target="t",
            models=(Model("a"), Model("b", depends_on=("a",))),
            lineage=Lineage(enabled=True, transport="file", file=str(Path(sys.argv[2]) / "l.jsonl")),
        )
        def node(name, deps=()):
            return {"unique_id": f"model.demo.{name}", "resource_type": "model",
                    "package_name": "demo", "name": name, "fqn": ["demo", name],
                    "config": {"enabled": True},
                    "depends_on": {"nodes": [f"model.demo.{d}" for d in deps]}}
        manifest = {"metadata": {"project_name": "demo"},
                    "nodes": {n["unique_id"]: n for n in (node("a"), node("b", ["a"]))},
                    "child_map": {"model.demo.a": ["model.demo.b"], "model.demo.b": []}}
        print(graph_differences(plan, manifest))
        groups = op_groups(plan, manifest)
        print([group_select(g) for g in groups])
        print({k: sorted(v) for k, v in name_selections(manifest, groups, child_map(manifest)).items()})
        emitter = LineageEmitter(plan.lineage, Path(sys.argv[2]), logging.getLogger("t"))
        from openlineage.client.event_v2 import RunState
        print(emitter.emit(RunState.START, run_id="00000000-0000-0000-0000-000000000001", job_name="demo.x"))
        print(dbt_timing({"results": [{"unique_id": "model.demo.a", "status": "success", "timing": []}]}))
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("dagster", "dagster_dbt")))
        """,
        str(RUNTIME_SRC),
        str(out),
    )
    assert lines == [
        "[]",
        "['a b']",
        "{'demo_dbt_default': ['model.demo.a', 'model.demo.b']}",
        "True",
        "{'model.demo.a': ('success', '', '')}",
        "[]",
    ]
    assert (out / "l.jsonl").read_text(encoding="utf-8").count("START") == 1


def test_a_child_map_without_dagster() -> None:
    """A manifest without dbt's child_map (early dbt Fusion) gets one built as dbt
    builds it, every node and unit test under each node it depends on (an ephemeral
    model included), without dagster-dbt: an Airflow task reads it too."""
    lines = _python(
        """
        from floe_runtime.manifest import child_map

        def node(*parents, **config):
            return {"depends_on": {"nodes": list(parents)}, "config": config}

        manifest = {
            "nodes": {
                "seed.d.s": node(),
                "model.d.a": node("seed.d.s"),
                "model.d.e": node("model.d.a", materialized="ephemeral"),
                "model.d.b": node("model.d.e"),
                "test.d.t": node("model.d.a", "model.d.b"),
            },
            "unit_tests": {"unit_test.d.b.u": node("model.d.b")},
        }
        print({k: sorted(v) for k, v in sorted(child_map(manifest).items())})
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("dagster", "dagster_dbt")))
        """,
        str(RUNTIME_SRC),
    )
    assert lines == [
        "{'model.d.a': ['model.d.e', 'test.d.t'], 'model.d.b': ['test.d.t', "
        "'unit_test.d.b.u'], 'model.d.e': ['model.d.b'], 'seed.d.s': ['model.d.a']}",
        "[]",
    ]
