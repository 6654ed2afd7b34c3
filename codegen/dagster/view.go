package dagster

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/templates/runtime"
)

// definitionsView is what definitions.py.tmpl is filled with: strings reach Python only
// through pyString (the py template function) and appendPyString (appendModels).
type definitionsView struct {
	Product, ProductVersion, Slug     string
	FloeVersion, ContractVersion      string
	ProjectDir, DbtProfile, DbtTarget string
	DefaultPreset                     string
	Presets                           []presetView
	Lineage                           lineageView
	// Models are the product's models in compiled (floe.yaml) order, shared with the
	// product and only read: appendModels writes them, not the template, and sorts each
	// one's dependencies as it goes.
	Models []schemas.ModelPlan
}

type presetView struct {
	Name                                                 string
	RequestsCPU, RequestsMemory, LimitsCPU, LimitsMemory string
}

type lineageView struct {
	Enabled                              bool
	Transport, Endpoint, File, Namespace string
}

// modelsAction marks where definitions.py.tmpl's models tuple goes. The template is cut
// there into a head and a tail, and renderDefinitions writes the tuple between them with
// appendModels: through text/template (reflection, a string per value) it cost more than
// the rest of the file put together at 10,000 models. It must be a top-level action, not
// inside {{if}} or {{range}}, so that both halves parse on their own.
const modelsAction = "{{models}}"

// definitionsHead and definitionsTail are definitions.py.tmpl cut at modelsAction, parsed
// once; a missing key is an error, not "<no value>".
var definitionsTemplates = sync.OnceValues(func() (*template.Template, *template.Template) {
	return parseDefinitionsTemplate(string(runtime.DefinitionsTemplate()))
})

// parseDefinitionsTemplate cuts src at modelsAction and parses both halves; it panics
// unless there is exactly one modelsAction (the embedded template is fixed at build time).
func parseDefinitionsTemplate(src string) (head, tail *template.Template) {
	headSrc, tailSrc, ok := strings.Cut(src, modelsAction)
	if !ok || strings.Contains(tailSrc, modelsAction) {
		panic(fmt.Sprintf("%s: want exactly one %s", DefinitionsFile, modelsAction))
	}
	parse := func(name, src string) *template.Template {
		return template.Must(template.New(name).
			Option("missingkey=error").
			Funcs(template.FuncMap{
				"py":     pyString,
				"pybool": pyBool,
			}).
			Parse(src))
	}
	return parse(DefinitionsFile, headSrc), parse(DefinitionsFile+" (after "+modelsAction+")", tailSrc)
}

