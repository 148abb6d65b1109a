package servicedesk

import (
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
)

// ClockName names one of a ticket's clocks.
type ClockName string

// The clocks. FirstLine is the municipality's OLA: from creation until the
// SPOC resolves or escalates. Response and Resolution are the unit's SLA
// from escalation: until the unit takes the ticket (assigns it) and until
// it resolves it.
const (
	FirstLine  ClockName = "first_line"
	Response   ClockName = "response"
	Resolution ClockName = "resolution"
)

// ClockState is whether a clock runs.
type ClockState string

// The clock states.
const (
	Running ClockState = "running"
	Paused  ClockState = "paused"
	Stopped ClockState = "stopped"
)

// WarnAt is the share of a target at which a warning is raised.
const WarnAt = 0.75

// Clock is an SLA or OLA stopwatch counting business time on a calendar.
// Elapsed is the business time counted before Since (the start of the
// current run); a paused or stopped clock has no Since and no deadline,
// so it can never breach while paused. Changing the target (a new
// priority or level) keeps the elapsed time: paused time is never lost
// and never counted.
type Clock struct {
	Name       ClockName     `json:"name"`
	Calendar   string        `json:"calendar"`
	Target     time.Duration `json:"-"`
	State      ClockState    `json:"state"`
	StartedAt  time.Time     `json:"started_at"`
	Since      *time.Time    `json:"-"`
	Elapsed    time.Duration `json:"-"`
	WarnAt     *time.Time    `json:"warn_at,omitempty"`
	Deadline   *time.Time    `json:"deadline,omitempty"`
	WarnedAt   *time.Time    `json:"warned_at,omitempty"`
	BreachedAt *time.Time    `json:"breached_at,omitempty"`
	StoppedAt  *time.Time    `json:"stopped_at,omitempty"`
	cal        *calendar.Calendar
}

// startClock returns a running clock started at now.
func startClock(name ClockName, cal *calendar.Calendar, target time.Duration, now time.Time) Clock {
	c := Clock{Name: name, Calendar: cal.ID, Target: target, State: Running, StartedAt: now, cal: cal}
	c.run(now)
	return c
}

// run (re)starts the current run at now and computes its warning and
// deadline instants.
func (c *Clock) run(now time.Time) {
	c.State = Running
	c.Since = &now
	dl := c.cal.Add(now, c.Target-c.Elapsed)
	warn := c.cal.Add(now, time.Duration(float64(c.Target)*WarnAt)-c.Elapsed)
	c.Deadline, c.WarnAt = &dl, &warn
}

// settle adds the current run's business time to Elapsed.
func (c *Clock) settle(now time.Time) {
	if c.State == Running && c.Since != nil {
		c.Elapsed += c.cal.Between(*c.Since, now)
	}
	c.Since, c.Deadline, c.WarnAt = nil, nil, nil
}

// Pause stops counting (awaiting the customer).
func (c *Clock) Pause(now time.Time) {
	if c.State != Running {
		return
	}
	c.settle(now)
	c.State = Paused
}

// Resume counts again from now.
func (c *Clock) Resume(now time.Time) {
	if c.State != Paused {
		return
	}
	c.run(now)
}

// Stop ends the clock for good (the goal it measures was reached);
// Reopen may run it again.
func (c *Clock) Stop(now time.Time) {
	if c.State == Stopped {
		return
	}
	c.settle(now)
	c.State = Stopped
	c.StoppedAt = &now
}

// Reopen runs a stopped clock again, keeping its elapsed time.
func (c *Clock) Reopen(now time.Time) {
	if c.State != Stopped {
		return
	}
	c.StoppedAt = nil
	c.run(now)
}

// Retarget sets a new target (and calendar) at now, keeping the business
// time elapsed so far. A warning or breach that the new target undoes is
// cleared, so that it can be raised again on the new target.
func (c *Clock) Retarget(now time.Time, cal *calendar.Calendar, target time.Duration) {
	running := c.State == Running
	c.settle(now)
	c.cal, c.Calendar, c.Target = cal, cal.ID, target
	if running {
		c.run(now)
	}
	if c.Elapsed < time.Duration(float64(target)*WarnAt) {
		c.WarnedAt = nil
	}
	if c.Elapsed < target {
		c.BreachedAt = nil
	}
}

// Used returns the business time counted up to now.
func (c Clock) Used(now time.Time) time.Duration {
	if c.State == Running && c.Since != nil && c.cal != nil {
		return c.Elapsed + c.cal.Between(*c.Since, now)
	}
	return c.Elapsed
}

// Met reports whether the clock is within its target at now: a running
// clock that has reached its deadline is breached; a clock stopped at the
// deadline met it.
func (c Clock) Met(now time.Time) bool {
	if c.State == Running {
		return c.Used(now) < c.Target
	}
	return c.Elapsed <= c.Target
}

// ClockView is a clock as shown to people: targets and times in minutes.
type ClockView struct {
	Clock
	TargetMinutes  int64   `json:"target_minutes"`
	ElapsedMinutes int64   `json:"elapsed_minutes"`
	Percent        float64 `json:"percent"`
	Met            bool    `json:"met"`
}

// View returns the clock as seen at now.
func (c Clock) View(now time.Time) ClockView {
	used := c.Used(now)
	v := ClockView{Clock: c, TargetMinutes: int64(c.Target / time.Minute), ElapsedMinutes: int64(used / time.Minute), Met: c.Met(now)}
	if c.Target > 0 {
		v.Percent = float64(used) / float64(c.Target) * 100
	}
	return v
}
