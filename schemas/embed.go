// Package schemas is floe's contract: the Go types for floe.yaml (FloeSpec),
// manifest.yaml (Manifest), compiled_artifacts.json (CompiledArtifacts, contract
// 0.10.0) and every other file floe emits. The JSON Schemas next to this file are
// generated from these types (go generate ./schemas), committed, and embedded.
package schemas

import (
	"embed"
	"fmt"
)

//go:embed *.schema.json
var schemaFS embed.FS

// Schema returns the embedded JSON Schema for a name of SchemaFiles.
func Schema(name string) ([]byte, error) {
	for _, f := range SchemaFiles {
		if f.Name == name {
			return schemaFS.ReadFile(f.File)
		}
	}
	return nil, fmt.Errorf("unknown schema %q", name)
}

// SchemaNames lists the names accepted by Schema.
func SchemaNames() []string {
	names := make([]string, len(SchemaFiles))
	for i, f := range SchemaFiles {
		names[i] = f.Name
	}
	return names
}
