package gen

import "testing"

func TestPyString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            `"plain"`,
		`say "hi"`:         `'say "hi"'`,
		`it's "x"`:         `"it's \"x\""`,
		"a\\b":             `"a\\b"`,
		"nl\nand\ttab\r":   `"nl\nand\ttab\r"`,
		"nul\x00del\x7f":   `"nul\x00del\x7f"`,
		"\u2028sep":        `"\u2028sep"`,
		"é ok":             `"é ok"`,
		"bad\xffbyte":      `"bad\ufffdbyte"`,
		"emoji \U0001F600": "\"emoji \U0001F600\"",
	} {
		if got := PyString(in); got != want {
			t.Errorf("PyString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestAppendPyTuple(t *testing.T) {
	if got := string(AppendPyTuple(nil, 12, "deps", []string{"a"})); got != `deps=("a",)` {
		t.Errorf("one item: %s", got)
	}
	if got := string(AppendPyTuple(nil, 12, "deps", nil)); got != `deps=()` {
		t.Errorf("no items: %s", got)
	}
	long := []string{"a_really_long_dependency_name_number_one", "a_really_long_dependency_name_number_two"}
	want := "deps=(\n                \"a_really_long_dependency_name_number_one\",\n" +
		"                \"a_really_long_dependency_name_number_two\",\n            )"
	if got := string(AppendPyTuple(nil, 12, "deps", long)); got != want {
		t.Errorf("wrapped:\n%s\nwant\n%s", got, want)
	}
}

func TestPyIdent(t *testing.T) {
	for in, want := range map[string]string{"customer-360": "customer_360", "360x": "_360x", "--": "floe", "a..b": "a_b"} {
		if got := PyIdent(in); got != want {
			t.Errorf("PyIdent(%q) = %q, want %q", in, got, want)
		}
	}
}
