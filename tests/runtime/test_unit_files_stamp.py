"""Unit tests of floe_runtime.files and .floe-stamp.json: what the compiler validated is
not validated again, everything else is.

The output directories are those the real `floe compile` writes (examples/hello-orders),
copied per test. A spy around jsonschema's validator_for records which schemas the
runtime validated with, and runs the real validation.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import copy_example, run
from floe_runtime import files
from floe_runtime.errors import CompiledOutputError
from floe_runtime.files import (
    load_artifacts,
    load_iceberg_config,
    load_schedules,
)

STAMP = ".floe-stamp.json"

# Each compiled file and its loader, in load order.
FILES = {
    "compiled_artifacts.json": load_artifacts,
    "iceberg_io.json": load_iceberg_config,
    "schedules.json": load_schedules,
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, floe_bin: Path) -> Path:
    """The output directory `floe compile` wrote for examples/hello-orders."""
    root = copy_example("hello-orders", tmp_path_factory.mktemp("stamp"))
    run([str(floe_bin), "compile", str(root)])
    out = root / "target" / "floe"
    assert (out / STAMP).is_file()
    return out


@pytest.fixture
def out(compiled: Path, tmp_path: Path) -> Path:
    """A fresh copy of the compiled output, for one test to edit."""
    return Path(shutil.copytree(compiled, tmp_path / "floe"))


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the schemas jsonschema validates with, in order."""
    titles: list[str] = []
    real = jsonschema.validators.validator_for

    def spy(schema: Any, *args: Any, **kwargs: Any) -> Any:
        # jsonschema calls it again for the subschemas it resolves: count the runtime's.
        if sys._getframe(1).f_code is files._validate_schema.__code__:
            titles.append(schema.get("title"))
        return real(schema, *args, **kwargs)

    monkeypatch.setattr(jsonschema.validators, "validator_for", spy)
    return titles


def load_all(out: Path) -> None:
    for load in FILES.values():
        load(out)


def titles(out: Path, *names: str) -> list[str]:
    """The titles of the schemas of the files names (all files when none), as the spy
    records them."""
    return [
        json.loads((out / "schemas" / f"{Path(n).stem}.schema.json").read_text())[
            "title"
        ]
        for n in names or FILES
    ]


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def edit_stamp(out: Path, change: Callable[[dict[str, str]], None]) -> None:
    edit_json(out / STAMP, lambda doc: change(doc["files"]))


def test_untouched_compiled_output_is_not_validated_again(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("jsonschema ran on a file the compiler validated")

    monkeypatch.setattr(jsonschema.validators, "validator_for", refuse)
    artifacts = load_artifacts(out)
    assert artifacts.product_name == "hello-orders"
    assert load_iceberg_config(out).tables
    assert load_schedules(out)
    # Without the stamp the same files reach jsonschema.
    (out / STAMP).unlink()
    with pytest.raises(AssertionError, match="jsonschema ran"):
        load_artifacts(out)


def test_compiled_output_passes_full_validation_without_stamp(
    out: Path, validated: list[str]
) -> None:
    # Also proves Python's jsonschema accepts what the compiler's validator accepted.
    (out / STAMP).unlink()
    load_all(out)
    assert validated == titles(out)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "compiled_artifacts.json",
            lambda doc: doc.__setitem__("surprise", 1),
            "compiled_artifacts.json: (root): Additional properties are not allowed "
            "('surprise' was unexpected) (does not match compiled_artifacts.schema.json); "
            "re-run `floe compile`",
        ),
        (
            "iceberg_io.json",
            lambda doc: doc["catalog"].__setitem__("surprise", True),
            "iceberg_io.json: catalog: Additional properties are not allowed "
            "('surprise' was unexpected) (does not match iceberg_io.schema.json); "
            "re-run `floe compile`",
        ),
        (
            "schedules.json",
            lambda doc: doc["schedules"][0].__setitem__("enabled", "yes"),
            "schedules.json: schedules.0.enabled: 'yes' is not of type 'boolean' "
            "(does not match schedules.schema.json); re-run `floe compile`",
        ),
    ],
    ids=["artifacts", "iceberg", "schedules"],
)
def test_hand_edited_file_is_validated_and_rejected(
    out: Path, name: str, change: Callable[[Any], None], message: str
) -> None:
    edit_json(out / name, change)
    load = FILES[name]
    with pytest.raises(CompiledOutputError) as err:
        load(out)
    assert str(err.value) == f"{out}/{message}"


