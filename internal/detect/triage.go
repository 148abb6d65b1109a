package detect

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/timing"
)

// The statuses of an alert: new until someone takes it, acknowledged
// while it is worked, closed with a resolution. A closed alert gathers no
// further matches; they open a new alert.
const (
	StatusNew          = "new"
	StatusAcknowledged = "acknowledged"
	StatusClosed       = "closed"
	// StatusOpen is no status of its own: as a filter it means any but
	// closed (new or acknowledged).
	StatusOpen = "open"
)

// Resolutions say how a closed alert ended.
var Resolutions = []string{"true-positive", "false-positive", "benign", "duplicate"}

// maxComment bounds a triage note.
const maxComment = 4000

// Note is one step of an alert's triage: the status (and resolution and
// assignee) it left the alert in, and what its author wrote.
type Note struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Author     string    `json:"author"`
	Status     string    `json:"status"`
	Resolution string    `json:"resolution,omitempty"`
	Assignee   string    `json:"assignee,omitempty"`
	Body       string    `json:"body,omitempty"`
}

// AlertDetail is an alert with its triage notes, oldest first.
type AlertDetail struct {
	Alert
	Notes []Note `json:"notes"`
}

// TriageRequest changes an alert's status or assignee and may add a note;
// empty fields keep what is there.
type TriageRequest struct {
	// Status: new, acknowledged or closed.
	Status string `json:"status,omitempty"`
	// Resolution is required when closing: true-positive, false-positive,
	// benign or duplicate.
	Resolution string `json:"resolution,omitempty"`
	// Assign: "me" takes the alert, "none" releases it, a username hands
	// it to that colleague (who must be able to triage it).
	Assign  string `json:"assign,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// Alert returns alert id with its notes, if sc may see it.
func (d *Detector) Alert(ctx context.Context, sc access.Scope, id int64) (AlertDetail, error) {
	return alertDetail(ctx, d.db.Reader(), sc, id)
}

func alertDetail(ctx context.Context, q store.Querier, sc access.Scope, id int64) (AlertDetail, error) {
	var a store.Args
	row := q.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = `+a.Add(id)+` AND `+sc.SecurityPredicate("tenant", &a), a.Values()...)
	al, err := scanAlert(row)
	if isNoRows(err) {
		return AlertDetail{}, errs.E(errs.NotFound, "no alert %d", id)
	}
	if err != nil {
		return AlertDetail{}, err
	}
	out := AlertDetail{Alert: al, Notes: []Note{}}
	rows, err := q.QueryContext(ctx, `SELECT id, at, author, status, resolution, assignee, body FROM alert_notes WHERE alert_id = $1 ORDER BY id`, id)
	if err != nil {
		return out, errs.Wrap(err, "cannot read the notes of alert %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var n Note
		var at int64
		if err := rows.Scan(&n.ID, &at, &n.Author, &n.Status, &n.Resolution, &n.Assignee, &n.Body); err != nil {
			return out, errs.Wrap(err, "cannot read a note of alert %d", id)
		}
		n.At = time.UnixMicro(at).UTC()
		out.Notes = append(out.Notes, n)
	}
	return out, rows.Err()
}

// Triage applies req to alert id as sc: the shared SOC works every
// alert, a unit's SOC analysts those of the municipalities it supplies,
// a CISO those of their own organisation. The change, its note and its
// audit record are one transaction.
func (d *Detector) Triage(ctx context.Context, sc access.Scope, id int64, req TriageRequest, now time.Time) (AlertDetail, error) {
	if err := req.check(sc); err != nil {
		return AlertDetail{}, err
	}
	var out AlertDetail
	err := d.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = triageTx(ctx, tx, sc, id, &req, now)
		return err
	})
	if err != nil {
		return AlertDetail{}, err
	}
	d.broadcast([]Alert{out.Alert})
	return out, nil
}

// MaxBulk bounds the alerts one bulk triage may change.
const MaxBulk = 500

// BulkResult is what a bulk triage did: the alerts it changed, and those
// already as asked (left alone, no note).
type BulkResult struct {
	Items     []Alert `json:"items"`
	Unchanged []int64 `json:"unchanged"`
}

