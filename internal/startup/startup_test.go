package startup

import "testing"

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
