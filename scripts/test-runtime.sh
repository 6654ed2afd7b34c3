#!/usr/bin/env bash
# Runtime tests: the CLI's tests that need the Python runtime (go test -run '^TestRuntime'
# ./cli with FLOE_VENV: floe init → validate → compile → run on a new product, floe dev,
# the pre-commit hook, the README's walkthrough), the Python unit tests of floe_runtime
# and the end-to-end tests that compile the examples with bin/floe and run them in real
# Dagster, dbt-duckdb and PyIceberg, locally and against real services: Apache Iceberg's
# REST catalog server with its warehouse in S3 (moto), both started here on loopback and stopped on exit
# (scripts/services.py). Installs everything it needs on first use: the pinned
# virtualenv (scripts/python-env.sh) and the REST server's jars (scripts/iceberg-rest.sh),
# both cached (.venv, .cache/).
#
#   bash scripts/test-runtime.sh            # all runtime tests
#   bash scripts/test-runtime.sh -k unit    # extra arguments go to pytest (the CLI's
#                                           # Go tests run only when there are none)
#   FLOE_TEST_SERVICES=off bash scripts/test-runtime.sh   # without the REST catalog and S3
#                                                          # (their test is then skipped)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/python-env.sh
go build -o bin/floe ./cmd/floe

export FLOE_BIN="$root/bin/floe"
scratch="$(mktemp -d)"
# Dagster writes run storage under DAGSTER_HOME; keep it out of the user's home.
export DAGSTER_HOME="${DAGSTER_HOME:-$scratch/dagster_home}"
mkdir -p "$DAGSTER_HOME"

services_pid=""
cleanup() {
	if [ -n "$services_pid" ] && kill -0 "$services_pid" 2>/dev/null; then
		kill "$services_pid" 2>/dev/null || true
		wait "$services_pid" 2>/dev/null || true
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT

if [ "${FLOE_TEST_SERVICES:-}" = "off" ]; then
	unset FLOE_TEST_SERVICES
	echo "test-runtime: FLOE_TEST_SERVICES=off: the REST catalog test will be skipped" >&2
else
	lib="$(bash scripts/iceberg-rest.sh | tail -n 1)"
	ready="$scratch/services.json"
	.venv/bin/python scripts/services.py --lib "$lib" --work "$scratch/services" --ready "$ready" &
	services_pid=$!
	for _ in $(seq 1 400); do
		if [ -f "$ready" ]; then
			break
		fi
		if ! kill -0 "$services_pid" 2>/dev/null; then
			echo "test-runtime: the REST catalog and S3 services did not start" >&2
			exit 1
		fi
		sleep 0.5
	done
	if [ ! -f "$ready" ]; then
		echo "test-runtime: the REST catalog and S3 services were not ready in 200 s" >&2
		exit 1
	fi
	export FLOE_TEST_SERVICES="$ready"
fi

go_status=0
if [ "$#" -eq 0 ]; then
	FLOE_VENV="$root/.venv" go test -count=1 -run '^TestRuntime' ./cli || go_status=$?
fi
status=0
.venv/bin/python -m pytest tests/runtime -p no:cacheprovider -q "$@" || status=$?
if [ "$status" -eq 5 ]; then
	echo "test-runtime: pytest collected no tests; that is a failure" >&2
	exit 1
fi
if [ "$go_status" -ne 0 ]; then
	echo "test-runtime: the CLI's runtime tests failed (go test -run '^TestRuntime' ./cli)" >&2
	exit "$go_status"
fi
exit "$status"
