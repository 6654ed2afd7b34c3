// Package lazy builds package-level values on first use, not while the program starts:
// `floe version` and an up-to-date `floe compile` use none of the regular expressions
// of the passes, and compiling them all at start would cost every run.
package lazy

import (
	"regexp"
	"sync"
)

// Regexp returns a function that compiles expr on its first call (panicking, as
// regexp.MustCompile does, on an invalid expression) and returns it on every call.
func Regexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
