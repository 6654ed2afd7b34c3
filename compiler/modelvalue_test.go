package compiler

import (
	"encoding/json"
	"reflect"
	"testing"

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
