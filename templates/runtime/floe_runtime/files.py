"""Loading and checking the files `floe compile` wrote next to definitions.py.

Every loader fails with a CompiledOutputError that names the file and says what to do
(usually: re-run `floe compile`), never with a bare KeyError or stack trace.

`floe compile` validates each of these files against its JSON Schema before writing it,
and records the SHA-256 of every file it wrote in .floe-stamp.json. A file whose bytes and
whose schema's bytes still hash to the recorded values is exactly what the compiler
validated, so the (slow, for big products) jsonschema pass is skipped for it; any other
file (no stamp, an edited file or schema, an unreadable stamp) is validated in full.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._stamp import CONTRACT_VERSION, FLOE_VERSION
from .errors import CompiledOutputError

ARTIFACTS_FILE = "compiled_artifacts.json"
ICEBERG_FILE = "iceberg_io.json"
SCHEDULES_FILE = "schedules.json"
# STAMP_FILE is where `floe compile` records the SHA-256 of every file it wrote
# (cli/uptodate.go): {"key": ..., "inputs": [...], "files": {"<relative path>": "<hex>"}}.
STAMP_FILE = ".floe-stamp.json"
SCHEMA_DIR = "schemas"
# FILE_VERSION is the version of the iceberg_io.json and schedules.json formats.
FILE_VERSION = "1"
WRITE_MODES = ("append", "overwrite", "partition_overwrite")
CATALOG_TYPES = ("sql", "rest")


def _recompile_hint(found_floe: str, found_contract: str) -> str:
    return (
        f"compiled with floe {found_floe} for contract {found_contract}; this runtime "
        f"(floe {FLOE_VERSION}) reads contract {CONTRACT_VERSION}: re-run `floe compile`"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CompiledOutputError(
            f"{path}: file not found; run `floe compile` to produce it"
        ) from None
    except OSError as exc:
        raise CompiledOutputError(f"{path}: cannot read: {exc}") from None


def _parse_json(path: Path, data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompiledOutputError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); "
            "the file may have been edited by hand: re-run `floe compile`"
        ) from None
    # The standard json module, not orjson: parsing is ~1 ms of a 1,000-model load, and
    # its errors carry the line and column that the messages below show.
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompiledOutputError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); "
            "the file may have been edited by hand: re-run `floe compile`"
        ) from None


def read_json(path: Path) -> Any:
    """Parse a JSON file, turning I/O and syntax errors into CompiledOutputError."""
    return _parse_json(path, _read_bytes(path))


def _read_checked_json(path: Path) -> tuple[Any, bytes]:
    """Parse a JSON file like read_json; also return the bytes parsed, for the stamp."""
    data = _read_bytes(path)
    return _parse_json(path, data), data


def read_stamp(output_dir: Path) -> Mapping[str, str]:
    """The SHA-256 hex digests `floe compile` recorded for its files in output_dir.

    Empty when .floe-stamp.json is missing or not what floe writes: the files are then
    validated in full. Read it once per load and pass it to the loaders.
    """
    try:
        doc = json.loads((output_dir / STAMP_FILE).read_bytes())
    except (OSError, ValueError, RecursionError):  # ValueError: bad JSON or UTF-8
        return {}
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(v, str)}


def _as_compiled(stamp: Mapping[str, str], rel: str, data: bytes) -> bool:
    """Whether data hashes to the digest the stamp records for rel (a path in output_dir)."""
    want = stamp.get(rel)
    return want is not None and hashlib.sha256(data).hexdigest() == want


def _validate_schema(
    output_dir: Path,
    name: str,
    doc: Any,
    path: Path,
    data: bytes,
    stamp: Mapping[str, str] | None,
) -> None:
    """Validate doc against <output_dir>/schemas/<name>.schema.json when both exist.

    data are the bytes doc was parsed from. When they and the schema's bytes are the
    ones the stamp records, the compiler validated exactly this document against exactly
    this schema before writing them, and the check is skipped.
    """
    schema_rel = f"{SCHEMA_DIR}/{name}.schema.json"
    schema_path = output_dir / schema_rel
    if not schema_path.is_file():
        return
    schema_data = _read_bytes(schema_path)
    if stamp is None:
        stamp = read_stamp(output_dir)
    if _as_compiled(stamp, path.name, data) and _as_compiled(
        stamp, schema_rel, schema_data
    ):
        return
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is pinned in the runtime env
        return
    schema = _parse_json(schema_path, schema_data)
    validator_cls = jsonschema.validators.validator_for(schema)
    errors = sorted(validator_cls(schema).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.path) or "(root)"
        raise CompiledOutputError(
            f"{path}: {where}: {first.message} (does not match {schema_path.name}); "
            "re-run `floe compile`"
        )


def _require(
    doc: Any, key: str, kind: type | tuple[type, ...], path: Path, where: str
) -> Any:
    if not isinstance(doc, dict) or key not in doc:
        raise CompiledOutputError(
            f"{path}: {where}{key}: missing; re-run `floe compile`"
        )
    value = doc[key]
    if not isinstance(value, kind):
        raise CompiledOutputError(
            f"{path}: {where}{key}: has type {type(value).__name__}; re-run `floe compile`"
        )
    return value


def _check_versions(doc: dict[str, Any], path: Path) -> None:
    file_version = doc.get("file_version")
    contract = doc.get("contract_version")
    if file_version != FILE_VERSION or contract != CONTRACT_VERSION:
        raise CompiledOutputError(
            f"{path}: file version {file_version!r}: "
            + _recompile_hint(str(doc.get("floe_version")), str(contract))
        )


@dataclass(frozen=True)
class Artifacts:
    """The parts of compiled_artifacts.json the runtime reads."""

    path: Path
    version: str
    floe_version: str
    product_name: str
    product_version: str
    dbt_profiles: dict[str, Any]
    snapshot_keep_last: int | None

    def duckdb_path(self, profile: str, target: str) -> str | None:
        """The DuckDB file of the active dbt output, or None when it is not DuckDB."""
        output = self.dbt_profiles.get(profile, {}).get("outputs", {}).get(target)
        if not isinstance(output, dict) or output.get("type") != "duckdb":
            return None
        path = output.get("path")
        return path if isinstance(path, str) and path != ":memory:" else None


def load_artifacts(
    output_dir: Path, stamp: Mapping[str, str] | None = None
) -> Artifacts:
    """Load compiled_artifacts.json and check that this runtime understands its contract.

    stamp is read_stamp(output_dir), read once for the loaders of one load; None reads it.
    """
    path = output_dir / ARTIFACTS_FILE
    doc, data = _read_checked_json(path)
    if not isinstance(doc, dict):
        raise CompiledOutputError(f"{path}: not a JSON object; re-run `floe compile`")
    metadata = _require(doc, "metadata", dict, path, "")
    version = doc.get("version")
    floe_version = str(metadata.get("floe_version"))
    if version != CONTRACT_VERSION:
        raise CompiledOutputError(
            f"{path}: " + _recompile_hint(floe_version, str(version))
        )
    _validate_schema(output_dir, "compiled_artifacts", doc, path, data, stamp)
    governance = doc.get("governance") or {}
    keep = governance.get("snapshot_keep_last")
    profiles = doc.get("dbt_profiles") or {}
    if not isinstance(profiles, dict):
        raise CompiledOutputError(
            f"{path}: dbt_profiles: not an object; re-run `floe compile`"
        )
    return Artifacts(
        path=path,
        version=version,
        floe_version=floe_version,
        product_name=str(_require(metadata, "product_name", str, path, "metadata.")),
        product_version=str(metadata.get("product_version", "")),
        dbt_profiles=profiles,
        snapshot_keep_last=keep if isinstance(keep, int) else None,
    )


@dataclass(frozen=True)
class SecretEnv:
    """A catalog property whose value is read from an environment variable."""

    property: str
    env: str


@dataclass(frozen=True)
class CatalogConfig:
    """How to reach the Iceberg catalog (iceberg_io.json ``catalog``)."""

    name: str
    type: str
    uri: str
    warehouse: str
    properties: tuple[tuple[str, str], ...]
    credentials: tuple[SecretEnv, ...]


@dataclass(frozen=True)
class TableConfig:
    """How one model's table is published (iceberg_io.json ``tables[]``)."""

    model: str
    identifier: str
    write_mode: str
    partition_by: tuple[str, ...]


