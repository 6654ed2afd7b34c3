package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/internal/synth"
)

// writerEnv, when set in floe-bench's environment, makes the process an input writer
// (writeInputsMain) instead of the bench.
const writerEnv = "FLOE_BENCH_WRITE_INPUTS"

// Input sets that writeInputs can write, as a comma-separated list.
const (
	inProduct   = "product"   // floe.yaml, domain.yaml, enterprise.yaml (synth.Product)
	inDbt       = "dbt"       // the dbt project (synth.DbtProject)
	inLocations = "locations" // the stock, floor and empty Dagster locations (synth.BenchLocations)
	inAirflow   = "airflow"   // enterprise.yaml with the Airflow orchestrator
)

// writeInputs writes the synthetic product of n transforms into dir, in a child process
// (this program again, with writerEnv set). On Linux a child's peak RSS (ru_maxrss)
// starts from the high-water mark of the process it was forked from, which no amount
// of freeing lowers: generating a 56 MB floe.yaml here would make every later row
// report this process's peak instead of floe's. The bench itself stays small.
func writeInputs(dir string, n int, sets ...string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), writerEnv+"="+strings.Join(sets, ",")+" "+strconv.Itoa(n)+" "+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("write the %d-transform inputs: %w\n%s", n, err, out)
	}
	return nil
}

// writeInputsMain is the child of writeInputs: spec is "SETS N DIR".
func writeInputsMain(spec string) error {
	f := strings.SplitN(spec, " ", 3)
	if len(f) != 3 {
		return fmt.Errorf("%s: want \"SETS N DIR\", got %q", writerEnv, spec)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 1 {
		return fmt.Errorf("%s: bad size %q", writerEnv, f[1])
	}
	var files []synth.File
	for _, set := range strings.Split(f[0], ",") {
		switch set {
		case inProduct:
			files = append(files, synth.Product(n)...)
		case inDbt:
			files = append(files, synth.DbtProject(n)...)
		case inLocations:
			files = append(files, synth.BenchLocations(n)...)
		case inAirflow:
			for i := range files {
				if files[i].Name == "enterprise.yaml" {
					files[i].Data = []byte(strings.Replace(string(files[i].Data), "orchestrator: {type: dagster", "orchestrator: {type: airflow", 1))
				}
			}
		default:
			return fmt.Errorf("%s: unknown input set %q", writerEnv, set)
		}
	}
	return synth.WriteFiles(f[2], files)
}
