package oncall

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
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
//
// On PostgreSQL a sweep runs sweepWorkers transactions at once (they skip
// each other's claims, and take the audit chain only at their end), as
// round trips, not the server, bound one (docs/PERFORMANCE.md).
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	now = now.UTC().Truncate(time.Microsecond)
	claim := `SELECT ` + escalationColumns + escalationFrom + ` WHERE e.next_at <= $1 ORDER BY e.next_at LIMIT ` + strconv.Itoa(sweepBatch)
	workers := 1
	if s.db.Dialect() == store.Postgres {
		claim += ` FOR UPDATE OF e SKIP LOCKED`
		workers = sweepWorkers
	}
	if workers == 1 {
		return s.sweep(ctx, claim, now)
	}
	var mu sync.Mutex
	var res SweepResult
	var failures []error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.sweep(ctx, claim, now)
			mu.Lock()
			defer mu.Unlock()
			res.Paged += r.Paged
			res.Woken += r.Woken
			if err != nil {
				failures = append(failures, err)
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		return res, failures[0]
	}
	return res, nil
}

// sweepWorkers is how many transactions a sweep runs at once on
// PostgreSQL.
const sweepWorkers = 4

// sweep claims and advances batches of due escalations with claim until
// a batch is not full.
func (s *Service) sweep(ctx context.Context, claim string, now time.Time) (SweepResult, error) {
	var res SweepResult
	for {
		var claimed int
		var r SweepResult
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			r, claimed = SweepResult{}, 0
			rows, err := tx.QueryContext(ctx, claim, now)
			if err != nil {
				return errs.Wrap(err, "cannot claim due escalations")
			}
			var due []Escalation
			for rows.Next() {
				e, err := scanEscalation(rows)
				if err != nil {
					rows.Close()
					return errs.Wrap(err, "cannot claim due escalations")
				}
				due = append(due, e)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return errs.Wrap(err, "cannot claim due escalations")
			}
			claimed = len(due)
			p := pager{tx: tx, schedules: map[int64]*schedule{}}
			for _, e := range due {
				woke, err := advance(ctx, &p, e, now)
				if err != nil {
					return err
				}
				r.Paged++
				if woke {
					r.Woken++
				}
			}
			// The audit chain's head is locked from the first record until
			// commit: append last, so that concurrent sweeps overlap.
			for _, a := range p.audits {
				if err := audit.Append(ctx, tx, system.Actor(), a); err != nil {
					return err
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

// advance pages the due step of claimed escalation e within p's
// transaction.
func advance(ctx context.Context, p *pager, e Escalation, now time.Time) (woke bool, err error) {
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
	p.audits = append(p.audits, audit.Entry{Action: "oncall." + action, TargetType: "oncall_escalation",
		TargetID: strconv.FormatInt(e.ID, 10), OrgID: e.OrgID, After: map[string]any{"step": e.Step + 1, "round": e.Round, "paged": paged, "next_at": e.NextAt}})
	return woke, nil
}
