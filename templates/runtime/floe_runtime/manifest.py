"""dbt's manifest.json: reading it, its models, and checking its graph against floe's.

Nothing here imports Dagster: an orchestrator other than Dagster reads the manifest the
same way.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import CompiledOutputError, GraphMismatchError
from .plan import Plan


# The command that runs `dbt parse` for the Dagster runtime's output (step.dbt_parse);
# another orchestrator's runtime names its own in the errors below.
PREPARE = "python -m floe_runtime prepare"


def load_manifest(
    project_dir: Path, output_dir: Path, plan: Plan, prepare: str = PREPARE
) -> tuple[Path, dict[str, Any]]:
    """dbt's target/manifest.json, or an error saying how to produce it (``prepare``)."""
    path = project_dir / "target" / "manifest.json"
    if not path.is_file():
        raise CompiledOutputError(
            f"{path}: dbt manifest not found; run `{prepare} {output_dir}` (or by hand "
            f"`dbt --no-send-anonymous-usage-stats parse --project-dir {project_dir} "
            f"--profiles-dir {output_dir} --profile {plan.dbt_profile}`) first"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CompiledOutputError(
            f"{path}: unreadable dbt manifest ({exc}); run `{prepare} {output_dir}` again"
        ) from None
    return path, manifest


def dbt_models(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """dbt model nodes of the root project by model name."""
    project = manifest.get("metadata", {}).get("project_name")
    models = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        if project and node.get("package_name") != project:
            continue
        models[node["name"]] = node
    return models


def graph_differences(
    plan: Plan, manifest: Mapping[str, Any], models: Collection[str] | None = None
) -> list[str]:
    """Every way dbt's model graph differs from the compiled one, sorted; [] when equal.

    models, when given, limits the comparison to those models and their incoming edges
    (one Airflow task checks the model it builds).
    """
    nodes = dbt_models(manifest)
    by_id = {node["unique_id"]: node for node in nodes.values()}
    compiled = {m.name for m in plan.models}
    if models is not None:
        compiled &= set(models)
    problems = []
    for name in sorted(compiled - set(nodes)):
        problems.append(f"transform {name} has no dbt model of that name")
    declared = {
        (dep, m.name) for m in plan.models if m.name in compiled for dep in m.depends_on
    }
    actual = set()
    for name in sorted(compiled & set(nodes)):
        for parent in nodes[name].get("depends_on", {}).get("nodes", []):
            if parent in by_id:
                actual.add((by_id[parent]["name"], name))
    for upstream, downstream in sorted(actual - declared):
        problems.append(
            f"dbt has edge {upstream} -> {downstream} (ref('{upstream}') in {downstream}) "
            f"that floe.yaml does not declare in dependsOn of {downstream}"
        )
    for upstream, downstream in sorted(declared - actual):
        problems.append(
            f"floe.yaml declares {upstream} -> {downstream} (dependsOn of {downstream}) "
            f"but dbt model {downstream} does not ref('{upstream}')"
        )
    return problems


def check_graph(
    plan: Plan,
    manifest: Mapping[str, Any],
    manifest_path: Path,
    models: Collection[str] | None = None,
    prepare: str = PREPARE,
) -> None:
    """Fail loudly, naming every differing edge, when dbt and floe disagree (models:
    see graph_differences; prepare: the command that runs dbt parse again)."""
    problems = graph_differences(plan, manifest, models)
    if problems:
        raise GraphMismatchError(
            f"the dbt graph in {manifest_path} differs from the compiled floe graph:\n  - "
            + "\n  - ".join(problems)
            + f"\nfix floe.yaml or the models, then re-run `floe compile` and `{prepare}`"
        )


def child_map(manifest: Mapping[str, Any]) -> Mapping[str, Sequence[str]]:
    """dbt's child_map; for a manifest that lacks it (early dbt Fusion), built as dbt
    builds it: each node and unit test under every node it depends on.

    Built here rather than by dagster-dbt (whose builder skips ephemeral models), so
    that every manifest gives the same map and another orchestrator needs no Dagster.
    """
    children = manifest.get("child_map")
    if children:
        return children
    built: dict[str, list[str]] = {}
    for section in ("nodes", "unit_tests"):
        for unique_id, node in (manifest.get(section) or {}).items():
            for parent in node.get("depends_on", {}).get("nodes", []):
                built.setdefault(parent, []).append(unique_id)
    return built
