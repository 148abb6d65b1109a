package calendar

import (
	"slices"
	"testing"
	"time"
)

// gaussEaster is Gauss's Easter algorithm for the Gregorian calendar, an
// independent check on the computus Easter uses.
func gaussEaster(year int) Date {
	k := year / 100
	p := (13 + 8*k) / 25
	q := k / 4
	m := (15 - p + k - q) % 30
	n := (4 + k - q) % 7
	a, b, c := year%19, year%4, year%7
	d := (19*a + m) % 30
	e := (2*b + 4*c + 6*d + n) % 7
	if d == 29 && e == 6 {
		return Date{year, time.April, 19}
	}
	if d == 28 && e == 6 && (11*m+11)%30 < 19 {
		return Date{year, time.April, 18}
	}
	day := 22 + d + e
	if day > 31 {
		return Date{year, time.April, day - 31}
	}
	return Date{year, time.March, day}
}

func TestEaster(t *testing.T) {
	known := map[int]string{1818: "1818-03-22", 1943: "1943-04-25", 2019: "2019-04-21", 2024: "2024-03-31",
		2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2285: "2285-03-22"}
	for y, want := range known {
		if got := Easter(y).String(); got != want {
			t.Errorf("Easter(%d) = %s; want %s", y, got, want)
		}
	}
	for y := 1583; y <= 4099; y++ {
		e := Easter(y)
		if g := gaussEaster(y); e != g {
			t.Fatalf("Easter(%d) = %s; Gauss says %s", y, e, g)
		}
		if wd := time.Date(y, e.Month, e.Day, 12, 0, 0, 0, time.UTC).Weekday(); wd != time.Sunday {
			t.Fatalf("Easter(%d) = %s is a %s", y, e, wd)
		}
	}
}

func TestPublicHolidays(t *testing.T) {
	dates := func(y int) []string {
		var out []string
		for _, h := range PublicHolidays(y) {
			out = append(out, h.Date.String())
		}
		return out
	}
	want2023 := []string{"2023-01-01", "2023-04-06", "2023-04-07", "2023-04-09", "2023-04-10", "2023-05-05", "2023-05-18",
		"2023-05-28", "2023-05-29", "2023-12-25", "2023-12-26"}
	if got := dates(2023); !slices.Equal(got, want2023) {
		t.Errorf("PublicHolidays(2023) = %v; want %v", got, want2023)
	}
	// Store bededag is gone from 2024.
	want2026 := []string{"2026-01-01", "2026-04-02", "2026-04-03", "2026-04-05", "2026-04-06", "2026-05-14",
		"2026-05-24", "2026-05-25", "2026-12-25", "2026-12-26"}
	if got := dates(2026); !slices.Equal(got, want2026) {
		t.Errorf("PublicHolidays(2026) = %v; want %v", got, want2026)
	}
}

func TestClosures(t *testing.T) {
	c, _ := Lookup("dk-weekdays-8-16")
	u := c.WithClosures([]Closure{ConstitutionDay, ChristmasEve, NewYearsEve, DayAfterAscension, "2026-12-28"})
	if u2 := c.WithClosures([]Closure{"2026-12-28", NewYearsEve, ChristmasEve, DayAfterAscension, ConstitutionDay}); u2 != u {
		t.Error("WithClosures with the same days in another order built a second calendar")
	}
	var got []string
	for _, h := range u.Holidays(2026) {
		if h.Kind == "closure" {
			got = append(got, h.Date.String())
		}
	}
	want := []string{"2026-05-15", "2026-06-05", "2026-12-24", "2026-12-28", "2026-12-31"}
	if !slices.Equal(got, want) {
		t.Errorf("closures in 2026 = %v; want %v", got, want)
	}
	// 2026-06-05 is a Friday: open on the plain calendar, closed on the unit's.
	at := time.Date(2026, 6, 5, 10, 0, 0, 0, Copenhagen)
	if !c.IsOpen(at) || u.IsOpen(at) {
		t.Errorf("Constitution Day 10:00: plain open %v (want true), unit open %v (want false)", c.IsOpen(at), u.IsOpen(at))
	}
	if _, err := ParseClosure("midsummer"); err == nil {
		t.Error(`ParseClosure("midsummer") = nil error`)
	}
}

func TestNewRejects(t *testing.T) {
	var overlap [7][]Window
	overlap[1] = []Window{{480, 720}, {700, 900}}
	var out [7][]Window
	out[2] = []Window{{600, 1500}}
	for name, w := range map[string][7][]Window{"overlap": overlap, "out of range": out, "never open": {}} {
		if _, err := New("x", Text{}, w, true, nil); err == nil {
			t.Errorf("New(%s) = nil error", name)
		}
	}
}

func TestKnownDeadlines(t *testing.T) {
	cph := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, Copenhagen)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		cal, start string
		hours      float64
		want       string
	}{
		// Thursday 15:00 + 2h on 8–16 → Friday 09:00.
		{"dk-weekdays-8-16", "2026-11-26 15:00", 2, "2026-11-27 09:00"},
		// Friday 15:00 + 2h → Monday 09:00.
		{"dk-weekdays-8-16", "2026-11-27 15:00", 2, "2026-11-30 09:00"},
		// Wednesday before Easter 2026 15:00 + 2h: Thursday to Monday closed → Tuesday 09:00.
		{"dk-weekdays-8-16", "2026-04-01 15:00", 2, "2026-04-07 09:00"},
		// Saturday night start counts from Monday 08:00.
		{"dk-weekdays-8-16", "2026-11-28 23:00", 8, "2026-11-30 16:00"},
		// 24/7 across the spring DST change: 01:00 CET + 3h = 05:00 CEST.
		{"always", "2026-03-29 01:00", 3, "2026-03-29 05:00"},
		// 24/7 across the autumn change: 01:00 CEST + 3h = 03:00 CET.
		{"always", "2026-10-25 01:00", 3, "2026-10-25 03:00"},
		// 7–22, Friday 21:00 + 4h → Monday 10:00.
		{"dk-weekdays-7-22", "2026-11-27 21:00", 4, "2026-11-30 10:00"},
		// Across New Year: Wed 30 Dec 15:00 + 16h: 1h + 31 Dec 8h, 1 Jan closed, weekend, Mon 4 Jan 7h.
		{"dk-weekdays-8-16", "2026-12-30 15:00", 16, "2027-01-04 15:00"},
	}
	for _, c := range cases {
		cal, _ := Lookup(c.cal)
		got := cal.Add(cph(c.start), time.Duration(c.hours*float64(time.Hour)))
		if !got.Equal(cph(c.want)) {
			t.Errorf("%s: Add(%s, %vh) = %s; want %s", c.cal, c.start, c.hours, got.In(Copenhagen).Format("2006-01-02 15:04 MST"), c.want)
		}
	}
}
