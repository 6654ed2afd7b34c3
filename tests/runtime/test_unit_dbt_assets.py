"""floe's dbt assets are exactly the assets @dbt_assets builds.

build_dbt_assets selects each preset group's models itself: dbt evaluates
``select="a b c …"`` with one scan of every node per name, which made loading a product
quadratic in its models. These tests build both, on real manifests from `dbt parse`
(customer-360 with its data tests, and a synthetic product whose presets alternate
along paths), and compare them spec by spec; and they check that any manifest where a
model name could select more than that model goes back to dbt's own selection.

Loading builds the specs without dagster-dbt (floe_runtime.specs); the tests below
compare those with @dbt_assets' too, for every group including the seeds, and check
that manifests only dagster-dbt's translator handles go back to it.
"""

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, copy_example, dbt_parse, run
from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets
from dagster_dbt.dagster_dbt_translator import DbtManifestWrapper
from floe_runtime.assets import (
    _dbt_specs,
    build_dbt_assets,
    dbt_translator,
    op_tags,
    selected_dbt_assets,
)
from floe_runtime.groups import Group, preset_groups
from floe_runtime.local import _plan_only
from floe_runtime.manifest import child_map
from floe_runtime.plan import Model, Plan
from floe_runtime.selection import SEEDS_GROUP, name_selections
from floe_runtime.specs import SpecBuilder, plain_manifest, plain_specs


# No `from __future__ import annotations` here: Dagster reads the annotations of the
# body to tell the dbt resource from asset inputs.
def _body(context: AssetExecutionContext, dbt: DbtCliResource):  # noqa: ANN201
    yield from ()


@pytest.fixture(scope="module", params=["customer-360", "synthetic"])
def parsed(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    floe_bin: Path,
) -> tuple[Plan, dict[str, Any], Path]:
    """The compiled plan, dbt's manifest.json and the output directory of a product."""
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
    return _plan_only(out), manifest, out


def _metadata(metadata: dict[str, Any], strip: bool = False) -> dict[str, Any]:
    """Metadata with dagster-dbt's manifest and translator objects named by identity,
    or (strip) without them."""
    view = {}
    for key, value in metadata.items():
        if strip and isinstance(value, DbtManifestWrapper | DagsterDbtTranslator):
            continue
        if isinstance(value, DbtManifestWrapper):
            value = ("manifest", id(value.manifest))
        elif isinstance(value, DagsterDbtTranslator):
            value = "translator"
        view[key] = value
    return view


def _record(spec: Any, strip: bool = False) -> dict[str, Any]:
    """A spec as a dict; strip drops dagster-dbt's Python objects from the metadata."""
    view = {field: getattr(spec, field) for field in spec._fields}
    view["metadata"] = _metadata(dict(spec.metadata), strip)
    if "deps" in view:
        view["deps"] = [
            (d.asset_key, d.partition_mapping, _metadata(dict(d.metadata or {}), strip))
            for d in sorted(spec.deps, key=lambda d: d.asset_key.to_user_string())
        ]
    return view


def _assets_view(assets: AssetsDefinition, strip: bool = False) -> dict[str, Any]:
    return {
        "op": assets.op.name,
        "tags": dict(assets.op.tags),
        "can_subset": assets.can_subset,
        "ins": {k: v.to_user_string() for k, v in assets.keys_by_input_name.items()},
        "outs": {k: v.to_user_string() for k, v in assets.keys_by_output_name.items()},
        "specs": {s.key.to_user_string(): _record(s, strip) for s in assets.specs},
        "checks": {
            c.key.to_user_string(): _record(c, strip)
            for c in sorted(assets.check_specs, key=lambda c: c.key.to_user_string())
        },
    }


