package schemas

import (
	"encoding/json"
	"math"
	"testing"
)

func TestPyFloat(t *testing.T) {
	// Values and what Python's repr() prints for them.
	cases := []struct {
		v    float64
		want string
	}{
		{1, "1.0"}, {0.5, "0.5"}, {30, "30.0"}, {0.1, "0.1"}, {1e20, "1e+20"}, {1.5e-7, "1.5e-07"},
		{1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {0.0001, "0.0001"}, {0.00001, "1e-05"},
		{-2.5, "-2.5"}, {0, "0.0"}, {123456.789, "123456.789"}, {math.Inf(1), "Infinity"},
		{2.0000000000000004, "2.0000000000000004"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
	}
	for _, c := range cases {
		if got := PyFloat(c.v); got != c.want {
			t.Errorf("PyFloat(%v) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestMarshalPython(t *testing.T) {
	m := NewMap()
	m.Set("z", "é<&>")
	m.Set("a", Float(2))
	m.Set("list", []any{})
	m.Set("emoji", "😀")
	m.Set("n", nil)
	b, err := MarshalPython(m)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"z\": \"\\u00e9<&>\",\n  \"a\": 2.0,\n  \"list\": [],\n  \"emoji\": \"\\ud83d\\ude00\",\n  \"n\": null\n}"
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
	var back Map
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Items[0].Key != "z" || back.Items[1].Value != Float(2) {
		t.Errorf("order or types lost: %#v", back.Items)
	}
}