// renderDefinitions is definitions.py for v, in one buffer sized up front.
func renderDefinitions(v definitionsView) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, definitionsSize(v.Models)))
	definitionsHead, definitionsTail := definitionsTemplates()
	if err := definitionsHead.Execute(b, v); err != nil {
		return nil, err
	}
	b = bytes.NewBuffer(appendModels(b.Bytes(), v.Models))
	if err := definitionsTail.Execute(b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// modelIndent is the column of a Model's keyword arguments inside PLAN's models tuple.
const modelIndent = 12

// appendModels appends the models tuple, `()` when there are none (see the comment at
// {{models}} in definitions.py.tmpl for the layout). Dependencies are written sorted.
func appendModels(dst []byte, models []schemas.ModelPlan) []byte {
	if len(models) == 0 {
		return append(dst, "()"...)
	}
	var sorted []string // reused for the dependency lists that are not sorted already
	dst = append(dst, '(')
	for i := range models {
		m := &models[i]
		deps := m.DependsOn
		if !slices.IsSorted(deps) {
			sorted = append(sorted[:0], deps...)
			slices.Sort(sorted)
			deps = sorted
		}
		dst = append(dst, "\n        Model(\n            name="...)
		dst = appendPyString(dst, m.Name)
		dst = append(dst, ",\n            "...)
		dst = appendPyTuple(dst, modelIndent, "depends_on", deps)
		dst = append(dst, ",\n            "...)
		dst = appendPyTuple(dst, modelIndent, "tags", m.Tags)
		dst = append(dst, ",\n            tier="...)
		dst = appendPyString(dst, m.Tier)
		dst = append(dst, ",\n            preset="...)
		dst = appendPyString(dst, m.Preset)
		dst = append(dst, ",\n        ),"...)
	}
	return append(dst, "\n    )"...)
}

// definitionsSize is a close upper estimate of definitions.py's size for plain names, so
// the buffer is allocated once: the fixed text, each model's fixed text and its strings
// with their quotes and separators.
func definitionsSize(models []schemas.ModelPlan) int {
	const fixed, perModel, perItem = 4 << 10, 160, 4
	n := fixed
	for i := range models {
		m := &models[i]
		n += perModel + len(m.Name) + len(m.Tier) + len(m.Preset)
		for _, d := range m.DependsOn {
			n += len(d) + perItem
		}
		for _, t := range m.Tags {
			n += len(t) + perItem
		}
	}
	return n
}

// newDefinitionsView builds the view from p; every collection is sorted or kept in the
// compiled (floe.yaml) order, never in map order.
func newDefinitionsView(p *schemas.Product, opts gen.Options) (definitionsView, error) {
	profile, target, err := dbtProfile(p)
	if err != nil {
		return definitionsView{}, err
	}
	projectDir := opts.ProjectDir
	if projectDir == "" {
		projectDir = "../.."
	}
	v := definitionsView{
		Product:         p.Name,
		ProductVersion:  p.Version,
		Slug:            pyIdent(p.Slug),
		FloeVersion:     floeVersion(p),
		ContractVersion: ContractVersion,
		ProjectDir:      projectDir,
		DbtProfile:      profile,
		DbtTarget:       target,
		DefaultPreset:   p.DefaultPreset,
		Lineage: lineageView{
			Enabled:   p.Lineage.Enabled,
			Transport: p.Lineage.Transport,
			Endpoint:  p.Lineage.Endpoint,
			File:      p.Lineage.File,
			Namespace: p.Lineage.Namespace,
		},
	}
	presets := make([]presetView, 0, len(p.ResourcePresets))
	for _, rp := range p.ResourcePresets {
		presets = append(presets, presetView{
			Name:           rp.Name,
			RequestsCPU:    rp.Resources.Requests.CPU,
			RequestsMemory: rp.Resources.Requests.Memory,
			LimitsCPU:      rp.Resources.Limits.CPU,
			LimitsMemory:   rp.Resources.Limits.Memory,
		})
	}
	sort.Slice(presets, func(i, j int) bool { return presets[i].Name < presets[j].Name })
	v.Presets = presets
	v.Models = p.Models
	return v, nil
}

// dbtProfile picks the dbt profile of the product (keyed by product name, else the only
// profile) and its target.
func dbtProfile(p *schemas.Product) (profile, target string, err error) {
	var profiles *schemas.Map
	if p.Artifacts != nil {
		profiles = p.Artifacts.DbtProfiles
	}
	if profiles.Len() == 0 {
		return "", "", fmt.Errorf("the artifact has no dbt_profiles: the Dagster runtime runs dbt with them")
	}
	var entry any
	if v, ok := profiles.Get(p.Name); ok {
		profile, entry = p.Name, v
	} else if profiles.Len() == 1 {
		profile, entry = profiles.Items[0].Key, profiles.Items[0].Value
	} else {
		return "", "", fmt.Errorf("dbt_profiles has no profile named %q", p.Name)
	}
	m, ok := entry.(*schemas.Map)
	if !ok {
		return "", "", fmt.Errorf("dbt_profiles.%s is not a mapping", profile)
	}
	t, ok := m.Get("target")
	ts, isString := t.(string)
	if !ok || !isString || ts == "" {
		return "", "", fmt.Errorf("dbt_profiles.%s has no target", profile)
	}
	return profile, ts, nil
}
