# floe — build, test and benchmark.
GO ?= go
BIN := bin/floe

.PHONY: all build test test-go test-cross test-runtime test-airflow airflow-env generate fuzz bench run-example python-env clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/floe

# Everything CI runs: Go unit, golden, CLI-script and fuzz-seed tests, vet for macOS and
# Windows, then the Python runtime tests (real Dagster, dbt-duckdb, PyIceberg, dagster-k8s)
# in a pinned virtualenv, some against Iceberg's REST catalog server and moto's S3, which
# the script starts on loopback and stops (jars and venv cached in .cache/ and .venv/),
# then the Airflow runtime tests in their own pinned virtualenv (.cache/airflow-venv).
test: test-go test-cross test-runtime test-airflow

test-go:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# floe builds on macOS and Windows too: go vet compiles every package and its tests
# for each (platform calls live in _linux/_darwin/_windows/_unix files).
test-cross:
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=darwin GOARCH=amd64 $(GO) vet ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

test-runtime:
	@if [ -f scripts/test-runtime.sh ]; then bash scripts/test-runtime.sh; else echo "runtime tests: scripts/test-runtime.sh not present"; fi

# Airflow 3: floe_airflow's unit tests, then examples/customer-360 compiled for Airflow,
# run with `airflow dags test` and its tables compared with the Dagster runtime's.
test-airflow:
	bash scripts/test-airflow.sh

# Compile examples/customer-360 (or EXAMPLE=examples/hello-orders) and materialize it
# locally with `floe run`: dbt on DuckDB, tables published to a SQLite-backed Iceberg
# catalog under the example's target/floe-local/ (the runtime is the checkout's .venv,
# built on first use by scripts/python-env.sh).
EXAMPLE ?= examples/customer-360
run-example: build
	$(BIN) run $(EXAMPLE)

# The pinned Python environment (.venv: runtime, Kubernetes and test packages) used by the
# runtime tests and `floe run` from this checkout.
python-env:
	bash scripts/python-env.sh

# The pinned Airflow environment (.cache/airflow-venv) of the Airflow tests and bench rows.
airflow-env:
	bash scripts/airflow-env.sh

# Regenerate schemas/*.schema.json from the Go types.
generate:
	$(GO) generate ./schemas

# Longer fuzzing than make test does.
fuzz:
	$(GO) test ./compiler/parse -run='^$$' -fuzz=FuzzParse -fuzztime=60s
	$(GO) test ./schemas/check -run='^$$' -fuzz=FuzzParseJSON -fuzztime=30s
	$(GO) test ./schemas/check -run='^$$' -fuzz=FuzzValidSpan -fuzztime=30s
	$(GO) test ./schemas -run='^$$' -fuzz=FuzzAppendIndent -fuzztime=30s

# Go benchmarks per pass and for the whole compile (10 … 100,000 transforms), then the
# whole-process table (median wall time, peak RSS; process start, 10 … 500,000
# transforms) written to target/bench/results.md, including loading the Dagster
# definitions of 1,000, 5,000 and 10,000 models with the pinned .venv, side by side with
# the stock dagster-dbt location and Dagster's floor (bare AssetSpecs), and Airflow's
# parse of the generated DAG against Cosmos' at 100, 1,000 and 5,000 models with the
# pinned .cache/airflow-venv. When a Python environment cannot be built, its rows say so
# and the rest still runs. BASELINE=path/to/an/older/floe times that binary too, side by
# side, the runs of the two interleaved.
bench: build
	@bash scripts/python-env.sh || echo "bench: could not build .venv; the Dagster load row will be skipped"
	@bash scripts/airflow-env.sh >/dev/null || echo "bench: could not build .cache/airflow-venv; the Airflow rows will be skipped"
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=3x ./compiler/... ./codegen/... ./schemas/...
	$(GO) run ./internal/synth/cmd/floe-bench -floe $(BIN) -venv .venv -dagster 1000,5000,10000 $(if $(BASELINE),-baseline $(BASELINE))

clean:
	rm -rf bin
