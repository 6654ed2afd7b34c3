"""dbt asset specs built from manifest.json with Dagster alone, without dagster-dbt.

Importing dagster-dbt imports dbt-core, which takes longer than building the specs of a
thousand models. Loading the definitions therefore builds the specs here, exactly as
dagster-dbt's ``DagsterDbtTranslator`` (with floe's group names) builds them, and only
runs import dagster-dbt. That covers what floe's products use; for anything more
(``meta.dagster`` settings, dbt groups, versioned or ephemeral models, metrics, tests
attached through ``meta``, duplicate asset keys) ``plain_specs`` answers None and the
caller goes back to dagster-dbt itself. tests/runtime/test_unit_dbt_assets.py compares
the two spec by spec, on real manifests from `dbt parse` and on one that holds every
field the translator reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from dagster import (
    AssetCheckSpec,
    AssetDep,
    AssetKey,
    AssetSpec,
    MetadataValue,
    TableColumn,
    TableSchema,
)

from . import _compat
from .selection import SEEDS_GROUP

# dagster-dbt's metadata keys and asset resource types (checked in _compat).
UNIQUE_ID_KEY = _compat.UNIQUE_ID_KEY
PROJECT_ID_KEY = _compat.PROJECT_ID_KEY
MATERIALIZATION_KEY = _compat.MATERIALIZATION_KEY
ASSET_RESOURCE_TYPES = _compat.ASSET_RESOURCE_TYPES
# Node kinds that are in the dbt graph but are no assets; plain_specs leaves them to
# dagster-dbt (it looks through them for the asset parents behind them).
_NON_ASSET_TYPES = ("metric", "semantic_model", "saved_query", "function")


def group_name(tiers: Mapping[str, str], props: Mapping[str, Any]) -> str:
    """floe's asset group of a dbt node: "seeds", else the model's tier."""
    if props.get("resource_type") == "seed":
        return SEEDS_GROUP
    return tiers.get(props.get("name", "")) or "transforms"


class Unsupported(Exception):
    """The manifest uses something only dagster-dbt's own translator handles."""


