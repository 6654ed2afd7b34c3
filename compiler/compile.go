// Package compiler is the driver: it runs the passes in order over floe.yaml and its
// manifest chain, all in memory, and returns the compiled product with every
// diagnostic of the run. It never writes: the CLI does, after the generators succeed.
//
// The passes and why they come where they do:
//
//	parse     YAML → nodes with positions; nothing else can run on broken YAML.
//	validate  JSON Schema + rules per file; later passes may assume well-typed inputs.
//	resolve   manifest inheritance, plugins, compute, presets, dbt profiles; needs valid files.
//	graph     dependsOn targets, cycles, topological order; needs resolved transforms.
//	dbt       the dbt project beside floe.yaml: a model per transform, refs = dependsOn.
//	schedule  cron and time zone; needs the resolved orchestrator default.
//	govern    policies over the graph's models; runs last among the checks.
//	lower     CompiledArtifacts + Product, validated against its own schema, then the
//	          Kubernetes constraints on what packaging will emit (names, quantities).
//
// Every pass after validate runs over what passed validation (broken values are null
// and what depends on them is skipped), so one run reports every problem; lowering
// runs only when there is none.
package compiler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/floe-dev/floe/compiler/dbt"
	"github.com/floe-dev/floe/compiler/govern"
	"github.com/floe-dev/floe/compiler/graph"
	"github.com/floe-dev/floe/compiler/lower"
	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/schedule"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// Options configure one compile.
type Options struct {
	// SpecPath is floe.yaml's path (as shown in diagnostics).
	SpecPath string
	// ManifestPath overrides platform.manifest when non-empty.
	ManifestPath string
	// ReadFile reads an input file.
	ReadFile func(name string) ([]byte, error)
	// CompiledAt is the artifact's compiled_at.
	CompiledAt time.Time
	// FloeVersion is this compiler's version.
	FloeVersion string
	// Orchestrators lists the orchestrator types that have a generator.
	Orchestrators []string
	// Phase, when set, is called as each stage ends (for timing whole runs).
	Phase func(name string)
	// ReadDir and Stat list directories and stat files of the dbt project (both nil:
	// the dbt project is not checked).
	ReadDir func(name string) ([]fs.DirEntry, error)
	Stat    func(name string) (fs.FileInfo, error)
	// ReadLarge, when set, reads a big input (dbt's manifest.json) up to limit bytes.
	ReadLarge func(name string, limit int64) ([]byte, error)
	// DbtManifest is dbt's manifest.json to check refs against ("": the project's
	// <target-path>/manifest.json when it exists).
	DbtManifest string
	// NoSerialize skips writing the artifact's bytes (Product.ArtifactsJSON stays
	// empty): for runs that check and write nothing. The artifact is still validated.
	NoSerialize bool
}

// Result is the outcome of a compile.
type Result struct {
	// Product is nil when Diags has errors.
	Product *schemas.Product
	Diags   diag.List
	// Sources holds every input read, for quoting lines in diagnostics.
	Sources diag.Sources
	// Inputs are the files read, in reading order (floe.yaml, its manifest, parents).
	Inputs []string
	// Graph is the dependency graph (nil when the inputs did not get that far).
	Graph *graph.Graph
	// NextRuns are the next run times of each schedule, in its zone.
	NextRuns [][]time.Time
	// Internal is set when the failure is floe's fault, not the inputs' (exit 3).
	Internal bool
	// secrets are the govern pass's literal secrets by file (see Redacted).
	secrets map[string][]govern.Finding
}

