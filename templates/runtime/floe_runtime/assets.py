"""dbt's models as Dagster assets: one subsettable multi-asset per op group.

The groups (selection.op_groups) are the models of a resource preset, split where
presets alternate along a path so that no two ops depend on each other, plus dbt's
seeds. Each group's specs are built without dagster-dbt (specs.py) where that is exact;
otherwise from dagster-dbt, with floe's one-pass selection (selection.name_selections)
when that is exact, else with ``@dbt_assets`` itself. What an op does when it runs is
run.py's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster import AssetsDefinition, multi_asset

from . import _compat
from .manifest import child_map
from .plan import Plan, Resources
from .run import group_body
from .selection import group_select, name_selections, op_groups
from .specs import SpecBuilder, group_name, plain_manifest, plain_specs
from .step import Runtime

# dagster-dbt is imported where it is used: loading the definitions does not need it
# (with dbt-core, it takes over a second to import).
if TYPE_CHECKING:
    from dagster_dbt import DagsterDbtTranslator

K8S_CONFIG_TAG = "dagster-k8s/config"
# DUCKDB_TAG serialises dbt steps: DuckDB allows one writing process per file.
DUCKDB_TAG = "floe/duckdb"
# dagster-dbt's op tag with the dbt selection of a @dbt_assets op.
DBT_SELECT_TAG = _compat.DBT_SELECT_TAG


@functools.cache
def _translator_class() -> type:
    from dagster_dbt import DagsterDbtTranslator

    class FloeDbtTranslator(DagsterDbtTranslator):
        """Default dbt asset keys (the model name); asset groups named after the tier."""

        def __init__(self, plan: Plan) -> None:
            super().__init__()
            self._tiers = {m.name: m.tier for m in plan.models}

        def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
            return group_name(self._tiers, dbt_resource_props)

    return FloeDbtTranslator


def dbt_translator(plan: Plan) -> DagsterDbtTranslator:
    """floe's DagsterDbtTranslator (imports dagster-dbt on first use)."""
    return _translator_class()(plan)


def op_tags(resources: Resources | None, duckdb_path: str | None) -> dict[str, Any]:
    """The op tags of a group: per-step pod resources and the DuckDB concurrency key."""
    tags: dict[str, Any] = {}
    if resources is not None:
        tags[K8S_CONFIG_TAG] = {"container_config": {"resources": resources.k8s()}}
    if duckdb_path:
        tags[DUCKDB_TAG] = "write"
    return tags


def _dbt_specs(
    translator: DagsterDbtTranslator,
    manifest: Mapping[str, Any],
    selected: set[str],
    children: Mapping[str, Any],
) -> tuple[list[Any], list[Any]]:
    """dagster-dbt's ``build_dbt_specs`` for an already selected set of unique ids."""
    get_node = _compat.dbt_asset_utils("get_node")
    get_upstream_unique_ids = _compat.dbt_asset_utils("get_upstream_unique_ids")
    is_non_asset_node = _compat.dbt_asset_utils("is_non_asset_node")
    asset_resource_types = _compat.dbt_asset_resource_types()

    specs = []
    check_specs = {}
    key_by_unique_id = {}
    for unique_id in sorted(selected):
        props = get_node(manifest, unique_id)
        if (
            is_non_asset_node(props)
            or props["resource_type"] not in asset_resource_types
        ):
            continue
        spec = translator.get_asset_spec(manifest, unique_id, None)
        key_by_unique_id[unique_id] = spec.key
        specs.append(spec)
        for child in children.get(unique_id, []):
            if child not in selected or not child.startswith("test"):
                continue
            check_spec = translator.get_asset_check_spec(
                asset_spec=spec, manifest=manifest, unique_id=child, project=None
            )
            if check_spec:
                check_specs[check_spec.get_python_identifier()] = check_spec
        for upstream_id in get_upstream_unique_ids(manifest, props):
            upstream = translator.get_asset_spec(manifest, upstream_id, None)
            key_by_unique_id[upstream_id] = upstream.key
            if (
                upstream_id.startswith("source")
                and translator.settings.enable_source_tests_as_checks
            ):
                for child in children.get(upstream_id, []):
                    if not child.startswith("test"):
                        continue
                    check_spec = translator.get_asset_check_spec(
                        asset_spec=upstream,
                        manifest=manifest,
                        unique_id=child,
                        project=None,
                    )
                    if check_spec:
                        check_specs[check_spec.get_python_identifier()] = check_spec
    _compat.dbt_asset_utils("_validate_asset_keys")(
        translator, manifest, key_by_unique_id
    )
    return specs, list(check_specs.values())


