"""python -m floe_runtime {prepare,materialize,tables} [OUTPUT_DIR] [--select SEL] [--events]

prepare      run `dbt parse` for the product (writes target/manifest.json)
materialize  prepare, then materialize every asset (each partition of partitioned ones)
tables       list the product's Iceberg tables with their row and snapshot counts

OUTPUT_DIR is the directory `floe compile` wrote (default: the directory of this package).
--select SEL  materialize only the assets SEL names: asset names separated by spaces or
              commas, `+name` with what it depends on, `name+` with what depends on it
--events      print progress as JSON lines on stdout, and everything else on stderr
              (how `floe run` reads it)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import FloeRuntimeError

USAGE_EXIT = 2


def _parse(argv: list[str]) -> tuple[str, Path | None, list[str], bool] | None:
    if not argv or argv[0] not in ("prepare", "materialize", "tables"):
        return None
    command, rest = argv[0], argv[1:]
    output_dir: Path | None = None
    select: list[str] = []
    events = False
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--events":
            events = True
        elif arg == "--select" and i + 1 < len(rest):
            i += 1
            select.append(rest[i])
        elif arg.startswith("--select="):
            select.append(arg.removeprefix("--select="))
        elif arg.startswith("-") or output_dir is not None:
            return None
        else:
            output_dir = Path(arg)
        i += 1
    return command, output_dir, select, events


def main(argv: list[str]) -> int:
    """Entry point; returns the process exit code."""
    parsed = _parse(argv)
    if parsed is None:
        print(__doc__, file=sys.stderr)
        return USAGE_EXIT
    command, output_dir, select, events = parsed
    if output_dir is None:
        output_dir = Path(__file__).resolve().parent.parent
    if events:
        return _main_events(command, output_dir, select)
    from . import local

    try:
        if command != "tables":
            project_dir = local.prepare(output_dir)
            print(f"floe: dbt parse done for {project_dir}")
        if command == "materialize":
            runs = local.materialize_all(output_dir, select=select or None)
            print(f"floe: materialized all assets in {len(runs)} run(s)")
        if command in ("materialize", "tables"):
            for name, rows, snapshots in local.table_summary(output_dir):
                print(f"floe: iceberg {name}: {rows} rows, {snapshots} snapshot(s)")
    except local.SelectionError as exc:
        print(f"floe: error: {exc}", file=sys.stderr)
        return USAGE_EXIT
    except FloeRuntimeError as exc:
        print(f"floe: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _main_events(command: str, output_dir: Path, select: list[str]) -> int:
    """main with --events: progress as JSON lines on the real stdout; everything else
    printed to stdout (dbt's output, by this process or its children) goes to stderr."""
    events_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    from . import local

    observe = local.emit_events(events_out)
    try:
        if command != "tables":
            local.timed(observe, "dbt parse", lambda: local.prepare(output_dir))
        if command == "materialize":
            runs = local.materialize_all(
                output_dir, select=select or None, observe=observe
            )
            observe({"type": "done", "runs": len(runs)})
        if command in ("materialize", "tables"):
            tables = [
                {"name": name, "rows": rows, "snapshots": snapshots}
                for name, rows, snapshots in local.table_summary(output_dir)
            ]
            observe({"type": "tables", "tables": tables})
    except local.SelectionError as exc:
        observe({"type": "error", "usage": True, "message": str(exc)})
        return USAGE_EXIT
    except local.RunFailedError as exc:
        for failure in exc.failures:
            observe({"type": "failure", **failure})
        observe({"type": "error", "message": str(exc)})
        return 1
    except FloeRuntimeError as exc:
        observe({"type": "error", "message": str(exc)})
        return 1
    finally:
        events_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
