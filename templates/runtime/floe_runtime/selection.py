"""Which dbt nodes each op selects: the op groups with dbt's seeds, and their selections.

Every group (groups.py) runs ``dbt build --select <its models>``; the seeds get a group
of their own. dbt evaluates such a selection name by name, each a scan of every node,
so n models would cost n² matches at load: ``name_selections`` gives dbt's answer in
one pass wherever that answer is certain. Nothing here imports Dagster.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .groups import Group, preset_groups, unique_name
from .manifest import dbt_models
from .plan import Plan

SEEDS_GROUP = "seeds"
# A selector that dbt reads as one fully qualified name: no dots, wildcards, methods,
# graph operators or spaces. Every floe transform name is one.
_FQN_WORD = re.compile(r"[A-Za-z0-9_]+")
# The manifest sections dbt searches when it selects by name (non-source nodes).
_NAMED_SECTIONS = (
    "nodes",
    "exposures",
    "metrics",
    "unit_tests",
    "semantic_models",
    "saved_queries",
    "functions",
)


def op_groups(plan: Plan, manifest: Mapping[str, Any]) -> list[Group]:
    """The groups of ``preset_groups``, plus one for dbt's seeds when there are any.

    The seeds' group runs with the default preset and is called
    ``<slug>_dbt_seeds`` (or ``…_seeds_2`` when a preset group has that name).
    """
    groups = preset_groups(plan)
    if any(
        n.get("resource_type") == "seed" for n in manifest.get("nodes", {}).values()
    ):
        groups.append(
            Group(
                name=unique_name(
                    f"{plan.slug}_dbt_{SEEDS_GROUP}", {g.name for g in groups}
                ),
                preset=plan.default_preset,
                resources=plan.resources(plan.default_preset),
                models=(),
            )
        )
    return groups


def group_select(group: Group) -> str:
    """The dbt selection of a group's op: its models by name, or every seed."""
    return " ".join(group.models) if group.models else "resource_type:seed"


def _fqn_words(fqn: Sequence[str]) -> set[str]:
    """The one-word selectors dbt's fqn method matches a node with this fqn against.

    dbt's ``is_selected_node`` on the fqn and on the fqn without its package: a word
    selects the node when it is the node's name or the first dotted part of either.
    """
    words = {fqn[-1]}
    for parts in (fqn, fqn[1:]):
        if parts:
            words.add(parts[0].split(".")[0])
    return words


def name_selections(
    manifest: Mapping[str, Any],
    groups: Sequence[Group],
    children: Mapping[str, Sequence[str]],
) -> dict[str, set[str]] | None:
    """The unique ids dbt selects for each group's ``group_select``, or None.

    Each name selects the root project's model of that name, and
    ``resource_type:seed`` every seed; plus (eager indirect selection, what dagster-dbt
    asks for) the tests that are their children. None, so that dbt selects, whenever
    that might not be all a name selects: a name dbt would read as more than one word,
    a versioned node, a disabled model, or any other node a name would match (a
    package, directory or node elsewhere that is called like a model).
    """
    names = {name for group in groups for name in group.models}
    if not all(_FQN_WORD.fullmatch(name) for name in names):
        return None
    models = dbt_models(manifest)
    owner: dict[str, str] = {}
    for name in names:
        node = models.get(name)
        if node is None or not (node.get("config") or {}).get("enabled"):
            return None
        owner[name] = node["unique_id"]
    for section in _NAMED_SECTIONS:
        for unique_id, node in (manifest.get(section) or {}).items():
            fqn = node.get("fqn")
            if not fqn or node.get("version") is not None:
                return None
            for word in _fqn_words(fqn) & names:
                if owner[word] == unique_id:
                    continue
                # A unit test's fqn holds its model's name, so the name selects it too;
                # it is one of the model's children, selected below anyway.
                if section == "unit_tests" and unique_id in children.get(
                    owner[word], ()
                ):
                    continue
                return None
    nodes = manifest.get("nodes", {})
    seeds = [uid for uid, n in nodes.items() if n.get("resource_type") == "seed"]
    unit_tests = manifest.get("unit_tests") or {}
    selections = {}
    for group in groups:
        roots = [owner[name] for name in group.models] if group.models else seeds
        selected = set(roots)
        for root in roots:
            for child in children.get(root, ()):
                node = nodes.get(child)
                if child in unit_tests or (
                    node is not None
                    and node.get("resource_type") == "test"
                    and (node.get("config") or {}).get("enabled")
                ):
                    selected.add(child)
        selections[group.name] = selected
    return selections
