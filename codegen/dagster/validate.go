package dagster

import (
	"bytes"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/floe-dev/floe/schemas/check"
)

// validateJSON checks data against the embedded schema name before it is written.
func validateJSON(name string, data []byte) error {
	sch, err := check.Load(name)
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
