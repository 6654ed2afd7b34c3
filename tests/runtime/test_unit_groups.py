"""Unit tests of floe_runtime.groups: the dbt models each op builds, and the op graph.

One op per preset depends on itself through another preset's op when presets alternate
along a path; Dagster then splits the ops into subsets while building every asset job
(seconds at load for 1,000 models). These tests check that the groups form a DAG by
construction, that no split happens where none is needed (same ops, same names), that
the split is close to the fewest ops, and that real Dagster builds no subsetted op from
the definitions of a synthetic product with alternating presets.

No `from __future__ import annotations`: Dagster reads the annotations of the asset
bodies below to find their context parameter.
"""

import json
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO, dbt_parse, run
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    materialize,
    multi_asset,
)
from dagster_dbt.asset_utils import DAGSTER_DBT_SELECT_METADATA_KEY
from floe_runtime import FLOE_VERSION, build_definitions
from floe_runtime.assets import DUCKDB_TAG, K8S_CONFIG_TAG
from floe_runtime.errors import CompiledOutputError
from floe_runtime.groups import Group, model_stages, preset_groups
from floe_runtime.local import _plan_only
from floe_runtime.plan import Model, Plan, Resources
from floe_runtime.run import step_name

SMALL = Resources("100m", "256Mi", "500m", "512Mi")
LARGE = Resources("500m", "1Gi", "2000m", "2Gi")
OP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def plan(*models: Model, presets: dict[str, Resources] | None = None) -> Plan:
    return Plan(
        product="demo-x",
        product_version="1",
        slug="demo_x",
        floe_version="dev",
        contract_version="0.10.0",
        project_dir="../..",
        dbt_profile="demo-x",
        dbt_target="dev",
        models=models,
        presets=presets if presets is not None else {"large": LARGE, "small": SMALL},
        default_preset="small",
    )


def m(name: str, *deps: str, preset: str = "") -> Model:
    return Model(name, depends_on=deps, preset=preset)


def view(groups: list[Group]) -> list[tuple[str, tuple[str, ...]]]:
    return [(g.name, g.models) for g in groups]


def op_graph(p: Plan, groups: list[Group]) -> dict[str, set[str]]:
    """Op name -> the op names it depends on, through the models' dependsOn."""
    op_of = {name: g.name for g in groups for name in g.models}
    deps: dict[str, set[str]] = {g.name: set() for g in groups}
    for model in p.models:
        for d in model.depends_on:
            if op_of[d] != op_of[model.name]:
                deps[op_of[model.name]].add(op_of[d])
    return deps


def is_acyclic(deps: dict[str, set[str]]) -> bool:
    done: set[str] = set()
    remaining = dict(deps)
    while remaining:
        ready = [n for n, ds in remaining.items() if ds <= done]
        if not ready:
            return False
        for n in ready:
            done.add(n)
            del remaining[n]
    return True


def check_groups(p: Plan, groups: list[Group]) -> None:
    """Every model in exactly one group of its own preset; unique op names; a DAG."""
    placed = [name for g in groups for name in g.models]
    assert sorted(placed) == sorted(model.name for model in p.models)
    by_name = {model.name: model for model in p.models}
    for g in groups:
        assert {by_name[n].preset or p.default_preset for n in g.models} == {g.preset}
        assert g.resources == p.resources(g.preset)
        assert OP_NAME.fullmatch(g.name), g.name
    assert len({g.name for g in groups}) == len(groups)
    assert is_acyclic(op_graph(p, groups))


def test_one_preset_is_one_op_with_the_old_name() -> None:
    p = plan(m("a"), m("b", "a"), m("c", "a", "b"), m("d", "c", preset="small"))
    groups = preset_groups(p)
    assert view(groups) == [("demo_x_dbt_small", ("a", "b", "c", "d"))]
    assert groups[0].stage == 0 and groups[0].resources == SMALL


