package audit

import (
	"context"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Viewer is the caller's scope as audit needs it (access.Scope implements
// it; audit does not import access, which writes audit records).
type Viewer interface {
	MayReadAudit() bool
	OrgPredicate(col string, a *store.Args) string
}

// Filter narrows a listing. Zero values mean "any".
type Filter struct {
	Action string // exact action, or a prefix ending in "." ("user.")
	Actor  string
	OrgID  int64
	Before int64     // only records with seq < Before (the cursor of the next page, newest first only)
	Since  time.Time // only records at or after Since (zero: any)
	// Sort is the order of the list (Sorts names the keys); the zero Sort
	// is newest first. A sorted list pages with Offset, not Before.
	Sort   store.Sort
	Offset int
	Limit  int // default 50, at most 500
}

// List returns the records matching f that v may see, in f.Sort's order
// (newest first by default), with the total matching count. A viewer sees
// records about, or made by, organisations in its reach. An unknown sort
// key, or Before with a sort, is an Invalid error.
func List(ctx context.Context, q store.Querier, v Viewer, f Filter) ([]Record, int, error) {
	if !v.MayReadAudit() {
		return nil, 0, errs.E(errs.Forbidden, "your role may not read the audit trail")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		return nil, 0, errs.Field("limit", "at most 500 records a page")
	}
	if f.Offset < 0 {
		return nil, 0, errs.Field("offset", "must not be negative")
	}
	if _, err := ParseSort("sort", f.Sort.String()); err != nil {
		return nil, 0, err
	}
	if f.Before > 0 && f.Sort.Key != "" {
		return nil, 0, errs.Field("cursor", "a cursor of the newest-first order cannot page a sorted list")
	}
	var a store.Args
	where := []string{"(" + v.OrgPredicate("org_id", &a) + " OR " + v.OrgPredicate("actor_org_id", &a) + ")"}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, "action LIKE "+a.Add(f.Action+"%"))
		} else {
			where = append(where, "action = "+a.Add(f.Action))
		}
	}
	if f.Actor != "" {
		where = append(where, "actor = "+a.Add(f.Actor))
	}
	if f.OrgID != 0 {
		p := a.Add(f.OrgID)
		where = append(where, "(org_id = "+p+" OR actor_org_id = "+p+")")
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+a.Add(f.Since.UTC()))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+cond, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count audit records")
	}
	if f.Before > 0 {
		cond += " AND seq < " + a.Add(f.Before)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM audit_log WHERE `+cond+
		` ORDER BY `+f.Sort.OrderBy(sortColumns, "", tieOf(f.Sort))+` LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list audit records")
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read audit record")
		}
		out = append(out, r)
	}
	return out, total, errs.Wrap(rows.Err(), "cannot list audit records")
}

// Trail returns the newest records (at most limit) of action about one
// target of one organisation, newest first: the history a domain shows
// beside the thing itself (a requirement's answers). It applies no
// viewer: the caller has checked that its reader may see orgID.
func Trail(ctx context.Context, q store.Querier, action, targetType, targetID string, orgID int64, limit int) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+` FROM audit_log WHERE org_id = $1 AND action = $2 AND target_type = $3 AND target_id = $4
		ORDER BY seq DESC LIMIT $5`, orgID, action, targetType, targetID, min(max(limit, 1), 500))
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the history")
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read the history")
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the history")
}