def _meta(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return (props.get("config") or {}).get("meta") or props.get("meta") or {}


def plain_manifest(manifest: Mapping[str, Any]) -> bool:
    """Whether every node is one this module builds exactly as dagster-dbt does.

    No ``meta.dagster`` (asset keys, owners, policies, test refs), no dbt groups (owners)
    and no versioned models anywhere in the manifest.
    """
    if manifest.get("groups"):
        return False
    for section in ("nodes", "sources"):
        for props in (manifest.get(section) or {}).values():
            if "dagster" in _meta(props) or "dagster" in (props.get("meta") or {}):
                return False
            if props.get("group") or props.get("version") is not None:
                return False
    return True


def _relation(props: Mapping[str, Any]) -> str | None:
    parts = [
        props.get("database"),
        props.get("schema"),
        props.get("alias"),
        props.get("name") if props.get("resource_type") == "source" else None,
    ]
    return ".".join(p for p in parts if p) or None


def _metadata(props: Mapping[str, Any]) -> dict[str, Any]:
    """dagster-dbt's default_metadata_from_dbt_resource_props."""
    metadata: dict[str, Any] = {}
    materialized = (props.get("config") or {}).get("materialized")
    if materialized is not None:
        metadata[MATERIALIZATION_KEY] = materialized
    columns = props.get("columns") or {}
    if columns:
        metadata["dagster/column_schema"] = TableSchema(
            columns=[
                TableColumn(
                    name=name,
                    type=info.get("data_type") or "?",
                    description=info.get("description"),
                    tags={tag: "" for tag in info.get("tags", [])},
                )
                for name, info in columns.items()
            ]
        )
    relation = _relation(props)
    if relation is not None:
        metadata["dagster/table_name"] = relation
    return metadata


def _indent(text: str) -> str:
    """textwrap.indent(text, "    "), without its per-line generator: every model's SQL."""
    return "".join(
        "    " + line if line.strip() else line for line in text.splitlines(True)
    )


def _description(props: Mapping[str, Any]) -> str:
    code = _indent(props.get("raw_sql") or props.get("raw_code", ""))
    sections = [
        props.get("description") or f"dbt {props['resource_type']} {props['name']}",
        f"#### Raw SQL:\n```sql\n{code}\n```",
    ]
    return "\n\n".join(filter(None, sections))


def _code_version(props: Mapping[str, Any]) -> str | None:
    code = props.get("raw_sql") or props.get("raw_code")
    if code:
        return hashlib.sha1(code.encode("utf-8")).hexdigest()  # noqa: S324 - dagster-dbt's
    return (props.get("checksum") or {}).get("checksum")


def _key(props: Mapping[str, Any]) -> AssetKey:
    if props["resource_type"] == "source":
        return AssetKey([props["source_name"], props["name"]])
    schema = props["config"].get("schema")
    return AssetKey([schema, props["name"]] if schema is not None else [props["name"]])


class SpecBuilder:
    """Asset and check specs of dbt nodes; each node's spec is built once per load."""

    def __init__(self, manifest: Mapping[str, Any], tiers: Mapping[str, str]) -> None:
        self._manifest = manifest
        self._tiers = tiers
        self._nodes = manifest.get("nodes") or {}
        self._sources = manifest.get("sources") or {}
        self._specs: dict[str, AssetSpec] = {}
        # The dependency on each node, made once: a model's children share it.
        self._deps: dict[str, AssetDep] = {}
        self._tag_ok: dict[str, bool] = {}
        self._owners: dict[AssetKey, str] = {}
        meta = manifest.get("metadata") or {}
        self._kinds = {"dbt", meta.get("adapter_type", "dbt")}
        project_id = meta.get("project_id")
        self._extra = (
            {PROJECT_ID_KEY: MetadataValue.text(project_id)} if project_id else {}
        )

    def _props(self, unique_id: str) -> Mapping[str, Any]:
        props = self._nodes.get(unique_id) or self._sources.get(unique_id)
        if props is None:
            raise Unsupported(unique_id)
        kind = props["resource_type"]
        if kind in _NON_ASSET_TYPES or (
            kind == "model"
            and (props.get("config") or {}).get("materialized") == "ephemeral"
        ):
            raise Unsupported(unique_id)
        return props

    def spec(self, unique_id: str) -> AssetSpec:
        """dagster-dbt's DagsterDbtTranslator.get_asset_spec, less its Python objects."""
        spec = self._specs.get(unique_id)
        if spec is not None:
            return spec
        props = self._props(unique_id)
        deps = []
        for parent in sorted(set((props.get("depends_on") or {}).get("nodes", []))):
            parent_props = self._props(parent)
            if parent_props["resource_type"] not in (*ASSET_RESOURCE_TYPES, "source"):
                continue
            dep = self._deps.get(parent)
            if dep is None:
                parent_spec = self.spec(parent)
                dep = self._deps[parent] = AssetDep(
                    asset=parent_spec.key,
                    partition_mapping=None,
                    # dagster-dbt's enable_source_metadata, on by default.
                    metadata=parent_spec.metadata
                    if parent.startswith("source")
                    else None,
                )
            deps.append(dep)
        spec = AssetSpec(
            key=_key(props),
            deps=deps,
            description=_description(props),
            metadata={**_metadata(props), UNIQUE_ID_KEY: unique_id, **self._extra},
            skippable=True,
            group_name=group_name(self._tiers, props),
            code_version=_code_version(props),
            automation_condition=None,
            owners=None,
            tags={tag: "" for tag in props.get("tags", []) if self._valid_tag(tag)},
            kinds=self._kinds,
            partitions_def=None,
            is_virtual=False,
        )
        # dagster-dbt refuses two nodes with one asset key, naming both: let it.
        if self._owners.setdefault(spec.key, unique_id) != unique_id:
            raise Unsupported(f"{unique_id}: asset key {spec.key} is not unique")
        self._specs[unique_id] = spec
        return spec

    def _valid_tag(self, tag: str) -> bool:
        """Whether dbt tag tag becomes an asset tag (dagster-dbt's rule), once per tag."""
        ok = self._tag_ok.get(tag)
        if ok is None:
            ok = self._tag_ok[tag] = _compat.is_valid_tag_key(tag)
        return ok

    def check(self, test_id: str, asset_key: AssetKey) -> AssetCheckSpec | None:
        """dagster-dbt's default_asset_check_fn for a test of the asset asset_key."""
        test = self._nodes[test_id]
        parents = set(test["depends_on"]["nodes"])
        attached = test.get("attached_node")
        if len(parents) == 1:
            [attached] = parents
        if not attached or self.spec(attached).key != asset_key:
            return None
        additional = {
            self.spec(p).key for p in self._manifest["parent_map"].get(test_id, [])
        }
        additional.discard(asset_key)
        severity = (test.get("config") or {}).get("severity") or "error"
        return AssetCheckSpec(
            name=test["name"],
            asset=asset_key,
            description=(test.get("meta") or {}).get("description"),
            additional_deps=additional,
            metadata={UNIQUE_ID_KEY: test_id},
            blocking=severity.lower() == "error",
        )

    def specs(
        self, selected: set[str], child_map: Mapping[str, Sequence[str]]
    ) -> tuple[list[AssetSpec], list[AssetCheckSpec]]:
        """The asset and check specs of a selected set of unique ids (dagster-dbt's
        ``build_dbt_specs``); raises Unsupported where only dagster-dbt would do."""
        specs: list[AssetSpec] = []
        checks: dict[str, AssetCheckSpec] = {}
        for unique_id in sorted(selected):
            props = self._nodes.get(unique_id) or self._sources.get(unique_id)
            if props is None or props["resource_type"] not in ASSET_RESOURCE_TYPES:
                continue
            spec = self.spec(unique_id)
            specs.append(spec)
            for child in child_map.get(unique_id, []):
                if child not in selected or not child.startswith("test"):
                    continue
                check = self.check(child, spec.key)
                if check is not None:
                    checks[check.get_python_identifier()] = check
        return specs, list(checks.values())


def plain_specs(
    manifest: Mapping[str, Any],
    builder: SpecBuilder | None,
    selected: set[str],
    child_map: Mapping[str, Sequence[str]],
) -> tuple[list[AssetSpec], list[AssetCheckSpec]] | None:
    """builder.specs(selected, child_map), or None when only dagster-dbt can build them."""
    if builder is None:
        return None
    try:
        return builder.specs(selected, child_map)
    except Unsupported:
        return None
