// Package codegen turns a compiled schemas.Product into the output tree, in memory:
// the contract file, the orchestrator's runtime files (one generator per orchestrator
// type) and the Kubernetes packaging. It never reads inputs or writes to disk.
package codegen

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/floe-dev/floe/codegen/airflow"
	"github.com/floe-dev/floe/codegen/artifact"
	"github.com/floe-dev/floe/codegen/dagster"
	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/codegen/helm"
	"github.com/floe-dev/floe/schemas"
)

// Generator produces the files of one target.
type Generator interface {
	// Name is the orchestrator type (or target) it serves, e.g. "dagster".
	Name() string
	// Version is the generator's version.
	Version() string
	// ContractVersion is the CompiledArtifacts contract version it reads.
	ContractVersion() string
	// Generate returns the generator's files.
	Generate(p *schemas.Product, opts gen.Options) ([]gen.File, error)
}

// orchestrators are the registered orchestrator generators, by type: the Go
// counterpart of the reference's floe.orchestrators entry points.
var orchestrators = []Generator{dagster.Generator, airflow.Generator}

// packagers run after the orchestrator's generator, for the orchestrator types they
// package: the Helm generator packages a Dagster code location (the Airflow generator
// writes its own chart values and image).
var packagers = []struct {
	Generator
	orchestrators []string
}{{helmGenerator{}, []string{"dagster"}}}

// helmGenerator gives the Helm generator the contract version it reads.
type helmGenerator struct{ helm.ChartGenerator }

func (helmGenerator) ContractVersion() string { return schemas.ContractVersion }

// Registered lists every generator with its version and contract, for `floe version`.
func Registered() []Generator {
	out := append([]Generator{}, orchestrators...)
	for _, p := range packagers {
		out = append(out, p.Generator)
	}
	return out
}

// Orchestrators lists the orchestrator types that have a generator, sorted.
func Orchestrators() []string {
	out := make([]string, 0, len(orchestrators))
	for _, g := range orchestrators {
		out = append(out, g.Name())
	}
	slices.Sort(out)
	return out
}

// Options select what Generate writes.
type Options struct {
	gen.Options
	// ArtifactFormat is json (default), yaml or configmap.
	ArtifactFormat string
	// ConfigMapName and Namespace apply to the configmap format.
	ConfigMapName, Namespace string
}

// Generate builds the whole output tree in memory, sorted by path.
func Generate(p *schemas.Product, opts Options) ([]gen.File, error) {
	files, err := artifact.Files(p, artifact.Options{Format: opts.ArtifactFormat, ConfigMapName: opts.ConfigMapName, Namespace: opts.Namespace})
	if err != nil {
		return nil, err
	}
	var gens []Generator
	for _, g := range orchestrators {
		if g.Name() == p.Orchestrator {
			gens = append(gens, g)
		}
	}
	for _, pk := range packagers {
		if slices.Contains(pk.orchestrators, p.Orchestrator) {
			gens = append(gens, pk.Generator)
		}
	}
	for _, g := range gens {
		if g.ContractVersion() != p.ContractVersion {
			return nil, fmt.Errorf("generator %s %s reads contract %s, not %s", g.Name(), g.Version(), g.ContractVersion(), p.ContractVersion)
		}
	}
	// The generators are independent: run them at once, report the first failure in
	// registration order.
	outs := make([][]gen.File, len(gens))
	errs := make([]error, len(gens))
	var wg sync.WaitGroup
	for i, g := range gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = g.Generate(p, opts.Options)
		}()
	}
	wg.Wait()
	for i, g := range gens {
		if errs[i] != nil {
			return nil, fmt.Errorf("generate %s: %w", g.Name(), errs[i])
		}
		files = append(files, outs[i]...)
	}
	seen := map[string]bool{}
	for i := range files {
		f := &files[i]
		clean := path.Clean(f.Path)
		if f.Path == "" || path.IsAbs(f.Path) || clean != f.Path || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("generator produced an unsafe path %q", f.Path)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("two generators produced %s", f.Path)
		}
		seen[f.Path] = true
		if f.Mode == 0 {
			f.Mode = 0o644
		}
	}
	slices.SortFunc(files, func(a, b gen.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}
