package compiler

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// counter is a ListChecker that counts what it is handed.
type counter struct{ docs, items atomic.Int64 }

func (c *counter) Document([]byte, int) error { c.docs.Add(1); return nil }
func (c *counter) Item(int, []byte) error     { c.items.Add(1); return nil }

// TestListSerialization: the artifact and iceberg_io.json written item by item on every
// CPU are the bytes of encoding them whole, and the check sees every item.
func TestListSerialization(t *testing.T) {
	read := synthRead(1200)
	res := Compile(Options{SpecPath: "floe.yaml", ReadFile: read, CompiledAt: time.Unix(0, 0), FloeVersion: "test", Orchestrators: []string{"dagster"}})
	if res.Product == nil {
		t.Fatalf("compile failed: %v", res.Diags)
	}
	ca := res.Product.Artifacts
	// Non-ASCII text exercises the ASCII escaping after the splice.
	ca.Transforms.Models[7].Tags = append(ca.Transforms.Models[7].Tags, "日本 🙂 \"q\"")
	whole, err := schemas.MarshalPython(ca)
	if err != nil {
		t.Fatal(err)
	}
	var models counter
	split, err := schemas.MarshalArtifacts(ca, &models)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(whole, split) {
		t.Errorf("MarshalArtifacts differs from MarshalPython (%d vs %d bytes)", len(split), len(whole))
	}
	if models.docs.Load() != 1 || models.items.Load() != int64(len(ca.Transforms.Models)) {
		t.Errorf("the check saw %d documents and %d models", models.docs.Load(), models.items.Load())
	}
	ice := res.Product.Iceberg
	wholeIce, err := gen.IndentJSON(ice)
	if err != nil {
		t.Fatal(err)
	}
	var tables counter
	splitIce, err := gen.IcebergJSONChecked(ice, &tables)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wholeIce, splitIce) {
		t.Errorf("IcebergJSONChecked differs from encoding iceberg_io.json whole")
	}
	if tables.docs.Load() != 1 || tables.items.Load() != int64(len(ice.Tables)) {
		t.Errorf("the check saw %d documents and %d tables", tables.docs.Load(), tables.items.Load())
	}
}
