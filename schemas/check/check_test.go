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

// TestPythonFloatsJudged: the fast path judges floats written as Python writes them
// ("1.0", trailing zeros of a fraction), so an artifact with weights and scores never
// falls through to the full validator, which walks every item of a long list; text
// that is not a float's shortest form still does.
func TestPythonFloatsJudged(t *testing.T) {
	m, err := Load("manifest")
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Def("DimensionWeights")
	if err != nil {
		t.Fatal(err)
	}
	full, err := s.Full()
	if err != nil {
		t.Fatal(err)
	}
	for text, judged := range map[string]bool{"1.0": true, "0.50": true, "0.250": true, "-0.0": true, "1.00000000000000000001": false, "1e-05": true, "1.0e0": false, "0.1": true} {
		v := map[string]any{"completeness": json.Number(text)}
		if got := s.FastValid(v); got != judged || (got && full.Validate(v) != nil) {
			t.Errorf("%s: fast path valid %v, want %v (full validator: %v)", text, got, judged, full.Validate(v))
		}
	}
}
