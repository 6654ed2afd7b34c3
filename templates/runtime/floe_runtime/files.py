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
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

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
WriteMode = Literal["append", "overwrite", "partition_overwrite"]
CatalogType = Literal["sql", "rest"]
M = TypeVar("M", bound=BaseModel)
# The allowed values of each field that has a fixed set of them, for error messages.
_CHOICES = {"write_mode": WRITE_MODES, "type": CATALOG_TYPES}


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


def _check_versions(doc: dict[str, Any], path: Path) -> None:
    file_version = doc.get("file_version")
    contract = doc.get("contract_version")
    if file_version != FILE_VERSION or contract != CONTRACT_VERSION:
        raise CompiledOutputError(
            f"{path}: file version {file_version!r}: "
            + _recompile_hint(str(doc.get("floe_version")), str(contract))
        )


class _Model(BaseModel):
    """A compiled file's content: frozen, and every field of the format declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the file's path to it: ``tables[0].write_mode``."""
    where = ""
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where += f".{part}" if where else part
    return where


def _validate(model: type[M], doc: Any, file: Path, **extra: Any) -> M:
    """model from doc (parsed from file), or a CompiledOutputError naming the field.

    extra are fields the loader sets itself (the file's path), not read from the file.
    """
    if not isinstance(doc, dict):
        raise CompiledOutputError(f"{file}: not a JSON object; re-run `floe compile`")
    try:
        return model.model_validate({**doc, **extra})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _where(error["loc"]) or "(root)"
        kind = error["type"]
        if kind == "missing":
            problem = "missing; re-run `floe compile`"
        elif kind == "extra_forbidden":
            problem = "not a field of this file; re-run `floe compile`"
        elif kind == "value_error":
            problem = str(error["ctx"]["error"])
        elif kind == "literal_error":
            choices = _CHOICES.get(str(error["loc"][-1]), ())
            problem = f"{error['input']!r} is not one of {', '.join(choices)}"
        else:
            problem = f"has type {type(error['input']).__name__}; re-run `floe compile`"
        raise CompiledOutputError(f"{file}: {where}: {problem}") from None


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


class _ArtifactsHead(BaseModel):
    """What the runtime must read of compiled_artifacts.json before anything else.

    The contract is the reference's CompiledArtifacts, checked against its JSON Schema
    (see the module documentation); the runtime reads a few fields of it, so these
    views ignore the rest (``extra="ignore"``) where floe's own formats forbid it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    metadata: dict[str, Any]
    version: Any = None


class _ArtifactsMetadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    product_name: StrictStr
    floe_version: Any = None
    product_version: Any = ""


class _Governance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    snapshot_keep_last: Any = None


class _ArtifactsView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    metadata: _ArtifactsMetadata
    dbt_profiles: dict[str, Any] | None = None
    governance: _Governance | None = None


def load_artifacts(
    output_dir: Path, stamp: Mapping[str, str] | None = None
) -> Artifacts:
    """Load compiled_artifacts.json and check that this runtime understands its contract.

    stamp is read_stamp(output_dir), read once for the loaders of one load; None reads it.
    """
    path = output_dir / ARTIFACTS_FILE
    doc, data = _read_checked_json(path)
    head = _validate(_ArtifactsHead, doc, path)
    floe_version = str(head.metadata.get("floe_version"))
    if head.version != CONTRACT_VERSION:
        raise CompiledOutputError(
            f"{path}: " + _recompile_hint(floe_version, str(head.version))
        )
    _validate_schema(output_dir, "compiled_artifacts", doc, path, data, stamp)
    view = _validate(_ArtifactsView, doc, path)
    keep = view.governance.snapshot_keep_last if view.governance else None
    return Artifacts(
        path=path,
        version=head.version,
        floe_version=floe_version,
        product_name=view.metadata.product_name,
        product_version=str(view.metadata.product_version),
        dbt_profiles=view.dbt_profiles or {},
        snapshot_keep_last=keep if isinstance(keep, int) else None,
    )


class SecretEnv(_Model):
    """A catalog property whose value is read from an environment variable.

    secret_name and secret_key say where Kubernetes takes the variable from (the
    charts read them); the runtime reads only property and env.
    """

    property: StrictStr
    env: StrictStr
    secret_name: StrictStr = ""
    secret_key: StrictStr = ""


class CatalogConfig(_Model):
    """How to reach the Iceberg catalog (iceberg_io.json ``catalog``).

    properties are (key, value) pairs; the file writes them as {"key", "value"} objects.
    """

    name: StrictStr
    type: CatalogType
    uri: StrictStr
    warehouse: StrictStr = ""
    properties: tuple[tuple[str, str], ...] = ()
    credentials: tuple[SecretEnv, ...] = ()

    @field_validator("name")
    @classmethod
    def _default_name(cls, name: str) -> str:
        return name or "floe"

    @field_validator("warehouse", "properties", "credentials", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any, info: Any) -> Any:
        if value is None:
            return "" if info.field_name == "warehouse" else ()
        return value

    @field_validator("properties", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        pairs = []
        for i, pair in enumerate(value):
            if (
                not isinstance(pair, dict)
                or set(pair) != {"key", "value"}
                or not all(isinstance(v, str) for v in pair.values())
            ):
                raise ValueError(
                    f"[{i}] is not a key and value of strings; re-run `floe compile`"
                )
            pairs.append((pair["key"], pair["value"]))
        return tuple(pairs)


class TableConfig(_Model):
    """How one model's table is published (iceberg_io.json ``tables[]``)."""

    model: StrictStr
    identifier: StrictStr
    write_mode: WriteMode
    partition_by: tuple[str, ...] = ()

    @field_validator("partition_by", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @model_validator(mode="after")
    def _partition_columns(self) -> TableConfig:
        if self.write_mode == "partition_overwrite" and not self.partition_by:
            raise ValueError("partition_overwrite needs partition columns")
        return self


class IcebergConfig(_Model):
    """The content of iceberg_io.json (path: the file it was read from)."""

    path: Path = Path(ICEBERG_FILE)
    file_version: StrictStr = FILE_VERSION
    floe_version: StrictStr = ""
    contract_version: StrictStr = CONTRACT_VERSION
    product: StrictStr = ""
    catalog: CatalogConfig
    namespace: StrictStr
    snapshot_keep_last: int | None = None
    tables: tuple[TableConfig, ...]

    @field_validator("snapshot_keep_last", mode="before")
    @classmethod
    def _positive_or_none(cls, keep: Any) -> Any:
        ok = isinstance(keep, int) and not isinstance(keep, bool) and keep > 0
        return keep if ok else None

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
    return _validate(IcebergConfig, doc, path, path=path)


class ScheduleConfig(_Model):
    """One schedule of schedules.json (source: where it was declared)."""

    name: StrictStr
    cron: StrictStr
    timezone: StrictStr = "UTC"
    enabled: StrictBool
    source: StrictStr = ""

    @field_validator("timezone", mode="before")
    @classmethod
    def _utc_by_default(cls, timezone: Any) -> Any:
        return timezone or "UTC"


class _ScheduleFile(_Model):
    file_version: StrictStr
    floe_version: StrictStr = ""
    contract_version: StrictStr
    product: StrictStr = ""
    schedules: tuple[ScheduleConfig, ...] = ()

    @field_validator("schedules", mode="before")
    @classmethod
    def _null_is_empty(cls, schedules: Any) -> Any:
        return () if schedules is None else schedules


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
    return _validate(_ScheduleFile, doc, path).schedules
