// Package schedule validates the product schedule at compile time: a standard 5-field
// cron expression (month and day names allowed) or one of the macros Dagster accepts,
// and an IANA time zone from the tz database embedded in the binary, so results do not
// depend on the host.
package schedule

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // embed the tz database: zone checks must not depend on the host

	"github.com/floe-dev/floe/internal/lazy"

	"github.com/robfig/cron/v3"

	"github.com/floe-dev/floe/diag"
)

// legacyZones are the tz database's pre-IANA-naming zones: EST, MST and HST are fixed
// UTC offsets (no daylight saving time, whatever the name suggests to a reader), the
// others follow a country's rules under a name no locale uses. They still load, so a
// schedule written with one runs, often an hour off half the year; the warning names
// the city zone meant.
var legacyZones = map[string]string{
	"EST":     "America/New_York for US Eastern time with daylight saving time, or America/Panama for UTC-5 all year",
	"MST":     "America/Denver for US Mountain time with daylight saving time, or America/Phoenix for UTC-7 all year",
	"HST":     "Pacific/Honolulu",
	"EST5EDT": "America/New_York",
	"CST6CDT": "America/Chicago",
	"MST7MDT": "America/Denver",
	"PST8PDT": "America/Los_Angeles",
	"CET":     "the zone of a city, such as Europe/Berlin or Europe/Paris",
	"MET":     "the zone of a city, such as Europe/Berlin",
	"EET":     "the zone of a city, such as Europe/Athens or Europe/Helsinki",
	"WET":     "the zone of a city, such as Europe/Lisbon",
}

//go:generate go run ./internal/genzones

// zonesTxt lists the zones of the tz database embedded by time/tzdata (see genzones).
//
//go:embed zones.txt
var zonesTxt string

// Zones are the IANA zone names floe accepts, sorted. time.LoadLocation alone is not
// enough: it reads the host's zoneinfo first, which may hold extra names (right/UTC,
// posix/…, localtime) or, on a case-insensitive file system, match europe/berlin.
// They are read from the embedded list on first use.
var Zones = sync.OnceValue(func() []string {
	var out []string
	for _, l := range strings.Split(zonesTxt, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
})

// sundaySeven rewrites day-of-week 7 (Sunday, as cron and Dagster's croniter accept it)
// to 0 for robfig/cron, which stops at 6: "7" → "0", "5-7" → "5-6,0".
func sundaySeven(dow string) string {
	items := strings.Split(dow, ",")
	for i, it := range items {
		switch {
		case it == "7":
			items[i] = "0"
		case strings.HasSuffix(it, "-7") && !strings.Contains(it, "/"):
			if lo := strings.TrimSuffix(it, "-7"); lo == "7" {
				items[i] = "0"
			} else {
				items[i] = lo + "-6,0"
			}
		}
	}
	return strings.Join(items, ",")
}

var parseIntErr = lazy.Regexp(`^failed to parse int from (.*?): strconv\.\w+: .*$`)

// cronError rewords robfig/cron's errors that quote Go's strconv.
func cronError(err error) string {
	if m := parseIntErr().FindStringSubmatch(err.Error()); m != nil {
		return fmt.Sprintf("%q is not a number, a month name (JAN-DEC) or a day name (SUN-SAT)", m[1])
	}
	return err.Error()
}

// Macros are the descriptors Dagster's cron parser accepts.
var Macros = []string{"@hourly", "@daily", "@weekly", "@monthly"}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Checked is a validated schedule.
type Checked struct {
	Cron     string
	Location *time.Location
	sched    cron.Schedule
}

// Next returns the next n run times after t, in the schedule's zone.
func (c *Checked) Next(t time.Time, n int) []time.Time {
	var out []time.Time
	t = t.In(c.Location)
	for range n {
		t = c.sched.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// CheckZone validates an IANA time zone name against the embedded tz database.
func CheckZone(tz string, pos diag.Pos, path string) (*time.Location, diag.List) {
	var diags diag.List
	_, known := slices.BinarySearch(Zones(), tz)
	loc, err := time.LoadLocation(tz)
	if err != nil || !known {
		d := diag.Errorf(pos, diag.CodeTimezone, path, "unknown time zone %q", tz)
		d.Suggest = diag.DidYouMean(tz, Zones())
		if d.Suggest == "" {
			d.Suggest = "use an IANA time zone name such as UTC, Europe/Berlin or America/New_York"
		}
		diags.Add(d)
		return nil, diags
	}
	if meant, ok := legacyZones[tz]; ok {
		d := diag.Warnf(pos, diag.CodeLegacyZone, path, "%q is a legacy time zone name, not a place's zone; the schedule may run an hour off part of the year", tz)
		d.Suggest = "use " + meant
		diags.Add(d)
	}
	return loc, diags
}

// Check validates cron and tz; cronPos and tzPos locate them for diagnostics.
func Check(expr string, cronPos diag.Pos, cronPath string, tz string, tzPos diag.Pos, tzPath string) (*Checked, diag.List) {
	loc, diags := CheckZone(tz, tzPos, tzPath)
	trimmed := strings.TrimSpace(expr)
	if strings.HasPrefix(trimmed, "@") {
		ok := false
		for _, m := range Macros {
			ok = ok || trimmed == m
		}
		if !ok {
			d := diag.Errorf(cronPos, diag.CodeCron, cronPath, "cron macro %q is not supported", trimmed)
			d.Suggest = diag.DidYouMean(trimmed, Macros)
			if d.Suggest == "" {
				d.Suggest = "use " + strings.Join(Macros, ", ") + " or a 5-field expression"
			}
			diags.Add(d)
			return nil, diags
		}
	} else if n := len(strings.Fields(trimmed)); n != 5 {
		d := diag.Errorf(cronPos, diag.CodeCron, cronPath, "cron expression %q has %d fields; want 5 (minute hour day-of-month month day-of-week)", expr, n)
		if n == 6 {
			d.Suggest = "seconds are not supported: drop the first field"
		}
		diags.Add(d)
		return nil, diags
	}
	toParse := trimmed
	if f := strings.Fields(trimmed); len(f) == 5 {
		f[4] = sundaySeven(f[4])
		toParse = strings.Join(f, " ")
	}
	sched, err := parser.Parse(toParse)
	if err != nil {
		diags.Add(diag.Errorf(cronPos, diag.CodeCron, cronPath, "invalid cron expression %q: %s", expr, cronError(err)))
		return nil, diags
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return &Checked{Cron: trimmed, Location: loc, sched: sched}, diags
}
