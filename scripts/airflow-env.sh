#!/usr/bin/env bash
# Create (or refresh) the pinned Python environment of floe's Airflow runtime in
# .cache/airflow-venv from requirements-airflow.txt: Airflow 3, the cncf-kubernetes and
# OpenLineage providers, Astronomer Cosmos (for the parse-time benchmark), dbt-duckdb and
# PyIceberg. It is separate from .venv (scripts/python-env.sh, Dagster's): Airflow's
# dependency pins clash with Dagster's. Idempotent: when the venv already matches the
# requirements file (by SHA-256) it does nothing. Needs Python 3.11 and PyPI. Prints the
# venv's directory on its last line.
#
#   bash scripts/airflow-env.sh
#   PYTHON=/path/to/python3.11 bash scripts/airflow-env.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FLOE_AIRFLOW_VENV:-$root/.cache/airflow-venv}"
reqs="$root/requirements-airflow.txt"
stamp="$venv/.floe-requirements.sha256"

pick_python() {
	if [ -n "${PYTHON:-}" ]; then
		echo "$PYTHON"
		return
	fi
	for candidate in python3.11 python3; do
		if command -v "$candidate" >/dev/null 2>&1; then
			echo "$candidate"
			return
		fi
	done
	echo "airflow-env: no python3.11 or python3 on PATH; install Python 3.11" >&2
	exit 1
}

want="$(sha256sum "$reqs" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "airflow-env: $venv is up to date" >&2
	echo "$venv"
	exit 0
fi

py="$(pick_python)"
version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$version" != "3.11" ]; then
	echo "airflow-env: warning: $py is Python $version; the pins are tested on 3.11" >&2
fi

echo "airflow-env: installing pinned packages into $venv (Python $version)" >&2
mkdir -p "$(dirname "$venv")"
if [ ! -x "$venv/bin/python" ]; then
	"$py" -m venv "$venv"
fi
rm -f "$stamp"
# Every package is pinned in the file (a frozen, pip-check-clean set): no resolution.
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q --no-deps -r "$reqs" >&2
"$venv/bin/python" -m pip check >&2
echo "$want" >"$stamp"
"$venv/bin/python" -c 'import airflow, cosmos, dbt.version, pyiceberg; print("airflow-env: ready (airflow", airflow.__version__, "cosmos", cosmos.__version__, "dbt", dbt.version.__version__, "pyiceberg", pyiceberg.__version__ + ")")' >&2
echo "$venv"
