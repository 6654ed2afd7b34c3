#!/usr/bin/env bash
# Code-location image smoke test without Docker: performs the generated Dockerfile's steps
# on this machine (Python 3.11) in a scratch directory and proves the result serves.
#   1. pip install --no-deps -r image-requirements.txt into a fresh venv, then pip check;
#   2. copy the product as the build context would (Dockerfile.dockerignore rules);
#   3. floe package, then `python -m floe_runtime prepare .` and the bytecode compile
#      (compileall) in the output directory, as the image does;
#   4. start `dagster api grpc` exactly as the image's CMD (paths under the scratch
#      directory instead of /opt/floe/product) and wait for `grpc-health-check`.
# Needs PyPI for step 1. Usage: bash codegen/helm/testdata/image_smoke.sh [product-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
product="${1:-$root/examples/customer-360}"
work="$(mktemp -d)"
server=""
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "== build floe"
(cd "$root" && go build -o "$work/floe" ./cmd/floe)

echo "== copy the build context"
mkdir -p "$work/product"
(cd "$product" && tar --exclude=.git --exclude=.venv --exclude=__pycache__ --exclude='*.pyc' \
	--exclude=.pytest_cache --exclude=./logs --exclude=./target -cf - .) | tar -xf - -C "$work/product"
(cd "$work/product" && "$work/floe" package . >/dev/null)
out="$work/product/target/floe"

echo "== pip install --no-deps -r image-requirements.txt; pip check"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --no-cache-dir --no-deps -r "$out/image-requirements.txt"
"$work/venv/bin/pip" check
export PATH="$work/venv/bin:$PATH" DAGSTER_HOME="$work/dagster_home"
mkdir -p "$DAGSTER_HOME"
python -c "import dagster_k8s, dagster_postgres"

echo "== prepare (dbt parse)"
(cd "$out" && python -m floe_runtime prepare .)

echo "== compileall (the image's bytecode)"
(cd "$out" && python -m compileall -q --invalidation-mode checked-hash .)
export PYTHONDONTWRITEBYTECODE=1

echo "== dagster api grpc (the image's CMD)"
port=3039
(cd "$out" && exec dagster api grpc --host 127.0.0.1 --port "$port" \
	--python-file "$out/definitions.py" --working-directory "$out") >"$work/grpc.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
	if dagster api grpc-health-check --port "$port" >/dev/null 2>&1; then
		echo "code server healthy"
		exit 0
	fi
	if ! kill -0 "$server" 2>/dev/null; then break; fi
	sleep 1
done
cat "$work/grpc.log" >&2
echo "code server did not become healthy" >&2
exit 1
