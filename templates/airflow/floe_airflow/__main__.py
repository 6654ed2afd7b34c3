"""python -m floe_airflow prepare [OUTPUT_DIR]

prepare   run `dbt parse` for the product (writes target/manifest.json, which the DAG's
          tasks read, and dbt's partial parse state, which spares each task a parse)

OUTPUT_DIR is the directory `floe compile` wrote (default: the directory of this package).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Entry point; returns the process exit code."""
    if len(argv) < 1 or argv[0] != "prepare" or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    output_dir = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    )
    from floe_runtime.errors import FloeRuntimeError

    from .prepare import prepare

    try:
        project_dir = prepare(output_dir)
    except FloeRuntimeError as exc:
        print(f"floe: error: {exc}", file=sys.stderr)
        return 1
    print(f"floe: dbt parse done for {project_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