def test_presets_that_never_alternate_keep_one_op_each() -> None:
    # large -> small and small -> small only: one op per preset is already a DAG, even
    # where a plain count of preset changes along paths would put d at another stage.
    p = plan(
        m("a"),
        m("b", preset="large"),
        m("c", "b"),
        m("d", "a", "c"),
        m("e", "b", preset="large"),
    )
    assert view(preset_groups(p)) == [
        ("demo_x_dbt_large", ("b", "e")),
        ("demo_x_dbt_small", ("a", "c", "d")),
    ]


def test_alternating_presets_split_into_acyclic_groups() -> None:
    p = plan(
        m("a"),
        m("b", "a", preset="large"),
        m("c", "b"),
        m("d", "c", preset="large"),
    )
    assert model_stages(p) == {"a": 0, "b": 1, "c": 2, "d": 3}
    groups = preset_groups(p)
    assert view(groups) == [
        ("demo_x_dbt_large_s0", ("b",)),
        ("demo_x_dbt_large_s1", ("d",)),
        ("demo_x_dbt_small_s0", ("a",)),
        ("demo_x_dbt_small_s1", ("c",)),
    ]
    assert [g.stage for g in groups] == [0, 1, 0, 1]
    assert [g.resources for g in groups] == [LARGE, LARGE, SMALL, SMALL]
    check_groups(p, groups)


def test_diamond_splits_only_the_preset_that_must_split() -> None:
    # top -> left (large) -> bottom and top -> right -> bottom: small cannot be one op
    # (it would run before and after left), large stays one op with its old name.
    p = plan(
        m("top"),
        m("left", "top", preset="large"),
        m("right", "top"),
        m("bottom", "left", "right"),
    )
    groups = preset_groups(p)
    assert view(groups) == [
        ("demo_x_dbt_large", ("left",)),
        ("demo_x_dbt_small_s0", ("top", "right")),
        ("demo_x_dbt_small_s1", ("bottom",)),
    ]
    check_groups(p, groups)
    assert op_graph(p, groups) == {
        "demo_x_dbt_large": {"demo_x_dbt_small_s0"},
        "demo_x_dbt_small_s0": set(),
        "demo_x_dbt_small_s1": {"demo_x_dbt_large", "demo_x_dbt_small_s0"},
    }


def test_models_without_dependencies_join_an_existing_group() -> None:
    # lone (large) and alone (small) have no dependencies and no dependents: they are at
    # stage 0, and merge with whatever group of their preset no path separates them from.
    p = plan(
        m("a"),
        m("b", "a", preset="large"),
        m("c", "b"),
        m("lone", preset="large"),
        m("alone"),
    )
    groups = preset_groups(p)
    assert view(groups) == [
        ("demo_x_dbt_large", ("b", "lone")),
        ("demo_x_dbt_small_s0", ("a", "alone")),
        ("demo_x_dbt_small_s1", ("c",)),
    ]
    check_groups(p, groups)
    only_roots = plan(m("a"), m("b", preset="large"), m("c"))
    assert view(preset_groups(only_roots)) == [
        ("demo_x_dbt_large", ("b",)),
        ("demo_x_dbt_small", ("a", "c")),
    ]


def test_stages_merge_when_no_other_group_lies_between() -> None:
    # s0 -> l1 -> s2 -> s3 <- x: by stage alone, large has stage 0 (x, no dependencies)
    # and stage 1 (l1); no other group lies between them, so they share one op.
    p = plan(
        m("s0"),
        m("l1", "s0", preset="large"),
        m("s2", "l1"),
        m("x", preset="large"),
        m("s3", "x", "s2"),
    )
    stages = model_stages(p)
    assert (stages["x"], stages["l1"]) == (0, 1)
    groups = preset_groups(p)
    assert view(groups) == [
        ("demo_x_dbt_large", ("l1", "x")),
        ("demo_x_dbt_small_s0", ("s0",)),
        ("demo_x_dbt_small_s1", ("s2", "s3")),
    ]
    check_groups(p, groups)


