package check

import (
	"encoding/json"
	"math"
	"testing"
)

// TestNumbersAtBounds: numbers written so they round onto a bound, or with more digits
// than a float64 holds, are never judged valid by the fast path unless santhosh-tekuri
// agrees.
func TestNumbersAtBounds(t *testing.T) {
	m, err := Load("manifest")
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Def("DimensionWeights")
	if err != nil {
		t.Fatal(err)
	}
	slow, err := s.Full()
	if err != nil {
		t.Fatal(err)
	}
	nums := []any{
		json.Number("1"), json.Number("0"), json.Number("1.0"), json.Number("1.00000000000000000001"),
		json.Number("-1e-400"), json.Number("1e-400"), json.Number("0.99999999999999999999"),
		json.Number("-0"), json.Number("0.5"), json.Number("5e-1"), json.Number("1E0"), json.Number("-0.0000000000000000001"),
		1.0, math.Nextafter(1, 2), 0.0, math.Copysign(0, -1), -math.SmallestNonzeroFloat64, 0.5,
	}
	fastOK := 0
	for _, n := range nums {
		v := map[string]any{"completeness": n}
		fast, slowErr := s.FastValid(v), slow.Validate(v)
		if fast && slowErr != nil {
			t.Errorf("%v: fast path valid, santhosh-tekuri: %v", n, slowErr)
		}
		if fast {
			fastOK++
		}
	}
	if fastOK < 5 {
		t.Errorf("the fast path judged only %d of the plain numbers valid", fastOK)
	}
}
