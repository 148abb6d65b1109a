package servicedesk

import (
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Sort names the order of a queue: a column, ascending, or with a
// leading "-" descending. The zero value is newest first (keyset paged).
type Sort string

// The orders a queue can be sorted in. SortTriage is the order a desk
// works in: tickets whose running clock has passed its deadline first
// (the longest overdue first), then by the time left to the nearest
// deadline, then by priority, then the oldest first; tickets with no
// running clock (on hold, resolved, closed) come last, by priority and
// age.
const (
	SortNewest   Sort = ""
	SortTriage   Sort = "triage"
	SortID       Sort = "id"
	SortPriority Sort = "priority"
	SortStatus   Sort = "status"
	SortDue      Sort = "due"
	SortUpdated  Sort = "updated"
	SortAssignee Sort = "assignee"
	SortOrg      Sort = "org"
)

// The deadline filters of a queue (Filter.Due), as the start page's
// figures count them (Figures).
const (
	DueBreached = "breached"
	DueSoon     = "soon"
)

// VisitsToday is the visits filter (Filter.Visits) for tickets with an
// on-site visit planned today.
const VisitsToday = "today"

// MaxOffset bounds how deep a sorted list can be paged.
const MaxOffset = 100000

// Sorts lists the orders ParseSort accepts (each also with a leading "-",
// except triage).
func Sorts() []Sort {
	return []Sort{SortTriage, SortID, SortPriority, SortStatus, SortDue, SortUpdated, SortAssignee, SortOrg}
}

// ParseSort returns the order named s ("" is newest first), or an
// Invalid error on field.
func ParseSort(field, s string) (Sort, error) {
	if s == "" {
		return SortNewest, nil
	}
	col := strings.TrimPrefix(s, "-")
	for _, x := range Sorts() {
		if Sort(col) == x && !(x == SortTriage && col != s) {
			return Sort(s), nil
		}
	}
	return "", errs.Field(field, "unknown order %q; want triage, or one of id, priority, status, due, updated, assignee, org, each with a leading - for descending", s)
}

// Column returns the column s sorts by, without its direction.
func (s Sort) Column() Sort { return Sort(strings.TrimPrefix(string(s), "-")) }

// Descending reports whether s sorts its column from the largest.
func (s Sort) Descending() bool { return strings.HasPrefix(string(s), "-") }

// farFuture stands in for "no deadline" so that tickets without a running
// clock sort after every deadline on both databases (which disagree on
// where NULL goes).
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// dueExpr is the nearest deadline of a ticket's running clocks; a clock
// whose deadline has passed is breached, so breached tickets sort first.
// One lookup on the clocks' primary key per ticket.
const dueExpr = `(SELECT MIN(c.deadline) FROM ticket_clocks c WHERE c.ticket_id = t.id AND c.state = 'running')`

// orderBy returns the ORDER BY list of s (without the keywords).
func (s Sort) orderBy(a *store.Args) (string, error) {
	if _, err := ParseSort("sort", string(s)); err != nil {
		return "", err
	}
	dir := ""
	if s.Descending() {
		dir = " DESC"
	}
	switch s.Column() {
	case SortID:
		return "t.id" + dir, nil
	case SortUpdated:
		return "t.updated_at" + dir + ", t.id" + dir, nil
	}
	// Every other order needs the deadline (the only argument: PostgreSQL
	// refuses a parameter the query does not use).
	due := "COALESCE(" + dueExpr + ", " + a.Add(farFuture) + ")"
	triage := due + ", t.priority, t.created_at, t.id"
	switch s.Column() {
	case SortTriage:
		return triage, nil
	case SortPriority:
		return "t.priority" + dir + ", " + triage, nil
	case SortStatus:
		return `CASE t.status WHEN 'open' THEN 1 WHEN 'escalated' THEN 2 WHEN 'in_progress' THEN 3 WHEN 'pending' THEN 4
			WHEN 'resolved' THEN 5 ELSE 6 END` + dir + ", " + triage, nil
	case SortDue:
		if s.Descending() {
			// Latest deadline first; tickets without one still last.
			return "CASE WHEN " + due + " = " + a.Add(farFuture) + " THEN 1 ELSE 0 END, " + due + " DESC, t.priority, t.id", nil
		}
		return due + ", t.priority, t.id", nil
	case SortAssignee:
		// Unassigned tickets last either way: the list is about who has what.
		return "CASE WHEN t.assignee = '' THEN 1 ELSE 0 END, t.assignee" + dir + ", " + triage, nil
	case SortOrg:
		return "COALESCE(m.name, u.name)" + dir + ", " + triage, nil
	}
	return "", errs.E(errs.Internal, "no order for %q", s)
}

// Due returns the running clock of t with the nearest deadline — the one
// a queue shows and triage sorts by — if any clock runs.
func (t Ticket) Due() (ClockView, bool) {
	var best ClockView
	found := false
	for _, c := range t.Clocks {
		if c.State != Running || c.Deadline == nil {
			continue
		}
		if !found || c.Deadline.Before(*best.Deadline) {
			best, found = c, true
		}
	}
	return best, found
}

// Breached reports whether a running clock of t has passed its deadline
// at now.
func (t Ticket) Breached(now time.Time) bool {
	c, ok := t.Due()
	return ok && !now.Before(*c.Deadline)
}
