"""Which dbt models one op builds: groups of a resource preset whose ops form a DAG.

Every model is built by the op of its resource preset, so that the op carries the
preset's Kubernetes resources. One op per preset is the fewest, but when presets
alternate along a path (a ``small`` model feeding a ``medium`` one feeding a ``small``
one) those ops depend on each other in a cycle; Dagster then splits them into subsets
while it builds every asset job, which costs seconds at load for a thousand models and
leaves several steps behind one op name. Here the split is made once, by construction:

1. ``model_stages``: a preset is cut only at the preset changes along paths within a
   cycle of presets, which gives an acyclic op graph;
2. ``preset_groups``: consecutive stages of a preset are merged again wherever no other
   group lies between them, which leaves close to the fewest ops the paths allow.

A product with one preset, or whose presets never depend on each other in a cycle,
keeps one op per preset with the name it always had.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import CompiledOutputError
from .plan import Plan, Resources

_IDENT = re.compile(r"[^A-Za-z0-9_]+")

# A group's key while groups are made: (preset, stage).
_Key = tuple[str, int]


def python_identifier(text: str) -> str:
    """text with runs of characters outside [A-Za-z0-9_] replaced by one underscore."""
    ident = _IDENT.sub("_", text).strip("_") or "floe"
    return ident if not ident[0].isdigit() else f"_{ident}"


@dataclass(frozen=True)
class Group:
    """Models of one resource preset built by one @dbt_assets op.

    stage numbers the groups of a preset in build order (0 when it has one group).
    """

    name: str
    preset: str
    resources: Resources | None
    models: tuple[str, ...]
    stage: int = 0


def _topological(plan: Plan, deps: Mapping[str, Sequence[str]]) -> list[str]:
    """The product's model names, each after its dependencies; stable in plan order."""
    indegree = {m.name: len(deps[m.name]) for m in plan.models}
    children: dict[str, list[str]] = {m.name: [] for m in plan.models}
    for m in plan.models:
        for d in deps[m.name]:
            children[d].append(m.name)
    order = [m.name for m in plan.models if indegree[m.name] == 0]
    # order grows while it is walked (Kahn's algorithm without recursion, so that a
    # chain of thousands of models cannot reach Python's recursion limit).
    for name in order:
        for child in children[name]:
            indegree[child] -= 1
            if indegree[child] == 0:
                order.append(child)
    if len(order) != len(indegree):
        stuck = sorted(name for name, n in indegree.items() if n > 0)
        raise CompiledOutputError(
            "the compiled dependsOn graph has a cycle through "
            + ", ".join(stuck[:10])
            + "; re-run `floe compile`"
        )
    return order


