package dagster

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/floe-dev/floe/schemas"
)

// compiledSchemas caches the compiled JSON Schemas of the files this generator writes.
// It is written once (sync.Once) and read-only afterwards.
var compiledSchemas = struct {
	once sync.Once
	m    map[string]*jsonschema.Schema
	err  error
}{}

func schemaFor(name string) (*jsonschema.Schema, error) {
	compiledSchemas.once.Do(func() {
		c := jsonschema.NewCompiler()
		m := map[string]*jsonschema.Schema{}
		for _, s := range schemaOutputs {
			raw, err := schemas.Schema(s.name)
			if err != nil {
				compiledSchemas.err = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				compiledSchemas.err = fmt.Errorf("parse schema %s: %w", s.name, err)
				return
			}
			url := "floe:///" + s.file
			if err := c.AddResource(url, doc); err != nil {
				compiledSchemas.err = fmt.Errorf("add schema %s: %w", s.name, err)
				return
			}
			sch, err := c.Compile(url)
			if err != nil {
				compiledSchemas.err = fmt.Errorf("compile schema %s: %w", s.name, err)
				return
			}
			m[s.name] = sch
		}
		compiledSchemas.m = m
	})
	if compiledSchemas.err != nil {
		return nil, compiledSchemas.err
	}
	s, ok := compiledSchemas.m[name]
	if !ok {
		return nil, fmt.Errorf("no schema %q", name)
	}
	return s, nil
}

// validateJSON checks data against the embedded schema name before it is written.
func validateJSON(name string, data []byte) error {
	sch, err := schemaFor(name)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		return fmt.Errorf("does not match schema %s: %w", name, err)
	}
	return nil
}
