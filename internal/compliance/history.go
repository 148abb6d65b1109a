package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/org"
)

// period is the quarter t falls in, "2026-Q4" (Danish time is close
// enough: quarters turn at midnight UTC).
func period(t time.Time) string { return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1) }

// snapshot records every organisation's figures per framework for the
// current quarter (each evaluation overwrites the quarter's row, so a past
// quarter keeps how it ended).
func (s *Service) snapshot(ctx context.Context, now time.Time) error {
	h, err := s.Heatmap(ctx, access.System("compliance"), "")
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT slug, id FROM frameworks`)
	if err != nil {
		return errs.Wrap(err, "cannot read frameworks")
	}
	for rows.Next() {
		var slug string
		var id int64
		if err := rows.Scan(&slug, &id); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read frameworks")
		}
		ids[slug] = id
	}
	rows.Close()
	p := period(now)
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		for _, r := range h.Rows {
			for i, c := range r.Frameworks {
				if c.UpdatedAt == nil && c.Counts.Derived == 0 {
					continue // nothing assessed yet
				}
				n := c.Counts
				if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_snapshots (org_id, framework_id, period, met, partial, not_met, not_assessed, not_applicable, taken_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org_id, framework_id, period) DO UPDATE SET met = excluded.met, partial = excluded.partial,
					not_met = excluded.not_met, not_assessed = excluded.not_assessed, not_applicable = excluded.not_applicable, taken_at = excluded.taken_at`,
					r.OrgID, ids[h.Frameworks[i].ID], p, n.Met, n.Partial, n.NotMet, n.NotAssessed, n.NotApplicable, now); err != nil {
					return errs.Wrap(err, "cannot record the quarter's figures")
				}
			}
		}
		return nil
	})
}

// Point is one quarter of a trend.
type Point struct {
	Period string   `json:"period"`
	Score  *float64 `json:"score"`
}

// Trend is one framework's score over the quarters.
type Trend struct {
	Framework string  `json:"framework"`
	Name      string  `json:"name"`
	Points    []Point `json:"points"`
}

// Trends returns org's score per framework over the recorded quarters
// (oldest first), or, for orgRef "", the average over the organisations
// in sc's reach.
func (s *Service) Trends(ctx context.Context, sc access.Scope, orgRef, lang string) ([]Trend, error) {
	if err := mayRead(sc); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	var where string
	var args []any
	if orgRef != "" {
		id, err := org.InReach(ctx, q, sc, orgRef)
		if err != nil {
			return nil, err
		}
		where, args = "s.org_id = $1", []any{id}
	} else {
		where = "TRUE"
		if !sc.IsSystem() && sc.Reach != access.ReachAll {
			where, args = "(s.org_id = $1 OR s.org_id IN (SELECT id FROM organizations WHERE supplier_id = $1))", []any{sc.OrgID}
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT f.slug, f.name, f.translations, l.locale, s.period, SUM(s.met), SUM(s.partial), SUM(s.not_met), SUM(s.not_assessed)
		FROM assessment_snapshots s JOIN frameworks f ON f.id = s.framework_id JOIN compliance_libraries l ON l.id = f.library_id
		WHERE `+where+` GROUP BY f.slug, f.name, f.translations, l.locale, s.period ORDER BY f.slug, s.period`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the trend")
	}
	defer rows.Close()
	out := []Trend{}
	for rows.Next() {
		var slug, name, trans, locale, p string
		var c Counts
		if err := rows.Scan(&slug, &name, &trans, &locale, &p, &c.Met, &c.Partial, &c.NotMet, &c.NotAssessed); err != nil {
			return nil, errs.Wrap(err, "cannot read the trend")
		}
		c.finish()
		if len(out) == 0 || out[len(out)-1].Framework != slug {
			n, _ := text(lang, locale, name, "", trans)
			out = append(out, Trend{Framework: slug, Name: n})
		}
		t := &out[len(out)-1]
		t.Points = append(t.Points, Point{Period: p, Score: c.Score})
	}
	return out, errs.Wrap(rows.Err(), "cannot read the trend")
}

// remind tells each organisation's CISO of its evidence that expires
// within ExpiryWarning (once per piece of evidence and expiry date).
func (s *Service) remind(ctx context.Context, now time.Time) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, org_id, title, expires_at FROM evidence WHERE expires_at IS NOT NULL AND expires_at <= $1
			AND (reminded_at IS NULL OR reminded_at < $2) ORDER BY id`, now.Add(ExpiryWarning), now.Add(-ExpiryWarning))
		if err != nil {
			return errs.Wrap(err, "cannot find expiring evidence")
		}
		type due struct {
			id, org int64
			title   string
			at      time.Time
		}
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.org, &d.title, &d.at); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot find expiring evidence")
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "cannot find expiring evidence")
		}
		for _, d := range ds {
			kind := "evidence.expiring"
			if !d.at.After(now) {
				kind = "evidence.expired"
			}
			// Claim the reminder first: of two runs at once (a forced
			// evaluation beside the periodic one), only the one whose
			// update still finds it due sends it.
			r, err := tx.ExecContext(ctx, `UPDATE evidence SET reminded_at = $1 WHERE id = $2 AND (reminded_at IS NULL OR reminded_at < $3)`,
				now, d.id, now.Add(-ExpiryWarning))
			if err != nil {
				return errs.Wrap(err, "cannot record the reminder")
			}
			if n, _ := r.RowsAffected(); n != 1 {
				continue
			}
			if _, err := notify.Queue(ctx, tx, notify.Notice{OrgID: d.org, Roles: []access.Role{access.RoleCISO}, Kind: kind, Subject: d.title,
				Body: d.at.Format("2006-01-02"), At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}
