package dagster

import (
	"bytes"
	"fmt"
	"sort"
	"text/template"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/templates/runtime"
)

// definitionsView is what definitions.py.tmpl is filled with: strings reach Python only
// through the py/pytuple template functions (pyString).
type definitionsView struct {
	Product, ProductVersion, Slug     string
	FloeVersion, ContractVersion      string
	ProjectDir, DbtProfile, DbtTarget string
	DefaultPreset                     string
	Presets                           []presetView
	Lineage                           lineageView
	Models                            []modelView
}

type presetView struct {
	Name                                                 string
	RequestsCPU, RequestsMemory, LimitsCPU, LimitsMemory string
}

type lineageView struct {
	Enabled                              bool
	Transport, Endpoint, File, Namespace string
}

type modelView struct {
	Name, Tier, Preset string
	DependsOn, Tags    []string
}

// definitionsTemplate is parsed once; a missing key is an error, not "<no value>".
var definitionsTemplate = template.Must(template.New(DefinitionsFile).
	Option("missingkey=error").
	Funcs(template.FuncMap{
		"py":      pyString,
		"pybool":  pyBool,
		"pytuple": pyTuple,
	}).
	Parse(string(runtime.DefinitionsTemplate())))

func renderDefinitions(v definitionsView) ([]byte, error) {
	var b bytes.Buffer
	if err := definitionsTemplate.Execute(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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
	for _, m := range p.Models {
		deps := append([]string(nil), m.DependsOn...)
		sort.Strings(deps)
		v.Models = append(v.Models, modelView{
			Name:      m.Name,
			Tier:      m.Tier,
			Preset:    m.Preset,
			DependsOn: deps,
			Tags:      append([]string(nil), m.Tags...),
		})
	}
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
