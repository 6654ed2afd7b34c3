package compiler

import (
	"errors"
	"io/fs"
	"maps"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/dbt"
	"github.com/floe-dev/floe/compiler/govern"
	"github.com/floe-dev/floe/compiler/graph"
	"github.com/floe-dev/floe/compiler/lower"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas/check"
)

// The passes of the table in compile.go, each a method of the compilation it runs in.

// read reads an input file, recording its bytes (for quoting lines in diagnostics) or
// an error at the file.
func (c *compilation) read(name string) ([]byte, bool) {
	b, err := c.opts.ReadFile(name)
	if err != nil {
		pos := diag.Pos{File: name}
		if !errors.Is(err, fs.ErrNotExist) {
			pos.Line, pos.Col = 1, 1 // the file is there but unusable (a FIFO, a directory, too big)
		}
		c.res.Diags.Add(diag.Errorf(pos, diag.CodeFile, "", "cannot read %s: %v", name, trimPathErr(err)))
		return nil, false
	}
	c.res.Sources[name] = b
	c.res.Inputs = append(c.res.Inputs, name)
	c.res.Declarations = append(c.res.Declarations, name)
	return b, true
}

// parse parses floe.yaml, handing each transform to validation as it is decoded.
func (c *compilation) parse() bool {
	b, ok := c.read(c.opts.SpecPath)
	if !ok {
		return false
	}
	list := c.transforms.List()
	if c.opts.DumpAfter == "parse" && c.opts.Dump != nil {
		// Dump each transform as decoded, before validation changes it.
		start := list.Start
		list.Start = func(f *parse.File, n int) func(int, *yaml.Node) {
			take := start(f, n)
			c.items = make([]string, n)
			return func(i int, item *yaml.Node) {
				c.items[i] = dumpNode(item, 2)
				take(i, item)
			}
		}
	}
	f, ds := parse.ParseList(c.opts.SpecPath, b, list)
	c.res.Diags.Add(ds...)
	c.spec = f
	return f != nil
}

// validate validates floe.yaml (its transforms were validated as parse decoded them).
func (c *compilation) validate() bool {
	spec, ds := validate.ValidateSpec(c.spec, &c.transforms)
	c.res.Diags.Add(ds...)
	c.valid = spec
	if spec != nil {
		c.res.secrets[spec.File.Name] = spec.Secrets
	}
	return spec != nil
}

// manifests finds, reads, parses and validates the manifest chain; it produces what
// resolve needs only when the whole chain is there.
func (c *compilation) manifests() bool {
	mpath := c.opts.ManifestPath
	if mpath == "" {
		mpath = manifestFromSpec(c.spec, c.opts.SpecPath, &c.res.Diags)
	}
	if mpath == "" {
		return false
	}
	n := len(c.res.Diags)
	chain, complete := c.loadChain(mpath)
	c.chain = chain
	for _, m := range chain {
		c.res.secrets[m.File.Name] = m.Secrets
	}
	if c.opts.ManifestPath == "" && c.spec != nil {
		// A manifest named by platform.manifest that cannot be read is reported there.
		relocateReadError(c.res.Diags[n:], mpath, c.spec.At("platform", "manifest"), "platform.manifest")
	}
	return complete
}

// resolve folds the chain and resolves plugins, compute, presets and profiles.
func (c *compilation) resolve() bool {
	r, ds := resolve.Resolve(c.valid, c.chain, resolve.Options{Orchestrators: c.opts.Orchestrators})
	c.res.Diags.Add(ds...)
	c.resolved = r
	return r != nil
}

// graph checks and orders the transforms' dependencies.
func (c *compilation) graph() bool {
	g, ds := graph.Build(c.valid)
	c.res.Diags.Add(ds...)
	c.graphed, c.res.Graph = g, g
	return g != nil
}

// dbt checks the dbt project beside floe.yaml; its files become inputs of the compile.
func (c *compilation) dbt() bool {
	o := c.opts
	if o.ReadDir == nil || o.Stat == nil {
		return false // the dbt project is not checked
	}
	dr, ds := dbt.Check(c.valid, dbt.Options{Dir: filepath.ToSlash(filepath.Dir(o.SpecPath)), Manifest: o.DbtManifest,
		ReadFile: o.ReadFile, OpenLarge: o.OpenLarge, ReadDir: o.ReadDir, Stat: o.Stat})
	c.res.Diags.Add(ds...)
	c.res.Inputs = append(c.res.Inputs, dr.Inputs...)
	c.res.InputDirs = append(c.res.InputDirs, dr.Dirs...)
	c.res.AbsentInputs = append(c.res.AbsentInputs, dr.Absent...)
	c.dbtInputs = dr.Inputs
	maps.Copy(c.res.Sources, dr.Sources)
	return true
}

// schedule checks floe.yaml's schedule (or the orchestrator's default).
func (c *compilation) schedule() bool {
	c.schedules, c.res.NextRuns = checkSchedule(c.valid, c.resolved, c.opts.CompiledAt, &c.res.Diags)
	return true
}

// govern applies the policies and finds the inputs' literal secrets.
func (c *compilation) govern() bool {
	policy, ds := govern.Check(c.resolved)
	c.res.Diags.Add(ds...)
	c.policy = policy
	return true
}

// lower builds the artifact and the product, the artifact checked as it is written.
func (c *compilation) lower() bool {
	sch, err := check.Load("compiled-artifacts")
	var artifactCheck *check.ListCheck
	if err == nil {
		artifactCheck, err = sch.List("transforms", "models")
	}
	if err != nil {
		c.internal(err)
		return false
	}
	sources := [][]byte{c.spec.Src}
	for _, m := range c.chain {
		sources = append(sources, m.File.Src)
	}
	p, err := lower.Lower(lower.Input{Resolved: c.resolved, Graph: c.graphed, Policy: c.policy, Schedules: c.schedules,
		CompiledAt: c.opts.CompiledAt, FloeVersion: c.opts.FloeVersion, Sources: sources,
		Check: artifactCheck, NoSerialize: c.opts.NoSerialize})
	if err != nil {
		c.internal(err)
		return false
	}
	c.product = p
	return true
}

// kubernetes checks what packaging will emit; the product is the run's only when it
// passes.
func (c *compilation) kubernetes() bool {
	if ds := kubernetesDiags(c.product, c.valid, c.chain); len(ds) > 0 {
		c.res.Diags.Add(ds...)
		return false
	}
	c.res.Product = c.product
	return true
}