def test_edit_that_keeps_the_file_valid_is_validated(
    out: Path, validated: list[str]
) -> None:
    path = out / "iceberg_io.json"
    path.write_bytes(path.read_bytes() + b"\n")
    load_all(out)
    assert validated == titles(out, "iceberg_io.json")


def test_edited_schema_means_full_validation(out: Path, validated: list[str]) -> None:
    # A schema that no longer admits the (untouched) data: the data must be checked.
    edit_json(
        out / "schemas" / "schedules.schema.json",
        lambda schema: schema["$defs"]["Schedule"]["properties"]["enabled"].__setitem__(
            "type", "string"
        ),
    )
    load_artifacts(out)
    load_iceberg_config(out)
    with pytest.raises(CompiledOutputError, match=r"schedules\.0\.enabled: .*string"):
        load_schedules(out)
    assert validated == titles(out, "schedules.json")


@pytest.mark.parametrize(
    "stamp",
    [
        b"",
        b'{"key": "k", "files": ',
        b"\xff\xfe not UTF-8",
        b"[]",
        b'{"key": "k"}',
        b'{"files": ["compiled_artifacts.json"]}',
        b"[" * 100_000,
    ],
    ids=[
        "empty",
        "truncated",
        "not-utf8",
        "list",
        "no-files",
        "files-not-object",
        "deep",
    ],
)
def test_garbled_stamp_means_full_validation(
    out: Path, validated: list[str], stamp: bytes
) -> None:
    (out / STAMP).write_bytes(stamp)
    load_all(out)
    assert validated == titles(out)


def test_stamp_that_is_a_directory_means_full_validation(
    out: Path, validated: list[str]
) -> None:
    (out / STAMP).unlink()
    (out / STAMP).mkdir()
    load_all(out)
    assert validated == titles(out)


@pytest.mark.parametrize(
    ("change", "checked"),
    [
        (lambda f: f.pop("iceberg_io.json"), "iceberg_io.json"),
        (lambda f: f.pop("schemas/schedules.schema.json"), "schedules.json"),
        (
            lambda f: f.__setitem__("compiled_artifacts.json", "0" * 64),
            "compiled_artifacts.json",
        ),
        (
            lambda f: f.__setitem__(
                "schemas/iceberg_io.schema.json",
                f["schemas/iceberg_io.schema.json"].upper(),
            ),
            "iceberg_io.json",
        ),
        (lambda f: f.__setitem__("schedules.json", 1), "schedules.json"),
    ],
    ids=[
        "no-data-entry",
        "no-schema-entry",
        "wrong-data-hash",
        "uppercase-schema-hash",
        "hash-not-a-string",
    ],
)
def test_stamp_without_the_right_entry_means_full_validation(
    out: Path,
    validated: list[str],
    change: Callable[[dict[str, Any]], None],
    checked: str,
) -> None:
    edit_stamp(out, change)
    load_all(out)
    assert validated == titles(out, checked)


def test_stamp_read_once_and_passed_to_the_loaders(
    out: Path, validated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    real = files.read_stamp

    def counting(output_dir: Path) -> Any:
        reads.append(output_dir)
        return real(output_dir)

    monkeypatch.setattr(files, "read_stamp", counting)
    stamp = files.read_stamp(out)
    for load in FILES.values():
        load(out, stamp)
    assert reads == [out]
    assert validated == []
    # An empty stamp passed in is used as is: every file is validated.
    for load in FILES.values():
        load(out, {})
    assert reads == [out]
    assert validated == titles(out)
