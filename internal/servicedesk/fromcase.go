package servicedesk

import (
	"context"
	"strconv"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// RaiseForCase opens an incident for municipality from security case
// caseID ("isolate this server"), as sc — who works the case: package soc
// checks that before it calls. With toUnit the ticket goes straight to
// the municipality's supplying unit with h as its handover (the platform
// hands it on for the case, since the SOC is not the municipality's 1st
// line); otherwise it starts at the municipality's SPOC. The ticket's
// flow from there is the usual one.
func (s *Service) RaiseForCase(ctx context.Context, sc access.Scope, caseID, municipality int64, n NewTicket, toUnit bool, h Handover) (Ticket, error) {
	if !sc.Can(access.WorkCases) {
		return Ticket{}, errs.E(errs.Forbidden, "only those who work security cases raise tickets from them")
	}
	if municipality == 0 {
		return Ticket{}, errs.Field("municipality", "a ticket from a case is raised for the case's municipality")
	}
	n.Kind, n.Municipality, n.fromCase = Incident, municipality, caseID
	t, err := s.Create(ctx, sc, n)
	if err != nil || !toUnit {
		return t, err
	}
	return s.Escalate(ctx, access.System("case "+strconv.FormatInt(caseID, 10)), t.ID, t.Version, 0, h)
}

// TicketsOfCase lists the tickets raised from case caseID, oldest first.
// It does not scope: the caller (package soc) has resolved the case
// within its caller's reach, and shows only each ticket's number, title,
// status and where it is.
func (s *Service) TicketsOfCase(ctx context.Context, caseID int64) ([]Ticket, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+ticketColumns+ticketFrom+` WHERE t.case_id = $1 ORDER BY t.id`, caseID)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the tickets of case %d", caseID)
	}
	defer rows.Close()
	out := []Ticket{}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read a ticket of case %d", caseID)
		}
		out = append(out, t)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the tickets of case %d", caseID)
}
