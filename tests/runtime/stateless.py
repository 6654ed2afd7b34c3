"""Helpers of the stateless-step tests: reference builds, table contents, fresh processes.

The reference for every table is a plain `dbt build` of the whole project in one dbt
process into a DuckDB file of its own: what the product computes when nothing is split
into steps. Tables are compared row for row after normalizing types that legitimately
differ after a trip through Iceberg (DuckDB's HUGEINT sums come back as decimals, floats
are compared to 9 significant digits).
"""

from __future__ import annotations

import decimal
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml
from conftest import VENV_BIN, run

SEEDS = ["raw_crm_customers", "raw_support_tickets", "raw_transactions"]


def plain_dbt_build(project: Path, profiles_dir: Path, work: Path) -> Path:
    """`dbt build` of the whole project in one process; returns its DuckDB file."""
    work.mkdir(parents=True, exist_ok=True)
    duck = work / "reference" / "customer_360.duckdb"
    run(
        [
            str(VENV_BIN / "dbt"),
            "--no-send-anonymous-usage-stats",
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(profiles_dir),
            "--target-path",
            str(work / "reference" / "target"),
        ],
        cwd=project,
        env={
            "FLOE_DUCKDB_PATH": str(duck),
            "DBT_LOG_PATH": str(work / "reference" / "logs"),
            "DBT_VERSION_CHECK": "false",
        },
    )
    return duck


def _value(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (decimal.Decimal, float)):
        f = float(v)
        if f == 0 or math.isnan(f):
            return f
        return float(f"{f:.9g}")
    if isinstance(v, int):
        return float(v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return v


def normalized(rows: list[dict[str, Any]]) -> list[tuple]:
    """Rows as sorted tuples of (column, normalized value), themselves sorted."""
    out = [tuple(sorted((k, _value(v)) for k, v in r.items())) for r in rows]
    return sorted(out, key=repr)


def duckdb_rows(path: Path, table: str, schema: str = "main") -> list[tuple]:
    """The normalized rows of schema.table in a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rel = con.sql(f'select * from "{schema}"."{table}"')
        cols = rel.columns
        return normalized([dict(zip(cols, row)) for row in rel.fetchall()])
    finally:
        con.close()


def iceberg_rows(catalog: Any, identifier: str) -> list[tuple]:
    """The normalized rows of an Iceberg table read through the catalog."""
    return normalized(catalog.load_table(identifier).scan().to_arrow().to_pylist())


def tree_state(root: Path, ignore: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """Every file under root (relative path -> size, mtime), minus the ignored paths."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_dir() or any(rel.startswith(i) for i in ignore):
            continue
        st = path.stat()
        state[rel] = (st.st_size, st.st_mtime_ns)
    return state


def materialize_alone(
    out: Path,
    select: str,
    scratch: Path,
    env: dict[str, str] | None = None,
    partition: str | None = None,
) -> str:
    """`dagster asset materialize --select select` in a new process that starts empty.

    Its working directory, DAGSTER_HOME, DuckDB file (FLOE_DUCKDB_PATH) and dbt target
    directory are all new and empty, as in a fresh pod. Returns the process's log.
    """
    scratch.mkdir(parents=True)
    for name in ("cwd", "dagster_home", "compute"):
        (scratch / name).mkdir()
    cmd = [
        str(VENV_BIN / "dagster"),
        "asset",
        "materialize",
        "-f",
        str(out / "definitions.py"),
        "--select",
        select,
    ]
    if partition is not None:
        cmd += ["--partition", partition]
    proc = run(
        cmd,
        cwd=scratch / "cwd",
        env={
            "DAGSTER_HOME": str(scratch / "dagster_home"),
            "FLOE_DUCKDB_PATH": str(scratch / "compute" / "customer_360.duckdb"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "DBT_VERSION_CHECK": "false",
            **(env or {}),
        },
    )
    log = proc.stdout + proc.stderr
    assert "RUN_SUCCESS" in log, log[-3000:]
    return log


def dependency_order(floe_yaml: dict) -> list[str]:
    """The transforms, each after everything it depends on (floe.yaml order otherwise)."""
    pending = {t["name"]: set(t.get("dependsOn", [])) for t in floe_yaml["transforms"]}
    order: list[str] = []
    while pending:
        ready = [n for n, deps in pending.items() if deps <= set(order)]
        assert ready, f"cycle among {sorted(pending)}"
        order.append(ready[0])
        del pending[ready[0]]
    return order


PYTHON_ASSETS = ["regional_customer_snapshot", "regional_value_summary"]


def materialize_every_step_alone(
    root: Path, out: Path, base: Path, env: dict[str, str] | None = None
) -> list[str]:
    """The seeds, then each transform in dependency order, then partition north of each
    Python asset: each by its own empty process (materialize_alone). Returns the tables
    that dbt built, seeds first."""
    floe_yaml = yaml.safe_load((root / "floe.yaml").read_text())
    order = dependency_order(floe_yaml)
    for i, select in enumerate([",".join(SEEDS), *order]):
        log = materialize_alone(out, select, base / "steps" / f"{i:02d}", env)
        if i > 0:
            assert "input table(s) from Iceberg" in log, select
    for i, asset in enumerate(PYTHON_ASSETS):
        materialize_alone(out, asset, base / "py" / f"{i}", env, partition="north")
    return [*SEEDS, *order]


def assert_tables_equal_plain_dbt(
    root: Path, out: Path, base: Path, catalog: Any, namespace: str, names: list[str]
) -> None:
    """Every named Iceberg table equals its table in one plain `dbt build`."""
    reference = plain_dbt_build(root, out, base / "reference")
    for name in names:
        want = duckdb_rows(reference, name)
        got = iceberg_rows(catalog, f"{namespace}.{name}")
        assert want, name
        assert len(got) == len(want), f"{name}: {len(got)} rows, want {len(want)}"
        assert got == want, f"{name}: contents differ from a plain dbt build"
