package schemas

import (
	"os"
	"testing"
)

// TestSchemasUpToDate fails when a committed schema differs from what the Go types
// generate now: run `go generate ./schemas`.
func TestSchemasUpToDate(t *testing.T) {
	for _, f := range SchemaFiles {
		want, err := f.Generate()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f.File)
		if err != nil {
			t.Fatalf("%s: %v (run go generate ./schemas)", f.File, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run go generate ./schemas", f.File)
		}
		emb, err := Schema(f.Name)
		if err != nil || string(emb) != string(got) {
			t.Errorf("embedded %s differs from the file", f.Name)
		}
	}
}
