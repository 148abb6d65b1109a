package locale_test

import (
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/locale"
)

// TestCopenhagenWithoutSystemZones: with no zone database on the machine
// the embedded one answers, with Danish summer and winter time.
func TestCopenhagenWithoutSystemZones(t *testing.T) {
	t.Setenv("ZONEINFO", t.TempDir())
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatalf("LoadLocation without system zone data: %v", err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), 3600},
		{time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), 7200},
		{time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), 3600},
	} {
		for _, l := range []*time.Location{loc, locale.Copenhagen} {
			if _, off := c.at.In(l).Zone(); off != c.want {
				t.Errorf("%s in %s: offset %d; want %d", c.at, l, off, c.want)
			}
		}
	}
}
