"""Unit tests of floe_runtime.secrets: the dbt profile's literal secrets for local runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from floe_runtime.secrets import fill_local_secrets, local_secret_env

REF = "{{{{ env_var('DBT_ENV_SECRET_FLOE_{}') }}}}"


def expr(*parts: str) -> str:
    """A value of which parts are secrets, as floe writes it: literals quoted for Jinja
    (uppercase parts name variables), joined by ~ in one expression."""
    return (
        "{{ "
        + " ~ ".join(
            f"env_var('DBT_ENV_SECRET_FLOE_{p}')" if p.isupper() else repr(p)
            for p in parts
        )
        + " }}"
    )


def _output(tmp_path: Path, template: dict, literal: dict) -> Path:
    """profiles.yml (the env_var() template) and the artifact (the literals)."""
    (tmp_path / "profiles.yml").write_text(
        yaml.safe_dump({"p": {"target": "dev", "outputs": {"dev": template}}})
    )
    doc = {"dbt_profiles": {"p": {"target": "dev", "outputs": {"dev": literal}}}}
    (tmp_path / "compiled_artifacts.json").write_text(json.dumps(doc))
    return tmp_path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return _output(
        tmp_path,
        {
            "type": "duckdb",
            "path": expr("md:db?motherduck_token=", "PATH"),
            "settings": {
                "s3_secret_access_key": REF.format("SETTINGS_S3_SECRET_ACCESS_KEY"),
                "pin": REF.format("SETTINGS_PIN"),
                "tokens": [REF.format("SETTINGS_TOKENS_0"), "${KEPT}"],
            },
            "attach": [
                {
                    "path": expr(
                        "postgres://u:", "ATTACH_0_PATH", "@db/x?token=", "ATTACH_0_PATH_2"
                    )
                }
            ],
        },
        {
            "type": "duckdb",
            "path": "md:db?motherduck_token=md-tok",
            "settings": {
                "s3_secret_access_key": "s3 secret with 'quotes' and {braces}",
                "pin": 1234,
                "tokens": ["tok-a", "${KEPT}"],
            },
            "attach": [{"path": "postgres://u:p@ss/w?rd@db/x?token=t2"}],
        },
    )


def test_local_secret_env_takes_exactly_the_secret_parts(out: Path) -> None:
    assert local_secret_env(out) == {
        "DBT_ENV_SECRET_FLOE_PATH": "md-tok",
        "DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY": "s3 secret with 'quotes' and {braces}",
        "DBT_ENV_SECRET_FLOE_SETTINGS_PIN": "1234",
        "DBT_ENV_SECRET_FLOE_SETTINGS_TOKENS_0": "tok-a",
        "DBT_ENV_SECRET_FLOE_ATTACH_0_PATH": "p@ss/w?rd",
        "DBT_ENV_SECRET_FLOE_ATTACH_0_PATH_2": "t2",
    }


def test_fill_keeps_what_is_set(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("DBT_ENV_SECRET_FLOE_PATH", "from-the-environment")
    for name in local_secret_env(out):
        if name != "DBT_ENV_SECRET_FLOE_PATH":
            monkeypatch.delenv(name, raising=False)
    filled = fill_local_secrets(out)
    assert "DBT_ENV_SECRET_FLOE_PATH" not in filled
    assert len(filled) == 5
    assert os.environ["DBT_ENV_SECRET_FLOE_PATH"] == "from-the-environment"
    assert os.environ["DBT_ENV_SECRET_FLOE_SETTINGS_TOKENS_0"] == "tok-a"


def test_fill_does_nothing_in_kubernetes(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    for name in local_secret_env(out):
        monkeypatch.delenv(name, raising=False)
    assert fill_local_secrets(out) == []
    assert not any(k.startswith("DBT_ENV_SECRET_FLOE_") for k in os.environ)


def test_no_references_no_work(tmp_path: Path) -> None:
    out = _output(tmp_path, {"type": "duckdb", "path": "x.duckdb"}, {"type": "duckdb"})
    (out / "compiled_artifacts.json").unlink()  # not even read
    assert local_secret_env(out) == {}


def test_an_artifact_that_no_longer_matches_gives_no_value(tmp_path: Path) -> None:
    out = _output(
        tmp_path,
        {"path": expr("postgres://u:", "PATH", "@db/x")},
        {"path": "postgres://u:pw@other-host/x"},
    )
    assert local_secret_env(out) == {}


def test_text_around_a_secret_is_read_as_floe_quotes_it(tmp_path: Path) -> None:
    """Jinja-quoted text (quotes, backslashes, braces, escapes) is matched as its value."""
    text = "it's {{ 7*7 }} \\ caf\u00e9 "
    quoted = "'" + "it\\'s {{ 7*7 }} \\\\ caf\\xe9 " + "'"
    out = _output(
        tmp_path,
        {"path": "{{ " + quoted + " ~ env_var('DBT_ENV_SECRET_FLOE_PATH') ~ '!' }}"},
        {"path": text + "s3cr3t!"},
    )
    assert local_secret_env(out) == {"DBT_ENV_SECRET_FLOE_PATH": "s3cr3t"}
