package detect

import (
	"context"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Triager is someone an alert can be handed to: a username and the name
// to show (the display name, or the username when there is none).
type Triager struct {
	Username string `json:"username"`
	Name     string `json:"name"`
}

// maxTriagers bounds the people a picker offers.
const maxTriagers = 500

// Triagers returns whom sc may hand alerts ids to: the active users in
// sc's reach, sc itself left out (a picker offers "me" of its own), whose
// role triages alerts and whose security reach holds at least one of
// the alerts ids that sc sees — the same test Triage applies to a named
// assignee, which still decides. They come by username, at most 500.
// Without ids, or when sc does not triage, there is no one.
func (d *Detector) Triagers(ctx context.Context, sc access.Scope, ids []int64) ([]Triager, error) {
	out := []Triager{}
	if !sc.Can(access.TriageAlerts) || len(ids) == 0 {
		return out, nil
	}
	if len(ids) > MaxBulk {
		return nil, errs.Field("ids", "at most %d alerts at a time (got %d)", MaxBulk, len(ids))
	}
	q := d.db.Reader()
	var a store.Args
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.username, u.display_name, u.org_id, o.kind, u.role FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE NOT u.disabled AND u.id <> `+a.Add(sc.UserID)+` AND `+sc.OrgPredicate("u.org_id", &a)+` ORDER BY u.username LIMIT `+a.Add(maxTriagers), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list who may triage alerts")
	}
	var users []access.User
	for rows.Next() {
		var u access.User
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.OrgKind, &u.Role); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot list who may triage alerts")
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list who may triage alerts")
	}
	// Whether a reach holds one of the alerts is asked once per reach
	// (most people share their colleagues').
	type reach struct {
		r   access.Reach
		org int64
		all bool
	}
	holds := map[reach]bool{}
	for _, u := range users {
		cs := access.ScopeOf(u)
		if !cs.Can(access.TriageAlerts) {
			continue
		}
		k := reach{cs.Reach, cs.OrgID, cs.SeesAllSecurity()}
		if k.all {
			k.r, k.org = access.ReachAll, 0
		}
		ok, seen := holds[k]
		if !seen {
			if ok, err = holdsAlert(ctx, q, sc, cs, ids); err != nil {
				return nil, err
			}
			holds[k] = ok
		}
		if ok {
			name := strings.TrimSpace(u.DisplayName)
			if name == "" {
				name = u.Username
			}
			out = append(out, Triager{Username: u.Username, Name: name})
		}
	}
	return out, nil
}

// holdsAlert reports whether one of ids that sc sees is within cs's
// security reach.
func holdsAlert(ctx context.Context, q store.Querier, sc, cs access.Scope, ids []int64) (bool, error) {
	var a store.Args
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.Add(id)
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE id IN (`+strings.Join(ps, ", ")+`) AND `+sc.SecurityPredicate("tenant", &a)+
		` AND `+cs.SecurityPredicate("tenant", &a), a.Values()...).Scan(&n)
	if err != nil {
		return false, errs.Wrap(err, "cannot check who may triage alerts")
	}
	return n > 0, nil
}
