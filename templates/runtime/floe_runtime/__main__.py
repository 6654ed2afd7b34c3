"""python -m floe_runtime {prepare,materialize,tables} [OUTPUT_DIR]

prepare      run `dbt parse` for the product (writes target/manifest.json)
materialize  prepare, then materialize every asset (each partition of partitioned ones)
tables       list the product's Iceberg tables with their row and snapshot counts

OUTPUT_DIR is the directory `floe compile` wrote (default: the directory of this package).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import FloeRuntimeError


def main(argv: list[str]) -> int:
    """Entry point; returns the process exit code."""
    if len(argv) < 1 or argv[0] not in ("prepare", "materialize", "tables"):
        print(__doc__, file=sys.stderr)
        return 2
    output_dir = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    )
    from . import local

    try:
        if argv[0] != "tables":
            project_dir = local.prepare(output_dir)
            print(f"floe: dbt parse done for {project_dir}")
        if argv[0] == "materialize":
            runs = local.materialize_all(output_dir)
            print(f"floe: materialized all assets in {len(runs)} run(s)")
        if argv[0] in ("materialize", "tables"):
            for name, rows, snapshots in local.table_summary(output_dir):
                print(f"floe: iceberg {name}: {rows} rows, {snapshots} snapshot(s)")
    except FloeRuntimeError as exc:
        print(f"floe: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
