package soc

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/timing"
)

// Filter narrows a case listing.
type Filter struct {
	// Status: a status, "open" (anything not closed) or "" (all).
	Status   string
	Severity string
	Org      int64  // 0: every organisation in reach
	Owner    string // a username, "me" or "none"
	Text     string // in the title
	Limit    int    // 1–500, default 100
	Offset   int
	// Sort is the order by one of Sorts; the zero Sort is the default
	// (open cases by severity, then closed ones, each by last change).
	Sort store.Sort
}

// Sorts are the keys a case list sorts by (Filter.Sort): its number, when
// it was opened, its severity (most severe first, as priority P1 comes
// before P2), its status (in the order incident response works through
// them), its organisation's name, its owner (cases without one last
// either way) and its last change.
var Sorts = []string{"id", "opened", "severity", "status", "org", "owner", "updated"}

// caseOrder holds the SQL each of Sorts orders by. A value may list
// several expressions: a descending order turns only the last around, so
// that what must stay last (no owner) stays last.
var caseOrder = map[string]string{
	"id":       "c.id",
	"opened":   "c.created_at",
	"severity": "CASE c.severity WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 WHEN 'low' THEN 4 ELSE 5 END",
	"status": "CASE c.status WHEN 'new' THEN 1 WHEN 'in_progress' THEN 2 WHEN 'contained' THEN 3 WHEN 'eradicated' THEN 4 " +
		"WHEN 'recovered' THEN 5 ELSE 6 END",
	"org":     "LOWER(o.name)",
	"owner":   "CASE WHEN c.owner_id IS NULL THEN 1 ELSE 0 END, COALESCE((SELECT LOWER(username) FROM users WHERE users.id = c.owner_id), '')",
	"updated": "c.updated_at",
}

