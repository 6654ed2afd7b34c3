#!/usr/bin/env bash
# Compile an example product and materialize it on this machine: dbt builds the models
# in DuckDB, floe publishes each table to a SQLite-backed Iceberg catalog, and the
# partitioned Python assets run once per partition. Everything lands under
# <example>/target/floe-local/ (catalog.db, warehouse/, <product>.duckdb, lineage.jsonl).
#
#   bash scripts/run-example.sh                       # examples/customer-360
#   bash scripts/run-example.sh examples/hello-orders
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
example="${1:-examples/customer-360}"

bash scripts/python-env.sh
go build -o bin/floe ./cmd/floe
bin/floe compile "$example"
out="$example/target/floe"
export DAGSTER_HOME="${DAGSTER_HOME:-$root/$example/target/floe-local/dagster}"
mkdir -p "$DAGSTER_HOME"
PYTHONPATH="$out" .venv/bin/python -m floe_runtime materialize "$out"
echo "run-example: explore it with: .venv/bin/dagster dev -f $out/definitions.py"
