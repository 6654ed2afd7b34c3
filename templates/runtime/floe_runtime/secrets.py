"""The dbt profile's literal secrets, for runs on this machine.

floe never writes a literal secret into profiles.yml: it reads each one with
``{{ env_var('DBT_ENV_SECRET_FLOE_<SETTING>') }}`` (dbt scrubs DBT_ENV_SECRET_* values
from its logs). In Kubernetes the variables come from the compute plugin's Secret
(the chart's ``secretEnv``), and nothing here runs: a missing one fails dbt with the
variable's name. Anywhere else (``python -m floe_runtime``, ``dagster dev``, the image
build's ``prepare``) a variable that is not set is taken from the verbatim
``compiled_artifacts.json`` beside profiles.yml, the one generated file that holds the
manifest's literal values; a variable already set always wins.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

PROFILES_FILE = "profiles.yml"
ARTIFACTS_FILE = "compiled_artifacts.json"
ENV_PREFIX = "DBT_ENV_SECRET_FLOE_"
# A value profiles.yml reads a secret of: a whole reference, or one expression of
# single-quoted literals and env_var() calls joined by ~ (the text around the secret).
_WHOLE = re.compile(r"\{\{ env_var\('(" + ENV_PREFIX + r"[A-Z0-9_]+)'\) \}\}")
_TOKEN = re.compile(r"'((?:[^'\\]|\\.)*)'|env_var\('([A-Za-z_][A-Za-z0-9_]*)'\)")


def in_kubernetes() -> bool:
    """True inside a Kubernetes pod (the kubelet sets KUBERNETES_SERVICE_HOST)."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def local_secret_env(
    output_dir: Path, dbt_profiles: dict[str, Any] | None = None
) -> dict[str, str]:
    """The DBT_ENV_SECRET_FLOE_* variables profiles.yml reads, with their literal values.

    Each value is the part of the artifact's dbt_profiles value that profiles.yml
    replaced by the variable (a whole value, or the password of a URL, the token of a
    query string). dbt_profiles defaults to compiled_artifacts.json's.
    """
    output_dir = Path(output_dir)
    profiles_path = output_dir / PROFILES_FILE
    try:
        text = profiles_path.read_text(encoding="utf-8")
    except OSError:
        return {}
    if ENV_PREFIX not in text:
        return {}
    template = yaml.safe_load(text)
    if dbt_profiles is None:
        try:
            doc = json.loads((output_dir / ARTIFACTS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        dbt_profiles = doc.get("dbt_profiles") if isinstance(doc, dict) else None
    env: dict[str, str] = {}
    _match(template, dbt_profiles, env)
    return env


def fill_local_secrets(
    output_dir: Path, dbt_profiles: dict[str, Any] | None = None
) -> list[str]:
    """Set the profile's secret variables that are not set (not in Kubernetes).

    Returns the names it set.
    """
    if in_kubernetes():
        return []
    filled = []
    for name, value in local_secret_env(output_dir, dbt_profiles).items():
        if name not in os.environ:
            os.environ[name] = value
            filled.append(name)
    return filled


def _match(template: Any, literal: Any, env: dict[str, str]) -> None:
    """Walk profiles.yml and the artifact's profile together, collecting variables."""
    if isinstance(template, dict) and isinstance(literal, dict):
        for key, value in template.items():
            if key in literal:
                _match(value, literal[key], env)
    elif isinstance(template, list) and isinstance(literal, list):
        for t, lit in zip(template, literal):
            _match(t, lit, env)
    elif isinstance(template, str) and ENV_PREFIX in template:
        if isinstance(literal, bool) or literal is None:
            return
        text = literal if isinstance(literal, str) else str(literal)
        parts = _parts(template)
        if parts is None:
            return
        names = [name for kind, name in parts if kind == "env"]
        # The template is the literal with each secret replaced by a reference: the
        # text between references is kept as it was, so it pins each secret down.
        pattern = "".join(
            re.escape(value) if kind == "text" else "(.*?)" for kind, value in parts
        )
        m = re.fullmatch(pattern, text, re.DOTALL)
        if m is not None:
            env.update(zip(names, m.groups()))


def _parts(template: str) -> list[tuple[str, str]] | None:
    """The literal texts and variable names of a secret-reading value, in order.

    ``{{ env_var('N') }}`` gives [("env", "N")]; ``{{ 'a' ~ env_var('N') ~ 'b' }}``
    gives [("text", "a"), ("env", "N"), ("text", "b")]. None for anything else.
    """
    whole = _WHOLE.fullmatch(template)
    if whole:
        return [("env", whole.group(1))]
    if not (template.startswith("{{ ") and template.endswith(" }}")):
        return None
    body = template[3:-3]
    parts: list[tuple[str, str]] = []
    pos = 0
    while True:
        m = _TOKEN.match(body, pos)
        if m is None:
            return None
        if m.group(2) is not None:
            parts.append(("env", m.group(2)))
        else:
            # floe writes literals with Python-style escapes of printable ASCII only.
            parts.append(("text", m.group(1).encode("ascii").decode("unicode_escape")))
        pos = m.end()
        if pos == len(body):
            return parts
        if not body.startswith(" ~ ", pos):
            return None
        pos += 3