// List returns the cases sc may read in f's order (by default the most
// severe and most recently changed first), and how many match in all.
// An order not in Sorts is an Invalid error.
func (s *Service) List(ctx context.Context, sc access.Scope, f Filter) ([]Case, int, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 500 {
		return nil, 0, errs.Field("limit", "at most 500 cases per page")
	}
	if _, err := store.ParseSort("sort", f.Sort.String(), Sorts...); err != nil {
		return nil, 0, err
	}
	var a store.Args
	where := []string{visible(sc, &a)}
	switch {
	case f.Status == "open":
		where = append(where, "c.status <> 'closed'")
	case f.Status != "":
		if err := errs.OneOf("status", f.Status, Statuses); err != nil {
			return nil, 0, err
		}
		where = append(where, "c.status = "+a.Add(f.Status))
	}
	if f.Severity != "" {
		if err := errs.OneOf("severity", f.Severity, Severities); err != nil {
			return nil, 0, err
		}
		where = append(where, "c.severity = "+a.Add(f.Severity))
	}
	if f.Org != 0 {
		where = append(where, "c.org_id = "+a.Add(f.Org))
	}
	switch f.Owner {
	case "":
	case "none":
		where = append(where, "c.owner_id IS NULL")
	case "me":
		where = append(where, "c.owner_id = "+a.Add(sc.UserID))
	default:
		where = append(where, "c.owner_id = (SELECT id FROM users WHERE username = "+a.Add(f.Owner)+")")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		if len(t) > 200 {
			return nil, 0, errs.Field("q", "search with at most 200 characters")
		}
		where = append(where, "LOWER(c.title) LIKE "+a.Add("%"+strings.ToLower(likeEscape(t))+"%")+" ESCAPE '!'")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE `+w, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count cases")
	}
	// list_rank: open cases by severity, then closed ones (migration 0029).
	// Ties go to the latest change, then the newest case.
	order := f.Sort.OrderBy(caseOrder, "c.list_rank", "c.updated_at DESC, c.id DESC")
	q := `SELECT ` + caseColumns + caseFrom + ` WHERE ` + w + ` ORDER BY ` + order + `
		LIMIT ` + a.Add(f.Limit) + ` OFFSET ` + a.Add(f.Offset)
	rows, err := s.db.Reader().QueryContext(ctx, q, a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list cases")
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read a case")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "cannot list cases")
	}
	rows.Close()
	// The reportable ones' submissions, for their next deadline, in one query.
	var reportable []Case
	for _, c := range out {
		if c.AwareAt != nil {
			reportable = append(reportable, c)
		}
	}
	subs, err := submissionsOf(ctx, s.db.Reader(), reportable)
	if err != nil {
		return nil, 0, err
	}
	for i, c := range out {
		if c.AwareAt != nil {
			out[i].NextDeadline = nextDeadline(c, subs[c.ID])
		}
	}
	return out, total, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// Get returns case id, if sc may read it.
func (s *Service) Get(ctx context.Context, sc access.Scope, id int64) (Case, error) {
	return get(ctx, s.db.Reader(), sc, id)
}

// Update changes a case's fields; nil fields keep what is there. Version,
// when not 0, must be the case's current version (someone else's change
// in between is a Conflict).
type Update struct {
	Version     int     `json:"version,omitempty"`
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	Severity    *string `json:"severity,omitempty"`
	Kind        *string `json:"kind,omitempty"`
	// Status moves the case; closing needs Resolution, and reopening a
	// closed case needs Comment (why).
	Status     *string `json:"status,omitempty"`
	Resolution *string `json:"resolution,omitempty"`
	// Owner: a username, "me" or "none".
	Owner   *string `json:"owner,omitempty"`
	Comment string  `json:"comment,omitempty"`
}

// Update applies u to case id as sc, with a timeline entry and an audit
// record in one transaction.
func (s *Service) Update(ctx context.Context, sc access.Scope, id int64, u Update) (Case, error) {
	if err := mayWork(sc); err != nil {
		return Case{}, err
	}
	var err error
	if u.Comment, err = errs.Text("comment", u.Comment, 0, maxNote); err != nil {
		return Case{}, err
	}
	var out Case
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		cur, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if u.Version != 0 && u.Version != cur.Version {
			return errs.E(errs.Conflict, "case %d was changed by someone else (version %d, you had %d); reload it and try again", id, cur.Version, u.Version)
		}
		if cur.MergedInto != 0 {
			return errs.E(errs.Conflict, "case %d was merged into case %d; work that case", id, cur.MergedInto)
		}
		var a store.Args
		var sets []string
		before, after := map[string]any{}, map[string]any{}
		set := func(col string, old, v any) {
			sets = append(sets, col+" = "+a.Add(v))
			before[col], after[col] = old, v
		}
		if u.Title != nil {
			t, err := errs.Text("title", *u.Title, 3, maxTitle)
			if err != nil {
				return err
			}
			if t != cur.Title {
				set("title", cur.Title, t)
			}
		}
		if u.Description != nil {
			d, err := errs.Text("description", *u.Description, 0, maxText)
			if err != nil {
				return err
			}
			if d != cur.Description {
				set("description", cur.Description, d)
			}
		}
		if u.Severity != nil && *u.Severity != cur.Severity {
			if err := errs.OneOf("severity", *u.Severity, Severities); err != nil {
				return err
			}
			set("severity", cur.Severity, *u.Severity)
		}
		if u.Kind != nil && *u.Kind != cur.Kind {
			if err := errs.OneOf("kind", *u.Kind, Kinds); err != nil {
				return err
			}
			set("kind", cur.Kind, *u.Kind)
		}
		status := cur.Status
		if u.Status != nil {
			status = *u.Status
		}
		res := ""
		if u.Resolution != nil {
			res = *u.Resolution
		}
		switch {
		case u.Status == nil && u.Resolution != nil:
			return errs.Field("resolution", "a resolution goes with status closed")
		case u.Status == nil:
		case errs.OneOf("status", status, Statuses) != nil:
			return errs.OneOf("status", status, Statuses)
		case status == "closed" && cur.Status == "closed":
			return errs.E(errs.Conflict, "case %d is closed already", id)
		case status == "closed" && (res == "" || res == "merged" || !slices.Contains(Resolutions, res)):
			return errs.Field("resolution", "closing a case needs a resolution: resolved, false-positive, duplicate or no-action")
		case status == "closed" && cur.OpenTasks > 0:
			return errs.E(errs.Conflict, "case %d has %d open tasks; finish or cancel them before closing", id, cur.OpenTasks)
		case status != "closed" && res != "":
			return errs.Field("resolution", "a resolution goes with status closed")
		case cur.Status == "closed" && u.Comment == "":
			return errs.Field("comment", "say why case %d is reopened", id)
		}
		if u.Status != nil && status != cur.Status {
			if err := countStatus(ctx, tx, cur, status, now); err != nil {
				return err
			}
			set("status", cur.Status, status)
			if status == "closed" {
				set("resolution", cur.Resolution, res)
				sets = append(sets, "closed_at = "+a.Add(now))
			} else if cur.Status == "closed" {
				set("resolution", cur.Resolution, "")
				sets = append(sets, "closed_at = NULL")
			}
		}
		if u.Owner != nil {
			switch *u.Owner {
			case "none", "":
				if cur.Owner != "" {
					sets = append(sets, "owner_id = NULL")
					before["owner"], after["owner"] = cur.Owner, ""
				}
			default:
				uid, name, err := s.member(ctx, tx, sc, id, cur.OrgID, *u.Owner, "owner")
				if err != nil {
					return err
				}
				if name != cur.Owner {
					sets = append(sets, "owner_id = "+a.Add(uid))
					before["owner"], after["owner"] = cur.Owner, name
				}
			}
		}
		if len(sets) == 0 && u.Comment == "" {
			return errs.E(errs.Conflict, "nothing to change on case %d", id)
		}
		if len(sets) > 0 {
			q := `UPDATE cases SET ` + strings.Join(sets, ", ") + `, updated_at = ` + a.Add(now) + `, version = version + 1 WHERE id = ` + a.Add(id) +
				` AND version = ` + a.Add(cur.Version)
			r, err := tx.ExecContext(ctx, q, a.Values()...)
			if err != nil {
				return errs.Wrap(err, "cannot update case %d", id)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "case %d was changed by someone else; reload it and try again", id)
			}
			if err := entry(ctx, tx, id, now, sc, "changed", u.Comment, map[string]any{"before": before, "after": after}); err != nil {
				return err
			}
		} else {
			if err := noteTx(ctx, tx, sc, cur, u.Comment, now); err != nil {
				return err
			}
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.update", TargetType: "case", TargetID: idString(id), OrgID: cur.OrgID,
			Before: before, After: after}); err != nil {
			return err
		}
		if out, err = get(ctx, tx, sc, id); err != nil {
			return err
		}
		switch {
		case out.Status != "new":
			// Someone has taken the case: stop paging for it.
			_, err = oncall.ResolveSubject(ctx, tx, oncall.KindCase, id, now)
			return err
		case cur.Severity != "critical" && out.Severity == "critical":
			return page(ctx, tx, out, now)
		}
		return nil
	})
	return out, err
}

// Note adds an analyst's note to case id's timeline.
func (s *Service) Note(ctx context.Context, sc access.Scope, id int64, body string) (Case, error) {
	if err := mayWork(sc); err != nil {
		return Case{}, err
	}
	body, err := errs.Text("body", body, 1, maxNote)
	if err != nil {
		return Case{}, err
	}
	var out Case
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		cur, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := limit(ctx, tx, "case_entries", id, maxEntries, "timeline entries"); err != nil {
			return err
		}
		if err := noteTx(ctx, tx, sc, cur, body, s.now()); err != nil {
			return err
		}
		out, err = get(ctx, tx, sc, id)
		return err
	})
	return out, err
}

func noteTx(ctx context.Context, tx *sql.Tx, sc access.Scope, c Case, body string, now time.Time) error {
	if err := entry(ctx, tx, c.ID, now, sc, "note", body, nil); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = $1 WHERE id = $2`, now, c.ID); err != nil {
		return errs.Wrap(err, "cannot touch case %d", c.ID)
	}
	return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.note", TargetType: "case", TargetID: idString(c.ID), OrgID: c.OrgID,
		After: map[string]any{"length": len(body)}})
}

// countStatus keeps the SOC's metrics in step with a case's move to
// status: the time to take it (its first move out of new) and to close it.
func countStatus(ctx context.Context, tx *sql.Tx, cur Case, status string, now time.Time) error {
	age := now.Sub(cur.CreatedAt)
	if cur.Status == "new" {
		r, err := tx.ExecContext(ctx, `UPDATE cases SET acked_at = $1 WHERE id = $2 AND acked_at IS NULL`, now, cur.ID)
		if err != nil {
			return errs.Wrap(err, "cannot update case %d", cur.ID)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			if err := timing.Record(ctx, tx, "case.ack", cur.OrgID, now, age, 1); err != nil {
				return err
			}
		}
	}
	if status == "closed" {
		return timing.Record(ctx, tx, "case.resolve", cur.OrgID, now, age, 1)
	}
	return nil
}
