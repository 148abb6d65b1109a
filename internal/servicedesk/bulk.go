package servicedesk

import (
	"context"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// MaxBulk bounds how many tickets one bulk change touches: a queue page.
const MaxBulk = 100

// BulkTarget is one ticket of a bulk change: its id and the version the
// caller saw (0: do not check).
type BulkTarget struct {
	ID      int64 `json:"id"`
	Version int   `json:"version,omitempty"`
}

// BulkChange is what a bulk change does to each ticket: exactly one of
// assigning (Assignee), moving to a status (Status: pending, resolved or
// closed) or changing the priority (Impact and Urgency). Note is the
// question for pending, the resolution for resolved, the end user's
// comment for closed and the reason for a new priority.
type BulkChange struct {
	Assignee string
	Status   Status
	Impact   int
	Urgency  int
	Note     string
}

// BulkStatuses are the statuses a bulk change can move tickets to.
func BulkStatuses() []Status { return []Status{Pending, Resolved, Closed} }

// BulkOutcome is what a bulk change did to one ticket: Done with the
// ticket as it is now, or refused with the reason (Err). A ticket the
// caller may not see is refused as unknown (NotFound), exactly like one
// that does not exist.
type BulkOutcome struct {
	ID     int64
	Done   bool
	Ticket Ticket
	Err    error
}

// BulkResult sums up a bulk change, ticket by ticket in the order asked.
type BulkResult struct {
	Done     int
	Refused  int
	Outcomes []BulkOutcome
}

// check validates ch on its own, before any ticket is touched.
func (ch *BulkChange) check() error {
	ch.Assignee, ch.Note = strings.TrimSpace(ch.Assignee), strings.TrimSpace(ch.Note)
	n := 0
	if ch.Assignee != "" {
		n++
	}
	if ch.Status != "" {
		n++
		ok := false
		for _, st := range BulkStatuses() {
			ok = ok || st == ch.Status
		}
		if !ok {
			return errs.Field("status", "a bulk change moves tickets to pending, resolved or closed, not %q", ch.Status)
		}
		if ch.Note == "" && ch.Status != Closed {
			return errs.Field("note", "say what you are waiting for or how the tickets were solved")
		}
	}
	if ch.Impact != 0 || ch.Urgency != 0 {
		n++
		if ch.Note == "" {
			return errs.Field("note", "say why the priority changes")
		}
	}
	if n != 1 {
		return errs.Field("action", "choose one change: an assignee, a status or a priority")
	}
	return nil
}

// Bulk applies ch to each of the targets, each ticket on its own through
// the same step a single change takes (so each is checked against sc's
// reach in the database, audited and notified as usual): one refused
// ticket does not stop the others. At most MaxBulk tickets; a ticket
// named twice is changed once. An internal error ends the run and is
// returned with what was done so far.
func (s *Service) Bulk(ctx context.Context, sc access.Scope, targets []BulkTarget, ch BulkChange) (BulkResult, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return BulkResult{}, errs.E(errs.Unauthorized, "log in first")
	}
	if len(targets) == 0 {
		return BulkResult{}, errs.Field("tickets", "choose at least one ticket")
	}
	if len(targets) > MaxBulk {
		return BulkResult{}, errs.Field("tickets", "at most %d tickets at a time (got %d)", MaxBulk, len(targets))
	}
	if err := ch.check(); err != nil {
		return BulkResult{}, err
	}
	var res BulkResult
	seen := map[int64]bool{}
	for _, tg := range targets {
		if tg.ID <= 0 || seen[tg.ID] {
			continue
		}
		seen[tg.ID] = true
		var t Ticket
		var err error
		switch {
		case ch.Assignee != "":
			t, err = s.Assign(ctx, sc, tg.ID, tg.Version, ch.Assignee)
		case ch.Status == Pending:
			t, err = s.Pend(ctx, sc, tg.ID, tg.Version, ch.Note)
		case ch.Status == Resolved:
			t, err = s.Resolve(ctx, sc, tg.ID, tg.Version, ch.Note)
		case ch.Status == Closed:
			t, err = s.Close(ctx, sc, tg.ID, tg.Version, 0, ch.Note)
		default:
			t, err = s.SetPriority(ctx, sc, tg.ID, tg.Version, ch.Impact, ch.Urgency, ch.Note)
		}
		o := BulkOutcome{ID: tg.ID, Done: err == nil, Err: err}
		if err == nil {
			o.Ticket = t
			res.Done++
		} else {
			if code := errs.CodeOf(err); code == errs.Internal || code == errs.Unauthorized {
				return res, err
			}
			res.Refused++
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	if len(res.Outcomes) == 0 {
		return BulkResult{}, errs.Field("tickets", "choose at least one ticket")
	}
	return res, nil
}