// TriageMany applies req to each of ids in one transaction, as Triage
// does to one: every alert gets its note and audit record, and if any
// cannot be seen or changed by sc, none is changed. Alerts already as
// asked are reported, not refused.
func (d *Detector) TriageMany(ctx context.Context, sc access.Scope, ids []int64, req TriageRequest, now time.Time) (BulkResult, error) {
	if err := req.check(sc); err != nil {
		return BulkResult{}, err
	}
	switch {
	case len(ids) == 0:
		return BulkResult{}, errs.Field("ids", "choose at least one alert")
	case len(ids) > MaxBulk:
		return BulkResult{}, errs.Field("ids", "at most %d alerts at a time (got %d)", MaxBulk, len(ids))
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := BulkResult{Items: []Alert{}, Unchanged: []int64{}}
	err := d.db.Write(ctx, func(tx *sql.Tx) error {
		out.Items, out.Unchanged = out.Items[:0], out.Unchanged[:0]
		for _, id := range ids {
			a, err := triageTx(ctx, tx, sc, id, &req, now)
			if errs.CodeOf(err) == errs.Conflict {
				out.Unchanged = append(out.Unchanged, id)
				continue
			}
			if err != nil {
				return err
			}
			out.Items = append(out.Items, a.Alert)
		}
		return nil
	})
	if err != nil {
		return BulkResult{}, err
	}
	d.broadcast(out.Items)
	return out, nil
}

// check validates req for sc (before any alert is read).
func (req *TriageRequest) check(sc access.Scope) error {
	if !sc.Can(access.TriageAlerts) {
		return errs.E(errs.Forbidden, "only SOC analysts, the CERT and CISOs triage alerts")
	}
	req.Comment = strings.TrimSpace(req.Comment)
	switch {
	case req.Status != "" && !slices.Contains([]string{StatusNew, StatusAcknowledged, StatusClosed}, req.Status):
		return errs.Field("status", "status is new, acknowledged or closed")
	case req.Status == StatusClosed && !slices.Contains(Resolutions, req.Resolution):
		return errs.Field("resolution", "closing an alert needs a resolution: %s", strings.Join(Resolutions, ", "))
	case req.Status != StatusClosed && req.Resolution != "":
		return errs.Field("resolution", "a resolution goes with status closed")
	case req.Assign != "" && req.Assign != "me" && req.Assign != "none" && !validUsername(req.Assign):
		return errs.Field("assign", `assign is "me", "none" or a colleague's username`)
	case len(req.Comment) > maxComment:
		return errs.Field("comment", "a comment has at most %d characters", maxComment)
	case req.Status == "" && req.Assign == "" && req.Comment == "":
		return errs.Field("status", "nothing to change: give a status, an assignment or a comment")
	}
	return nil
}

func validUsername(s string) bool {
	_, err := access.NormalizeUsername("assign", s)
	return err == nil
}

// colleague returns the id and username of the active user called name
// when that user may triage alert id (its role triages alerts and the
// alert's tenant is within its security reach). Whether the user does not
// exist or may not take the alert is one answer, so that the form does
// not tell who exists elsewhere.
func colleague(ctx context.Context, tx *sql.Tx, id int64, name string) (int64, string, error) {
	name, err := access.NormalizeUsername("assign", name)
	if err != nil {
		return 0, "", err
	}
	var u access.User
	err = tx.QueryRowContext(ctx, `SELECT u.id, u.username, u.org_id, o.kind, u.role FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.username = $1 AND NOT u.disabled`, name).Scan(&u.ID, &u.Username, &u.OrgID, &u.OrgKind, &u.Role)
	refused := errs.Field("assign", "%s cannot take alert %d: no active user of that name may triage it", name, id)
	if isNoRows(err) {
		return 0, "", refused
	}
	if err != nil {
		return 0, "", errs.Wrap(err, "cannot look up user %s", name)
	}
	cs := access.ScopeOf(u)
	if !cs.Can(access.TriageAlerts) {
		return 0, "", refused
	}
	var a store.Args
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE id = `+a.Add(id)+` AND `+cs.SecurityPredicate("tenant", &a), a.Values()...).Scan(&n); err != nil {
		return 0, "", errs.Wrap(err, "cannot check whether %s sees alert %d", name, id)
	}
	if n == 0 {
		return 0, "", refused
	}
	return u.ID, u.Username, nil
}

// triageTx applies a checked req to alert id within tx; an alert already
// as asked (and no comment) is a Conflict.
func triageTx(ctx context.Context, tx *sql.Tx, sc access.Scope, id int64, req *TriageRequest, now time.Time) (AlertDetail, error) {
	cur, err := alertDetail(ctx, tx, sc, id)
	if err != nil {
		return AlertDetail{}, err
	}
	next := cur.Alert
	if req.Status != "" {
		next.Status, next.Resolution = req.Status, req.Resolution
	}
	me := sql.NullInt64{Int64: sc.UserID, Valid: sc.UserID != 0}
	assign := req.Assign
	if assign == "" && next.Status == StatusAcknowledged && next.Assignee == "" && me.Valid {
		assign = "me" // acknowledging takes the alert unless someone has it
	}
	var a store.Args
	set := "status = " + a.Add(next.Status) + ", resolution = " + a.Add(next.Resolution)
	switch assign {
	case "":
	case "me":
		next.Assignee = sc.Username
		set += ", assignee_id = " + a.Add(me)
	case "none":
		next.Assignee = ""
		set += ", assignee_id = NULL"
	default:
		uid, name, err := colleague(ctx, tx, id, assign)
		if err != nil {
			return AlertDetail{}, err
		}
		next.Assignee = name
		set += ", assignee_id = " + a.Add(uid)
	}
	if next.Status == cur.Status && next.Resolution == cur.Resolution && next.Assignee == cur.Assignee && req.Comment == "" {
		return AlertDetail{}, errs.E(errs.Conflict, "alert %d is already %s; reload it", id, cur.Status)
	}
	at := now.UnixMicro()
	if _, err := tx.ExecContext(ctx, `UPDATE alerts SET `+set+`, updated_at = `+a.Add(at)+` WHERE id = `+a.Add(id), a.Values()...); err != nil {
		return AlertDetail{}, errs.Wrap(err, "cannot update alert %d", id)
	}
	if err := countTriage(ctx, tx, cur.Alert, next, now); err != nil {
		return AlertDetail{}, err
	}
	if next.Status != StatusNew {
		// Someone has the alert: stop paging for it.
		if _, err := oncall.ResolveSubject(ctx, tx, oncall.KindAlert, id, now); err != nil {
			return AlertDetail{}, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO alert_notes (alert_id, at, user_id, author, status, resolution, assignee, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, at, me, sc.Actor().Name,
		next.Status, next.Resolution, next.Assignee, req.Comment); err != nil {
		return AlertDetail{}, errs.Wrap(err, "cannot add a note to alert %d", id)
	}
	state := func(a Alert) map[string]string {
		return map[string]string{"status": a.Status, "resolution": a.Resolution, "assignee": a.Assignee}
	}
	if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "alert.triage", TargetType: "alert", TargetID: strconv.FormatInt(id, 10),
		OrgID: cur.Tenant, Before: state(cur.Alert), After: state(next)}); err != nil {
		return AlertDetail{}, err
	}
	return alertDetail(ctx, tx, sc, id)
}

// countTriage keeps the SOC's metrics in step with a triage from cur to
// next: the time to acknowledge (the first move out of new), the time to
// resolve (each closing), and the closed and false-positive counts per
// rule and month of the alert, which the false-positive rate is read
// from, and the open alerts per tenant and level (a reopening or a
// changed resolution takes its count back).
func countTriage(ctx context.Context, tx *sql.Tx, cur, next Alert, now time.Time) error {
	var created int64
	var acked sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT created_at, acked_at FROM alerts WHERE id = $1`, cur.ID).Scan(&created, &acked); err != nil {
		return errs.Wrap(err, "cannot read alert %d", cur.ID)
	}
	age := now.Sub(time.UnixMicro(created))
	if !acked.Valid && next.Status != StatusNew {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET acked_at = $1 WHERE id = $2`, now.UnixMicro(), cur.ID); err != nil {
			return errs.Wrap(err, "cannot update alert %d", cur.ID)
		}
		if err := timing.Record(ctx, tx, "alert.ack", cur.Tenant, now, age, 1); err != nil {
			return err
		}
	}
	if next.Status == StatusClosed && cur.Status != StatusClosed {
		if err := timing.Record(ctx, tx, "alert.resolve", cur.Tenant, now, age, 1); err != nil {
			return err
		}
	}
	outcome := func(a Alert) (closed, fp int) {
		if a.Status == StatusClosed {
			closed = 1
			if a.Resolution == "false-positive" {
				fp = 1
			}
		}
		return
	}
	c0, f0 := outcome(cur)
	c1, f1 := outcome(next)
	if c0 == c1 && f0 == f1 {
		return nil
	}
	if c0 != c1 {
		if _, err := tx.ExecContext(ctx, `UPDATE alert_open_counts SET n = n + $1 WHERE tenant = $2 AND level = $3`, c0-c1, cur.Tenant, cur.Level); err != nil {
			return errs.Wrap(err, "cannot count the triage of alert %d", cur.ID)
		}
	}
	for _, tenant := range []int64{cur.Tenant, -1} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_rule_stats (rule_id, tenant, month, title, closed, false_positive) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (rule_id, tenant, month) DO UPDATE SET closed = alert_rule_stats.closed + excluded.closed,
			false_positive = alert_rule_stats.false_positive + excluded.false_positive`,
			cur.RuleID, tenant, timing.Month(time.UnixMicro(created)), cur.Title, c1-c0, f1-f0); err != nil {
			return errs.Wrap(err, "cannot count the triage of alert %d", cur.ID)
		}
	}
	return nil
}
