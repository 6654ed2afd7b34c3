package synth

import (
	"fmt"
	"strings"
)

// The Dagster code locations BenchLocations writes into the product directory, each a
// file for `dagster definitions validate -f`.
const (
	// StockLocation is the code location a dagster-dbt user would write for the
	// product: @dbt_assets over dbt's manifest, one asset job and a schedule.
	StockLocation = "stock_definitions.py"
	// FloorLocation declares the product's assets and their dependencies as bare
	// AssetSpecs: what Dagster costs for that graph and nothing else.
	FloorLocation = "floor_definitions.py"
	// EmptyLocation is an empty Definitions: what loading any location costs.
	EmptyLocation = "empty_definitions.py"
)

// stockLocation is StockLocation: dagster-dbt's documented way, with the product's
// schedule (synth.Spec's) and dbt reading the profiles floe compiled.
const stockLocation = `"""The code location a dagster-dbt user would write for the synthetic product."""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
)
from dagster_dbt import DbtCliResource, dbt_assets

PROJECT_DIR = Path(__file__).resolve().parent


@dbt_assets(manifest=PROJECT_DIR / "target" / "manifest.json")
def ` + ProductName + `_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


job = define_asset_job(
    "` + ProductName + `_job", selection=AssetSelection.assets(` + ProductName + `_dbt_assets)
)

defs = Definitions(
    assets=[` + ProductName + `_dbt_assets],
    jobs=[job],
    schedules=[
        ScheduleDefinition(
            job=job, cron_schedule="0 3 * * *", execution_timezone="Europe/Berlin"
        )
    ],
    resources={
        "dbt": DbtCliResource(
            project_dir=str(PROJECT_DIR),
            profiles_dir=str(PROJECT_DIR / "target" / "floe"),
        )
    },
)
`

const emptyLocation = `"""An empty code location."""

from dagster import Definitions

defs = Definitions()
`

// BenchLocations returns the three code locations (StockLocation, FloorLocation,
// EmptyLocation) that floe's own definitions of the product Spec(n) are timed against.
// StockLocation reads target/manifest.json (dbt parse) and target/floe/profiles.yml
// (floe compile).
func BenchLocations(n int) []File {
	w := width(n)
	var b strings.Builder
	b.Grow(n * 48)
	b.WriteString(`"""The synthetic product's assets and dependencies as bare AssetSpecs."""` + "\n\n")
	b.WriteString("from dagster import AssetSpec, Definitions\n\ndefs = Definitions(\n    assets=[\n")
	for i := range n {
		fmt.Fprintf(&b, "        AssetSpec(\"m_%d\"", i)
		if deps := distinct(parents(i, w)); len(deps) > 0 {
			b.WriteString(", deps=[")
			for k, d := range deps {
				if k > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "\"m_%d\"", d)
			}
			b.WriteString("]")
		}
		b.WriteString("),\n")
	}
	b.WriteString("    ]\n)\n")
	return []File{
		{Name: StockLocation, Data: []byte(stockLocation)},
		{Name: FloorLocation, Data: []byte(b.String())},
		{Name: EmptyLocation, Data: []byte(emptyLocation)},
	}
}

// distinct is deps without repeats, in order (AssetSpec refuses a repeated dep).
func distinct(deps []int) []int {
	var out []int
	for _, d := range deps {
		seen := false
		for _, o := range out {
			seen = seen || o == d
		}
		if !seen {
			out = append(out, d)
		}
	}
	return out
}
