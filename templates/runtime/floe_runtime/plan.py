"""The compiled plan that a generated definitions.py hands to build_definitions.

Airflow's generated dag.py holds the same plan (floe_airflow builds the DAG from it);
``read_plan`` reads it from either file without running the file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CompiledOutputError


@dataclass(frozen=True)
class Resources:
    """Kubernetes container requests and limits of a resource preset."""

    requests_cpu: str
    requests_memory: str
    limits_cpu: str
    limits_memory: str

    def k8s(self) -> dict[str, dict[str, str]]:
        """The shape of a Kubernetes container's ``resources`` field."""
        return {
            "requests": {"cpu": self.requests_cpu, "memory": self.requests_memory},
            "limits": {"cpu": self.limits_cpu, "memory": self.limits_memory},
        }


@dataclass(frozen=True)
class Model:
    """One transform (a dbt model) as floe compiled it."""

    name: str
    depends_on: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tier: str = ""
    preset: str = ""


@dataclass(frozen=True)
class Lineage:
    """Where OpenLineage events go: transport http, file, console or noop."""

    enabled: bool = False
    transport: str = "noop"
    endpoint: str = ""
    file: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class Plan:
    """Everything definitions.py knows about the product, as floe compiled it."""

    product: str
    product_version: str
    slug: str
    floe_version: str
    contract_version: str
    # project_dir is the product (dbt project) directory, relative to the output directory.
    project_dir: str
    dbt_profile: str
    dbt_target: str
    models: tuple[Model, ...] = ()
    presets: dict[str, Resources] = field(default_factory=dict)
    default_preset: str = ""
    lineage: Lineage = field(default_factory=Lineage)

    def resources(self, preset: str) -> Resources | None:
        """The resources of preset, of the default preset when preset is "", or None."""
        return self.presets.get(preset or self.default_preset)

    def model(self, name: str) -> Model | None:
        """The model called name, or None."""
        for model in self.models:
            if model.name == name:
                return model
        return None


def read_plan(path: Path) -> Plan:
    """The PLAN of a generated file (definitions.py, dag.py) without running the file.

    Only its literal assignments PRESETS and PLAN are evaluated, with the plan's classes
    and no builtins: reading the plan needs neither the orchestrator nor dbt's manifest.
    """
    if not path.is_file():
        raise CompiledOutputError(f"{path}: not found; run `floe compile` first")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError) as exc:
        raise CompiledOutputError(
            f"{path}: cannot be read ({exc}); re-run `floe compile`"
        ) from None
    names: dict[str, object] = {
        "Plan": Plan,
        "Model": Model,
        "Resources": Resources,
        "Lineage": Lineage,
    }
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id in ("PRESETS", "PLAN"):
            code = compile(ast.Expression(node.value), str(path), "eval")
            names[target.id] = eval(code, {"__builtins__": {}}, names)  # noqa: S307
    plan = names.get("PLAN")
    if not isinstance(plan, Plan):
        raise CompiledOutputError(f"{path}: no PLAN; re-run `floe compile`")
    return plan
