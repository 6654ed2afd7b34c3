"""floe's one-pass dbt selection builds exactly the assets @dbt_assets builds.

build_dbt_assets selects each preset group's models itself: dbt evaluates
``select="a b c …"`` with one scan of every node per name, which made loading a product
quadratic in its models. These tests build both, on real manifests from `dbt parse`
(customer-360 with its data tests, and a synthetic product whose presets alternate
along paths), and compare them spec by spec; and they check that any manifest where a
model name could select more than that model goes back to dbt's own selection.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, copy_example, dbt_parse, run
from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_dbt.dagster_dbt_translator import DbtManifestWrapper
from floe_runtime.dbt import (
    FloeDbtTranslator,
    Group,
    _build_child_map,
    name_selections,
    op_tags,
    preset_groups,
    selected_dbt_assets,
)
from floe_runtime.local import _plan_only
from floe_runtime.plan import Plan


# No `from __future__ import annotations` here: Dagster reads the annotations of the
# body to tell the dbt resource from asset inputs.
def _body(context: AssetExecutionContext, dbt: DbtCliResource):  # noqa: ANN201
    yield from ()


@pytest.fixture(scope="module", params=["customer-360", "synthetic"])
def parsed(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    floe_bin: Path,
) -> tuple[Plan, dict[str, Any]]:
    """The compiled plan and dbt's manifest.json of a real product."""
    dest = tmp_path_factory.mktemp("dbt-assets")
    if request.param == "customer-360":
        root = copy_example("customer-360", dest)
    else:
        # 40 models in layers of 7; every tenth model has the medium preset, so the
        # presets alternate along paths and are split into several groups each.
        root = dest / "synthetic"
        synth = ["go", "run", "./internal/synth/cmd/floe-synth", "-dbt", "40"]
        run([*synth, str(root)], cwd=REPO)
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    dbt_parse(root, out)
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    return _plan_only(out), manifest


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Metadata with dagster-dbt's manifest and translator objects named by identity."""
    view = {}
    for key, value in metadata.items():
        if isinstance(value, DbtManifestWrapper):
            value = ("manifest", id(value.manifest))
        elif isinstance(value, DagsterDbtTranslator):
            value = "translator"
        view[key] = value
    return view


def _record(spec: Any) -> dict[str, Any]:
    view = {field: getattr(spec, field) for field in spec._fields}
    view["metadata"] = _metadata(dict(spec.metadata))
    if "deps" in view:
        view["deps"] = sorted(spec.deps, key=lambda d: d.asset_key.to_user_string())
    return view


def _assets_view(assets: AssetsDefinition) -> dict[str, Any]:
    return {
        "op": assets.op.name,
        "tags": dict(assets.op.tags),
        "can_subset": assets.can_subset,
        "ins": {k: v.to_user_string() for k, v in assets.keys_by_input_name.items()},
        "outs": {k: v.to_user_string() for k, v in assets.keys_by_output_name.items()},
        "specs": {s.key.to_user_string(): _record(s) for s in assets.specs},
        "checks": {
            c.key.to_user_string(): _record(c)
            for c in sorted(assets.check_specs, key=lambda c: c.key.to_user_string())
        },
    }


def test_one_pass_selection_builds_what_dbt_assets_builds(
    parsed: tuple[Plan, dict[str, Any]],
) -> None:
    plan, manifest = parsed
    groups = preset_groups(plan)
    assert len(groups) > 1
    selections = name_selections(manifest, groups)
    assert selections is not None, "the product's names should not need dbt's selection"
    child_map = _build_child_map(manifest)
    checks = 0
    for group in groups:
        select = " ".join(group.models)
        tags = op_tags(group.resources, "target/x.duckdb")
        fast = selected_dbt_assets(
            manifest=manifest,
            selected=selections[group.name],
            select=select,
            name=group.name,
            op_tags=tags,
            dagster_dbt_translator=FloeDbtTranslator(plan),
            child_map=child_map,
        )(_body)
        reference = dbt_assets(
            manifest=manifest,
            select=select,
            name=group.name,
            op_tags=tags,
            dagster_dbt_translator=FloeDbtTranslator(plan),
        )(_body)
        assert _assets_view(fast) == _assets_view(reference), group.name
        assert {k.path[-1] for k in fast.keys} == set(group.models)
        checks += len(fast.check_specs)
    if plan.product == "customer-360":
        assert checks > 0, "customer-360's data tests are asset checks"


def _node(package: str, *fqn: str, kind: str = "model", **extra: Any) -> dict:
    name = fqn[-1]
    return {
        "unique_id": f"{kind}.{package}.{name}",
        "resource_type": kind,
        "package_name": package,
        "name": name,
        "fqn": [package, *fqn],
        "config": {"enabled": True},
        "depends_on": {"nodes": []},
        **extra,
    }


def _manifest(*nodes: dict) -> dict:
    by_id = {n["unique_id"]: n for n in nodes}
    child_map: dict[str, list[str]] = {uid: [] for uid in by_id}
    for n in nodes:
        for parent in n["depends_on"]["nodes"]:
            child_map[parent].append(n["unique_id"])
    return {
        "metadata": {"project_name": "demo"},
        "nodes": by_id,
        "child_map": child_map,
    }


GROUPS = [
    Group("demo_dbt_small", "small", None, ("a", "b")),
    Group("demo_dbt_large", "large", None, ("c",)),
]


def test_name_selection_adds_the_tests_of_each_model() -> None:
    test = _node(
        "demo",
        "staging",
        "not_null_a_id",
        kind="test",
        depends_on={"nodes": ["model.demo.a"]},
    )
    m = _manifest(
        _node("demo", "staging", "a"),
        _node("demo", "staging", "b"),
        _node("demo", "marts", "c", depends_on={"nodes": ["model.demo.a"]}),
        test,
    )
    assert name_selections(m, GROUPS) == {
        "demo_dbt_small": {"model.demo.a", "model.demo.b", test["unique_id"]},
        "demo_dbt_large": {"model.demo.c"},
    }


@pytest.mark.parametrize(
    "extra",
    [
        # a package called like a model: dbt's `c` selects every node in it
        _node("c", "x"),
        # a directory called like a model: `b` selects everything under models/b/
        _node("demo", "b", "other"),
        # a model of another package with the same name
        _node("dep", "c"),
        # a snapshot or seed called like a model
        _node("demo", "snapshots", "a", kind="snapshot"),
        # versioned models are matched differently
        _node("demo", "staging", "v", version=2),
    ],
    ids=["package", "directory", "other-package", "same-name", "versioned"],
)
def test_name_selection_defers_to_dbt_when_a_name_could_select_more(
    extra: dict,
) -> None:
    m = _manifest(
        _node("demo", "staging", "a"),
        _node("demo", "staging", "b"),
        _node("demo", "marts", "c"),
        extra,
    )
    assert name_selections(m, GROUPS) is None


def test_name_selection_defers_to_dbt_for_names_dbt_reads_otherwise() -> None:
    m = _manifest(_node("demo", "a.b"), _node("demo", "c"))
    groups = [Group("demo_dbt_small", "small", None, ("a.b", "c"))]
    assert name_selections(m, groups) is None
