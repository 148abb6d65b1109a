package intel

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/tlp"
)

// Levels of a report (as indicators have).
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// Report is a threat report: a MISP event, a STIX report or the CERT's
// own, with the indicators that came with it.
type Report struct {
	ID          int64     `json:"id"`
	UUID        string    `json:"uuid"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Level       string    `json:"level"`
	TLP         string    `json:"tlp"`
	OrgID       int64     `json:"org_id,omitempty"` // whose it is (AMBER reaches it and its units)
	Source      string    `json:"source"`           // samdrift, misp, stix
	Origin      string    `json:"origin,omitempty"` // its publisher
	FeedID      int64     `json:"feed_id,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	AddedAt     time.Time `json:"added_at"`
	// Indicators counts those the reader may see; Sightings their
	// sightings in our events.
	Indicators int   `json:"indicators"`
	Sightings  int64 `json:"sightings"`
	// Recipients are the people a RED report is shared with (read by
	// Report).
	Recipients []string `json:"recipients,omitempty"`
}

const reportColumns = `r.id, r.uuid, r.title, r.description, r.level, r.tlp, COALESCE(r.org_id, 0), r.source, r.origin, COALESCE(r.feed_id, 0), r.published_at,
	CASE WHEN r.added_at = 0 THEN r.published_at ELSE r.added_at END`

func scanReport(row interface{ Scan(...any) error }, extra ...any) (Report, error) {
	var x Report
	var pub, added int64
	err := row.Scan(append([]any{&x.ID, &x.UUID, &x.Title, &x.Description, &x.Level, &x.TLP, &x.OrgID, &x.Source, &x.Origin, &x.FeedID, &pub, &added}, extra...)...)
	x.PublishedAt, x.AddedAt = time.UnixMicro(pub).UTC(), time.UnixMicro(added).UTC()
	return x, err
}

// reportVisible keeps sc to the reports whose TLP lets it read them (the
// indicators' rule, over intel_reports aliased r).
func reportVisible(sc access.Scope, a *store.Args) string {
	return tlp.Visible(sc, a, tlp.Columns{TLP: "r.tlp", Org: "r.org_id", Kind: tlp.KindReport, Ref: "r.id"})
}

// NewReport is the CERT's own threat report with its indicators.
type NewReport struct {
	Title       string                `json:"title"`
	Description string                `json:"description"`
	Level       string                `json:"level"`
	TLP         string                `json:"tlp"`
	Org         int64                 `json:"-"` // resolved by the caller; 0: the author's organisation
	Indicators  []indicator.Indicator `json:"indicators"`
	// Recipients are the people (user names) a TLP:RED report and its
	// indicators are shared with besides the shared SOC and CERT.
	Recipients []string `json:"recipients,omitempty"`
}

// CreateReport stores the CERT's own report; its indicators take the
// report's TLP unless they are marked stricter, and detection picks them
// up within seconds.
func (s *Service) CreateReport(ctx context.Context, sc access.Scope, n NewReport) (Report, detect.IndicatorReport, error) {
	var rep detect.IndicatorReport
	if err := mayShare(sc); err != nil {
		return Report{}, rep, err
	}
	var err error
	if n.Title, err = errs.Text("title", n.Title, 3, 300); err != nil {
		return Report{}, rep, err
	}
	if n.Description, err = errs.Text("description", n.Description, 0, 20000); err != nil {
		return Report{}, rep, err
	}
	if n.Level == "" {
		n.Level = "medium"
	}
	if err := errs.OneOf("level", n.Level, Levels); err != nil {
		return Report{}, rep, err
	}
	n.TLP = strings.ToLower(n.TLP)
	if err := checkTLP("tlp", n.TLP); err != nil {
		return Report{}, rep, err
	}
	if len(n.Indicators) > 100000 {
		return Report{}, rep, errs.Field("indicators", "at most 100000 indicators in one report")
	}
	if n.Org == 0 {
		n.Org = sc.OrgID
	}
	var out Report
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		id, _, err := storeReport(ctx, tx, sc, reportRow{uuid: misp.NewUUID(), title: n.Title, description: n.Description, level: n.Level, tlp: n.TLP, org: n.Org,
			source: "samdrift", published: now}, now)
		if err != nil {
			return err
		}
		if err := tlp.Share(ctx, tx, sc, tlp.KindReport, id, n.TLP, n.Recipients, n.Title, now); err != nil {
			return err
		}
		for i := range n.Indicators {
			in := &n.Indicators[i]
			in.TLP, in.ReportID, in.OrgID = stricter(strings.ToLower(in.TLP), n.TLP), id, n.Org
			if in.Level == "" {
				in.Level = n.Level
			}
		}
		rep = detect.IndicatorReport{}
		if err := detect.StoreIndicators(ctx, tx, sc, "CERT: "+n.Title, n.Indicators, 0, &rep); err != nil {
			return err
		}
		if len(rep.Rejected) > 0 {
			return errs.Field("indicators", "%s", strings.Join(rep.Rejected, "; "))
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "intel.report.create", TargetType: "intel_report", TargetID: strconv.FormatInt(id, 10),
			After: map[string]any{"title": n.Title, "tlp": n.TLP, "indicators": rep.Added + rep.Unchanged}}); err != nil {
			return err
		}
		out, err = s.report(ctx, tx, sc, id)
		return err
	})
	return out, rep, err
}