def test_three_presets_in_a_cycle() -> None:
    presets = {"large": LARGE, "small": SMALL, "tiny": SMALL}
    p = plan(
        m("a"),
        m("b", "a", preset="large"),
        m("c", "b", preset="tiny"),
        m("d", "c"),
        m("e", "d", preset="large"),
        m("f", preset="tiny"),
        presets=presets,
    )
    groups = preset_groups(p)
    check_groups(p, groups)
    assert len(groups) == 5
    assert {g.name for g in groups} >= {"demo_x_dbt_tiny"}


def test_a_preset_called_like_a_split_group_keeps_its_name() -> None:
    presets = {"large": LARGE, "small": SMALL, "small_s0": LARGE}
    p = plan(
        m("a"),
        m("b", "a", preset="large"),
        m("c", "b"),
        m("z", preset="small_s0"),
        presets=presets,
    )
    groups = preset_groups(p)
    assert view(groups) == [
        ("demo_x_dbt_large", ("b",)),
        ("demo_x_dbt_small_s0_2", ("a",)),
        ("demo_x_dbt_small_s1", ("c",)),
        ("demo_x_dbt_small_s0", ("z",)),
    ]
    check_groups(p, groups)


def test_a_cycle_in_the_plan_is_an_error() -> None:
    p = plan(m("a", "b"), m("b", "a"), m("c"))
    with pytest.raises(CompiledOutputError, match="cycle through a, b"):
        preset_groups(p)


def _random_plan(rng: random.Random, n: int, presets: list[str]) -> Plan:
    models = []
    for i in range(n):
        k = rng.randint(0, min(i, 3))
        deps = tuple(f"m{j}" for j in rng.sample(range(i), k))
        models.append(m(f"m{i}", *deps, preset=rng.choice(presets)))
    rng.shuffle(models)  # the plan's order need not be topological
    res = {p: SMALL for p in presets if p}
    return plan(*models, presets=res or {"small": SMALL})


@pytest.mark.parametrize("seed", range(40))
def test_random_products_give_acyclic_groups(seed: int) -> None:
    rng = random.Random(seed)
    presets = [["small"], ["small", "large"], ["", "large", "tiny"]][seed % 3]
    p = _random_plan(rng, rng.randint(1, 60), presets)
    groups = preset_groups(p)
    check_groups(p, groups)
    assert view(preset_groups(p)) == view(groups), "deterministic"
    # No more ops than (preset, stage) pairs; one op per preset when that is a DAG.
    stages = model_stages(p)
    pairs = {(g.preset, stages[name]) for g in groups for name in g.models}
    assert len(groups) <= len(pairs)
    one_per_preset: dict[str, list[str]] = {}
    for model in p.models:
        one_per_preset.setdefault(model.preset or p.default_preset, []).append(
            model.name
        )
    naive = [
        Group(f"op_{k or 'default'}", k, None, tuple(v))
        for k, v in one_per_preset.items()
    ]
    if is_acyclic(op_graph(p, naive)):
        assert len(groups) == len(naive)
        assert all(not re.search(r"_s\d+$", g.name) for g in groups)


