package availability

import (
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
)

func cal(t *testing.T, id string) *calendar.Calendar {
	t.Helper()
	c, ok := calendar.Lookup(id)
	if !ok {
		t.Fatalf("no calendar %s", id)
	}
	return c
}

// at is a time in Copenhagen on 2026-11-DD.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, calendar.Copenhagen)
}

func TestMeasure(t *testing.T) {
	from, to := at(1, 0, 0), time.Date(2026, 12, 1, 0, 0, 0, 0, calendar.Copenhagen)
	month := to.Sub(from) // 30 days
	always := cal(t, "always")
	office := cal(t, "dk-weekdays-8-16")
	h := time.Hour
	cases := []struct {
		name        string
		cal         *calendar.Calendar
		outages     []Span
		maintenance []Span
		counts      bool
		want        Figures
	}{
		{"no outage", always, nil, nil, false, Figures{Service: month}},
		{"one hour down", always, []Span{{at(3, 10, 0), at(3, 11, 0), 1}}, nil, false, Figures{Service: month, Down: h}},
		// Two outages overlapping by 30 min count 90 min; one
		// starting before the month counts from its start.
		{"overlap and clipped", always, []Span{{at(3, 10, 0), at(3, 11, 0), 1}, {at(3, 10, 30), at(3, 11, 30), 1}, {at(1, 0, 0).Add(-h), at(1, 0, 20), 1}},
			nil, false, Figures{Service: month, Down: 110 * time.Minute}},
		{"partial counts by its impact", always, []Span{{at(4, 8, 0), at(4, 10, 0), 0.5}, {at(4, 9, 0), at(4, 9, 30), 1}},
			nil, false, Figures{Service: month, Down: 30*time.Minute + 15*time.Minute + 30*time.Minute}},
		{"maintenance excluded", always, []Span{{at(5, 1, 0), at(5, 4, 0), 1}}, []Span{{at(5, 2, 0), at(5, 3, 0), 1}}, false,
			Figures{Service: month - h, Down: 2 * h, Maintenance: h}},
		{"maintenance counted", always, []Span{{at(5, 1, 0), at(5, 4, 0), 1}}, []Span{{at(5, 2, 0), at(5, 3, 0), 1}}, true,
			Figures{Service: month, Down: 3 * h, Maintenance: h}},
		// Office hours: 8–16 on weekdays; 2026-11-06 is a Friday, the
		// 7th a Saturday.
		{"outside the service window", office, []Span{{at(6, 17, 0), at(6, 23, 0), 1}, {at(7, 9, 0), at(7, 12, 0), 1}}, nil, false,
			Figures{Service: office.Between(from, to)}},
		{"across the window's end", office, []Span{{at(6, 15, 0), at(6, 17, 0), 1}}, nil, false,
			Figures{Service: office.Between(from, to), Down: h}},
	}
	for _, c := range cases {
		got := Measure(c.cal, from, to, c.outages, c.maintenance, c.counts)
		if got != c.want {
			t.Errorf("%s: %+v; want %+v", c.name, got, c.want)
		}
	}
	if a := (Figures{Service: month, Down: h}).Availability(); a != 1-3600.0/2592000 {
		t.Errorf("availability = %v", a)
	}
	if office.Between(from, to) != 21*8*h { // November 2026 has 21 weekdays
		t.Errorf("office hours in November 2026 = %v", office.Between(from, to))
	}
}

func TestBudget(t *testing.T) {
	month := 720 * time.Hour
	// 99.5 %: 3.6 h allowed. Ten days in, one hour down: on pace to
	// spend 3 h, within the budget.
	b := BudgetOf(0.995, month, Figures{Service: 240 * time.Hour, Down: time.Hour})
	if b.Allowed != 216*time.Minute || b.Left != 156*time.Minute || b.RunsOut {
		t.Errorf("on pace: %+v", b)
	}
	if b.BurnRate < 0.83 || b.BurnRate > 0.84 {
		t.Errorf("burn rate %v; want 1/240 ÷ 0.005 ≈ 0.833", b.BurnRate)
	}
	// Two hours down in ten days: 6 h by the month's end, more than 3.6.
	if b := BudgetOf(0.995, month, Figures{Service: 240 * time.Hour, Down: 2 * time.Hour}); !b.RunsOut || b.BurnRate < 1.6 {
		t.Errorf("too fast: %+v", b)
	}
	if b := BudgetOf(0.995, month, Figures{Service: 240 * time.Hour, Down: 4 * time.Hour}); !b.RunsOut || b.Left >= 0 {
		t.Errorf("overspent: %+v", b)
	}
}
