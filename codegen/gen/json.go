package gen

import (
	"bytes"
	"encoding/json"

	"github.com/floe-dev/floe/schemas"
)

// IndentJSON encodes v as two-space indented JSON with a final newline, without HTML
// escaping: the format of every JSON file floe itself defines.
func IndentJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(schemas.AppendIndent(nil, bytes.TrimSuffix(b.Bytes(), []byte("\n"))), '\n'), nil
}

// IcebergJSON is the content of iceberg_io.json. Every generator that writes or embeds
// the file (the runtime files, the chart's ConfigMap) calls this, so the copies are
// byte-identical. Nil lists are written as [] (the schema wants arrays).
func IcebergJSON(c schemas.IcebergIOConfig) ([]byte, error) {
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
	c.Tables = tables
	return IndentJSON(c)
}

// SchedulesJSON is the content of schedules.json (see IcebergJSON).
func SchedulesJSON(f schemas.ScheduleFile) ([]byte, error) {
	if f.Schedules == nil {
		f.Schedules = []schemas.Schedule{}
	}
	return IndentJSON(f)
}
