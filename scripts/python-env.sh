#!/usr/bin/env bash
# Create (or refresh) the repository's Python environment in .venv with the pinned
# packages of requirements-runtime.txt (floe's runtime), templates/helm/requirements-kubernetes.txt
# (what the code-location image adds for Kubernetes: dagster-k8s, dagster-postgres) and
# requirements-test.txt (test-only: moto's S3 server). Idempotent: when .venv already matches
# the three files (by SHA-256) it does nothing. Needs Python 3.11 and PyPI.
#
#   bash scripts/python-env.sh          # create or update .venv
#   PYTHON=/path/to/python3.11 bash scripts/python-env.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
reqs=("$root/requirements-runtime.txt" "$root/templates/helm/requirements-kubernetes.txt" "$root/requirements-test.txt")
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
	echo "python-env: no python3.11 or python3 on PATH; install Python 3.11" >&2
	exit 1
}

want="$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "python-env: $venv is up to date"
	exit 0
fi

py="$(pick_python)"
version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$version" != "3.11" ]; then
	echo "python-env: warning: $py is Python $version; the pins are tested on 3.11" >&2
fi

echo "python-env: installing pinned packages into $venv (Python $version)"
if [ ! -x "$venv/bin/python" ]; then
	"$py" -m venv "$venv"
fi
rm -f "$stamp"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
	-r "${reqs[0]}" -r "${reqs[1]}" -r "${reqs[2]}"
"$venv/bin/python" -m pip check
echo "$want" >"$stamp"
echo "python-env: ready ($("$venv/bin/python" -c 'import dagster, dagster_dbt, pyiceberg; print("dagster", dagster.__version__, "dagster-dbt", dagster_dbt.__version__, "pyiceberg", pyiceberg.__version__)'))"
