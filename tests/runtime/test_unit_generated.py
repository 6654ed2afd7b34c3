"""The generated Python: hostile user text stays data, and everything passes ruff."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from conftest import REPO, VENV_BIN, run
from floe_runtime.local import _plan_only

GOLDEN = REPO / "codegen" / "dagster" / "testdata"


def test_hostile_names_stay_inside_their_strings(tmp_path: Path) -> None:
    src = GOLDEN / "hostile" / "want" / "definitions.py"
    tree = ast.parse(src.read_text())
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [ast.unparse(n) for n in imports] == [
        "import sys",
        "from pathlib import Path",
        "from floe_runtime import Lineage, Model, Plan, Resources, build_definitions",
    ]
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"
    ]
    assert calls == []
    shutil.copy(src, tmp_path / "definitions.py")
    plan = _plan_only(tmp_path)
    assert plan.product_version == "1.0.0\"\nimport os  # '"
    assert plan.lineage.endpoint == "http://x/\\\"); os.system('boom') #"
    assert plan.models[0].tags == ("it's", 'say "hi"', "tab\there", "nl\nthere")


def test_runtime_sources_goldens_and_examples_pass_ruff() -> None:
    files = [
        str(REPO / "templates" / "runtime" / "floe_runtime"),
        *(str(p) for p in sorted(REPO.glob("examples/*/assets/*.py"))),
        *(str(p) for p in sorted(GOLDEN.glob("*/want/**/*.py"))),
    ]
    run([str(VENV_BIN / "ruff"), "format", "--isolated", "--check", *files])
    run([str(VENV_BIN / "ruff"), "check", "--isolated", *files])