// reportRow is a report as stored.
type reportRow struct {
	uuid, title, description, level, tlp, source, origin string
	org, feed                                            int64
	published                                            time.Time
}

// storeReport inserts or updates (by uuid) a report within tx; an update
// never widens its TLP. It returns the id and whether it was new.
func storeReport(ctx context.Context, tx *sql.Tx, sc access.Scope, r reportRow, now time.Time) (int64, bool, error) {
	var id int64
	var old string
	err := tx.QueryRowContext(ctx, `SELECT id, tlp FROM intel_reports WHERE uuid = $1`, r.uuid).Scan(&id, &old)
	var org, feed any
	if r.org != 0 {
		org = r.org
	}
	if r.feed != 0 {
		feed = r.feed
	}
	if r.published.IsZero() {
		r.published = now
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO intel_reports (uuid, title, description, level, tlp, org_id, source, origin, feed_id, published_at, added_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, r.uuid, r.title, r.description, r.level, r.tlp, org, r.source, r.origin, feed,
			r.published.UnixMicro(), 0, sc.Actor().Name).Scan(&id)
		return id, true, errs.Wrap(err, "cannot store report %s", r.uuid)
	case err != nil:
		return 0, false, errs.Wrap(err, "cannot look up report %s", r.uuid)
	}
	_, err = tx.ExecContext(ctx, `UPDATE intel_reports SET title = $1, description = $2, level = $3, tlp = $4, origin = $5, added_at = 0 WHERE id = $6`,
		r.title, r.description, r.level, stricter(old, r.tlp), r.origin, id)
	return id, false, errs.Wrap(err, "cannot update report %s", r.uuid)
}

// report reads report id as sc may see it, with its indicator counts.
func (s *Service) report(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Report, error) {
	var a store.Args
	x, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM intel_reports r WHERE r.id = `+a.Add(id)+` AND `+reportVisible(sc, &a), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, errs.E(errs.NotFound, "no threat report %d", id)
	}
	if err != nil {
		return Report{}, errs.Wrap(err, "cannot read threat report %d", id)
	}
	if x.TLP == "red" {
		if x.Recipients, err = tlp.Recipients(ctx, q, tlp.KindReport, id); err != nil {
			return x, err
		}
	}
	a = store.Args{}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(sightings), 0) FROM indicators WHERE report_id = `+a.Add(id)+` AND `+detect.IndicatorVisible(sc, &a),
		a.Values()...).Scan(&x.Indicators, &x.Sightings)
	return x, errs.Wrap(err, "cannot count the indicators of report %d", id)
}

// Report returns threat report id if its TLP lets sc read it.
func (s *Service) Report(ctx context.Context, sc access.Scope, id int64) (Report, error) {
	return s.report(ctx, s.db.Reader(), sc, id)
}

// ReportFilter narrows a report listing.
type ReportFilter struct {
	Source string
	Feed   int64
	Limit  int
	Offset int
}

// Reports lists the reports sc may read, newest first.
func (s *Service) Reports(ctx context.Context, sc access.Scope, f ReportFilter) ([]Report, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var a store.Args
	where := reportVisible(sc, &a)
	if f.Source != "" {
		where += " AND r.source = " + a.Add(f.Source)
	}
	if f.Feed != 0 {
		where += " AND r.feed_id = " + a.Add(f.Feed)
	}
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM intel_reports r WHERE `+where, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count threat reports")
	}
	var b store.Args
	vis := detect.IndicatorVisible(sc, &b)
	// The counts reuse the first placeholders' numbering: build them apart.
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+reportColumns+` FROM intel_reports r WHERE `+where+` ORDER BY r.published_at DESC, r.id DESC LIMIT `+
		a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list threat reports")
	}
	out := []Report{}
	idx := map[int64]int{}
	for rows.Next() {
		x, err := scanReport(rows)
		if err != nil {
			rows.Close()
			return nil, 0, errs.Wrap(err, "cannot read a threat report")
		}
		idx[x.ID] = len(out)
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, total, errs.Wrap(err, "cannot list threat reports")
	}
	ps := make([]string, 0, len(out))
	for _, x := range out {
		ps = append(ps, b.Add(x.ID))
	}
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT report_id, COUNT(*), COALESCE(SUM(sightings), 0) FROM indicators WHERE `+vis+` AND report_id IN (`+
		strings.Join(ps, ", ")+`) GROUP BY report_id`, b.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot count the reports' indicators")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		var sight int64
		if err := rows.Scan(&id, &n, &sight); err != nil {
			return nil, 0, errs.Wrap(err, "cannot count the reports' indicators")
		}
		out[idx[id]].Indicators, out[idx[id]].Sightings = n, sight
	}
	return out, total, errs.Wrap(rows.Err(), "cannot count the reports' indicators")
}
