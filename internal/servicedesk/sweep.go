package servicedesk

import (
	"context"
	"database/sql"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
)

// SweepResult counts what a sweep raised.
type SweepResult struct {
	Warnings int `json:"warnings"`
	Breaches int `json:"breaches"`
}

// Sweep raises the warnings (75%) and breaches (100%) that are due at now
// on running clocks: each is stored on the clock, written on the timeline,
// audited, and notified — to the municipality for the 1st-line OLA, to
// the unit's service desk (and on breach its manager and the municipality)
// for the SLA. Notices for a level that is not 24/7 are held until its
// calendar opens. A paused clock has no deadline, so it never breaches.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	now = now.UTC()
	for {
		type due struct {
			id   int64
			name ClockName
		}
		// Two queries, each on its partial index: one with an OR scanned
		// every clock (4.5 s at a million tickets).
		var batch []due
		seen := map[due]bool{}
		for _, q := range []string{
			`SELECT ticket_id, name FROM ticket_clocks WHERE state = 'running' AND warned_at IS NULL AND warn_at <= $1 LIMIT 200`,
			`SELECT ticket_id, name FROM ticket_clocks WHERE state = 'running' AND breached_at IS NULL AND deadline <= $1 LIMIT 200`,
		} {
			rows, err := s.db.Reader().QueryContext(ctx, q, now)
			if err != nil {
				return res, errs.Wrap(err, "cannot find due clocks")
			}
			for rows.Next() {
				var d due
				if err := rows.Scan(&d.id, &d.name); err != nil {
					rows.Close()
					return res, errs.Wrap(err, "cannot read due clock")
				}
				if !seen[d] {
					seen[d] = true
					batch = append(batch, d)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return res, errs.Wrap(err, "cannot find due clocks")
			}
		}
		if len(batch) == 0 {
			return res, nil
		}
		raised := 0
		for _, d := range batch {
			w, b, err := s.raise(ctx, d.id, d.name, now)
			if err != nil {
				return res, err
			}
			res.Warnings += w
			res.Breaches += b
			raised += w + b
		}
		if raised == 0 { // nothing changed: do not spin on the same rows
			return res, nil
		}
	}
}

// lockTicket takes ticket id's row lock for the rest of tx (a no-op
// update: PostgreSQL locks the row until commit, and later statements of
// tx read what was committed before; SQLite runs one writer at a time).
// Every transaction that reads a ticket's clocks and writes them back
// takes it first, so that none writes back a stale clock.
func lockTicket(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE tickets SET version = version WHERE id = $1`, id)
	return errs.Wrap(err, "cannot lock ticket %d", id)
}

// raiseHook and mutateHook, when set (by tests only), run right after
// the sweep or a change has read a ticket inside its transaction.
var raiseHook, mutateHook func()

// raise marks one clock warned and/or breached at now.
func (s *Service) raise(ctx context.Context, id int64, name ClockName, now time.Time) (warned, breached int, err error) {
	sys := access.System("sla")
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		// Under the ticket's lock, the clock is read as the last change
		// left it and no change can overwrite what this writes.
		if err := lockTicket(ctx, tx, id); err != nil {
			return err
		}
		t, clocks, err := s.get(ctx, tx, sys, id, false)
		if err != nil {
			return err
		}
		if raiseHook != nil {
			raiseHook()
		}
		for i := range clocks {
			k := &clocks[i]
			if k.Name != name || k.State != Running {
				continue
			}
			var events []string
			if k.WarnedAt == nil && k.WarnAt != nil && !k.WarnAt.After(now) {
				k.WarnedAt = &now
				events = append(events, "warning")
				warned++
			}
			if k.BreachedAt == nil && k.Deadline != nil && !k.Deadline.After(now) {
				k.BreachedAt = &now
				events = append(events, "breach")
				breached++
			}
			if len(events) == 0 {
				continue
			}
			if err := saveClock(ctx, tx, id, *k); err != nil {
				return err
			}
			notBefore := now
			if !k.cal.TwentyFourSeven() {
				notBefore = k.cal.NextOpen(now)
			}
			for _, ev := range events {
				if _, err := addEntry(ctx, tx, id, now, sys, "sla_"+ev, false, "", map[string]any{"clock": k.Name, "deadline": k.Deadline}); err != nil {
					return err
				}
				var ns []notify.Notice
				if k.Name == FirstLine {
					ns = append(ns, notify.Notice{OrgID: t.MunicipalityID, Roles: spocRoles})
				} else {
					roles := []access.Role{access.RoleServiceDesk}
					if ev == "breach" {
						roles = append(roles, access.RoleUnitManager)
						ns = append(ns, notify.Notice{OrgID: t.MunicipalityID, Roles: spocRoles})
					}
					ns = append(ns, notify.Notice{OrgID: t.UnitID, Roles: roles})
				}
				for _, n := range ns {
					n.Kind, n.TicketID, n.Subject, n.At, n.NotBefore = "sla."+ev+"."+string(k.Name), id, t.Title, now, notBefore
					if _, err := notify.Queue(ctx, tx, n); err != nil {
						return err
					}
				}
				if err := audit.Append(ctx, tx, sys.Actor(), audit.Entry{Action: "ticket.sla_" + ev, TargetType: "ticket", TargetID: idString(id),
					OrgID: orgOf(t), After: map[string]any{"clock": k.Name, "deadline": k.Deadline}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return warned, breached, err
}
