// Command floe-synth writes a synthetic product (floe.yaml, domain.yaml,
// enterprise.yaml) with N transforms into DIR; with -dbt also the matching dbt
// project (dbt_project.yml, models/m_<i>.sql), so that the compiled product loads
// in Dagster after `dbt parse`.
//
//	floe-synth [-dbt] N DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/floe-dev/floe/internal/synth"
)

func main() {
	dbt := flag.Bool("dbt", false, "also write the dbt project (dbt_project.yml, models/*.sql)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: floe-synth [-dbt] N DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	n, err := strconv.Atoi(flag.Arg(0))
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "floe-synth: N must be a positive integer")
		os.Exit(2)
	}
	files := synth.Product(n)
	if *dbt {
		files = append(files, synth.DbtProject(n)...)
	}
	if err := synth.WriteFiles(flag.Arg(1), files); err != nil {
		fmt.Fprintln(os.Stderr, "floe-synth:", err)
		os.Exit(1)
	}
}
