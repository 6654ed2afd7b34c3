package compiler

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// TestModelValue: the directly built generic value of a model equals its JSON round
// trip, so validating it validates what is written.
func TestModelValue(t *testing.T) {
	tier := "gold"
	col := "id"
	models := []schemas.ResolvedModel{
		{Name: "a", Compute: "duckdb"},
		{Name: "b", Compute: "duckdb", Tags: []string{}, DependsOn: []string{"a"}, QualityTier: &tier},
		{Name: "c", Compute: "spark", Tags: []string{"x", "é"}, QualityChecks: []schemas.QualityCheck{
			{Name: "n", Type: "not_null", Column: &col, Dimension: "completeness", Severity: "warning", Parameters: schemas.NewMap()}}},
	}
	for _, m := range models {
		got, err := modelValue(&m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := unmarshalJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("model %s:\n got %#v\nwant %#v", m.Name, got, want)
		}
	}
}

// TestParallelSerialization: the artifact and iceberg_io.json encoded with their big
// lists split over every CPU are the bytes of encoding them whole.
func TestParallelSerialization(t *testing.T) {
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
	split, err := schemas.MarshalArtifacts(ca)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(whole, split) {
		t.Errorf("MarshalArtifacts differs from MarshalPython (%d vs %d bytes)", len(split), len(whole))
	}
	ice := res.Product.Iceberg
	wholeIce, err := gen.IndentJSON(ice)
	if err != nil {
		t.Fatal(err)
	}
	var parts atomic.Int64
	splitIce, err := gen.IcebergJSONChecked(ice, func(int, []byte) error { parts.Add(1); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wholeIce, splitIce) {
		t.Errorf("IcebergJSONChecked differs from encoding iceberg_io.json whole")
	}
	if got, want := parts.Load(), int64(len(ice.Tables)+1); got != want {
		t.Errorf("check saw %d parts, want %d", got, want)
	}
}