def test_one_pass_selection_builds_what_dbt_assets_builds(
    parsed: tuple[Plan, dict[str, Any], Path],
) -> None:
    plan, manifest, _ = parsed
    groups = preset_groups(plan)
    assert len(groups) > 1
    children = child_map(manifest)
    selections = name_selections(manifest, groups, children)
    assert selections is not None, "the product's names should not need dbt's selection"
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
            dagster_dbt_translator=dbt_translator(plan),
            child_map=children,
        )(_body)
        reference = dbt_assets(
            manifest=manifest,
            select=select,
            name=group.name,
            op_tags=tags,
            dagster_dbt_translator=dbt_translator(plan),
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
            child_map.setdefault(parent, []).append(n["unique_id"])
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
    assert name_selections(m, GROUPS, m["child_map"]) == {
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
    assert name_selections(m, GROUPS, m["child_map"]) is None


def test_name_selection_defers_to_dbt_for_names_dbt_reads_otherwise() -> None:
    m = _manifest(_node("demo", "a.b"), _node("demo", "c"))
    groups = [Group("demo_dbt_small", "small", None, ("a.b", "c"))]
    assert name_selections(m, groups, m["child_map"]) is None


def test_specs_built_without_dagster_dbt_are_dagster_dbts(
    parsed: tuple[Plan, dict[str, Any], Path],
) -> None:
    """build_dbt_assets' multi-assets, seeds included, against @dbt_assets' own."""
    plan, manifest, out = parsed
    assert plain_manifest(manifest)
    runtime = type("R", (), {})()  # what build_dbt_assets reads of a Runtime
    runtime.plan, runtime.manifest = plan, manifest
    runtime.duckdb_file = lambda: Path("target/x.duckdb")
    runtime.translator = dbt_translator(plan)
    built = build_dbt_assets(runtime)
    assert built, "no dbt assets were built"
    seeds = any(n["resource_type"] == "seed" for n in manifest["nodes"].values())
    if plan.product == "customer-360":
        assert seeds, "customer-360 has seeds"
    assert any(a.op.name.endswith(f"_dbt_{SEEDS_GROUP}") for a in built) == seeds
    checks = 0
    for assets in built:
        tags = dict(assets.op.tags)
        select = tags.pop("dagster_dbt/select")
        for spec in assets.specs:
            assert "dagster_dbt/manifest" not in spec.metadata, spec.key
        reference = dbt_assets(
            manifest=manifest,
            select=select,
            name=assets.op.name,
            op_tags=tags,
            dagster_dbt_translator=dbt_translator(plan),
        )(_body)
        assert _assets_view(assets, strip=True) == _assets_view(
            reference, strip=True
        ), assets.op.name
        checks += len(assets.check_specs)
    if plan.product == "customer-360":
        assert checks > 0, "customer-360's data tests are asset checks"


def _after_load(out: Path, code: str, **env: str) -> list[str]:
    """stdout lines of a fresh Python that imports out/definitions.py, then runs code."""
    prelude = "import gc, sys; sys.path.insert(0, sys.argv[1]); import definitions; "
    result = run(
        [sys.executable, "-c", prelude + code, str(out)],
        cwd=out,
        env=env,
    )
    return result.stdout.strip().splitlines()


def test_loading_the_definitions_does_not_import_dbt(
    parsed: tuple[Plan, dict[str, Any], Path],
) -> None:
    """dagster-dbt (and with it dbt-core) is imported by runs, not by loading."""
    _, _, out = parsed
    lines = _after_load(
        out,
        "assert definitions.defs.get_repository_def().assets_defs_by_key; "
        "print(sorted(m for m in ('dagster_dbt', 'dbt') if m in sys.modules)); "
        "print(gc.isenabled(), gc.get_freeze_count() > 0)",
    )
    assert lines[-2:] == ["[]", "True True"]


def test_gc_freeze_can_be_turned_off(
    parsed: tuple[Plan, dict[str, Any], Path],
) -> None:
    _, _, out = parsed
    lines = _after_load(
        out, "print(gc.isenabled(), gc.get_freeze_count())", FLOE_GC_FREEZE="0"
    )
    assert lines[-1] == "True 0"


def _plain(*nodes: dict) -> tuple[dict, SpecBuilder]:
    m = _manifest(*nodes)
    m["parent_map"] = {n["unique_id"]: n["depends_on"]["nodes"] for n in nodes}
    m["sources"] = {}
    return m, SpecBuilder(m, {})


@pytest.mark.parametrize(
    "extra",
    [
        {"config": {"enabled": True, "meta": {"dagster": {"asset_key": ["x", "a"]}}}},
        {"meta": {"dagster": {"owners": ["me@example.com"]}}},
        {"group": "finance"},
        {"version": 2},
    ],
    ids=["meta-asset-key", "meta-owners", "dbt-group", "versioned"],
)
def test_manifests_only_dagster_dbt_translates_go_back_to_it(extra: dict) -> None:
    m, _ = _plain(_node("demo", "staging", "a", **extra))
    assert not plain_manifest(m)
    m, _ = _plain(_node("demo", "staging", "a"))
    assert plain_manifest(m)


def test_ephemeral_parents_and_shared_keys_go_back_to_dagster_dbt() -> None:
    eph = _node(
        "demo", "staging", "e", config={"enabled": True, "materialized": "ephemeral"}
    )
    child = _node("demo", "marts", "c", depends_on={"nodes": [eph["unique_id"]]})
    m, builder = _plain(eph, child)
    assert plain_specs(m, builder, {child["unique_id"]}, m["child_map"]) is None
    a = _node("demo", "staging", "a")
    b = _node("demo", "staging", "b", config={"enabled": True, "schema": None})
    seed = _node("demo", "seeds", "a", kind="seed")
    m, builder = _plain(a, b, seed)
    both = {a["unique_id"], seed["unique_id"]}
    assert plain_specs(m, builder, {a["unique_id"]}, m["child_map"]) is not None
    assert plain_specs(m, builder, both, m["child_map"]) is None


def _rich_manifest() -> dict:
    """Every field dagster-dbt's translator reads, in the forms dbt writes them."""
    src = {
        "unique_id": "source.demo.raw.orders",
        "resource_type": "source",
        "package_name": "demo",
        "source_name": "raw",
        "name": "orders",
        "fqn": ["demo", "raw", "orders"],
        "database": "db",
        "schema": "raw",
        "description": "",
        "columns": {"id": {"name": "id", "data_type": "int", "tags": ["pk"]}},
        "config": {"enabled": True},
        "tags": ["raw"],
    }
    a = _node(
        "demo",
        "staging",
        "a",
        depends_on={"nodes": [src["unique_id"]]},
        database="db",
        schema="main",
        alias="a_alias",
        description="Model a.",
        raw_code="select *\nfrom {{ source('raw', 'orders') }}",
        tags=["nightly", "pii", "bad tag!"],
        columns={
            "id": {"name": "id", "data_type": None, "description": "key", "tags": []},
            "v": {"name": "v", "description": "", "tags": ["x"]},
        },
        config={"enabled": True, "materialized": "table", "meta": {"team": "x"}},
    )
    b = _node(
        "demo",
        "marts",
        "b",
        depends_on={"nodes": [a["unique_id"], "seed.demo.s"]},
        schema="main",
        checksum={"name": "sha256", "checksum": "abc"},
        config={"enabled": True, "materialized": "view", "schema": "marts"},
    )
    seed = _node(
        "demo", "seeds", "s", kind="seed", schema="main", config={"enabled": True}
    )
    snap = _node(
        "demo",
        "snapshots",
        "snap",
        kind="snapshot",
        depends_on={"nodes": [a["unique_id"]]},
    )
    warn = _node(
        "demo",
        "tests",
        "not_null_a_id",
        kind="test",
        depends_on={"nodes": [a["unique_id"]]},
        attached_node=a["unique_id"],
        config={"enabled": True, "severity": "WARN"},
        meta={"description": "ids are set"},
    )
    rel = _node(
        "demo",
        "tests",
        "relationships_b_a",
        kind="test",
        depends_on={"nodes": [a["unique_id"], b["unique_id"]]},
        attached_node=b["unique_id"],
    )
    m = _manifest(a, b, seed, snap, warn, rel)
    m["sources"] = {src["unique_id"]: src}
    m["parent_map"] = {
        n["unique_id"]: n["depends_on"]["nodes"] for n in m["nodes"].values()
    }
    m["metadata"].update(adapter_type="duckdb", project_id="p123")
    return m


def test_specs_of_every_translated_field_are_dagster_dbts() -> None:
    m = _rich_manifest()
    tiers = {"a": "bronze", "b": "gold"}
    plan = Plan(
        product="demo",
        product_version="1",
        slug="demo",
        floe_version="x",
        contract_version="x",
        project_dir=".",
        dbt_profile="p",
        dbt_target="t",
        models=tuple(Model(name, tier=tier) for name, tier in tiers.items()),
    )
    translator = dbt_translator(plan)
    assert plain_manifest(m)
    for selected in (
        {"model.demo.a", "test.demo.not_null_a_id"},
        {"model.demo.b", "test.demo.relationships_b_a", "seed.demo.s"},
        {"snapshot.demo.snap", "model.demo.a"},
        set(m["nodes"]),
    ):
        plain = plain_specs(m, SpecBuilder(m, tiers), selected, m["child_map"])
        assert plain is not None, selected
        specs, checks = _dbt_specs(translator, m, selected, m["child_map"])
        assert [_record(s, strip=True) for s in plain[0]] == [
            _record(s, strip=True) for s in specs
        ]
        key = lambda c: c.key.to_user_string()  # noqa: E731
        assert [_record(c, strip=True) for c in sorted(plain[1], key=key)] == [
            _record(c, strip=True) for c in sorted(checks, key=key)
        ]
    specs, checks = plain_specs(
        m, SpecBuilder(m, tiers), set(m["nodes"]), m["child_map"]
    )
    assert {c.name for c in checks} == {"not_null_a_id", "relationships_b_a"}
    by_name = {s.key.path[-1]: s for s in specs}
    assert {"nightly", "pii"} <= set(by_name["a"].tags)
    assert "bad tag!" not in by_name["a"].tags
    assert by_name["b"].key.path == ["marts", "b"]


def test_unit_tests_named_after_their_model_keep_the_one_pass_selection() -> None:
    a = _node("demo", "staging", "a")
    ut = {
        "unique_id": "unit_test.demo.a.ut_a",
        "resource_type": "unit_test",
        "package_name": "demo",
        "name": "ut_a",
        "fqn": ["demo", "a", "ut_a"],  # what dbt writes: the model's name in the fqn
        "depends_on": {"nodes": [a["unique_id"]]},
    }
    m = _manifest(a, _node("demo", "staging", "b"), _node("demo", "marts", "c"))
    m["unit_tests"] = {ut["unique_id"]: ut}
    # Not a child of a (no child_map entry): the name would select it on its own.
    assert name_selections(m, GROUPS, m["child_map"]) is None
    m["child_map"][a["unique_id"]].append(ut["unique_id"])
    assert name_selections(m, GROUPS, m["child_map"]) == {
        "demo_dbt_small": {"model.demo.a", "model.demo.b", ut["unique_id"]},
        "demo_dbt_large": {"model.demo.c"},
    }


def test_gc_is_frozen_on_the_first_build_only(
    parsed: tuple[Plan, dict[str, Any], Path],
) -> None:
    """A second build freezes nothing more (frozen objects may still be freed)."""
    _, _, out = parsed
    lines = _after_load(
        out,
        "first = gc.get_freeze_count(); "
        "again = definitions.build_definitions(definitions.PLAN, definitions.OUTPUT_DIR); "
        "print(first > 0, gc.get_freeze_count() <= first, gc.isenabled())",
    )
    assert lines[-1] == "True True True"


def test_the_dbt_resource_runs_dbt_for_python_assets(
    parsed: tuple[Plan, dict[str, Any], Path],
) -> None:
    """FloeDbtResource.cli is DbtCliResource.cli with the product's settings."""
    plan, _, out = parsed
    lines = _after_load(
        out,
        "dbt = definitions.defs.resources['dbt']; "
        "print(dbt.cli_resource().profile); "
        "inv = dbt.cli(['parse'], raise_on_error=False).wait(); "
        "print(inv.is_successful(), (inv.target_path / 'manifest.json').is_file())",
    )  # dbt's own output comes between the two lines
    assert lines[0] == plan.dbt_profile
    assert lines[-1] == "True True"
