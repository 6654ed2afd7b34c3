#!/usr/bin/env bash
# Runtime tests: the Python unit tests of floe_runtime and the end-to-end test that
# compiles examples/customer-360 with bin/floe and runs it in real Dagster, dbt-duckdb
# and PyIceberg. Installs everything it needs (scripts/python-env.sh) on first use.
#
#   bash scripts/test-runtime.sh            # all runtime tests
#   bash scripts/test-runtime.sh -k unit    # extra arguments go to pytest
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/python-env.sh
go build -o bin/floe ./cmd/floe

export FLOE_BIN="$root/bin/floe"
# Dagster writes run storage under DAGSTER_HOME; keep it out of the user's home.
export DAGSTER_HOME="${DAGSTER_HOME:-$(mktemp -d)}"

status=0
.venv/bin/python -m pytest tests/runtime -p no:cacheprovider -q "$@" || status=$?
if [ "$status" -eq 5 ]; then
	echo "test-runtime: pytest collected no tests; that is a failure" >&2
	exit 1
fi
exit "$status"
