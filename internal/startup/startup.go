// Package startup tunes the floe process: the garbage collector and the soft memory
// limit, and the CPU profile FLOE_CPUPROFILE asks for. It is main's business, not the
// CLI's: cli.Main runs in tests too, many times in one process, and must not change
// process-wide settings.
//
// It also switches the collector off while the program's packages initialize. Some
// dependencies do real work in their init functions (a JSON Schema library compiles
// its metaschemas, the Kubernetes client registers every API group), and collecting
// the garbage of that work costs a few milliseconds of every run. Go initializes
// packages in import-path order once their own imports are initialized (the order is
// specified since Go 1.21); this package imports only the runtime, and its path sorts
// before those dependencies', so its variable below is set before their init runs.
package startup

import (
	"os"
	"runtime/debug"
	"runtime/pprof"
)

// gcPercent is the collector setting the process started with (from GOGC).
var gcPercent = debug.SetGCPercent(-1)

// DefaultMemoryLimit is the soft heap limit of a run when GOMEMLIMIT is not set.
const DefaultMemoryLimit = 480 << 20

// Settings are the process settings Tune applies.
type Settings struct {
	// MemoryLimit is the soft heap limit in bytes (-1: leave it as the runtime has it).
	MemoryLimit int64
	// GCPercent is the collector's target (GOGC).
	GCPercent int
	// CPUProfile is a file to write a CPU profile to ("" for none).
	CPUProfile string
}

// SettingsFrom derives the settings from the environment (getenv is os.Getenv in main).
//
// A soft heap limit makes the collector work harder near it instead of letting a
// 100,000-transform compile's heap double; GOMEMLIMIT overrides it (the runtime has
// read it already). With the heap capped, a lazier collector (GOGC=200) is safe: small
// and mid-size compiles spend less time collecting (10k transforms: −12 % wall); GOGC
// overrides it.
func SettingsFrom(getenv func(string) string) Settings {
	s := Settings{MemoryLimit: DefaultMemoryLimit, GCPercent: 200, CPUProfile: getenv("FLOE_CPUPROFILE")}
	if getenv("GOMEMLIMIT") != "" {
		s.MemoryLimit = -1
	}
	if getenv("GOGC") != "" {
		s.GCPercent = gcPercent // what the runtime parsed from GOGC ("off" is -1)
	}
	return s
}

// Run applies s, runs main and returns its exit code (after the CPU profile, if any,
// was flushed).
func Run(s Settings, main func() int) int {
	if s.MemoryLimit >= 0 {
		debug.SetMemoryLimit(s.MemoryLimit)
	}
	debug.SetGCPercent(s.GCPercent)
	if s.CPUProfile != "" {
		if f, err := os.Create(s.CPUProfile); err == nil {
			defer f.Close() // runs after StopCPUProfile flushed the profile
			if err := pprof.StartCPUProfile(f); err == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	return main()
}
