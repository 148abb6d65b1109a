// Package tlp is the Traffic Light Protocol 2.0 as samdrift enforces it
// on everything shared (advisories, threat reports, indicators): the
// labels and their order, the store predicate that keeps a reader to what
// a label lets it read, and the named recipients of TLP:RED. It knows
// scopes and SQL, not what is shared.
package tlp

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// Labels are the TLP 2.0 labels, widest first.
var Labels = []string{"clear", "green", "amber", "amber+strict", "red"}

// Rank orders a label from the widest (0) to the strictest; an unknown
// one ranks above RED.
func Rank(t string) int {
	for i, x := range Labels {
		if x == t {
			return i
		}
	}
	return len(Labels)
}

// Stricter returns the stricter of two labels ("" is no label).
func Stricter(a, b string) string {
	if a == "" || (b != "" && Rank(b) > Rank(a)) {
		return b
	}
	return a
}

// UpTo returns the labels from CLEAR up to max ("": all).
func UpTo(max string) []string {
	if max == "" {
		return Labels
	}
	return Labels[:min(Rank(max)+1, len(Labels))]
}

// Check reports a label that is not TLP 2.0, naming field.
func Check(field, t string) error { return errs.OneOf(field, t, Labels) }

// Kinds of shared thing that TLP:RED recipients are named on.
const (
	KindAdvisory = "advisory"
	KindReport   = "report"
)

// Columns say where a shared thing keeps its marking: TLP the label, Org
// the organisation that shared it, and Ref the id (of Kind) whose named
// recipients may read it at RED ("" when RED is for the SOC and CERT
// only).
type Columns struct {
	TLP, Org  string
	Kind, Ref string
}

// seesAll: the shared SOC and CERT read everything.
func seesAll(sc access.Scope) bool {
	return sc.IsSystem() || (sc.SeesAllSecurity() && (sc.Role == access.RoleCERT || sc.Role == access.RoleSOCAnalyst))
}

// Visible is the predicate that keeps sc to what the labels in c let it
// read: the shared SOC and CERT all; administrators and governance all
// but RED; everyone else CLEAR and GREEN, AMBER shared by an
// organisation within their reach (it and the units that serve it),
// AMBER+STRICT of their own organisation — and RED where they are named.
func Visible(sc access.Scope, a *store.Args, c Columns) string {
	switch {
	case seesAll(sc):
		return "TRUE"
	case sc.UserID == 0:
		return "FALSE"
	}
	red := ""
	if c.Ref != "" {
		red = " OR (" + c.TLP + " = 'red' AND " + Named(sc, a, c.Kind, c.Ref) + ")"
	}
	if sc.SeesAllSecurity() {
		return "(" + c.TLP + " <> 'red'" + red + ")"
	}
	return "(" + c.TLP + " IN ('clear', 'green') OR (" + c.TLP + " = 'amber' AND " + c.Org + " IS NOT NULL AND " + sc.OrgPredicate(c.Org, a) + ") OR (" + c.TLP +
		" = 'amber+strict' AND " + c.Org + " = " + a.Add(sc.OrgID) + ")" + red + ")"
}

// Named is the predicate "sc is a named recipient of the kind whose id
// is in column ref".
func Named(sc access.Scope, a *store.Args, kind, ref string) string {
	return "EXISTS (SELECT 1 FROM tlp_recipients n WHERE n.kind = " + a.Add(kind) + " AND n.ref_id = " + ref + " AND n.user_id = " + a.Add(sc.UserID) + ")"
}

// MaxRecipients bounds the people one RED item is shared with.
const MaxRecipients = 50

// SetRecipients names, within tx, the people (by user name) a RED item
// of kind and id is shared with, replacing those named before. Names are
// only for RED (field names the input); an unknown user is an error
// naming it. It returns the users' ids.
func SetRecipients(ctx context.Context, tx *sql.Tx, sc access.Scope, field, kind string, id int64, label string, usernames []string, now time.Time) ([]int64, error) {
	if len(usernames) > 0 && label != "red" {
		return nil, errs.Field(field, "name recipients only for TLP:RED (this is TLP:%s)", strings.ToUpper(label))
	}
	if len(usernames) > MaxRecipients {
		return nil, errs.Field(field, "at most %d recipients", MaxRecipients)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM tlp_recipients WHERE kind = $1 AND ref_id = $2`, kind, id); err != nil {
		return nil, errs.Wrap(err, "cannot replace the recipients of %s %d", kind, id)
	}
	var ids []int64
	seen := map[int64]bool{}
	for i, name := range usernames {
		var uid int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1 AND NOT disabled`, strings.TrimSpace(name)).Scan(&uid)
		if err == sql.ErrNoRows {
			return nil, errs.Field(field+"["+strconv.Itoa(i)+"]", "no active user %q", name)
		}
		if err != nil {
			return nil, errs.Wrap(err, "cannot look up user %q", name)
		}
		if seen[uid] {
			continue
		}
		seen[uid] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO tlp_recipients (kind, ref_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4, $5)`,
			kind, id, uid, sc.Actor().Name, now.UnixMicro()); err != nil {
			return nil, errs.Wrap(err, "cannot name %q a recipient", name)
		}
		ids = append(ids, uid)
	}
	return ids, nil
}

// Recipients returns the user names a RED item is shared with.
func Recipients(ctx context.Context, q store.Querier, kind string, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.username FROM tlp_recipients n JOIN users u ON u.id = n.user_id WHERE n.kind = $1 AND n.ref_id = $2 ORDER BY u.username`, kind, id)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the recipients of %s %d", kind, id)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, errs.Wrap(err, "cannot read a recipient")
		}
		out = append(out, n)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the recipients of %s %d", kind, id)
}

// IsRecipient reports whether sc is named on any RED item (its reader
// may then open the RED collection).
func IsRecipient(ctx context.Context, q store.Querier, sc access.Scope) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tlp_recipients WHERE user_id = $1`, sc.UserID).Scan(&n)
	return n > 0, errs.Wrap(err, "cannot look up RED recipients")
}

// Share names, within tx, the people a RED item (kind, id) is shared
// with (see SetRecipients), tells each in their inbox and audits whom.
// subject names the item in the notice.
func Share(ctx context.Context, tx *sql.Tx, sc access.Scope, kind string, id int64, label string, usernames []string, subject string, now time.Time) error {
	ids, err := SetRecipients(ctx, tx, sc, "recipients", kind, id, label, usernames, now)
	if err != nil || len(ids) == 0 {
		return err
	}
	for _, uid := range ids {
		if _, err := notify.QueueUser(ctx, tx, uid, notify.Notice{Kind: "tlp.red", Subject: subject, Body: "TLP:RED", At: now}); err != nil {
			return err
		}
	}
	return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "tlp.red.share", TargetType: kind, TargetID: strconv.FormatInt(id, 10),
		After: map[string]any{"recipients": usernames}})
}
