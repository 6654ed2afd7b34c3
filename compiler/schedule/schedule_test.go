package schedule

import (
	"slices"
	"testing"
	"time"

	"github.com/floe-dev/floe/diag"
)

func TestZonesLoad(t *testing.T) {
	if len(Zones()) < 400 || !slices.IsSorted(Zones()) {
		t.Fatalf("zones.txt: %d names, sorted %v", len(Zones()), slices.IsSorted(Zones()))
	}
	for _, z := range Zones() {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("zone %s is listed but does not load: %v", z, err)
		}
	}
}

func TestTimezoneIsHostIndependent(t *testing.T) {
	for _, tz := range []string{"right/UTC", "posix/Europe/Berlin", "localtime", "posixrules", "Local", "", "europe/berlin", "Europe/Berlin/"} {
		if _, ds := Check("@daily", diag.Pos{}, "cron", tz, diag.Pos{}, "tz"); !ds.HasErrors() {
			t.Errorf("time zone %q accepted", tz)
		}
	}
	for _, tz := range []string{"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"} {
		if _, ds := Check("@daily", diag.Pos{}, "cron", tz, diag.Pos{}, "tz"); ds.HasErrors() {
			t.Errorf("time zone %q rejected: %v", tz, ds)
		}
	}
}

func TestSundayAsSeven(t *testing.T) {
	for _, expr := range []string{"0 6 * * 7", "0 6 * * 5-7", "0 6 * * 1,7", "0 6 * * 7-7", "0 6 * * SUN"} {
		c, ds := Check(expr, diag.Pos{}, "cron", "UTC", diag.Pos{}, "tz")
		if ds.HasErrors() {
			t.Errorf("%q rejected: %v", expr, ds)
			continue
		}
		if c.Cron != expr {
			t.Errorf("%q kept as %q; the schedule must carry what the user wrote", expr, c.Cron)
		}
		// 2024-01-06 is a Saturday: the next run of every expression is a Sunday.
		if next := c.Next(time.Date(2024, 1, 6, 12, 0, 0, 0, time.UTC), 1); len(next) != 1 || next[0].Weekday() != time.Sunday {
			t.Errorf("%q: next run %v, want a Sunday", expr, next)
		}
	}
	if _, ds := Check("0 6 * * 8", diag.Pos{}, "cron", "UTC", diag.Pos{}, "tz"); !ds.HasErrors() {
		t.Errorf("day of week 8 accepted")
	}
}

func TestLegacyZoneWarns(t *testing.T) {
	for tz := range legacyZones {
		if !slices.Contains(Zones(), tz) {
			t.Errorf("legacy zone %s is not in zones.txt", tz)
		}
		_, ds := Check("@daily", diag.Pos{}, "cron", tz, diag.Pos{}, "tz")
		if ds.HasErrors() || len(ds) != 1 || ds[0].Code != diag.CodeLegacyZone || ds[0].Severity != diag.Warning {
			t.Errorf("time zone %q: want one %s warning, got %v", tz, diag.CodeLegacyZone, ds)
		}
	}
	for _, tz := range []string{"UTC", "America/New_York", "Etc/GMT+5"} {
		if _, ds := Check("@daily", diag.Pos{}, "cron", tz, diag.Pos{}, "tz"); len(ds) != 0 {
			t.Errorf("time zone %q: unexpected %v", tz, ds)
		}
	}
}
