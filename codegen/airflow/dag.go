package airflow

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
	airflowtmpl "github.com/floe-dev/floe/templates/airflow"
)

// dagView is what dag.py.tmpl is filled with: strings reach Python only through
// gen.PyString (the py template function) and gen.AppendPyString (appendModels).
type dagView struct {
	Product, ProductVersion, Slug     string
	FloeVersion, ContractVersion      string
	ProjectDir, DbtProfile, DbtTarget string
	DefaultPreset                     string
	Presets                           []presetView
	// Schedule is nil when the product has none (the DAG is then triggered by hand).
	Schedule *scheduleView
	// Catalog and Namespace name the models' Iceberg tables, <Namespace>.<model>, which
	// the DAG declares as Airflow assets.
	Catalog, Namespace string
	// Models are the product's models in compiled (floe.yaml) order, only read.
	Models []schemas.ModelPlan
}

type presetView struct {
	Name                                                 string
	RequestsCPU, RequestsMemory, LimitsCPU, LimitsMemory string
}

type scheduleView struct {
	Cron, Timezone string
	Enabled        bool
}

// modelsAction marks where dag.py.tmpl's models tuple goes; the template is cut there
// and Go writes the tuple (see codegen/dagster's definitions.py for why).
const modelsAction = "{{models}}"

var dagTemplates = sync.OnceValues(func() (*template.Template, *template.Template) {
	return parseDAGTemplate(string(airflowtmpl.DAGTemplate()))
})

// parseDAGTemplate cuts src at modelsAction and parses both halves; it panics unless
// there is exactly one modelsAction (the embedded template is fixed at build time).
func parseDAGTemplate(src string) (head, tail *template.Template) {
	headSrc, tailSrc, ok := strings.Cut(src, modelsAction)
	if !ok || strings.Contains(tailSrc, modelsAction) {
		panic(fmt.Sprintf("%s: want exactly one %s", DAGFile, modelsAction))
	}
	parse := func(name, src string) *template.Template {
		return template.Must(template.New(name).
			Option("missingkey=error").
			Funcs(template.FuncMap{"py": gen.PyString, "pybool": gen.PyBool}).
			Parse(src))
	}
	return parse(DAGFile, headSrc), parse(DAGFile+" (after "+modelsAction+")", tailSrc)
}

