package lazy

import "testing"

// TestRegexpCompilesOnce: the expression is compiled on first use, once, and an
// invalid one panics then, not before.
func TestRegexpCompilesOnce(t *testing.T) {
	re := Regexp(`^a+$`)
	if re() != re() || !re().MatchString("aaa") {
		t.Fatal("not one compiled expression")
	}
	bad := Regexp(`(`) // no panic yet
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression did not panic on first use")
		}
	}()
	bad()
}
