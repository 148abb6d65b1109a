// Package availability measures what the catalog promises: the
// availability of every subscribed service, from outages (opened by
// samdrift's probes, by the units' own monitoring through webhooks, or
// entered by a unit) and planned maintenance (approved changes), inside
// the subscribed level's service window, against the level's target.
package availability

import (
	"slices"
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
)

// Span is a stretch of time [From, To) with how much of the service it
// takes away: Impact 1 is a full outage, less a partial one (0.5: half
// the service is gone, and half the time counts as down).
type Span struct {
	From, To time.Time
	Impact   float64
}

// Figures are one subscription's availability over a period.
type Figures struct {
	// Service is the agreed service time: the level's service window in
	// the period, less planned maintenance when it does not count.
	Service time.Duration
	// Down is the downtime within it, partial outages weighted by their
	// impact.
	Down time.Duration
	// Maintenance is the planned maintenance within the service window.
	Maintenance time.Duration
}

// Availability is 1 − Down/Service (1 when there is no service time).
func (f Figures) Availability() float64 {
	if f.Service <= 0 {
		return 1
	}
	return 1 - float64(f.Down)/float64(f.Service)
}

// Measure computes the figures over [from, to) for a service whose
// window is cal, with outages and planned maintenance windows;
// maintenance is taken out of the service time and its outages are not
// downtime unless maintenanceCounts (then it is ordinary service time).
// Overlapping outages count once, at the largest impact.
func Measure(cal *calendar.Calendar, from, to time.Time, outages, maintenance []Span, maintenanceCounts bool) Figures {
	var f Figures
	if !to.After(from) {
		return f
	}
	// Every boundary inside [from, to), then each elementary stretch
	// between two is either maintenance or not, and down at the
	// largest impact of the outages over it.
	cuts := []time.Time{from, to}
	clip := func(ss []Span) []Span {
		var out []Span
		for _, s := range ss {
			a, b := later(s.From, from), earlier(s.To, to)
			if b.After(a) && s.Impact > 0 {
				out = append(out, Span{a, b, min(s.Impact, 1)})
				cuts = append(cuts, a, b)
			}
		}
		return out
	}
	outs, maint := clip(outages), clip(maintenance)
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	cuts = slices.CompactFunc(cuts, func(a, b time.Time) bool { return a.Equal(b) })
	total := cal.Between(from, to)
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		inMaint := covered(maint, a, b) > 0
		open := time.Duration(0)
		impact := covered(outs, a, b)
		if inMaint || impact > 0 {
			open = cal.Between(a, b)
		}
		if inMaint {
			f.Maintenance += open
			if !maintenanceCounts {
				continue
			}
		}
		f.Down += time.Duration(float64(open) * impact)
	}
	f.Service = total
	if !maintenanceCounts {
		f.Service -= f.Maintenance
	}
	return f
}

// covered is the largest impact of the spans covering [a, b) (0: none);
// a and b are consecutive cuts, so a span covers all of it or none.
func covered(ss []Span, a, b time.Time) float64 {
	m := 0.0
	for _, s := range ss {
		if !s.From.After(a) && !s.To.Before(b) {
			m = max(m, s.Impact)
		}
	}
	return m
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Budget is a subscription's error budget in a month: the downtime the
// target allows, what is left, and how fast it is being spent.
type Budget struct {
	// Allowed is (1 − target) × the month's service time.
	Allowed time.Duration `json:"-"`
	// Left is Allowed less the downtime so far (negative: overspent).
	Left time.Duration `json:"-"`
	// AllowedSeconds and LeftSeconds are Allowed and Left in whole
	// seconds.
	AllowedSeconds int64 `json:"allowed_seconds"`
	LeftSeconds    int64 `json:"left_seconds"`
	// BurnRate is the downtime per service time so far, over what the
	// target allows per service time: 1 spends the budget exactly by the
	// month's end, above 1 sooner.
	BurnRate float64 `json:"burn_rate"`
	// RunsOut says the budget will be spent before the month ends if
	// downtime goes on at the rate so far (or is spent already).
	RunsOut bool `json:"runs_out"`
}

// BudgetOf is the error budget of a month whose whole service time is
// month and whose figures so far are sofar, against target (0–1).
func BudgetOf(target float64, month time.Duration, sofar Figures) Budget {
	allowedShare := 1 - target
	b := Budget{Allowed: time.Duration(allowedShare * float64(month))}
	b.Left = b.Allowed - sofar.Down
	if sofar.Service > 0 {
		used := float64(sofar.Down) / float64(sofar.Service)
		if allowedShare > 0 {
			b.BurnRate = used / allowedShare
		} else if used > 0 {
			b.BurnRate = 1e9
		}
		projected := used * float64(month)
		b.RunsOut = b.Left < 0 || (sofar.Down > 0 && projected > float64(b.Allowed))
	}
	b.AllowedSeconds = int64(b.Allowed.Round(time.Second) / time.Second)
	b.LeftSeconds = int64(b.Left.Round(time.Second) / time.Second)
	return b
}