// Compile runs every pass.
func Compile(opts Options) *Result {
	res := &Result{Sources: diag.Sources{}}
	phase := opts.Phase
	if phase == nil {
		phase = func(string) {}
	}
	read := func(name string) (*parse.File, bool) {
		b, err := opts.ReadFile(name)
		if err != nil {
			pos := diag.Pos{File: name}
			if !errors.Is(err, fs.ErrNotExist) {
				pos.Line, pos.Col = 1, 1 // the file is there but unusable (a FIFO, a directory, too big)
			}
			d := diag.Errorf(pos, diag.CodeFile, "", "cannot read %s: %v", name, trimPathErr(err))
			res.Diags.Add(d)
			return nil, false
		}
		res.Sources[name] = b
		res.Inputs = append(res.Inputs, name)
		f, ds := parse.Parse(name, b)
		res.Diags.Add(ds...)
		return f, f != nil
	}

	// parse + validate floe.yaml.
	sf, ok := read(opts.SpecPath)
	phase("parse")
	var spec *validate.Spec
	if ok {
		var ds diag.List
		spec, ds = validate.ValidateSpec(sf)
		res.Diags.Add(ds...)
	}
	// Find and load the manifest chain, even when floe.yaml had errors, so one run
	// reports both files' problems.
	mpath := opts.ManifestPath
	if mpath == "" {
		mpath = manifestFromSpec(sf, opts.SpecPath, &res.Diags)
	}
	var chain []*validate.Manifest
	complete := false
	if mpath != "" {
		n := len(res.Diags)
		chain, complete = loadChain(mpath, read, res)
		if opts.ManifestPath == "" && sf != nil {
			// A manifest named by platform.manifest that cannot be read is reported there.
			_, v := parse.Lookup(sf.Root, []string{"platform", "manifest"})
			relocateReadError(res.Diags[n:], mpath, sf.Pos(v), "platform.manifest")
		}
	}
	phase("validate")
	if spec == nil {
		res.Diags = res.Diags.Sorted()
		return res
	}

	// Every later pass runs, over what passed validation (broken values are null and
	// skipped by what depends on them), so one run reports every problem. Resolution
	// needs the whole manifest chain: a parent that could not be read leaves it out.
	var r *resolve.Resolved
	if complete {
		var ds diag.List
		r, ds = resolve.Resolve(spec, chain, resolve.Options{Orchestrators: opts.Orchestrators})
		res.Diags.Add(ds...)
	}
	g, ds := graph.Build(spec.File, spec.Spec, &graph.Broken{Has: spec.Broken.Has, Names: spec.Names})
	res.Diags.Add(ds...)
	res.Graph = g
	if opts.ReadDir != nil && opts.Stat != nil {
		// The dbt project beside floe.yaml: its files become inputs of the compile.
		dr, ds := dbt.Check(spec, dbt.Options{Dir: filepath.ToSlash(filepath.Dir(opts.SpecPath)), Manifest: opts.DbtManifest,
			ReadFile: opts.ReadFile, ReadLarge: opts.ReadLarge, ReadDir: opts.ReadDir, Stat: opts.Stat})
		res.Diags.Add(ds...)
		res.Inputs = append(res.Inputs, dr.Inputs...)
		maps.Copy(res.Sources, dr.Sources)
	}
	schedules, nextRuns := checkSchedule(spec, r, opts.CompiledAt, &res.Diags)
	res.NextRuns = nextRuns
	phase("resolve+graph")
	var policy *govern.Result
	if r != nil {
		policy, ds = govern.Check(r)
		res.Diags.Add(ds...)
		res.secrets = policy.Secrets
	}
	if res.Diags.HasErrors() || r == nil {
		res.Diags = res.Diags.Sorted()
		return res
	}
	// Every pass that needs the transforms' YAML positions has run: let the GC take
	// those nodes (most of the heap for big products) before lowering builds the outputs.
	if _, ts := parse.Lookup(sf.Root, []string{"transforms"}); ts != nil {
		ts.Content = nil
	}
	sources := [][]byte{sf.Src}
	for _, m := range chain {
		sources = append(sources, m.File.Src)
	}
	p, err := lower.Lower(lower.Input{Resolved: r, Graph: g, Policy: policy, Schedules: schedules,
		CompiledAt: opts.CompiledAt, FloeVersion: opts.FloeVersion, Sources: sources,
		Check: CheckArtifactValue, NoSerialize: opts.NoSerialize})
	phase("lower+check")
	if err != nil {
		res.Internal = true
		res.Diags.Add(diag.Errorf(diag.Pos{File: opts.SpecPath}, diag.CodeInternal, "", "internal error: %v (please report this)", err))
		res.Diags = res.Diags.Sorted()
		return res
	}
	if ds := kubernetesDiags(p, spec, chain); len(ds) > 0 {
		res.Diags.Add(ds...)
		res.Diags = res.Diags.Sorted()
		return res
	}
	res.Product = p
	res.Diags = res.Diags.Sorted()
	return res
}