def specs_multi_asset(
    *,
    name: str,
    specs: Sequence[Any],
    check_specs: Sequence[Any],
    op_tags: Mapping[str, Any],
) -> Any:
    """The multi-asset of @dbt_assets for given specs: subsettable, any check specs."""
    return _compat.suppress_dagster_warnings(multi_asset)(
        name=name,
        specs=specs,
        check_specs=check_specs,
        can_subset=True,
        op_tags=op_tags,
        allow_arbitrary_check_specs=True,
    )


def selected_dbt_assets(
    *,
    manifest: Mapping[str, Any],
    selected: set[str],
    select: str,
    name: str,
    op_tags: Mapping[str, Any],
    dagster_dbt_translator: DagsterDbtTranslator,
    child_map: Mapping[str, Any],
) -> Any:
    """``@dbt_assets(manifest=…, select=select, …)`` whose selection is already known.

    The same multi-asset dagster-dbt builds (specs, checks, op tags with the dbt
    selection that runs use), without dbt evaluating ``select`` again.
    """
    specs, check_specs = _dbt_specs(
        dagster_dbt_translator, manifest, selected, child_map
    )
    return specs_multi_asset(
        name=name,
        specs=specs,
        check_specs=check_specs,
        op_tags={DBT_SELECT_TAG: select, **op_tags},
    )


def build_dbt_assets(runtime: Runtime) -> list[AssetsDefinition]:
    """One dbt multi-asset per group of ``selection.op_groups``.

    The specs come from ``specs.SpecBuilder`` (no dagster-dbt at load) whenever the
    manifest is one it builds exactly; otherwise from dagster-dbt: with floe's one-pass
    selection when that is exact, else with ``@dbt_assets`` itself.
    """
    plan = runtime.plan
    manifest = runtime.manifest
    duck = runtime.duckdb_file()
    assets: list[AssetsDefinition] = []
    groups = op_groups(plan, manifest)
    children = child_map(manifest)
    selections = name_selections(manifest, groups, children)
    builder = (
        SpecBuilder(manifest, {m.name: m.tier for m in plan.models})
        if selections is not None and plain_manifest(manifest)
        else None
    )
    for group in groups:
        select = group_select(group)
        tags = op_tags(group.resources, str(duck) if duck else None)
        plain = (
            plain_specs(manifest, builder, selections[group.name], children)
            if selections is not None
            else None
        )
        if plain is not None:
            decorator = specs_multi_asset(
                name=group.name,
                specs=plain[0],
                check_specs=plain[1],
                op_tags={DBT_SELECT_TAG: select, **tags},
            )
        elif selections is not None:
            decorator = selected_dbt_assets(
                manifest=manifest,
                selected=selections[group.name],
                select=select,
                name=group.name,
                op_tags=tags,
                dagster_dbt_translator=runtime.translator,
                child_map=children,
            )
        else:
            from dagster_dbt import dbt_assets

            decorator = dbt_assets(
                manifest=manifest,
                select=select,
                name=group.name,
                op_tags=tags,
                dagster_dbt_translator=runtime.translator,
            )
        assets.append(decorator(group_body(runtime, group)))
    return assets


def asset_edges(
    assets: Sequence[AssetsDefinition], names: set[str]
) -> set[tuple[str, str]]:
    """(upstream, downstream) asset edges between the named assets."""
    edges = set()
    for asset in assets:
        for spec in asset.specs:
            downstream = spec.key.path[-1]
            for dep in spec.deps:
                upstream = dep.asset_key.path[-1]
                if downstream in names and upstream in names:
                    edges.add((upstream, downstream))
    return edges