def test_each_step_of_an_op_dagster_splits_reports_its_own_step() -> None:
    seen: list[tuple[str, list[str]]] = []

    def record(context: AssetExecutionContext, op: str) -> None:
        keys = sorted(k.to_user_string() for k in context.selected_asset_keys)
        seen.append((step_name(context, op), keys))

    @multi_asset(
        name="first",
        specs=[AssetSpec("a1"), AssetSpec("a2", deps=["b1"])],
        can_subset=True,
    )
    def first(context: AssetExecutionContext):  # noqa: ANN202
        record(context, "first")
        for key in context.selected_asset_keys:
            yield MaterializeResult(asset_key=key)

    @multi_asset(name="second", specs=[AssetSpec("b1", deps=["a1"])], can_subset=True)
    def second(context: AssetExecutionContext):  # noqa: ANN202
        record(context, "second")
        yield MaterializeResult(asset_key=AssetKey("b1"))

    assert materialize([first, second]).success
    assert sorted(seen) == [
        ("first", ["a1"]),
        ("first_2", ["a2"]),
        ("second", ["b1"]),
    ]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory, floe_bin: Path) -> Path:
    """The output directory of a compiled synthetic product of 100 models, dbt-parsed.

    Layers of 10; every tenth model has the medium preset, so medium and small
    alternate along paths: one op per preset would depend on each other both ways.
    """
    root = tmp_path_factory.mktemp("groups") / "synthetic"
    synth = ["go", "run", "./internal/synth/cmd/floe-synth", "-dbt", "100"]
    run([*synth, str(root)], cwd=REPO)
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    dbt_parse(root, out)
    return out


def test_dagster_builds_no_subsetted_op_for_alternating_presets(
    synthetic: Path,
) -> None:
    # The runtime under test is templates/runtime's (stamped "dev"), not the copy floe
    # wrote next to definitions.py: the plan says so, the rest is as compiled.
    p = replace(_plan_only(synthetic), floe_version=FLOE_VERSION)
    groups = preset_groups(p)
    naive: dict[str, list[str]] = {}
    for model in p.models:
        naive.setdefault(model.preset or p.default_preset, []).append(model.name)
    one_per_preset = [Group(k, k, None, tuple(v)) for k, v in naive.items()]
    assert not is_acyclic(op_graph(p, one_per_preset)), "presets should alternate"
    check_groups(p, groups)
    assert any(g.name.endswith("_s1") for g in groups)

    defs = build_definitions(p, synthetic)
    ops = {g.name for g in groups} | {"synthetic_dbt_seeds"}
    jobs = defs.resolve_all_job_defs()
    assert jobs
    for job in jobs:
        nodes = job.graph.nodes
        # A subsetted op is the same definition under an alias (<op>_2, …).
        aliased = [n.name for n in nodes if n.name != n.definition.name]
        assert aliased == [], job.name
        dbt_nodes = {n.name for n in nodes if n.name.startswith("synthetic_dbt_")}
        assert dbt_nodes <= ops, job.name
        assert dbt_nodes >= {g.name for g in groups}, job.name
    assert {job.name for job in jobs} >= {"__ASSET_JOB"}
    # Each op carries its preset's op tags, as before the split (Dagster keeps tag
    # values that are not strings as JSON).
    by_op = {a.op.name: a for a in defs.assets}
    for g in groups:
        tags = dict(by_op[g.name].op.tags)
        assert json.loads(tags.pop(K8S_CONFIG_TAG)) == {
            "container_config": {"resources": g.resources.k8s()}
        }
        assert tags == {
            DAGSTER_DBT_SELECT_METADATA_KEY: " ".join(g.models),
            DUCKDB_TAG: "write",
        }


def test_the_schedule_of_a_product_without_partitions_runs_the_asset_job(
    synthetic: Path,
) -> None:
    # With every asset unpartitioned, the schedule targets the job Dagster builds of
    # every asset anyway: the definitions hold that one job, not a second one of the
    # same assets that every loading process would resolve and snapshot again.
    p = replace(_plan_only(synthetic), floe_version=FLOE_VERSION)
    defs = build_definitions(p, synthetic)
    schedule = defs.get_schedule_def("synthetic_schedule")
    assert schedule.job_name == "__ASSET_JOB"
    assert schedule.cron_schedule == "0 3 * * *"
    assert schedule.execution_timezone == "Europe/Berlin"
    jobs = defs.resolve_all_job_defs()
    assert [job.name for job in jobs] == ["__ASSET_JOB"]
    every = {key for a in defs.assets for key in a.keys}
    assert set(jobs[0].asset_layer.executable_asset_keys) == every
