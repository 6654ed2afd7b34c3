package dagster

import (
	"fmt"

	"github.com/floe-dev/floe/schemas/check"
)

// validateJSON checks data against the embedded schema name before it is written.
func validateJSON(name string, data []byte) error {
	sch, err := check.Load(name)
	if err != nil {
		return err
	}
	doc, err := check.ParseJSON(data)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		return fmt.Errorf("does not match schema %s: %w", name, err)
	}
	return nil
}

// checkIcebergPart validates a part of iceberg_io.json: the document without its
// tables (i < 0) against the file's schema, table i against its definition.
func checkIcebergPart(i int, compact []byte) error {
	sch, err := check.Load("iceberg-io")
	if err != nil {
		return err
	}
	what := "the document"
	if i >= 0 {
		if sch, err = sch.Def("IcebergTable"); err != nil {
			return err
		}
		what = fmt.Sprintf("tables[%d]", i)
	}
	doc, err := check.ParseJSON(compact)
	if err != nil {
		return fmt.Errorf("%s: parse: %w", what, err)
	}
	if err := sch.Validate(doc); err != nil {
		return fmt.Errorf("%s does not match schema iceberg-io: %w", what, err)
	}
	return nil
}
