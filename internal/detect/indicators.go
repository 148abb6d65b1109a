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
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/tlp"
)

// IndicatorReport says what adding indicators did.
type IndicatorReport struct {
	Added     int      `json:"added"`
	Unchanged int      `json:"unchanged"`
	Refreshed int      `json:"refreshed"` // known ones whose source extended their expiry
	Rejected  []string `json:"rejected"`
	// RejectedAt is the position of each of Rejected in what was stored
	// (StoreIndicators' first plus the index), for callers that name
	// their own positions.
	RejectedAt []int `json:"-"`
}

func (r IndicatorReport) String() string {
	if r.Refreshed > 0 {
		return fmt.Sprintf("%d added, %d already known, %d refreshed, %d rejected", r.Added, r.Unchanged, r.Refreshed, len(r.Rejected))
	}
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
	const chunk = 5000
	for start := 0; start < len(inds); start += chunk {
		end := min(start+chunk, len(inds))
		err := d.db.Write(ctx, func(tx *sql.Tx) error {
			if err := StoreIndicators(ctx, tx, sc, source, inds[start:end], start, &rep); err != nil {
				return err
			}
			if end == len(inds) {
				return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "indicator.add", TargetType: "indicators", TargetID: source,
					After: map[string]any{"added": rep.Added, "unchanged": rep.Unchanged, "refreshed": rep.Refreshed, "rejected": len(rep.Rejected)}})
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

// StoreIndicators stores inds within tx (the caller checks permissions
// and audits; imports call it inside their own transaction so that a
// rejected file leaves nothing behind). Values are checked and normalised;
// bad ones are reported in rep by position (first is the position of
// inds[0]) and skipped. A known indicator keeps its marking; when the
// same source brings it again with a later expiry, the expiry is
// extended (counted as refreshed). Running detectors reload within
// seconds.
func StoreIndicators(ctx context.Context, tx *sql.Tx, sc access.Scope, source string, inds []indicator.Indicator, first int, rep *IndicatorReport) error {
	if rep.Rejected == nil {
		rep.Rejected = []string{}
	}
	now := time.Now().UnixMicro()
	orgs := map[int64]bool{}
	for j, in := range inds {
		i := first + j
		reject := func(format string, args ...any) {
			rep.Rejected = append(rep.Rejected, fmt.Sprintf("indicator %d: ", i+1)+fmt.Sprintf(format, args...))
			rep.RejectedAt = append(rep.RejectedAt, i)
		}
		typ, v, err := indicator.Normalize(in.Type, in.Value)
		if err != nil {
			reject("%v", err)
			continue
		}
		level := in.Level
		switch level {
		case "":
			level = "high"
		case "informational", "low", "medium", "high", "critical":
		default:
			reject("level %q is not one of informational, low, medium, high, critical", level)
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
			reject("tlp %q is not one of clear, green, amber, amber+strict, red", in.TLP)
			continue
		}
		var org any
		if in.OrgID != 0 {
			ok, seen := orgs[in.OrgID]
			if !seen {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = $1`, in.OrgID).Scan(&n); err != nil {
					return errs.Wrap(err, "cannot look up organisation %d", in.OrgID)
				}
				ok = n > 0
				orgs[in.OrgID] = ok
			}
			if !ok {
				reject("no organisation %d", in.OrgID)
				continue
			}
			org = in.OrgID
		}
		stixID := in.StixID
		if stixID == "" {
			stixID = stix.DeterministicID("indicator", typ+":"+v)
		}
		var until any
		if in.ValidUntil != nil {
			until = in.ValidUntil.UnixMicro()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO indicators (type, value, description, source, level, created_at, created_by, tlp, org_id,
			valid_until, stix_id, report_id, feed_id, added_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0) ON CONFLICT (type, value) DO NOTHING`, typ, v, truncate(in.Description, 1000),
			truncate(src, 200), level, now, sc.Actor().Name, tlp, org, until, stixID, nullID(in.ReportID), nullID(in.FeedID))
		if err != nil {
			return errs.Wrap(err, "cannot store indicator %d", i+1)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			rep.Added++
			continue
		}
		if in.ValidUntil == nil {
			rep.Unchanged++
			continue
		}
		// The same source may extend its own indicator's life.
		res, err = tx.ExecContext(ctx, `UPDATE indicators SET valid_until = $1, added_at = 0 WHERE type = $2 AND value = $3 AND source = $4
			AND valid_until IS NOT NULL AND valid_until < $1`, until, typ, v, truncate(src, 200))
		if err != nil {
			return errs.Wrap(err, "cannot refresh indicator %d", i+1)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			rep.Refreshed++
		} else {
			rep.Unchanged++
		}
	}
	return bumpIndicatorVersion(ctx, tx)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// countSightings adds the indicator hits of a batch to their indicators'
// sightings (one statement per indicator hit, not per event).
func countSightings(ctx context.Context, tx *sql.Tx, hits []hit) error {
	type seen struct {
		n           int64
		first, last int64
	}
	by := map[int64]*seen{}
	var order []int64
	for _, h := range hits {
		if h.indicator == 0 {
			continue
		}
		at := h.at.UnixMicro()
		x := by[h.indicator]
		if x == nil {
			x = &seen{first: at, last: at}
			by[h.indicator] = x
			order = append(order, h.indicator)
		}
		x.n++
		x.first, x.last = min(x.first, at), max(x.last, at)
	}
	for _, id := range order {
		x := by[id]
		if _, err := tx.ExecContext(ctx, `UPDATE indicators SET sightings = sightings + $1,
			first_sighted_at = CASE WHEN first_sighted_at IS NULL OR first_sighted_at > $2 THEN $2 ELSE first_sighted_at END,
			last_sighted_at = CASE WHEN last_sighted_at IS NULL OR last_sighted_at < $3 THEN $3 ELSE last_sighted_at END WHERE id = $4`,
			x.n, x.first, x.last, id); err != nil {
			return errs.Wrap(err, "cannot count the sightings of indicator %d", id)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// IndicatorVisible is the predicate that keeps sc to the indicators
// their TLP lets it read (package tlp); a RED indicator also reaches the
// people its threat report is shared with.
func IndicatorVisible(sc access.Scope, a *store.Args) string {
	return tlp.Visible(sc, a, tlp.Columns{TLP: "tlp", Org: "org_id", Kind: tlp.KindReport, Ref: "report_id"})
}

// IndicatorFilter narrows an indicator listing.
type IndicatorFilter struct {
	Type    string
	Report  int64 // only those of this threat report
	Feed    int64 // only those a feed brought
	Sighted bool  // only those seen in events, most recently sighted first
	Limit   int
	Offset  int
}

// indicatorColumns are read by scanIndicator.
const indicatorColumns = `id, type, value, description, source, level, tlp, COALESCE(org_id, 0), valid_until, COALESCE(stix_id, ''),
	COALESCE(report_id, 0), COALESCE(feed_id, 0), sightings, first_sighted_at, last_sighted_at,
	CASE WHEN added_at = 0 THEN created_at ELSE added_at END`

func scanIndicator(row interface{ Scan(...any) error }) (indicator.Indicator, error) {
	var in indicator.Indicator
	var until, first, last sql.NullInt64
	var added int64
	err := row.Scan(&in.ID, &in.Type, &in.Value, &in.Description, &in.Source, &in.Level, &in.TLP, &in.OrgID, &until, &in.StixID, &in.ReportID, &in.FeedID,
		&in.Sightings, &first, &last, &added)
	in.ValidUntil, in.FirstSightedAt, in.LastSightedAt = microPtr(until), microPtr(first), microPtr(last)
	in.AddedAt = time.UnixMicro(added).UTC()
	if in.StixID == "" { // stored before indicators had STIX ids
		in.StixID = stix.DeterministicID("indicator", in.Type+":"+in.Value)
	}
	return in, err
}

func microPtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.UnixMicro(n.Int64).UTC()
	return &t
}

// Indicators lists the stored indicators sc's TLP reach allows, newest
// first (or most recently sighted first), and how many there are.
func (d *Detector) Indicators(ctx context.Context, sc access.Scope, f IndicatorFilter) ([]indicator.Indicator, int, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var a store.Args
	where := IndicatorVisible(sc, &a)
	if f.Type != "" {
		where += " AND type = " + a.Add(f.Type)
	}
	if f.Report != 0 {
		where += " AND report_id = " + a.Add(f.Report)
	}
	if f.Feed != 0 {
		where += " AND feed_id = " + a.Add(f.Feed)
	}
	order := "id DESC"
	if f.Sighted {
		where += " AND sightings > 0"
		order = "last_sighted_at DESC, id DESC"
	}
	var total int
	if err := d.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM indicators WHERE `+where, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count indicators")
	}
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT `+indicatorColumns+` FROM indicators WHERE `+where+
		` ORDER BY `+order+` LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list indicators")
	}
	defer rows.Close()
	out := []indicator.Indicator{}
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
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

// loadIndicators reads every indicator that has not expired into an
// index, and says when the first of them expires (zero: none does).
func (d *Detector) loadIndicators(ctx context.Context) (*indicator.Index, time.Time, error) {
	now := time.Now().UnixMicro()
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT `+indicatorColumns+` FROM indicators WHERE valid_until IS NULL OR valid_until > $1`, now)
	if err != nil {
		return nil, time.Time{}, errs.Wrap(err, "cannot load indicators")
	}
	defer rows.Close()
	var inds []indicator.Indicator
	var next time.Time
	for rows.Next() {
		in, err := scanIndicator(rows)
		if err != nil {
			return nil, time.Time{}, errs.Wrap(err, "cannot read an indicator")
		}
		if in.ValidUntil != nil && (next.IsZero() || in.ValidUntil.Before(next)) {
			next = *in.ValidUntil
		}
		inds = append(inds, in)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, errs.Wrap(err, "cannot load indicators")
	}
	return indicator.Build(inds), next, nil
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

// IndicatorsByID reads the indicators ids that sc's TLP reach allows, in
// the order of ids (the others are left out).
func IndicatorsByID(ctx context.Context, q store.Querier, sc access.Scope, ids []int64) ([]indicator.Indicator, error) {
	by := make(map[int64]indicator.Indicator, len(ids))
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), 1000)
		var a store.Args
		ps := make([]string, n)
		for i, id := range rest[:n] {
			ps[i] = a.Add(id)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+indicatorColumns+` FROM indicators WHERE id IN (`+strings.Join(ps, ", ")+`) AND `+IndicatorVisible(sc, &a), a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read indicators")
		}
		for rows.Next() {
			in, err := scanIndicator(rows)
			if err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot read an indicator")
			}
			by[in.ID] = in
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "cannot read indicators")
		}
		rest = rest[n:]
	}
	out := make([]indicator.Indicator, 0, len(by))
	for _, id := range ids {
		if in, ok := by[id]; ok {
			out = append(out, in)
		}
	}
	return out, nil
}

// BackfillStixIDs gives up to limit indicators stored before they had
// STIX ids (migration 0032) the id they are exported with, so that TAXII
// clients can ask for them by id; it returns how many it changed.
func BackfillStixIDs(ctx context.Context, db *store.DB, limit int) (int, error) {
	type row struct {
		id         int64
		typ, value string
	}
	var rows []row
	rs, err := db.Reader().QueryContext(ctx, `SELECT id, type, value FROM indicators WHERE stix_id IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return 0, errs.Wrap(err, "cannot find indicators without STIX ids")
	}
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.typ, &r.value); err != nil {
			rs.Close()
			return 0, errs.Wrap(err, "cannot find indicators without STIX ids")
		}
		rows = append(rows, r)
	}
	rs.Close()
	if len(rows) == 0 {
		return 0, errs.Wrap(rs.Err(), "cannot find indicators without STIX ids")
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `UPDATE indicators SET stix_id = $1 WHERE id = $2 AND stix_id IS NULL`, stix.DeterministicID("indicator", r.typ+":"+r.value), r.id); err != nil {
				return errs.Wrap(err, "cannot give indicator %d its STIX id", r.id)
			}
		}
		return nil
	})
	return len(rows), err
}
