// Package servicedesk is the service desk across organisations: a
// municipality's SPOC works tickets as 1st line and hands what it cannot
// solve to its supplying unit's service desk (2nd line and on-site) with
// an explicit handover; OLA and SLA clocks run on business calendars,
// pause while the customer is asked, and warn at 75% and breach at 100%.
// Every step is a timeline entry and an audit record. It must not know
// the web layer.
package servicedesk

import (
	"slices"
	"time"

	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
)

// Kind is the type of a ticket.
type Kind string

// The kinds (ITIL 4 practices).
const (
	Incident Kind = "incident"
	Request  Kind = "request"
	Problem  Kind = "problem"
	Change   Kind = "change"
)

// Kinds lists every kind.
func Kinds() []Kind { return []Kind{Incident, Request, Problem, Change} }

// Status is where a ticket is.
type Status string

// The statuses. Open: with the municipality's 1st line. Escalated: handed
// to the unit, not yet taken. InProgress: the unit works it. Pending:
// waiting for the municipality or end user (clocks paused). Resolved:
// solved, awaiting the SPOC's confirmation. Closed: confirmed.
const (
	Open       Status = "open"
	Escalated  Status = "escalated"
	InProgress Status = "in_progress"
	Pending    Status = "pending"
	Resolved   Status = "resolved"
	Closed     Status = "closed"
)

// Statuses lists every status in workflow order.
func Statuses() []Status { return []Status{Open, Escalated, InProgress, Pending, Resolved, Closed} }

// Active reports whether a ticket in s still needs work.
func (s Status) Active() bool { return s != Resolved && s != Closed }

// ParseStatus returns the status named s, or an Invalid error on field.
func ParseStatus(field, s string) (Status, error) {
	if slices.Contains(Statuses(), Status(s)) {
		return Status(s), nil
	}
	return "", errs.Field(field, "unknown status %q; want one of open, escalated, in_progress, pending, resolved, closed", s)
}

// ParseKind returns the kind named s, or an Invalid error on field.
func ParseKind(field, s string) (Kind, error) {
	if slices.Contains(Kinds(), Kind(s)) {
		return Kind(s), nil
	}
	return "", errs.Field(field, "unknown ticket type %q; want incident, request, problem or change", s)
}

// Priority derives P1–P4 from impact and urgency (1 high, 2 medium, 3 low)
// by the usual ITIL matrix: high×high is P1; one step down P2; two steps
// P3; the rest P4.
func Priority(impact, urgency int) string {
	switch impact + urgency {
	case 2:
		return "P1"
	case 3:
		return "P2"
	case 4:
		return "P3"
	}
	return "P4"
}

// Targets are response and resolution targets per priority on a calendar.
type Targets struct {
	Calendar   string
	Response   map[string]time.Duration
	Resolution map[string]time.Duration
	// Source says where they come from ("subscription 12: server-virtual-windows/basis").
	Source string
}

func hours(p1, p2, p3, p4 float64) map[string]time.Duration {
	h := calendar.Hours
	return map[string]time.Duration{"P1": h(p1), "P2": h(p2), "P3": h(p3), "P4": h(p4)}
}

// FirstLineTargets is the municipalities' common OLA for 1st line: the
// time from a ticket's creation until the SPOC resolves or escalates it,
// on weekdays 8–16.
var FirstLineTargets = Targets{Calendar: "dk-weekdays-8-16", Resolution: hours(1, 2, 8, 16), Source: "OLA 1st line"}

// DefaultTargets apply to an escalated ticket that names no subscription:
// the common catalog's basic level (weekdays 8–16).
var DefaultTargets = Targets{Calendar: "dk-weekdays-8-16", Response: hours(2, 4, 8, 16), Resolution: hours(8, 16, 40, 80),
	Source: "basic level (no subscription)"}

// Handover is what the SPOC hands the unit when escalating.
type Handover struct {
	Tried    string `json:"tried"`    // what 1st line tried
	Affected string `json:"affected"` // who and what is affected
	Contact  string `json:"contact"`  // whom the unit contacts
}

// Ticket is one ticket as its organisations see it.
type Ticket struct {
	ID                  int64      `json:"id"`
	Kind                Kind       `json:"kind"`
	MunicipalityID      int64      `json:"municipality_id,omitempty"`
	MunicipalityCode    string     `json:"municipality_code,omitempty"`
	MunicipalityName    string     `json:"municipality_name,omitempty"`
	UnitID              int64      `json:"unit_id"`
	UnitName            string     `json:"unit_name"`
	SubscriptionID      int64      `json:"subscription_id,omitempty"`
	SiteID              int64      `json:"site_id,omitempty"`
	Title               string     `json:"title"`
	Description         string     `json:"description"`
	Impact              int        `json:"impact"`
	Urgency             int        `json:"urgency"`
	Priority            string     `json:"priority"`
	Status              Status     `json:"status"`
	Tier                int        `json:"tier"`
	Assignee            string     `json:"assignee,omitempty"`
	Requester           string     `json:"requester,omitempty"`
	Handover            *Handover  `json:"handover,omitempty"`
	Resolution          string     `json:"resolution,omitempty"`
	BreachReason        string     `json:"breach_reason,omitempty"`
	Satisfaction        int        `json:"satisfaction,omitempty"`
	SatisfactionComment string     `json:"satisfaction_comment,omitempty"`
	CreatedBy           string     `json:"created_by"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	EscalatedAt         *time.Time `json:"escalated_at,omitempty"`
	ResolvedAt          *time.Time `json:"resolved_at,omitempty"`
	ClosedAt            *time.Time `json:"closed_at,omitempty"`
	Version             int        `json:"version"`
	// CaseID is the security case the ticket was raised from (0: none).
	CaseID  int64        `json:"case_id,omitempty"`
	Clocks  []ClockView  `json:"clocks,omitempty"`
	Entries []Entry      `json:"entries,omitempty"`
	Visits  []Visit      `json:"visits,omitempty"`
	Change  *ChangeInfo  `json:"change,omitempty"`
	Problem *ProblemInfo `json:"problem,omitempty"`
	// Problems are the problems an incident is linked to.
	Problems []int64 `json:"problems,omitempty"`
}

// Clock returns the ticket's clock named n, if it has one.
func (t Ticket) Clock(n ClockName) (ClockView, bool) {
	for _, c := range t.Clocks {
		if c.Name == n {
			return c, true
		}
	}
	return ClockView{}, false
}

// Entry is one step on a ticket's timeline.
type Entry struct {
	ID       int64          `json:"id"`
	At       time.Time      `json:"at"`
	Actor    string         `json:"actor"`
	Kind     string         `json:"kind"`
	Internal bool           `json:"internal,omitempty"`
	Body     string         `json:"body,omitempty"`
	Detail   map[string]any `json:"detail,omitempty"`
}

// Visit is an on-site visit by the unit.
type Visit struct {
	ID         int64     `json:"id"`
	SiteID     int64     `json:"site_id,omitempty"`
	Address    string    `json:"address"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	Technician string    `json:"technician"`
	Note       string    `json:"note,omitempty"`
	Status     string    `json:"status"`
}
