package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// NewVisit is what ScheduleVisit needs: when, where (a registered site of
// the municipality, or an address) and who.
type NewVisit struct {
	Site       int64
	Address    string
	StartsAt   time.Time
	EndsAt     time.Time
	Technician string
	Note       string
}

// ScheduleVisit plans an on-site visit for ticket id (the unit does, once
// the ticket is escalated) and tells the municipality.
func (s *Service) ScheduleVisit(ctx context.Context, sc access.Scope, id int64, version int, v NewVisit) (Ticket, error) {
	var err error
	if v.Technician, err = checkText("technician", v.Technician, 1, 200); err != nil {
		return Ticket{}, errs.Field("technician", "name who comes")
	}
	if v.Note, err = checkText("note", v.Note, 0, maxNote); err != nil {
		return Ticket{}, err
	}
	if v.Address, err = checkText("address", v.Address, 0, 500); err != nil {
		return Ticket{}, err
	}
	if v.StartsAt.IsZero() || !v.EndsAt.After(v.StartsAt) {
		return Ticket{}, errs.Field("ends_at", "a visit ends after it starts")
	}
	if v.EndsAt.Sub(v.StartsAt) > 24*time.Hour {
		return Ticket{}, errs.Field("ends_at", "a visit lasts at most 24 hours; plan several")
	}
	return s.mutate(ctx, sc, id, version, "visit", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if t.Tier != 2 || !onUnitSide(sc, t) {
			return errs.E(errs.Forbidden, "only the service desk of %s plans on-site visits for ticket %d", t.UnitName, id)
		}
		if !t.Status.Active() {
			return errs.E(errs.Conflict, "ticket %d is %s; reopen it before planning a visit", id, t.Status)
		}
		if v.Site != 0 {
			var muni int64
			var addr string
			err := tx.QueryRowContext(ctx, `SELECT municipality_id, address FROM sites WHERE id = $1`, v.Site).Scan(&muni, &addr)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && muni != t.MunicipalityID) {
				return errs.Field("site", "municipality %s has no site %d", t.MunicipalityName, v.Site)
			}
			if err != nil {
				return errs.Wrap(err, "cannot look up site %d", v.Site)
			}
			if v.Address == "" {
				v.Address = addr
			}
		}
		if v.Address == "" {
			return errs.Field("address", "give the address or a registered site")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_visits (ticket_id, site_id, address, starts_at, ends_at, technician, note, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $8, $9)`, id, nullID(v.Site), v.Address, v.StartsAt.UTC(), v.EndsAt.UTC(),
			v.Technician, v.Note, sc.Actor().Name, now); err != nil {
			return errs.Wrap(err, "cannot store visit")
		}
		c.after["visit"] = map[string]any{"starts_at": v.StartsAt.UTC(), "address": v.Address, "technician": v.Technician}
		c.note("visit", false, v.Note, map[string]any{"starts_at": v.StartsAt.UTC(), "ends_at": v.EndsAt.UTC(), "address": v.Address,
			"technician": v.Technician})
		c.tell(t.MunicipalityID, spocRoles, "ticket.visit")
		return nil
	})
}

// SetVisitStatus marks visit vid of ticket id done or cancelled (the
// unit's service desk does); the municipality is told of a cancellation.
func (s *Service) SetVisitStatus(ctx context.Context, sc access.Scope, id, vid int64, status, note string) (Ticket, error) {
	if status != "done" && status != "cancelled" {
		return Ticket{}, errs.Field("status", "want done or cancelled, got %q", status)
	}
	note, err := checkText("note", note, 0, maxNote)
	if err != nil {
		return Ticket{}, err
	}
	return s.mutate(ctx, sc, id, 0, "visit_"+status, func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if t.Tier != 2 || !onUnitSide(sc, t) {
			return errs.E(errs.Forbidden, "only the service desk of %s updates visits of ticket %d", t.UnitName, id)
		}
		res, err := tx.ExecContext(ctx, `UPDATE ticket_visits SET status = $1 WHERE id = $2 AND ticket_id = $3 AND status = 'planned'`, status, vid, id)
		if err != nil {
			return errs.Wrap(err, "cannot update visit %d", vid)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "ticket %d has no planned visit %d", id, vid)
		}
		c.after["visit"] = map[string]any{"id": vid, "status": status}
		c.note("visit_"+status, false, note, map[string]any{"visit": vid})
		if status == "cancelled" {
			c.tell(t.MunicipalityID, spocRoles, "ticket.visit_cancelled")
		}
		return nil
	})
}
