package startup

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestSettingsFrom(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	s := SettingsFrom(env(nil))
	if s.MemoryLimit != DefaultMemoryLimit || s.GCPercent != 200 || s.CPUProfile != "" {
		t.Errorf("defaults: %+v", s)
	}
	// GOMEMLIMIT and GOGC are the runtime's: floe leaves them as the runtime read them.
	s = SettingsFrom(env(map[string]string{"GOMEMLIMIT": "1GiB", "GOGC": "50", "FLOE_CPUPROFILE": "cpu.prof"}))
	if s.MemoryLimit != -1 || s.GCPercent != gcPercent || s.CPUProfile != "cpu.prof" {
		t.Errorf("overridden: %+v", s)
	}
}

func TestRunReturnsMainsCode(t *testing.T) {
	if code := Run(Settings{MemoryLimit: -1, GCPercent: 100}, func() int { return 3 }); code != 3 {
		t.Errorf("Run = %d, want 3", code)
	}
}

func TestFollowLiveHeapRaisesTheLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	// A 64 MiB live heap under a 32 MiB limit: after a collection the limit must be
	// 1.75 × the live heap (≥ 112 MiB), not 32 MiB.
	const limit = 32 << 20
	debug.SetMemoryLimit(limit)
	followLiveHeap(limit, liveHeapFactor)
	live := make([]byte, 64<<20)
	for i := range live {
		live[i] = 1
	}
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 112<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("limit still %d after collections with a 64 MiB live heap", debug.SetMemoryLimit(-1))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
}
