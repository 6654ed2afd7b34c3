package dagster

import (
	"fmt"
	"sync"

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

// checkIcebergPart checks iceberg_io.json as it is written (schemas.IndentList): the
// document, then each table against its definition.
var checkIcebergPart icebergCheck

type icebergCheck struct{}

var icebergList = sync.OnceValues(func() (*check.ListCheck, error) {
	sch, err := check.Load("iceberg-io")
	if err != nil {
		return nil, err
	}
	return sch.List("tables")
})

func (icebergCheck) Document(compact []byte, n int) error {
	l, err := icebergList()
	if err == nil {
		err = l.Document(compact, n)
	}
	if err != nil {
		return fmt.Errorf("the document does not match schema iceberg-io: %w", err)
	}
	return nil
}

func (icebergCheck) Item(i int, compact []byte) error {
	l, err := icebergList()
	if err == nil {
		err = l.Item(i, compact)
	}
	if err != nil {
		return fmt.Errorf("does not match schema iceberg-io: %w", err)
	}
	return nil
}
