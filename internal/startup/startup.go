// Package startup switches the garbage collector off while the program's packages
// initialize. Some dependencies do real work in their init functions (a JSON Schema
// library compiles its metaschemas, the Kubernetes client registers every API group),
// and collecting the garbage of that work costs a few milliseconds of every run, about
// a tenth of an up-to-date `floe compile`. This package imports nothing of floe's and
// sorts before those dependencies, so Go initializes it before them; cli.Main then
// sets the collector for the run (GOGC when the user set it).
package startup

import "runtime/debug"

// gcPercent is the collector setting the process started with.
var gcPercent = debug.SetGCPercent(-1)

// GCPercent returns the collector setting the process started with (from GOGC).
func GCPercent() int { return gcPercent }
