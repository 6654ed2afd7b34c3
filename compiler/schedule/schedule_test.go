package schedule

import (
	"slices"
	"testing"
	"time"

	"github.com/floe-dev/floe/diag"
)

func TestZonesLoad(t *testing.T) {
	if len(Zones) < 400 || !slices.IsSorted(Zones) {
		t.Fatalf("zones.txt: %d names, sorted %v", len(Zones), slices.IsSorted(Zones))
	}
	for _, z := range Zones {
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