// CheckArtifact validates compiled_artifacts.json bytes against the embedded schema.
func CheckArtifact(data []byte) error {
	v, err := unmarshalJSON(data)
	if err != nil {
		return fmt.Errorf("compiled artifacts are not valid JSON: %w", err)
	}
	if err := validate.ValidateValue("compiled-artifacts", v); err != nil {
		return fmt.Errorf("compiled artifacts do not match their schema: %w", err)
	}
	return nil
}

// CheckArtifactValue validates an artifact against the embedded schema like
// CheckArtifact, but model by model on every CPU: the root is checked with its first
// model (so the list's own constraints apply) and every further model against the
// ResolvedModel definition, so a 100,000-model artifact is never one generic tree.
func CheckArtifactValue(ca *schemas.CompiledArtifacts) error {
	root := *ca
	var rest []schemas.ResolvedModel
	if ca.Transforms != nil && len(ca.Transforms.Models) > 1 {
		t := *ca.Transforms
		rest = t.Models[1:]
		t.Models = t.Models[:1]
		root.Transforms = &t
	}
	b, err := schemas.MarshalPython(&root)
	if err != nil {
		return err
	}
	if err := CheckArtifact(b); err != nil {
		return err
	}
	return validate.ValidateItems("compiled-artifacts", "ResolvedModel", len(rest), func(i int) (any, error) {
		return modelValue(&rest[i])
	})
}