@dataclass(frozen=True)
class IcebergConfig:
    """The content of iceberg_io.json."""

    path: Path
    product: str
    catalog: CatalogConfig
    namespace: str
    snapshot_keep_last: int | None
    tables: tuple[TableConfig, ...]

    def table(self, model: str) -> TableConfig | None:
        """The table entry of model, or None."""
        for table in self.tables:
            if table.model == model:
                return table
        return None


def load_iceberg_config(
    output_dir: Path, stamp: Mapping[str, str] | None = None
) -> IcebergConfig:
    """Load and check iceberg_io.json (stamp: see load_artifacts)."""
    path = output_dir / ICEBERG_FILE
    doc, data = _read_checked_json(path)
    if not isinstance(doc, dict):
        raise CompiledOutputError(f"{path}: not a JSON object; re-run `floe compile`")
    _check_versions(doc, path)
    _validate_schema(output_dir, "iceberg_io", doc, path, data, stamp)
    cat = _require(doc, "catalog", dict, path, "")
    catalog_type = _require(cat, "type", str, path, "catalog.")
    if catalog_type not in CATALOG_TYPES:
        raise CompiledOutputError(
            f"{path}: catalog.type: {catalog_type!r} is not one of {', '.join(CATALOG_TYPES)}"
        )
    catalog = CatalogConfig(
        name=_require(cat, "name", str, path, "catalog.") or "floe",
        type=catalog_type,
        uri=_require(cat, "uri", str, path, "catalog."),
        warehouse=str(cat.get("warehouse") or ""),
        properties=tuple(
            (str(p["key"]), str(p["value"])) for p in (cat.get("properties") or [])
        ),
        credentials=tuple(
            SecretEnv(property=str(c["property"]), env=str(c["env"]))
            for c in (cat.get("credentials") or [])
        ),
    )
    tables = []
    for i, entry in enumerate(_require(doc, "tables", list, path, "")):
        where = f"tables[{i}]."
        mode = _require(entry, "write_mode", str, path, where)
        if mode not in WRITE_MODES:
            raise CompiledOutputError(
                f"{path}: {where}write_mode: {mode!r} is not one of {', '.join(WRITE_MODES)}"
            )
        partition_by = tuple(entry.get("partition_by") or ())
        if mode == "partition_overwrite" and not partition_by:
            raise CompiledOutputError(
                f"{path}: {where}partition_by: partition_overwrite needs partition columns"
            )
        tables.append(
            TableConfig(
                model=_require(entry, "model", str, path, where),
                identifier=_require(entry, "identifier", str, path, where),
                write_mode=mode,
                partition_by=partition_by,
            )
        )
    keep = doc.get("snapshot_keep_last")
    return IcebergConfig(
        path=path,
        product=str(doc.get("product", "")),
        catalog=catalog,
        namespace=_require(doc, "namespace", str, path, ""),
        snapshot_keep_last=keep if isinstance(keep, int) and keep > 0 else None,
        tables=tuple(tables),
    )


@dataclass(frozen=True)
class ScheduleConfig:
    """One schedule of schedules.json."""

    name: str
    cron: str
    timezone: str
    enabled: bool


def load_schedules(
    output_dir: Path, stamp: Mapping[str, str] | None = None
) -> tuple[ScheduleConfig, ...]:
    """Load and check schedules.json (stamp: see load_artifacts)."""
    path = output_dir / SCHEDULES_FILE
    doc, data = _read_checked_json(path)
    if not isinstance(doc, dict):
        raise CompiledOutputError(f"{path}: not a JSON object; re-run `floe compile`")
    _check_versions(doc, path)
    _validate_schema(output_dir, "schedules", doc, path, data, stamp)
    schedules = []
    for i, entry in enumerate(doc.get("schedules") or []):
        where = f"schedules[{i}]."
        schedules.append(
            ScheduleConfig(
                name=_require(entry, "name", str, path, where),
                cron=_require(entry, "cron", str, path, where),
                timezone=str(entry.get("timezone") or "UTC"),
                enabled=bool(_require(entry, "enabled", bool, path, where)),
            )
        )
    return tuple(schedules)
