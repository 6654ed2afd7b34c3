// Package resolve is the compiler's resolve pass: it folds the manifest chain into one
// effective manifest, resolves plugins, each transform's compute target and resource
// preset, and renders the dbt profiles, reporting every reference that does not
// resolve at its position.
package resolve

import (
	"fmt"
	"slices"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"

	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// QualityProviders are the accepted plugins.quality.provider values.
var QualityProviders = []string{"great_expectations", "soda", "dbt_expectations"}

// Resolved is the output of the resolve pass.
type Resolved struct {
	Spec     *validate.Spec
	Chain    validate.Chain    // product's manifest first
	Manifest *schemas.Manifest // effective (merged) manifest
	Plugins  schemas.ResolvedPlugins
	// DefaultCompute is defaults.compute or plugins.compute.type.
	DefaultCompute string
	// Computes[i] is transform i's compute target.
	Computes []string
	// Profiles is the dbt profiles document.
	Profiles *schemas.Map
	// Presets are the manifest's presets in canonical shape, sorted by name.
	Presets []schemas.NamedResourcePreset
	// DefaultPreset applies to transforms naming none ("" when there is none).
	DefaultPreset string
	// ModelPresets[i] is transform i's preset name ("" when none).
	ModelPresets []string
	// Slug and ProjectName are the product name's two underscore forms.
	Slug, ProjectName string
}

// Options configure resolution.
type Options struct {
	// Orchestrators are the orchestrator types that have a generator.
	Orchestrators []string
}

// Resolve runs the pass.
func Resolve(spec *validate.Spec, chain validate.Chain, opts Options) (*Resolved, diag.List) {
	var diags diag.List
	eff, d := Merge(chain)
	diags.Add(d...)
	at := func(path ...string) diag.Pos {
		// The value may come from a parent manifest: the first tier that has it, child
		// first; else where it would go in the product's manifest.
		if pos, ok := chain.Mark(path...); ok {
			return pos
		}
		return chain[0].File.At(path[:max(0, len(path)-1)]...)
	}
	// brk says whether a manifest value was reported broken by validation (in any tier):
	// what depends on it is skipped, not reported a second time.
	brk := chain.Broken
	r := &Resolved{Spec: spec, Chain: chain, Manifest: eff}
	name := spec.Metadata.Name
	r.Slug = Slug(name)
	r.ProjectName = ProjectName(name)

	p := eff.Plugins
	ref := func(s *schemas.PluginSelection) *schemas.PluginRef {
		if s == nil {
			return nil
		}
		v := "0.0.0"
		if s.Version != nil {
			v = *s.Version
		}
		return &schemas.PluginRef{Type: strings.TrimSpace(s.Type), Version: v, Config: s.Config.Clone()}
	}
	brkWithin := chain.BrokenWithin
	computeOK, orchestratorOK := p.Compute != nil && !brkWithin("plugins", "compute"), p.Orchestrator != nil && !brkWithin("plugins", "orchestrator")
	for _, req := range []struct {
		name string
		sel  *schemas.PluginSelection
	}{{"compute", p.Compute}, {"orchestrator", p.Orchestrator}} {
		if req.sel == nil && !brk("plugins", req.name) {
			e := diag.Errorf(at("plugins"), diag.CodeMissingPlugin, "plugins."+req.name, "the manifest selects no %s plugin", req.name)
			e.Suggest = fmt.Sprintf("add plugins.%s with a type", req.name)
			diags.Add(e)
		}
	}
	for _, c := range []struct {
		cat string
		sel *schemas.PluginSelection
		ok  *bool
	}{{"compute", p.Compute, &computeOK}, {"orchestrator", p.Orchestrator, &orchestratorOK}, {"catalog", p.Catalog, nil}, {"storage", p.Storage, nil},
		{"semantic_layer", p.SemanticLayer, nil}, {"ingestion", p.Ingestion, nil}, {"lineage_backend", p.LineageBackend, nil},
		{"secrets", p.Secrets, nil}, {"telemetry_backend", p.TelemetryBackend, nil}, {"identity", p.Identity, nil}, {"dbt", p.Dbt, nil}} {
		if c.sel != nil && !brk("plugins", c.cat, "type") && strings.TrimSpace(c.sel.Type) == "" {
			diags.Add(diag.Errorf(at("plugins", c.cat, "type"), diag.CodeRange, "plugins."+c.cat+".type", "plugin type cannot be empty or whitespace-only"))
			if c.ok != nil {
				*c.ok = false
			}
		}
	}
	r.Plugins = schemas.ResolvedPlugins{
		Catalog: ref(p.Catalog), Storage: ref(p.Storage), Ingestion: ref(p.Ingestion),
		Semantic: ref(p.SemanticLayer), LineageBackend: ref(p.LineageBackend),
	}
	if p.Compute != nil {
		r.Plugins.Compute = *ref(p.Compute)
	}
	if p.Orchestrator != nil {
		r.Plugins.Orchestrator = *ref(p.Orchestrator)
	}
	if orchestratorOK && len(opts.Orchestrators) > 0 && !slices.Contains(opts.Orchestrators, r.Plugins.Orchestrator.Type) {
		e := diag.Errorf(at("plugins", "orchestrator", "type"), diag.CodeNoGenerator, "plugins.orchestrator.type",
			"no generator for orchestrator %q; available: %s", r.Plugins.Orchestrator.Type, strings.Join(opts.Orchestrators, ", "))
		e.Suggest = diag.DidYouMean(r.Plugins.Orchestrator.Type, opts.Orchestrators)
		diags.Add(e)
	}
	if q := p.Quality; q != nil && !brk("plugins", "quality", "provider") && !slices.Contains(QualityProviders, q.Provider) {
		e := diag.Errorf(at("plugins", "quality", "provider"), diag.CodeQualityProvider, "plugins.quality.provider",
			"unknown quality provider %q; available: %s", q.Provider, strings.Join(QualityProviders, ", "))
		e.Suggest = diag.DidYouMean(q.Provider, QualityProviders)
		diags.Add(e)
	}

	// Compute per transform.
	r.DefaultCompute = r.Plugins.Compute.Type
	if c, ok := eff.Defaults["compute"]; ok && c != "" {
		r.DefaultCompute = c
	}
	var approved []string
	for _, m := range chain {
		if a, ok := m.Manifest.ApprovedPlugins["compute"]; ok {
			approved = a
		}
	}
	if brk("approved_plugins") {
		approved = nil // reported; not checked against
	}
	r.Computes = make([]string, len(spec.Transforms))
	for i, t := range spec.Transforms {
		c := r.DefaultCompute
		if t.Compute != nil && *t.Compute != "" {
			c = *t.Compute
			if approved != nil && !slices.Contains(approved, c) {
				e := diag.Errorf(spec.TransformAt(i, "compute"), diag.CodeUnknownCompute, fmt.Sprintf("transforms[%d].compute", i),
					"compute target %q is not approved by the platform; approved: %s", c, strings.Join(approved, ", "))
				e.Suggest = diag.DidYouMean(c, approved)
				diags.Add(e)
			}
		}
		r.Computes[i] = c
	}

	// Sinks.
	if eff.ApprovedSinks != nil && !brk("approved_sinks") {
		for i, d := range spec.Destinations {
			if !spec.Broken.Has("destinations", fmt.Sprint(i), "sink_type") && !slices.Contains(eff.ApprovedSinks, d.SinkType) {
				e := diag.Errorf(spec.File.At("destinations", fmt.Sprint(i), "sink_type"), diag.CodeSink, fmt.Sprintf("destinations[%d].sink_type", i),
					"sink type %q is not in the platform's approved sinks: %s", d.SinkType, strings.Join(eff.ApprovedSinks, ", "))
				e.Suggest = diag.DidYouMean(d.SinkType, eff.ApprovedSinks)
				diags.Add(e)
			}
		}
	}

	// Profiles.
	if computeOK && !brk("plugins", "compute", "config") {
		prof, d := duckdbProfile(r, name, at)
		diags.Add(d...)
		r.Profiles = prof
	}

	// Presets. One that failed validation still exists by name: naming it is no error.
	var brokenPresets []string
	r.Presets, r.DefaultPreset, brokenPresets = presets(eff, brk)
	known := func(n string) bool {
		return hasPreset(r.Presets, n) || slices.Contains(brokenPresets, n) || brk("resource_presets")
	}
	if r.DefaultPreset != "" && !known(r.DefaultPreset) {
		e := diag.Errorf(at("plugins", "orchestrator", "config", "default_preset"), diag.CodeUnknownPreset, "plugins.orchestrator.config.default_preset",
			"default_preset %q is not a resource preset of the manifest", r.DefaultPreset)
		e.Suggest = presetSuggestion(r.DefaultPreset, r.Presets)
		diags.Add(e)
	}
	r.ModelPresets = make([]string, len(spec.Transforms))
	for i, t := range spec.Transforms {
		r.ModelPresets[i] = r.DefaultPreset
		if t.Resources == nil {
			continue
		}
		if !known(*t.Resources) {
			e := diag.Errorf(spec.TransformAt(i, "resources"), diag.CodeUnknownPreset, fmt.Sprintf("transforms[%d].resources", i),
				"unknown resource preset %q", *t.Resources)
			e.Suggest = presetSuggestion(*t.Resources, r.Presets)
			diags.Add(e)
			continue
		}
		r.ModelPresets[i] = *t.Resources
	}
	return r, diags
}

// presetSuggestion is the suggestion for an unknown preset name: a near name, else the
// manifest's presets, else that it has none.
func presetSuggestion(name string, ps []schemas.NamedResourcePreset) string {
	names := presetNames(ps)
	if len(names) == 0 {
		return "the manifest defines no resource_presets: add one there, or leave the preset out"
	}
	if s := diag.DidYouMean(name, names); s != "" {
		return s
	}
	return "the manifest's resource_presets are: " + strings.Join(names, ", ")
}

func hasPreset(ps []schemas.NamedResourcePreset, n string) bool {
	return slices.ContainsFunc(ps, func(p schemas.NamedResourcePreset) bool { return p.Name == n })
}

func presetNames(ps []schemas.NamedResourcePreset) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// presets returns the manifest's valid presets in canonical shape, the default preset's
// name and the names of presets validation reported broken.
func presets(m *schemas.Manifest, brk func(path ...string) bool) ([]schemas.NamedResourcePreset, string, []string) {
	names := make([]string, 0, len(m.ResourcePresets))
	for n := range m.ResourcePresets {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]schemas.NamedResourcePreset, 0, len(names))
	var broken []string
	for _, n := range names {
		p := m.ResourcePresets[n]
		if brk("resource_presets", n) || !wellShaped(p) {
			broken = append(broken, n)
			continue
		}
		var rr schemas.ResourceRequirements
		if p.Requests != nil {
			rr.Requests = *p.Requests
			rr.Limits = *p.Limits
		} else {
			rr.Requests = schemas.ResourceList{CPU: *p.CPURequest, Memory: *p.MemoryRequest}
			rr.Limits = schemas.ResourceList{CPU: *p.CPULimit, Memory: *p.MemoryLimit}
		}
		out = append(out, schemas.NamedResourcePreset{Name: n, Resources: rr})
	}
	def := ""
	if o := m.Plugins.Orchestrator; o != nil {
		if v, ok := o.Config.Get("default_preset"); ok {
			def, _ = v.(string)
		}
	}
	return out, def, broken
}

// wellShaped reports whether p has one complete shape (validation reports the others).
func wellShaped(p schemas.ManifestResourcePreset) bool {
	if p.Requests != nil || p.Limits != nil {
		return p.Requests != nil && p.Limits != nil
	}
	return p.CPURequest != nil && p.MemoryRequest != nil && p.CPULimit != nil && p.MemoryLimit != nil
}

var nonWord = lazy.Regexp(`[^a-zA-Z0-9_]+`)

// Slug replaces each run of characters outside [A-Za-z0-9_] with one "_" and trims "_"
// ("customer-360" → "customer_360"); "product" when nothing is left.
func Slug(name string) string {
	s := strings.Trim(nonWord().ReplaceAllString(name, "_"), "_")
	if s == "" {
		return "product"
	}
	return s
}

// ProjectName replaces each character outside [A-Za-z0-9_] with "_" (no collapsing) and
// trims "_": the dbt project name the reference derives ("floe" when nothing is left).
func ProjectName(name string) string {
	var b strings.Builder
	for _, c := range name {
		if c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	if s == "" {
		return "floe"
	}
	return s
}
