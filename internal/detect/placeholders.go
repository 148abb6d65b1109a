package detect

import (
	"context"
	"database/sql"
	"regexp"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

var placeholderName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// SetPlaceholder sets the values of a Sigma placeholder (%name% used with
// the expand modifier) for one organisation (org 0: every organisation;
// an organisation's own values win). No values removes it. Rules that
// need it load for that organisation within seconds. A CISO sets their
// own organisation's; the SOC, CERT and administrators any.
func (l *Library) SetPlaceholder(ctx context.Context, sc access.Scope, org int64, name string, values []string) error {
	switch {
	case org == 0 && !sc.Can(access.ManageDetection):
		return errs.E(errs.Forbidden, "only the SOC, the CERT or an administrator sets placeholders for every organisation")
	case org != 0 && !sc.Can(access.ManageDetection) && !(sc.Can(access.TuneDetection) && sc.OrgID == org):
		return errs.E(errs.Forbidden, "you may set placeholders for your own organisation only")
	}
	if !placeholderName.MatchString(name) {
		return errs.Field("name", "a placeholder name is 1–64 letters, digits, '_', '.' or '-' (without the %%)")
	}
	if len(values) > 10000 {
		return errs.Field("values", "at most 10000 values")
	}
	for i, v := range values {
		if v == "" || len(v) > 1024 {
			return errs.Field("values", "value %d is empty or longer than 1024 characters", i+1)
		}
	}
	now := time.Now().UnixMicro()
	return l.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM detection_placeholders WHERE org_id = $1 AND name = $2`, org, name); err != nil {
			return errs.Wrap(err, "cannot replace placeholder %s", name)
		}
		for _, v := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO detection_placeholders (org_id, name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (org_id, name, value) DO NOTHING`, org, name, v, now, sc.Actor().Name); err != nil {
				return errs.Wrap(err, "cannot store placeholder %s", name)
			}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "detection.placeholder.set", TargetType: "placeholder", TargetID: name, OrgID: org,
			After: map[string]any{"values": values}})
	})
}

// Placeholders returns the placeholders of organisation org (0: the ones
// for every organisation) that sc may see: its own, or any for the SOC.
func (l *Library) Placeholders(ctx context.Context, sc access.Scope, org int64) (map[string][]string, error) {
	if org != 0 && !sc.SeesAllSecurity() && sc.OrgID != org {
		return nil, errs.E(errs.NotFound, "no organisation %d in your reach", org)
	}
	var a store.Args
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT name, value FROM detection_placeholders WHERE org_id = `+a.Add(org)+` ORDER BY name, value`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list placeholders")
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			return nil, errs.Wrap(err, "cannot read a placeholder")
		}
		out[n] = append(out[n], v)
	}
	return out, rows.Err()
}

// allPlaceholders reads every organisation's placeholders (for the engine).
func (l *Library) allPlaceholders(ctx context.Context) (map[int64]map[string][]string, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT org_id, name, value FROM detection_placeholders ORDER BY org_id, name, value`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load placeholders")
	}
	defer rows.Close()
	out := map[int64]map[string][]string{}
	for rows.Next() {
		var org int64
		var n, v string
		if err := rows.Scan(&org, &n, &v); err != nil {
			return nil, errs.Wrap(err, "cannot read a placeholder")
		}
		if out[org] == nil {
			out[org] = map[string][]string{}
		}
		out[org][n] = append(out[org][n], v)
	}
	return out, rows.Err()
}
