package compiler

import (
	"time"

	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/schedule"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// checkSchedule checks floe.yaml's schedule and, when it names no cron, the
// orchestrator's default_schedule (r nil: the manifest did not resolve, only
// floe.yaml's own schedule is checked). A broken cron, time zone or enabled flag was
// reported by validation and is skipped here.
func checkSchedule(spec *validate.Spec, r *resolve.Resolved, now time.Time, diags *diag.List) ([]schemas.Schedule, [][]time.Time) {
	sf := spec.File
	s := spec.Schedule
	if spec.Broken.Has("schedule") {
		return nil, nil
	}
	cronBroken, tzBroken := spec.Broken.Has("schedule", "cron"), spec.Broken.Has("schedule", "timezone")
	cronExpr, source := "", "floe.yaml"
	cronPos := diag.Pos{File: sf.Name}
	cronPath := "schedule.cron"
	switch {
	case cronBroken:
	case s != nil && s.Cron != nil:
		cronExpr = *s.Cron
		cronPos = sf.At("schedule", "cron")
	case r == nil:
	default:
		v, ok := r.Plugins.Orchestrator.Config.Get("default_schedule")
		if !ok || v == nil {
			break
		}
		source = "manifest"
		cronPath = "plugins.orchestrator.config.default_schedule"
		if pos, ok := r.Chain.At("plugins", "orchestrator", "config", "default_schedule"); ok {
			cronPos = pos
		}
		var isString bool
		if cronExpr, isString = v.(string); !isString {
			diags.Add(diag.Errorf(cronPos, diag.CodeCron, cronPath, "default_schedule must be a cron expression (a string)"))
			cronExpr, cronBroken = "", true
		}
	}
	tz, enabled := "UTC", true
	tzPos := cronPos
	if s != nil {
		if s.Timezone != nil {
			tz = *s.Timezone
			tzPos = sf.At("schedule", "timezone")
		}
		if s.Enabled != nil {
			enabled = *s.Enabled
		}
	}
	if cronExpr == "" {
		// No schedule (or a broken cron): a time zone written anyway is still checked.
		if s != nil && s.Timezone != nil && !tzBroken {
			_, ds := schedule.CheckZone(tz, tzPos, "schedule.timezone")
			diags.Add(ds...)
		}
		return nil, nil
	}
	if tzBroken {
		// Only the cron is checked; UTC stands in for the broken zone.
		tz = "UTC"
	}
	c, ds := schedule.Check(cronExpr, cronPos, cronPath, tz, tzPos, "schedule.timezone")
	diags.Add(ds...)
	if c == nil || r == nil {
		return nil, nil
	}
	return []schemas.Schedule{{Name: r.Slug + "_schedule", Cron: c.Cron, Timezone: tz, Enabled: enabled, Source: source}},
		[][]time.Time{c.Next(now, 3)}
}
