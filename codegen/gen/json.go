package gen

import (
	"github.com/floe-dev/floe/schemas"
)

// IndentJSON encodes v as two-space indented JSON with a final newline, without HTML
// escaping: the format of every JSON file floe itself defines.
func IndentJSON(v any) ([]byte, error) { return schemas.IndentJSON(v) }

// IcebergJSON is the content of iceberg_io.json. Every generator that writes or embeds
// the file (the runtime files, the chart's ConfigMap) calls this, so the copies are
// byte-identical. Nil lists are written as [] (the schema wants arrays), and characters
// YAML cannot carry are escaped (YAMLSafeJSON), so the ConfigMap embedding the file
// reads back the same document.
func IcebergJSON(c schemas.IcebergIOConfig) ([]byte, error) {
	return IcebergJSONChecked(c, nil)
}

// IcebergJSONChecked is IcebergJSON; check, when not nil, sees the document and each
// table, compact, while the tables are encoded on every CPU, so validating a big file
// costs no second parse of the whole.
func IcebergJSONChecked(c schemas.IcebergIOConfig, check schemas.ListChecker) ([]byte, error) {
	if c.Catalog.Properties == nil {
		c.Catalog.Properties = []schemas.KeyValue{}
	}
	if c.Catalog.Credentials == nil {
		c.Catalog.Credentials = []schemas.SecretEnv{}
	}
	tables := make([]schemas.IcebergTable, len(c.Tables))
	for i, t := range c.Tables {
		if t.PartitionBy == nil {
			t.PartitionBy = []string{}
		}
		tables[i] = t
	}
	c.Tables = []schemas.IcebergTable{}
	b, err := schemas.IndentList(&c, []string{"tables"}, len(tables), func(i int) any { return &tables[i] }, check)
	if err != nil {
		return nil, err
	}
	return YAMLSafeJSON(append(b, '\n')), nil
}

// SchedulesJSON is the content of schedules.json (see IcebergJSON).
func SchedulesJSON(f schemas.ScheduleFile) ([]byte, error) {
	if f.Schedules == nil {
		f.Schedules = []schemas.Schedule{}
	}
	b, err := IndentJSON(f)
	if err != nil {
		return nil, err
	}
	return YAMLSafeJSON(b), nil
}
