"""Hostile user values stay data in the generated Python and in dbt's profiles.yml.

A product whose transform tags and compute settings hold every value of
cli/testdata/hostile/values.json (line breaks, quotes, backslashes, Jinja, YAML
indicators, control and separator characters, ...) is compiled with the real floe binary.
definitions.py must parse with Python's own parser and give the values back unchanged;
profiles.yml, read and rendered by dbt's own profile loader and Jinja renderer, must give
every value back unchanged, except a whole `{{ env_var('NAME') }}` reference, which dbt
resolves on purpose.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import REPO, run
from floe_runtime.local import _plan_only

VALUES = REPO / "cli" / "testdata" / "hostile" / "values.json"
ENV_REF = "{{ env_var('FLOE_HOSTILE_REF') }}"


def hostile_values() -> dict[str, str]:
    """The values of values.json by name."""
    out = {}
    for entry in json.loads(VALUES.read_text(encoding="utf-8")):
        value = entry.get("value")
        if value is None:
            value = entry["repeat"] * entry["times"]
        out[entry["name"]] = value
    return out


def yaml_quote(s: str) -> str:
    """s as a YAML double-quoted scalar, everything outside printable ASCII escaped."""
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        elif c < 0x100:
            out.append(f"\\x{c:02x}")
        elif c < 0x10000:
            out.append(f"\\u{c:04x}")
        else:
            out.append(f"\\U{c:08x}")
    out.append('"')
    return "".join(out)


def write_product(root: Path, tags: list[str], settings: dict[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    tag_lines = "".join(f"      - {yaml_quote(t)}\n" for t in tags)
    (root / "floe.yaml").write_text(
        "apiVersion: floe.dev/v1\nkind: FloeSpec\n"
        "metadata: {name: hostile, version: 1.0.0}\n"
        "platform: {manifest: manifest.yaml}\n"
        "transforms:\n  - name: stg_a\n    tags:\n" + tag_lines,
        encoding="utf-8",
    )
    setting_lines = "".join(
        f"        {k}: {yaml_quote(v)}\n" for k, v in settings.items()
    )
    (root / "manifest.yaml").write_text(
        "apiVersion: floe.dev/v1\nkind: Manifest\n"
        "metadata: {name: p, version: 1.0.0, owner: me}\n"
        "plugins:\n  orchestrator: {type: dagster}\n"
        "  compute:\n    type: duckdb\n    config:\n"
        "      path: target/hostile.duckdb\n      settings:\n" + setting_lines,
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, floe_bin: Path) -> Path:
    values = hostile_values()
    # dbt cannot be given a value holding its secret prefix unchanged: floe refuses it
    # (test_dbt_secret_prefix_refused_with_position).
    settings = {
        f"s{i:02d}": v
        for i, v in enumerate(values.values())
        if "DBT_ENV_SECRET_" not in v
    }
    root = tmp_path_factory.mktemp("hostile") / "product"
    write_product(root, list(values.values()), settings)
    run([str(floe_bin), "compile", str(root)])
    return root / "target" / "floe"


def test_definitions_keep_every_value(compiled: Path) -> None:
    plan = _plan_only(compiled)
    values = list(hostile_values().values())
    assert list(plan.models[0].tags) == values


def render_profiles(output_dir: Path) -> dict:
    """profiles.yml as dbt reads it: its YAML loader, then its profile renderer."""
    from dbt.config.profile import read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    raw = read_profile(str(output_dir))
    return ProfileRenderer({}).render_data(raw)


def test_dbt_renders_every_value_to_itself(
    compiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOE_HOSTILE_REF", "resolved-on-purpose")
    rendered = render_profiles(compiled)
    settings = rendered["hostile"]["outputs"]["dev"]["settings"]
    artifacts = json.loads((compiled / "compiled_artifacts.json").read_text("utf-8"))
    written = artifacts["dbt_profiles"]["hostile"]["outputs"]["dev"]["settings"]
    assert settings.keys() == written.keys()
    for key, value in written.items():
        want = "resolved-on-purpose" if value == ENV_REF else value
        assert settings[key] == want, f"{key}: {value!r}"


def test_unquoted_jinja_would_run(tmp_path: Path) -> None:
    """The check above can fail: the same renderer evaluates Jinja written as it is."""
    (tmp_path / "profiles.yml").write_text(
        "p:\n  outputs:\n    dev:\n      x: '{{ 7*7 }}'\n      y: \"a\\r\\nb\\n\"\n"
    )
    dev = render_profiles(tmp_path)["p"]["outputs"]["dev"]
    assert str(dev["x"]) == "49"
    assert dev["y"] == "a\nb"


def test_dbt_secret_prefix_refused_with_position(
    tmp_path: Path, floe_bin: Path
) -> None:
    root = tmp_path / "product"
    write_product(root, ["t"], {"s00": "x DBT_ENV_SECRET_X"})
    proc = run([str(floe_bin), "compile", str(root)], check=False)
    assert proc.returncode == 1, proc.stderr
    manifest = root / "manifest.yaml"
    line = (
        manifest.read_text().splitlines().index('        s00: "x DBT_ENV_SECRET_X"') + 1
    )
    assert f"manifest.yaml:{line}:14: error:" in proc.stderr, proc.stderr
    assert not (root / "target" / "floe").exists()
