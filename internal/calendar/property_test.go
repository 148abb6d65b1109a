package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// refOpen is the definition of a calendar, evaluated the slow way: the
// wall clock of t in Copenhagen is inside one of its weekday's windows and
// its date is not a closed day.
func refOpen(c *Calendar, t time.Time) bool {
	lt := t.In(Copenhagen)
	d := Date{lt.Year(), lt.Month(), lt.Day()}
	if refClosed(c, d) {
		return false
	}
	m := lt.Hour()*60 + lt.Minute()
	for _, w := range c.Week[lt.Weekday()] {
		if w.From <= m && m < w.To {
			return true
		}
	}
	return false
}

type refKey struct {
	c *Calendar
	y int
}

var refDays = map[refKey]map[Date]bool{}

// refClosed says whether d is a closed day of c, from Holidays (kept per
// year so that the minute walks stay quick).
func refClosed(c *Calendar, d Date) bool {
	k := refKey{c, d.Year}
	m, ok := refDays[k]
	if !ok {
		m = map[Date]bool{}
		for _, h := range c.Holidays(d.Year) {
			m[h.Date] = true
		}
		refDays[k] = m
	}
	return m[d]
}

// refAdd walks minute by minute until mins open minutes have passed.
func refAdd(c *Calendar, start time.Time, mins int) time.Time {
	t := start
	for mins > 0 {
		if refOpen(c, t) {
			mins--
		}
		t = t.Add(time.Minute)
	}
	return t
}

func refBetween(c *Calendar, a, b time.Time) time.Duration {
	var n time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if refOpen(c, t) {
			n += time.Minute
		}
	}
	return n
}

// testCalendars are the standard calendars, one with a unit's closing
// days, and one whose windows straddle the DST changes at 02:00–03:00.
func testCalendars(t *testing.T) []*Calendar {
	var night [7][]Window
	for d := range night {
		night[d] = []Window{{60, 150}, {170, 200}, {600, 615}}
	}
	night[time.Sunday] = append(night[time.Sunday], Window{1380, 1440})
	nc, err := New("night", Text{}, night, true, []Closure{ChristmasEve})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := Lookup("dk-weekdays-8-16")
	return append(Standard(), base.WithClosures([]Closure{ConstitutionDay, NewYearsEve, DayAfterAscension}), nc)
}

// TestDeadlineMatchesReference compares Add and Between with the
// minute-by-minute definition over random starts in 1995–2060, many of
// them on DST-change Sundays, holidays and year ends.
func TestDeadlineMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(20261129, 6))
	cals := testCalendars(t)
	n := 400
	if testing.Short() {
		n = 60
	}
	for i := 0; i < n; i++ {
		c := cals[i%len(cals)]
		y := 1995 + r.IntN(66)
		var day time.Time
		switch r.IntN(4) {
		case 0: // the last Sunday of March or October: a DST change
			m := time.March
			if r.IntN(2) == 0 {
				m = time.October
			}
			day = time.Date(y, m, 31, 0, 0, 0, 0, Copenhagen)
			for day.Weekday() != time.Sunday {
				day = day.AddDate(0, 0, -1)
			}
			day = day.AddDate(0, 0, -r.IntN(3))
		case 1: // around Easter
			e := Easter(y)
			day = time.Date(y, e.Month, e.Day-4+r.IntN(8), 0, 0, 0, 0, Copenhagen)
		case 2: // around the year end
			day = time.Date(y, 12, 20+r.IntN(12), 0, 0, 0, 0, Copenhagen)
		default:
			day = time.Date(y, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, Copenhagen)
		}
		start := day.Add(time.Duration(r.IntN(24*60)) * time.Minute)
		mins := 1 + r.IntN(40*60)
		want := refAdd(c, start, mins)
		got := c.Add(start, time.Duration(mins)*time.Minute)
		if !got.Equal(want) {
			t.Fatalf("%s: Add(%s, %dm) = %s; the minute walk says %s", c.ID, start.Format(time.RFC3339), mins,
				got.In(Copenhagen).Format(time.RFC3339), want.In(Copenhagen).Format(time.RFC3339))
		}
		end := start.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
		if g, w := c.Between(start, end), refBetween(c, start, end); g != w {
			t.Fatalf("%s: Between(%s, %s) = %s; the minute walk says %s", c.ID, start.Format(time.RFC3339), end.Format(time.RFC3339), g, w)
		}
		// Add and Between agree with each other.
		if b := c.Between(start, got); b != time.Duration(mins)*time.Minute {
			t.Fatalf("%s: Between(start, Add(start, %dm)) = %s", c.ID, mins, b)
		}
		if o := c.IsOpen(start); o != refOpen(c, start) {
			t.Fatalf("%s: IsOpen(%s) = %v; want %v", c.ID, start.Format(time.RFC3339), o, !o)
		}
		if no := c.NextOpen(start); !refOpen(c, no) || refBetween(c, start, no) != 0 {
			t.Fatalf("%s: NextOpen(%s) = %s is not the next open minute", c.ID, start.Format(time.RFC3339), no.Format(time.RFC3339))
		}
	}
}

// TestDeadlineLongTargets crosses several years at once.
func TestDeadlineLongTargets(t *testing.T) {
	c, _ := Lookup("dk-weekdays-7-22")
	start := time.Date(2023, 11, 3, 14, 17, 0, 0, Copenhagen)
	for _, h := range []int{500, 3000, 9000} {
		d := time.Duration(h) * time.Hour
		end := c.Add(start, d)
		if got := c.Between(start, end); got != d {
			t.Errorf("Between(start, Add(start, %dh)) = %s", h, got)
		}
		if !c.IsOpen(end.Add(-time.Minute)) {
			t.Errorf("Add(start, %dh) = %s does not end an open minute", h, end)
		}
	}
}