// renderDAG is dag.py for v.
func renderDAG(v dagView) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, dagSize(v.Models)))
	head, tail := dagTemplates()
	if err := head.Execute(b, v); err != nil {
		return nil, err
	}
	b = bytes.NewBuffer(appendModels(b.Bytes(), v.Models))
	if err := tail.Execute(b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// modelIndent is the column of a Model's keyword arguments inside PLAN's models tuple.
const modelIndent = 12

// appendModels appends the models tuple, `()` when there are none. Dependencies are
// written sorted; a model without dependencies leaves depends_on at its default.
func appendModels(dst []byte, models []schemas.ModelPlan) []byte {
	if len(models) == 0 {
		return append(dst, "()"...)
	}
	var sorted []string
	dst = append(dst, '(')
	for i := range models {
		m := &models[i]
		dst = append(dst, "\n        Model(\n            name="...)
		dst = gen.AppendPyString(dst, m.Name)
		if len(m.DependsOn) > 0 {
			deps := m.DependsOn
			if !slices.IsSorted(deps) {
				sorted = append(sorted[:0], deps...)
				slices.Sort(sorted)
				deps = sorted
			}
			dst = append(dst, ",\n            "...)
			dst = gen.AppendPyTuple(dst, modelIndent, "depends_on", deps)
		}
		dst = append(dst, ",\n            preset="...)
		dst = gen.AppendPyString(dst, m.Preset)
		dst = append(dst, ",\n        ),"...)
	}
	return append(dst, "\n    )"...)
}

// dagSize is a close upper estimate of dag.py's size for plain names.
func dagSize(models []schemas.ModelPlan) int {
	const fixed, perModel, perItem = 4 << 10, 120, 4
	n := fixed
	for i := range models {
		m := &models[i]
		n += perModel + len(m.Name) + len(m.Preset)
		for _, d := range m.DependsOn {
			n += len(d) + perItem
		}
	}
	return n
}

// dagID is what Airflow accepts as a DAG or task id (airflow.sdk's KEY_REGEX) and its
// length limit.
var dagID = regexp.MustCompile(`^[\w.-]+$`)

const maxIDLength = 250

// checkIDs refuses a product or model name Airflow cannot take as an id. floe's own name
// patterns never produce one; this keeps a DAG from failing only when Airflow parses it.
func checkIDs(p *schemas.Product) error {
	for _, id := range append([]string{p.Name}, modelNames(p)...) {
		if !dagID.MatchString(id) || len(id) > maxIDLength {
			return fmt.Errorf("%q cannot be an Airflow DAG or task id (letters, digits, _, . and -, at most %d)", id, maxIDLength)
		}
	}
	return nil
}

func modelNames(p *schemas.Product) []string {
	names := make([]string, len(p.Models))
	for i := range p.Models {
		names[i] = p.Models[i].Name
	}
	return names
}

// cronMacros are the macros floe accepts, as the 5-field expressions Airflow's timetable
// reads without its own preset table.
var cronMacros = map[string]string{
	"@hourly":  "0 * * * *",
	"@daily":   "0 0 * * *",
	"@weekly":  "0 0 * * 0",
	"@monthly": "0 0 1 * *",
}

// newDAGView builds the view from p; collections are sorted or kept in compiled order.
func newDAGView(p *schemas.Product, opts gen.Options) (dagView, error) {
	if err := checkIDs(p); err != nil {
		return dagView{}, err
	}
	profile, target, err := dbtProfile(p)
	if err != nil {
		return dagView{}, err
	}
	projectDir := opts.ProjectDir
	if projectDir == "" {
		projectDir = "../.."
	}
	v := dagView{
		Product:         p.Name,
		ProductVersion:  p.Version,
		Slug:            gen.PyIdent(p.Slug),
		FloeVersion:     floeVersion(p),
		ContractVersion: ContractVersion,
		ProjectDir:      projectDir,
		DbtProfile:      profile,
		DbtTarget:       target,
		DefaultPreset:   p.DefaultPreset,
		Models:          p.Models,
		Catalog:         p.Iceberg.Catalog.Name,
		Namespace:       p.Iceberg.Namespace,
	}
	// The DAG names each model's table from the namespace, so that the file does not
	// carry an identifier per model: that must be the identifier iceberg_io.json gives.
	for i := range p.Models {
		if m := &p.Models[i]; m.Table.Identifier != "" && m.Table.Identifier != p.Iceberg.Namespace+"."+m.Name {
			return dagView{}, fmt.Errorf("model %s: Iceberg table %q is not %s.%s", m.Name, m.Table.Identifier, p.Iceberg.Namespace, m.Name)
		}
	}
	for _, rp := range p.ResourcePresets {
		v.Presets = append(v.Presets, presetView{
			Name:           rp.Name,
			RequestsCPU:    rp.Resources.Requests.CPU,
			RequestsMemory: rp.Resources.Requests.Memory,
			LimitsCPU:      rp.Resources.Limits.CPU,
			LimitsMemory:   rp.Resources.Limits.Memory,
		})
	}
	sort.Slice(v.Presets, func(i, j int) bool { return v.Presets[i].Name < v.Presets[j].Name })
	switch s := p.Schedules.Schedules; len(s) {
	case 0:
	case 1:
		cron := s[0].Cron
		if expanded, ok := cronMacros[cron]; ok {
			cron = expanded
		}
		zone := s[0].Timezone
		if zone == "" {
			zone = "UTC"
		}
		v.Schedule = &scheduleView{Cron: cron, Timezone: zone, Enabled: s[0].Enabled}
	default:
		return dagView{}, fmt.Errorf("%d schedules: an Airflow DAG has one", len(s))
	}
	return v, nil
}

func floeVersion(p *schemas.Product) string {
	if p.FloeVersion == "" {
		return "dev"
	}
	return p.FloeVersion
}

// dbtProfile picks the dbt profile of the product (keyed by product name, else the only
// profile) and its target, as the Dagster generator does.
func dbtProfile(p *schemas.Product) (profile, target string, err error) {
	var profiles *schemas.Map
	if p.Artifacts != nil {
		profiles = p.Artifacts.DbtProfiles
	}
	if profiles.Len() == 0 {
		return "", "", fmt.Errorf("the artifact has no dbt_profiles: the Airflow tasks run dbt with them")
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
