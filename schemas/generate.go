package schemas

import (
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"
)

//go:generate go run ./internal/genschemas

// SchemaFile names one generated JSON Schema and the Go type it comes from.
type SchemaFile struct {
	// Name is the short name used by `floe schema NAME`.
	Name string
	// File is the file name under schemas/.
	File string
	// ID is the schema's $id.
	ID string
	// Title is the schema's title.
	Title string
	typ   any
}

// SchemaFiles lists every schema floe publishes, in `floe schema` order.
var SchemaFiles = []SchemaFile{
	{Name: "floe-spec", File: "floe-spec.schema.json", ID: "https://floe.dev/schemas/floe-spec.schema.json", Title: "floe.yaml (FloeSpec)", typ: &FloeSpec{}},
	{Name: "manifest", File: "manifest.schema.json", ID: "https://floe.dev/schemas/manifest.schema.json", Title: "manifest.yaml (PlatformManifest)", typ: &Manifest{}},
	{Name: "compiled-artifacts", File: "compiled-artifacts.schema.json", ID: "https://floe.dev/schemas/compiled-artifacts.json", Title: "CompiledArtifacts 0.10.0", typ: &CompiledArtifacts{}},
	{Name: "schedules", File: "schedules.schema.json", ID: "https://floe.dev/schemas/schedules.schema.json", Title: "schedules.json", typ: &ScheduleFile{}},
	{Name: "iceberg-io", File: "iceberg-io.schema.json", ID: "https://floe.dev/schemas/iceberg-io.schema.json", Title: "iceberg_io.json", typ: &IcebergIOConfig{}},
}

// Generate returns the JSON Schema (draft 2020-12) for f, reflected from its Go type.
func (f SchemaFile) Generate() ([]byte, error) {
	r := &jsonschema.Reflector{
		RequiredFromJSONSchemaTags: true,
		DoNotReference:             false,
		Mapper:                     mapCustomTypes,
	}
	if f.Name == "schedules" || f.Name == "iceberg-io" {
		// Files floe itself writes: every field is always present.
		r.RequiredFromJSONSchemaTags = false
	}
	s := r.Reflect(f.typ)
	nullableAnyOf(s)
	s.ID = jsonschema.ID(f.ID)
	s.Title = f.Title
	s.Version = "https://json-schema.org/draft/2020-12/schema"
	b, err := IndentJSON(s)
	if err != nil {
		return nil, fmt.Errorf("encode schema %s: %w", f.Name, err)
	}
	return b, nil
}

// nullableAnyOf rewrites the {oneOf: [X, {type: null}]} of nullable fields to anyOf:
// the same set of values (X never accepts null), but validators stop at the first
// match instead of evaluating both branches, which halves validation work on big inputs.
func nullableAnyOf(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if len(s.OneOf) == 2 && s.OneOf[1].Type == "null" {
		s.AnyOf, s.OneOf = s.OneOf, nil
	}
	for _, sub := range s.AnyOf {
		nullableAnyOf(sub)
	}
	for _, d := range s.Definitions {
		nullableAnyOf(d)
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			nullableAnyOf(p.Value)
		}
	}
	nullableAnyOf(s.Items)
	nullableAnyOf(s.AdditionalProperties)
}

// mapCustomTypes gives floe's own value types their JSON shapes.
func mapCustomTypes(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeOf(Map{}):
		return &jsonschema.Schema{Type: "object"}
	case reflect.TypeOf(Float(0)):
		return &jsonschema.Schema{Type: "number"}
	case reflect.TypeOf(Int("")):
		return &jsonschema.Schema{Type: "integer"}
	}
	return nil
}

// JSONSchemaExtend lists the snake_case spellings the compiler also accepts.
func (FloeSpec) JSONSchemaExtend(s *jsonschema.Schema) {
	addAlias(s, "apiVersion", "api_version")
	addAlias(s, "outputPorts", "output_ports")
}

// JSONSchemaExtend lists the snake_case spellings the compiler also accepts.
func (TransformSpec) JSONSchemaExtend(s *jsonschema.Schema) {
	addAlias(s, "dependsOn", "depends_on")
	addAlias(s, "qualityChecks", "quality_checks")
}

// JSONSchemaExtend lists the snake_case spelling the compiler also accepts.
func (Manifest) JSONSchemaExtend(s *jsonschema.Schema) {
	addAlias(s, "apiVersion", "api_version")
}

func addAlias(s *jsonschema.Schema, canonical, alias string) {
	if p, ok := s.Properties.Get(canonical); ok {
		cp := *p
		cp.Description = "Alias of " + canonical + "."
		s.Properties.Set(alias, &cp)
	}
}
