package oncall

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// SweepResult counts what a sweep did.
type SweepResult struct {
	// Paged counts the steps paged (escalations advanced or woken).
	Paged int `json:"paged"`
	// Woken counts the snoozes that ended.
	Woken int `json:"woken"`
}

// sweepBatch is how many escalations one transaction of a sweep claims.
const sweepBatch = 200

// Sweep advances every escalation that is due at now: an active one
// pages its next step (or its first again, when the policy repeats), a
// snoozed one wakes and pages the step it was at again. Every node runs
// it every few seconds; each escalation is claimed and paged in one
// transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on
// SQLite, and a conditional update on its version on both), so that a
// step is paged exactly once across nodes, and a node dying before its
// commit leaves the step to the next sweep.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	now = now.UTC().Truncate(time.Microsecond)
	claim := `SELECT e.id FROM oncall_escalations e WHERE e.next_at <= $1 ORDER BY e.next_at LIMIT ` + strconv.Itoa(sweepBatch)
	if s.db.Dialect() == store.Postgres {
		claim += ` FOR UPDATE SKIP LOCKED`
	}
	for {
		var claimed int
		var r SweepResult
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			r, claimed = SweepResult{}, 0
			rows, err := tx.QueryContext(ctx, claim, now)
			if err != nil {
				return errs.Wrap(err, "cannot claim due escalations")
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return errs.Wrap(err, "cannot claim due escalations")
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return errs.Wrap(err, "cannot claim due escalations")
			}
			claimed = len(ids)
			p := pager{tx: tx, schedules: map[int64]*schedule{}}
			for _, id := range ids {
				woke, err := advance(ctx, &p, id, now)
				if err != nil {
					return err
				}
				r.Paged++
				if woke {
					r.Woken++
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Paged += r.Paged
		res.Woken += r.Woken
		if claimed < sweepBatch {
			return res, nil
		}
	}
}

// advance pages the due step of escalation id within p's transaction.
func advance(ctx context.Context, p *pager, id int64, now time.Time) (woke bool, err error) {
	e, err := scanEscalation(p.tx.QueryRowContext(ctx, `SELECT `+escalationColumns+escalationFrom+` WHERE e.id = $1`, id))
	if err != nil {
		return false, errs.Wrap(err, "cannot load escalation %d", id)
	}
	if e.NextAt == nil || e.NextAt.After(now) {
		return false, errs.E(errs.Conflict, "escalation %d is not due", id) // claimed rows cannot change; a bug
	}
	action := "escalation.page"
	switch e.State {
	case StateSnoozed:
		// Wake: page the step it was at again.
		woke, action = true, "escalation.wake"
		e.State, e.SnoozedUntil = StateActive, nil
		if _, err := p.tx.ExecContext(ctx, `INSERT INTO oncall_escalation_steps (escalation_id, at, action, step, round) VALUES ($1, $2, 'wake', $3, $4)`,
			e.ID, now, e.Step, e.Round); err != nil {
			return false, errs.Wrap(err, "cannot record the end of the snooze of escalation %d", e.ID)
		}
	case StateActive:
		e.Step++
		if e.Step == len(e.Policy.Steps) {
			e.Step, e.Round = 0, e.Round+1
		}
	default:
		return false, errs.E(errs.Conflict, "escalation %d is %s and has a next step", e.ID, e.State) // a bug
	}
	if e.Round > e.Policy.Repeats { // cannot happen: page ends the last round
		e.NextAt = nil
		return false, save(ctx, p.tx, &e)
	}
	paged, err := p.page(ctx, &e, now)
	if err != nil {
		return false, err
	}
	if err := save(ctx, p.tx, &e); err != nil {
		return false, err
	}
	return woke, audit.Append(ctx, p.tx, system.Actor(), audit.Entry{Action: "oncall." + action, TargetType: "oncall_escalation",
		TargetID: strconv.FormatInt(e.ID, 10), OrgID: e.OrgID, After: map[string]any{"step": e.Step + 1, "round": e.Round, "paged": paged, "next_at": e.NextAt}})
}
