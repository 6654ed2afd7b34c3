// Package startup tunes the floe process: the garbage collector and the soft memory
// limit, and the CPU profile FLOE_CPUPROFILE asks for. It is main's business, not the
// CLI's: cli.Main runs in tests too, many times in one process, and must not change
// process-wide settings.
//
// It also switches the collector off while most of the program's packages initialize.
// Some dependencies do real work in their init functions (santhosh-tekuri/jsonschema,
// govalidator's regular expressions, the Kubernetes client's scheme with every API
// group, all linked because floe validates and lints every compile), and collecting the
// garbage of that work costs time in every run. Go initializes, among the packages
// whose imports are initialized, the one whose import path sorts first (specified
// since Go 1.21); this package imports only the runtime, so it initializes early, but
// not first: packages that sort before it and depend on the standard library alone
// (protobuf, semver, decimal, ...) run before it, with the collector on. Measured with
// GODEBUG=inittrace=1: the three heavy ones above run after it. This saves only the
// collections; the init work itself is the dependencies' and stays.
package startup

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
)

// gcPercent is the collector setting the process started with (from GOGC).
var gcPercent = debug.SetGCPercent(-1)

// DefaultMemoryLimit is the soft heap limit of a run when GOMEMLIMIT is not set.
const DefaultMemoryLimit = 480 << 20

// liveHeapFactor is how many times the live heap the soft limit grows to once the live
// heap nears it (followLiveHeap). 1.75 keeps a 500,000-transform compile's peak RSS
// under 2 GB (measured 1.68–1.75 GB; 2 reached 1.87–2.0 GB) and still spaces collections.
const liveHeapFactor = 1.75

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
// read it already). A run whose live heap exceeds limit/1.75 (~275 MB; somewhere
// between 100,000 and 500,000 transforms) gets a limit of 1.75 times its live heap instead (see followLiveHeap).
// With the heap capped, a lazier collector (GOGC=200) is safe: small
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
		followLiveHeap(s.MemoryLimit, liveHeapFactor)
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

// followLiveHeap raises the soft memory limit to factor times the live heap whenever a
// collection finds the live heap above limit/factor.
//
// Why: a limit the live heap nears makes the collector run back to back (each cycle
// frees little and the next starts at once): at 500,000 transforms the live heap is
// ~850 MB, and under the fixed 480 MiB limit 42 collections took 19 % of the CPU. With
// room again, collections space out (as GOGC=75 would for factor 1.75), and the
// peak stays near factor times the live heap. Small compiles never reach the point and keep
// the fixed limit.
//
// It runs after every collection: a finalizer on an object nothing references runs
// once the collector found it unreachable, and re-arms itself with a new one.
func followLiveHeap(limit int64, factor float64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&gcCycle{}, func(*gcCycle) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				if want := int64(float64(sample[0].Value.Uint64()) * factor); want > limit {
					limit = want
					debug.SetMemoryLimit(limit)
				}
			}
			arm()
		})
	}
	arm()
}

// gcCycle is followLiveHeap's sentinel. It holds a pointer so that the allocator does
// not batch it with other small objects (a finalizer on such an object may never run).
type gcCycle struct{ _ *byte }