def _reachable(succ: Mapping[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in succ[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _preset_components(
    edges: set[tuple[str, str]], presets: set[str]
) -> dict[str, int]:
    """Strongly connected components of the preset graph: preset -> component number.

    Two presets share a component when a model of each depends, through some path, on
    a model of the other: exactly the presets whose one-op-per-preset ops would depend
    on each other in a cycle. Presets are few, so reachability per preset will do.
    """
    succ: dict[str, set[str]] = {p: set() for p in presets}
    for upstream, downstream in edges:
        succ[upstream].add(downstream)
    reach = {p: _reachable(succ, p) for p in presets}
    component: dict[str, int] = {}
    for number, p in enumerate(sorted(presets)):
        for q in sorted(reach[p]):
            if q not in component and p in reach[q]:
                component[q] = number
    return component


def model_stages(plan: Plan) -> dict[str, int]:
    """The stage of every model, such that groups of (preset, stage) form a DAG.

    stage(m) is the largest stage(d) + (1 if d's preset differs from m's, else 0) over
    m's dependencies d in the product whose preset is in the same component of the
    preset graph as m's (``_preset_components``); 0 when there is none. An edge between
    two groups then either goes from one component to a later one (the components of a
    graph form a DAG) or, within a component, to a strictly higher stage. A preset in a
    component of its own keeps every model at stage 0.
    """
    preset = {m.name: m.preset or plan.default_preset for m in plan.models}
    deps = {
        m.name: tuple(dict.fromkeys(d for d in m.depends_on if d in preset))
        for m in plan.models
    }
    order = _topological(plan, deps)
    edges = {
        (preset[d], preset[m]) for m in deps for d in deps[m] if preset[d] != preset[m]
    }
    component = _preset_components(edges, set(preset.values()))
    stages: dict[str, int] = {}
    for name in order:
        mine = preset[name]
        stage = 0
        for d in deps[name]:
            theirs = preset[d]
            if component[theirs] == component[mine]:
                stage = max(stage, stages[d] + (theirs != mine))
        stages[name] = stage
    return stages


def _detour(succ: Mapping[_Key, set[_Key]], start: _Key, end: _Key) -> bool:
    """Whether a path of two or more edges leads from start to end."""
    todo = [k for k in succ[start] if k != end]
    seen = set(todo)
    while todo:
        key = todo.pop()
        if key == end:
            return True
        for nxt in succ[key]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _merge_stages(
    keys: Sequence[_Key], edges: set[tuple[_Key, _Key]]
) -> dict[_Key, _Key]:
    """Each (preset, stage) key -> the key of the group it is merged into.

    Stages split more than needed: a model without dependencies has stage 0 although
    the other models of its preset may all be at stage 1, and two stages of a preset
    often have no other group between them. Two groups of a preset may become one op
    exactly when no path of two or more edges joins them (a path through another group
    would make the merged op depend on itself; a direct edge just becomes internal).
    Presets in name order, each stage merged into the group of the stage before it when
    that is allowed: deterministic, and the graph stays a DAG.
    """
    succ: dict[_Key, set[_Key]] = {k: set() for k in keys}
    pred: dict[_Key, set[_Key]] = {k: set() for k in keys}
    for upstream, downstream in edges:
        succ[upstream].add(downstream)
        pred[downstream].add(upstream)
    into = {k: k for k in keys}
    by_preset: dict[str, list[_Key]] = {}
    for key in sorted(keys):
        by_preset.setdefault(key[0], []).append(key)
    for preset in sorted(by_preset):
        current, *rest = by_preset[preset]
        for key in rest:
            if _detour(succ, current, key) or _detour(succ, key, current):
                current = key
                continue
            for upstream in pred.pop(key):
                succ[upstream].discard(key)
                if upstream != current:
                    succ[upstream].add(current)
                    pred[current].add(upstream)
            for downstream in succ.pop(key):
                pred[downstream].discard(key)
                if downstream != current:
                    succ[current].add(downstream)
                    pred[downstream].add(current)
            for k, target in into.items():
                if target == key:
                    into[k] = current
    return into


def unique_name(name: str, taken: set[str]) -> str:
    """name, or name_2, name_3, … when it is taken; the result is taken from then on."""
    unique, n = name, 1
    while unique in taken:
        n += 1
        unique = f"{name}_{n}"
    taken.add(unique)
    return unique


def preset_groups(plan: Plan) -> list[Group]:
    """The models' groups, sorted by preset and stage; models keep the compiled order.

    A preset with one group keeps the op name it always had, ``<slug>_dbt_<preset>``;
    a preset in several groups names them ``<slug>_dbt_<preset>_s<n>``, n = 0, 1, … in
    build order.
    """
    stages = model_stages(plan)
    key_of = {
        m.name: (m.preset or plan.default_preset, stages[m.name]) for m in plan.models
    }
    edges = {
        (key_of[d], key_of[m.name])
        for m in plan.models
        for d in m.depends_on
        if d in key_of and key_of[d] != key_of[m.name]
    }
    into = _merge_stages(sorted(set(key_of.values())), edges)
    members: dict[_Key, list[str]] = {}
    for model in plan.models:
        members.setdefault(into[key_of[model.name]], []).append(model.name)
    keys = sorted(members)
    ordinal: dict[_Key, int] = {}
    count: dict[str, int] = {}
    for preset, stage in keys:
        ordinal[(preset, stage)] = count.get(preset, 0)
        count[preset] = ordinal[(preset, stage)] + 1
    names: dict[_Key, str] = {}
    taken: set[str] = set()
    # Presets with one group are named first, so that they keep their names even when a
    # split preset's group is called like one of them (presets "x" and "x_s1").
    for split in (False, True):
        for key in keys:
            if (count[key[0]] > 1) != split:
                continue
            name = (
                f"{plan.slug}_dbt_{python_identifier(key[0]) if key[0] else 'default'}"
            )
            if split:
                name = f"{name}_s{ordinal[key]}"
            names[key] = unique_name(name, taken)
    return [
        Group(
            name=names[key],
            preset=key[0],
            resources=plan.resources(key[0]),
            models=tuple(members[key]),
            stage=ordinal[key],
        )
        for key in keys
    ]
