"""``python -m floe_airflow prepare``: dbt parse, before the DAG's tasks can run."""

from __future__ import annotations

from pathlib import Path

from floe_runtime.plan import read_plan
from floe_runtime.step import dbt_parse

# The generated DAG file, relative to the output directory (codegen/airflow DAGFile).
DAG_FILE = "dag.py"


def prepare(output_dir: Path) -> Path:
    """Run `dbt parse` so target/manifest.json exists; returns the product directory.

    The plan is read from the DAG file, not run: preparing needs no Airflow.
    """
    output_dir = Path(output_dir).resolve()
    return dbt_parse(read_plan(output_dir / DAG_FILE), output_dir)