// modelValue is the generic JSON value of m, built directly rather than through a JSON
// round trip (the cost that dominated validating big artifacts). TestModelValue checks
// it equals the round trip.
func modelValue(m *schemas.ResolvedModel) (any, error) {
	strs := func(l []string) any {
		if l == nil {
			return nil
		}
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out
	}
	v := map[string]any{"name": m.Name, "compute": m.Compute, "tags": strs(m.Tags), "depends_on": strs(m.DependsOn),
		"quality_checks": nil, "quality_tier": nil}
	if m.QualityTier != nil {
		v["quality_tier"] = *m.QualityTier
	}
	if m.QualityChecks != nil {
		b, err := json.Marshal(m.QualityChecks)
		if err != nil {
			return nil, err
		}
		if v["quality_checks"], err = unmarshalJSON(b); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func trimPathErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// manifestFromSpec finds platform.manifest relative to floe.yaml.
func manifestFromSpec(sf *parse.File, specPath string, diags *diag.List) string {
	if sf == nil {
		return ""
	}
	_, v := parse.Lookup(sf.Root, []string{"platform", "manifest"})
	k, _ := parse.Lookup(sf.Root, []string{"platform", "manifest"})
	if k == nil || v == nil || v.Value == "" {
		d := diag.Errorf(diag.Pos{File: specPath, Line: 1, Col: 1}, diag.CodeFile, "platform.manifest", "no manifest: floe.yaml has no platform.manifest and --manifest was not given")
		d.Suggest = "add platform: {manifest: ../manifest.yaml} to floe.yaml, or pass --manifest"
		diags.Add(d)
		return ""
	}
	if strings.HasPrefix(v.Value, "oci://") {
		d := diag.Errorf(sf.Pos(v), diag.CodeParent, "platform.manifest", "manifest %s is an OCI reference; floe reads manifests from local files", v.Value)
		d.Suggest = "pull a local copy (e.g. oras pull) and pass it with --manifest"
		diags.Add(d)
		return ""
	}
	if d, bad := notYAMLPath(v.Value, sf.Pos(v), "platform.manifest"); bad {
		diags.Add(d)
		return ""
	}
	return joinRel(specPath, v.Value)
}

// notYAMLPath rejects a manifest path written in an input that does not name a .yaml
// or .yml file: floe quotes the lines of the files it reads in diagnostics, so a
// floe.yaml must not be able to make it read (and print) arbitrary files such as
// ~/.docker/config.json or /proc/self/environ. --manifest, given by the user, may
// name any file.
func notYAMLPath(p string, pos diag.Pos, field string) (diag.Diagnostic, bool) {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml":
		return diag.Diagnostic{}, false
	}
	d := diag.Errorf(pos, diag.CodeParent, field, "%s %q must name a .yaml or .yml file", field, p)
	d.Suggest = "pass another file explicitly with --manifest"
	return d, true
}

func joinRel(from, rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return path.Clean(filepath.ToSlash(filepath.Join(filepath.Dir(from), rel)))
}

// relocateReadError moves "cannot read file" diagnostics about file (not yet placed:
// they have no path) to pos, the place that names the file.
func relocateReadError(ds diag.List, file string, pos diag.Pos, path string) {
	for i := range ds {
		if ds[i].Code == diag.CodeFile && ds[i].Pos.File == file && ds[i].Path == "" {
			ds[i].Pos, ds[i].Path = pos, path
		}
	}
}

// loadChain reads a manifest and its parents (domain → enterprise), reporting cycles
// with the ordered path. complete is false when a manifest of the chain could not be
// read or its parent cannot be followed (the chain then lacks what that tier gives).
func loadChain(first string, read func(string) (*parse.File, bool), res *Result) (chain []*validate.Manifest, complete bool) {
	var seen []string
	cur := first
	for {
		abs, _ := filepath.Abs(cur)
		if i := slices.Index(seen, abs); i >= 0 {
			names := make([]string, 0, len(chain)+1)
			for _, m := range chain[i:] {
				names = append(names, m.File.Name)
			}
			names = append(names, cur)
			last := chain[len(chain)-1]
			_, v := parse.Lookup(last.File.Root, []string{"parent_manifest"})
			res.Diags.Add(diag.Errorf(last.File.Pos(v), diag.CodeInheritanceCycle, "parent_manifest", "manifest inheritance cycle: %s", strings.Join(names, " -> ")))
			return chain, false
		}
		seen = append(seen, abs)
		n := len(res.Diags)
		f, ok := read(cur)
		if !ok {
			if len(chain) > 0 {
				// A parent that cannot be read is reported where it is named.
				last := chain[len(chain)-1]
				_, v := parse.Lookup(last.File.Root, []string{"parent_manifest"})
				relocateReadError(res.Diags[n:], cur, last.File.Pos(v), "parent_manifest")
			}
			return chain, false
		}
		m, ds := validate.ValidateManifest(f)
		res.Diags.Add(ds...)
		if m == nil {
			return chain, false
		}
		chain = append(chain, m)
		if m.Broken.Has("parent_manifest") || m.Broken.Has("scope") {
			return chain, false
		}
		if m.Manifest.ParentManifest == nil {
			break
		}
		pm := *m.Manifest.ParentManifest
		_, v := parse.Lookup(f.Root, []string{"parent_manifest"})
		if strings.HasPrefix(pm, "oci://") {
			d := diag.Errorf(f.Pos(v), diag.CodeParent, "parent_manifest", "parent manifest %s is an OCI reference; floe reads parents from local files", pm)
			d.Suggest = "pull a local copy of the parent manifest and set parent_manifest to its path (relative to this manifest)"
			res.Diags.Add(d)
			return chain, false
		}
		if len(chain) > 3 {
			res.Diags.Add(diag.Errorf(f.Pos(v), diag.CodeParent, "parent_manifest", "inheritance deeper than enterprise → domain → product"))
			return chain, false
		}
		if d, bad := notYAMLPath(pm, f.Pos(v), "parent_manifest"); bad {
			res.Diags.Add(d)
			return chain, false
		}
		cur = joinRel(cur, pm)
	}
	// Scope order: a domain's parent must be an enterprise manifest.
	for i := 1; i < len(chain); i++ {
		if s := chain[i].Manifest.Scope; s == nil || *s != "enterprise" {
			_, v := parse.Lookup(chain[i-1].File.Root, []string{"parent_manifest"})
			res.Diags.Add(diag.Errorf(chain[i-1].File.Pos(v), diag.CodeParent, "parent_manifest", "parent manifest %s must have scope: enterprise", chain[i].File.Name))
			return chain, false
		}
	}
	return chain, true
}

// checkSchedule checks floe.yaml's schedule and, when it names no cron, the
// orchestrator's default_schedule (r nil: the manifest did not resolve, only
// floe.yaml's own schedule is checked). A broken cron, time zone or enabled flag was
// reported by validation and is skipped here.
func checkSchedule(spec *validate.Spec, r *resolve.Resolved, now time.Time, diags *diag.List) ([]schemas.Schedule, [][]time.Time) {
	sf := spec.File
	s := spec.Spec.Schedule
	if spec.Broken.Has("schedule") {
		return nil, nil
	}
	cronBroken, tzBroken := spec.Broken.Has("schedule", "cron"), spec.Broken.Has("schedule", "timezone")
	cronExpr, source := "", "floe.yaml"
	cronPos := diag.Pos{File: sf.Name}
	cronPath := "schedule.cron"
	switch {
	case cronBroken:
	case s != nil && s.Cron != nil:
		cronExpr = *s.Cron
		_, v := parse.Lookup(sf.Root, []string{"schedule", "cron"})
		cronPos = sf.Pos(v)
	case r == nil:
	default:
		v, ok := r.Plugins.Orchestrator.Config.Get("default_schedule")
		if !ok || v == nil {
			break
		}
		source = "manifest"
		cronPath = "plugins.orchestrator.config.default_schedule"
		for _, m := range r.Chain {
			if _, n, ok := parse.LookupExact(m.File.Root, []string{"plugins", "orchestrator", "config", "default_schedule"}); ok {
				cronPos = m.File.Pos(n)
				break
			}
		}
		var isString bool
		if cronExpr, isString = v.(string); !isString {
			diags.Add(diag.Errorf(cronPos, diag.CodeCron, cronPath, "default_schedule must be a cron expression (a string)"))
			cronExpr, cronBroken = "", true
		}
	}
	tz, enabled := "UTC", true
	tzPos := cronPos
	if s != nil {
		if s.Timezone != nil {
			tz = *s.Timezone
			_, v := parse.Lookup(sf.Root, []string{"schedule", "timezone"})
			tzPos = sf.Pos(v)
		}
		if s.Enabled != nil {
			enabled = *s.Enabled
		}
	}
	if cronExpr == "" {
		// No schedule (or a broken cron): a time zone written anyway is still checked.
		if s != nil && s.Timezone != nil && !tzBroken {
			_, ds := schedule.CheckZone(tz, tzPos, "schedule.timezone")
			diags.Add(ds...)
		}
		return nil, nil
	}
	if tzBroken {
		// Only the cron is checked; UTC stands in for the broken zone.
		tz = "UTC"
	}
	c, ds := schedule.Check(cronExpr, cronPos, cronPath, tz, tzPos, "schedule.timezone")
	diags.Add(ds...)
	if c == nil || r == nil {
		return nil, nil
	}
	return []schemas.Schedule{{Name: r.Slug + "_schedule", Cron: c.Cron, Timezone: tz, Enabled: enabled, Source: source}},
		[][]time.Time{c.Next(now, 3)}
}
