package parse

import (
	"math"
	"strconv"
	"testing"
)

// TestResolve11MatchesPyYAML checks plain scalars resolve as PyYAML's safe_load reads
// them (the reference's loader). The table was produced by PyYAML 6.0 (yaml.safe_load of
// "k: <scalar>"): the tag, then the value as Python prints it (lower-case booleans, decimal
// integers, repr of floats); ok is false where PyYAML fails to load the scalar.
func TestResolve11MatchesPyYAML(t *testing.T) {
	for _, c := range []struct {
		src, tag, value string
		ok              bool
	}{
		{"yes", "!!bool", "true", true},
		{"Yes", "!!bool", "true", true},
		{"YES", "!!bool", "true", true},
		{"no", "!!bool", "false", true},
		{"NO", "!!bool", "false", true},
		{"on", "!!bool", "true", true},
		{"On", "!!bool", "true", true},
		{"off", "!!bool", "false", true},
		{"OFF", "!!bool", "false", true},
		{"y", "!!str", "y", true},
		{"n", "!!str", "n", true},
		{"true", "!!bool", "true", true},
		{"True", "!!bool", "true", true},
		{"FALSE", "!!bool", "false", true},
		{"TRUE", "!!bool", "true", true},
		{"~", "!!null", "", true},
		{"null", "!!null", "", true},
		{"Null", "!!null", "", true},
		{"", "!!null", "", true},
		{"0", "!!int", "0", true},
		{"017", "!!int", "15", true},
		{"-017", "!!int", "-15", true},
		{"0o17", "!!str", "0o17", true},
		{"08", "!!str", "08", true},
		{"09", "!!str", "09", true},
		{"0x1F", "!!int", "31", true},
		{"0b101", "!!int", "5", true},
		{"1_000", "!!int", "1000", true},
		{"1:30", "!!int", "90", true},
		{"-1:30:00", "!!int", "-5400", true},
		{"+5", "!!int", "5", true},
		{"1e3", "!!str", "1e3", true},
		{"1.0e+3", "!!float", "1000.0", true},
		{"1.0e3", "!!str", "1.0e3", true},
		{"1.", "!!float", "1.0", true},
		{".5", "!!float", "0.5", true},
		{"1_000.5", "!!float", "1000.5", true},
		{"1:30.5", "!!float", "90.5", true},
		{".inf", "!!float", "inf", true},
		{"-.Inf", "!!float", "-inf", true},
		{".NaN", "!!float", "nan", true},
		{"2024-01-01", "!!timestamp", "2024-01-01", true},
		{"2024-1-1 10:00:00", "!!timestamp", "2024-1-1 10:00:00", true},
		{"2001-12-14t21:59:43.10-05:00", "!!timestamp", "2001-12-14t21:59:43.10-05:00", true},
		{"99999999999999999999", "!!int", "99999999999999999999", true},
		{"0_", "!!int", "0", true},
		{"=", "", "", false},
		{"x", "!!str", "x", true},
		{"stg_orders", "!!str", "stg_orders", true},
		{"1.2.3", "!!str", "1.2.3", true},
		{"0.1.0", "!!str", "0.1.0", true},
		{"12:30:45", "!!int", "45045", true},
		{"+0x10", "!!int", "16", true},
		{"-0b11", "!!int", "-3", true},
		{"1__0", "!!int", "10", true},
	} {
		tag, value, ok := resolve11(c.src)
		if ok != c.ok || ok && tag != c.tag {
			t.Errorf("%q: got %s %q ok=%v, PyYAML reads %s %q ok=%v", c.src, tag, value, ok, c.tag, c.value, c.ok)
			continue
		}
		if !ok {
			continue
		}
		switch tag {
		case "!!float":
			if !sameFloat(value, c.value) {
				t.Errorf("%q: float %q, PyYAML %q", c.src, value, c.value)
			}
		case "!!null":
		case TimestampTag, "!!str":
			if value != c.src {
				t.Errorf("%q: value %q, want the text as written", c.src, value)
			}
		default:
			if value != c.value {
				t.Errorf("%q: value %q, PyYAML %q", c.src, value, c.value)
			}
		}
	}
}

// sameFloat compares floe's float text (Go syntax, or .inf/.nan as written) with
// Python's repr.
func sameFloat(floe, py string) bool {
	parse := func(s string) (float64, bool) {
		switch s {
		case ".inf", ".Inf", ".INF", "+.inf", "inf":
			return math.Inf(1), true
		case "-.inf", "-.Inf", "-.INF", "-inf":
			return math.Inf(-1), true
		case ".nan", ".NaN", ".NAN", "nan":
			return math.NaN(), true
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	a, ok1 := parse(floe)
	b, ok2 := parse(py)
	return ok1 && ok2 && (a == b || math.IsNaN(a) && math.IsNaN(b))
}
