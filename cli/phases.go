package cli

import (
	"fmt"
	"io"
	"time"
)

// phases prints, when FLOE_PHASES is set, the wall time of each phase of a run to
// stderr (for `make bench` analysis: where a whole-process time goes).
type phases struct {
	w    io.Writer
	last time.Time
}

func newPhases(e *env) *phases {
	if e.getenv("FLOE_PHASES") == "" {
		return &phases{}
	}
	return &phases{w: e.stderr, last: time.Now()}
}

func (p *phases) done(name string) {
	if p.w == nil {
		return
	}
	now := time.Now()
	fmt.Fprintf(p.w, "phase %-10s %6.1f ms\n", name, float64(now.Sub(p.last).Microseconds())/1000)
	p.last = now
}
