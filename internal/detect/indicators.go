package detect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/store"
)

// IndicatorReport says what adding indicators did.
type IndicatorReport struct {
	Added     int      `json:"added"`
	Unchanged int      `json:"unchanged"`
	Rejected  []string `json:"rejected"`
}

func (r IndicatorReport) String() string {
	return fmt.Sprintf("%d added, %d already known, %d rejected", r.Added, r.Unchanged, len(r.Rejected))
}

// maxIndicatorBatch bounds one AddIndicators call.
const maxIndicatorBatch = 2_000_000

// AddIndicators stores indicators (values are checked and normalised;
// bad ones are reported by position and skipped; known ones are left as
// they are). Running detectors pick them up within seconds. It needs
// ManageDetection; progress, when set, is told how many were handled.
//
// Each indicator keeps its TLP (default green) and the organisation that
// shared it (org, 0 for the CERT's own), which every read honours.
func (d *Detector) AddIndicators(ctx context.Context, sc access.Scope, source string, inds []indicator.Indicator, progress func(done, total int)) (IndicatorReport, error) {
	rep := IndicatorReport{Rejected: []string{}}
	if !sc.Can(access.ManageDetection) {
		return rep, errs.E(errs.Forbidden, "only the CERT, the SOC or an administrator adds indicators")
	}
	if len(inds) > maxIndicatorBatch {
		return rep, errs.Field("indicators", "%d indicators in one call; at most %d", len(inds), maxIndicatorBatch)
	}
	now := time.Now().UnixMicro()
	const chunk = 5000
	for start := 0; start < len(inds); start += chunk {
		end := min(start+chunk, len(inds))
		err := d.db.Write(ctx, func(tx *sql.Tx) error {
			for i := start; i < end; i++ {
				in := inds[i]
				typ, v, err := indicator.Normalize(in.Type, in.Value)
				if err != nil {
					rep.Rejected = append(rep.Rejected, fmt.Sprintf("indicator %d: %v", i+1, err))
					continue
				}
				level := in.Level
				switch level {
				case "":
					level = "high"
				case "informational", "low", "medium", "high", "critical":
				default:
					rep.Rejected = append(rep.Rejected, fmt.Sprintf("indicator %d: level %q is not one of informational, low, medium, high, critical", i+1, level))
					continue
				}
				src := in.Source
				if src == "" {
					src = source
				}
				tlp := strings.ToLower(in.TLP)
				switch tlp {
				case "":
					tlp = "green"
				case "clear", "green", "amber", "amber+strict", "red":
				default:
					rep.Rejected = append(rep.Rejected, fmt.Sprintf("indicator %d: tlp %q is not one of clear, green, amber, amber+strict, red", i+1, in.TLP))
					continue
				}
				var org any
				if in.OrgID != 0 {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = $1`, in.OrgID).Scan(&n); err != nil {
						return errs.Wrap(err, "cannot look up organisation %d", in.OrgID)
					}
					if n == 0 {
						rep.Rejected = append(rep.Rejected, fmt.Sprintf("indicator %d: no organisation %d", i+1, in.OrgID))
						continue
					}
					org = in.OrgID
				}
				res, err := tx.ExecContext(ctx, `INSERT INTO indicators (type, value, description, source, level, created_at, created_by, tlp, org_id)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (type, value) DO NOTHING`, typ, v, truncate(in.Description, 1000), truncate(src, 200), level, now,
					sc.Actor().Name, tlp, org)
				if err != nil {
					return errs.Wrap(err, "cannot store indicator %d", i+1)
				}
				if n, _ := res.RowsAffected(); n > 0 {
					rep.Added++
				} else {
					rep.Unchanged++
				}
			}
			if err := bumpIndicatorVersion(ctx, tx); err != nil {
				return err
			}
			if end == len(inds) {
				return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "indicator.add", TargetType: "indicators", TargetID: source,
					After: map[string]any{"added": rep.Added, "unchanged": rep.Unchanged, "rejected": len(rep.Rejected)}})
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		if progress != nil {
			progress(end, len(inds))
		}
	}
	return rep, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// IndicatorVisible is the predicate that keeps sc to the indicators their
// TLP lets it read: the shared SOC and CERT read all; administrators and
// governance all but RED; everyone else CLEAR and GREEN, AMBER shared by
// an organisation within their reach (it and the units that serve it),
// and AMBER+STRICT shared by their own organisation.
func IndicatorVisible(sc access.Scope, a *store.Args) string {
	switch {
	case sc.IsSystem() || (sc.SeesAllSecurity() && (sc.Role == access.RoleCERT || sc.Role == access.RoleSOCAnalyst)):
		return "TRUE"
	case sc.SeesAllSecurity():
		return "tlp <> 'red'"
	case sc.UserID == 0:
		return "FALSE"
	}
	return "(tlp IN ('clear', 'green') OR (tlp = 'amber' AND org_id IS NOT NULL AND " + sc.OrgPredicate("org_id", a) + ") OR (tlp = 'amber+strict' AND org_id = " +
		a.Add(sc.OrgID) + "))"
}

// Indicators lists the stored indicators sc's TLP reach allows, newest
// first, and how many there are.
func (d *Detector) Indicators(ctx context.Context, sc access.Scope, typ string, limit, offset int) ([]indicator.Indicator, int, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var a store.Args
	where := IndicatorVisible(sc, &a)
	if typ != "" {
		where += " AND type = " + a.Add(typ)
	}
	var total int
	if err := d.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators WHERE `+where, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count indicators")
	}
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT id, type, value, description, source, level, tlp, COALESCE(org_id, 0) FROM indicators WHERE `+where+
		` ORDER BY id DESC LIMIT `+a.Add(limit)+` OFFSET `+a.Add(offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list indicators")
	}
	defer rows.Close()
	out := []indicator.Indicator{}
	for rows.Next() {
		var in indicator.Indicator
		if err := rows.Scan(&in.ID, &in.Type, &in.Value, &in.Description, &in.Source, &in.Level, &in.TLP, &in.OrgID); err != nil {
			return nil, 0, errs.Wrap(err, "cannot read an indicator")
		}
		out = append(out, in)
	}
	return out, total, rows.Err()
}

// DeleteIndicator removes an indicator (ManageDetection).
func (d *Detector) DeleteIndicator(ctx context.Context, sc access.Scope, id int64) error {
	if !sc.Can(access.ManageDetection) {
		return errs.E(errs.Forbidden, "only the CERT, the SOC or an administrator removes indicators")
	}
	return d.db.Write(ctx, func(tx *sql.Tx) error {
		var typ, v string
		if err := tx.QueryRowContext(ctx, `SELECT type, value FROM indicators WHERE id = $1`, id).Scan(&typ, &v); err == sql.ErrNoRows {
			return errs.E(errs.NotFound, "no indicator %d", id)
		} else if err != nil {
			return errs.Wrap(err, "cannot look up indicator %d", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM indicators WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot remove indicator %d", id)
		}
		if err := bumpIndicatorVersion(ctx, tx); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "indicator.delete", TargetType: "indicator", TargetID: fmt.Sprint(id),
			Before: map[string]string{"type": typ, "value": v}})
	})
}

// indicatorVersionKey is the setting that changes whenever indicators are
// added or removed: running detectors compare it every two seconds, a
// primary-key read (a COUNT over a million indicators took tens of
// milliseconds each time).
const indicatorVersionKey = "detect.indicator_version"

func bumpIndicatorVersion(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		indicatorVersionKey, strconv.FormatInt(time.Now().UnixNano(), 36)+"-"+strconv.FormatUint(rand.Uint64(), 36))
	return errs.Wrap(err, "cannot record the indicators' version")
}

// indicatorVersion changes whenever indicators are added or removed.
func (d *Detector) indicatorVersion(ctx context.Context) (string, error) {
	var v string
	err := d.db.Reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, indicatorVersionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "none", nil
	}
	return v, errs.Wrap(err, "cannot check indicators")
}

// loadIndicators reads every indicator into an index.
func (d *Detector) loadIndicators(ctx context.Context) (*indicator.Index, error) {
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT id, type, value, description, source, level, tlp, COALESCE(org_id, 0) FROM indicators`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load indicators")
	}
	defer rows.Close()
	var inds []indicator.Indicator
	for rows.Next() {
		var in indicator.Indicator
		if err := rows.Scan(&in.ID, &in.Type, &in.Value, &in.Description, &in.Source, &in.Level, &in.TLP, &in.OrgID); err != nil {
			return nil, errs.Wrap(err, "cannot read an indicator")
		}
		inds = append(inds, in)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot load indicators")
	}
	return indicator.Build(inds), nil
}

// IndicatorsFor returns, of values (normalised as package indicator
// does), those that are known indicators of compromise sc may read (by
// their TLP), each with the source that reported it — for a case's
// observables.
func IndicatorsFor(ctx context.Context, q store.Querier, sc access.Scope, values []string) (map[string]string, error) {
	out := map[string]string{}
	for len(values) > 0 {
		n := min(len(values), 500)
		var a store.Args
		ps := make([]string, n)
		for i, v := range values[:n] {
			ps[i] = a.Add(v)
		}
		rows, err := q.QueryContext(ctx, `SELECT value, source FROM indicators WHERE value IN (`+strings.Join(ps, ", ")+`) AND `+IndicatorVisible(sc, &a), a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot look up indicators")
		}
		for rows.Next() {
			var v, src string
			if err := rows.Scan(&v, &src); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot look up indicators")
			}
			if src == "" {
				src = "CERT"
			}
			out[v] = src
		}
		rows.Close()
		values = values[n:]
	}
	return out, nil
}
