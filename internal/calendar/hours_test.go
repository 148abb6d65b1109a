package calendar_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
)

// TestParseHoursWholeSeconds is the oracle of issue 14: every whole number
// of seconds up to half an hour, written as decimal hours to 12 places,
// reads back as that many seconds (never one early).
func TestParseHoursWholeSeconds(t *testing.T) {
	for s := 1; s <= 1800; s++ {
		in := strconv.FormatFloat(float64(s)/3600, 'f', 12, 64)
		got, err := calendar.ParseHours(in, 20000)
		if err != nil || got != time.Duration(s)*time.Second {
			t.Errorf("ParseHours(%q) = %v, %v; want %ds", in, got, err, s)
		}
		if h := calendar.Hours(float64(s) / 3600); h != time.Duration(s)*time.Second {
			t.Errorf("Hours(%d/3600) = %v; want %ds", s, h, s)
		}
	}
}

func TestParseHoursRefuses(t *testing.T) {
	for _, in := range []string{"NaN", "nan", "Inf", "+Inf", "-1", "0", "0.0", "0x1p3", "1e3", "1E3", " 8", "8 ", "", ".5", "5.", "1/2", "20001", "99999999"} {
		if d, err := calendar.ParseHours(in, 20000); err == nil {
			t.Errorf("ParseHours(%q) = %v; want an error", in, d)
		}
	}
	for in, want := range map[string]time.Duration{"8": 8 * time.Hour, "0.25": 15 * time.Minute, "20000": 20000 * time.Hour, "1.5": 90 * time.Minute} {
		if d, err := calendar.ParseHours(in, 20000); err != nil || d != want {
			t.Errorf("ParseHours(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
}
