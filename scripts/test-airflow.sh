#!/usr/bin/env bash
# Airflow runtime tests: the unit tests of floe_airflow (in a venv without Dagster) and
# the end-to-end test that compiles examples/customer-360 for Airflow with bin/floe and
# runs it in real Airflow 3, dbt-duckdb and PyIceberg (`airflow dags list-import-errors`,
# `airflow dags test`), then compiles it for Dagster and materializes it with the Dagster
# runtime, and compares every table the two wrote. Installs what it needs on first use:
# the pinned Airflow venv (scripts/airflow-env.sh, .cache/airflow-venv) and the Dagster
# venv (scripts/python-env.sh, .venv).
#
#   bash scripts/test-airflow.sh            # all Airflow tests
#   bash scripts/test-airflow.sh -k unit    # extra arguments go to pytest
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="$(bash scripts/airflow-env.sh | tail -n 1)"
bash scripts/python-env.sh
go build -o bin/floe ./cmd/floe

export FLOE_BIN="$root/bin/floe"
export FLOE_DAGSTER_VENV="$root/.venv"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Airflow writes airflow.cfg and its logs under AIRFLOW_HOME when a module imports it;
# keep them out of the user's home. The end-to-end test gives each run a home of its own.
export AIRFLOW_HOME="$scratch/airflow_home"
mkdir -p "$AIRFLOW_HOME"

status=0
"$venv/bin/python" -m pytest tests/airflow -p no:cacheprovider -q "$@" || status=$?
if [ "$status" -eq 5 ]; then
	echo "test-airflow: pytest collected no tests; that is a failure" >&2
	exit 1
fi
exit "$status"
