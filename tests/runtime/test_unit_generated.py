"""The generated Python: hostile user text stays data, and everything passes ruff."""

from __future__ import annotations

import ast
import os
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


def test_the_images_bytecode_is_loaded_not_recompiled(tmp_path: Path) -> None:
    # The code-location image runs with PYTHONDONTWRITEBYTECODE and compiles the output's
    # bytecode once at build time (the Dockerfile's compileall): each pod must then load
    # definitions.py and floe_runtime from that bytecode, whatever the files' times.
    dockerfile = (
        REPO / "codegen" / "helm" / "testdata" / "golden" / "files" / "Dockerfile"
    )
    [step] = [
        line.removeprefix("RUN ").split()
        for line in dockerfile.read_text().splitlines()
        if line.startswith("RUN python -m compileall ")
    ]
    out = tmp_path / "out"
    shutil.copytree(
        REPO / "templates" / "runtime" / "floe_runtime", out / "floe_runtime"
    )
    (out / "definitions.py").write_text(
        "from floe_runtime import plan\n\nPLAN = plan\n"
    )
    run([str(VENV_BIN / "python"), *step[1:]], cwd=out)
    for source in [out / "definitions.py", *out.glob("floe_runtime/*.py")]:
        os.utime(source, (0, 0))  # a copy's times differ from the build's
    load = (
        "import importlib.util, sys; sys.path.insert(0, sys.argv[1]); "
        "spec = importlib.util.spec_from_file_location('definitions', sys.argv[1] + '/definitions.py'); "
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))"
    )
    proc = run(
        [str(VENV_BIN / "python"), "-v", "-c", load, str(out)],
        env={"PYTHONDONTWRITEBYTECODE": "1"},
    )
    for name in ["definitions", "floe_runtime/__init__", "floe_runtime/plan"]:
        folder, _, stem = f"/{name}".rpartition("/")
        cache = f"{out}{folder}/__pycache__/{stem}.cpython-"
        assert f"# code object from '{cache}" in proc.stderr, name
