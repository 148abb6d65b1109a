package eventstore

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
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/logstd"
	"github.com/samdrift/samdrift/internal/store"
)

// QuarantineRetentionDays is how long events from unregistered senders
// are kept: long enough for the SOC to register the sender, no longer.
const QuarantineRetentionDays = 30

// Retention is how long one organisation's events are kept.
type Retention struct {
	OrgID     int64      `json:"org_id"`
	OrgName   string     `json:"org_name"`
	Days      int        `json:"days"`
	Default   int        `json:"default_days"` // the logging standard's
	Override  bool       `json:"override"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty"`
}

// Retentions lists the retention of every organisation in sc's reach.
func (s *Store) Retentions(ctx context.Context, sc access.Scope) ([]Retention, error) {
	def := logstd.Default().Retention
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT o.id, o.name, r.days, r.updated_at, r.updated_by FROM organizations o
		LEFT JOIN log_retention r ON r.org_id = o.id WHERE `+sc.SecurityPredicate("o.id", &a)+` ORDER BY o.name`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list retention")
	}
	defer rows.Close()
	out := []Retention{}
	for rows.Next() {
		r := Retention{Default: def, Days: def}
		var days sql.NullInt64
		var at sql.NullTime
		var by sql.NullString
		if err := rows.Scan(&r.OrgID, &r.OrgName, &days, &at, &by); err != nil {
			return nil, errs.Wrap(err, "cannot read retention")
		}
		if days.Valid {
			r.Days, r.Override, r.UpdatedBy = int(days.Int64), true, by.String
			t := at.Time.UTC()
			r.UpdatedAt = &t
		}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "cannot list retention")
}

// MaySetRetention reports whether sc may change org's retention.
func MaySetRetention(sc access.Scope, org int64) bool {
	return sc.IsSystem() || sc.Role == access.RoleAdmin || sc.Role == access.RoleGovernance || (sc.Role == access.RoleCISO && sc.OrgID == org)
}

// RetentionOf is the retention of organisation org in sc's reach.
func (s *Store) RetentionOf(ctx context.Context, sc access.Scope, org int64) (Retention, error) {
	def := logstd.Default().Retention
	r := Retention{OrgID: org, Default: def, Days: def}
	var a store.Args
	var days sql.NullInt64
	var at sql.NullTime
	var by sql.NullString
	err := s.db.Reader().QueryRowContext(ctx, `SELECT o.name, r.days, r.updated_at, r.updated_by FROM organizations o
		LEFT JOIN log_retention r ON r.org_id = o.id WHERE o.id = `+a.Add(org)+` AND `+sc.SecurityPredicate("o.id", &a), a.Values()...).
		Scan(&r.OrgName, &days, &at, &by)
	if err == sql.ErrNoRows {
		return r, errs.E(errs.NotFound, "no organisation %d in your reach", org)
	}
	if err != nil {
		return r, errs.Wrap(err, "cannot read retention")
	}
	if days.Valid {
		r.Days, r.Override, r.UpdatedBy = int(days.Int64), true, by.String
		t := at.Time.UTC()
		r.UpdatedAt = &t
	}
	return r, nil
}

// SetRetention overrides how long org's events are kept (days 0 returns
// to the standard's). Admins and the governance secretariat may set any
// organisation's; a CISO their own organisation's. Audited.
func (s *Store) SetRetention(ctx context.Context, sc access.Scope, org int64, days int) error {
	if !MaySetRetention(sc, org) {
		return errs.E(errs.Forbidden, "only an administrator, the secretariat or the organisation's own CISO may change its log retention")
	}
	if days != 0 && (days < 30 || days > 3650) {
		return errs.Field("days", "retention must be 30–3650 days (0: the logging standard's %d)", logstd.Default().Retention)
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = `+a.Add(org)+` AND `+sc.OrgPredicate("id", &a), a.Values()...).Scan(&n); err != nil {
			return errs.Wrap(err, "cannot look up organisation %d", org)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no organisation %d in your reach", org)
		}
		var before any
		var old int
		if err := tx.QueryRowContext(ctx, `SELECT days FROM log_retention WHERE org_id = $1`, org).Scan(&old); err == nil {
			before = map[string]any{"days": old}
		} else if err != sql.ErrNoRows {
			return errs.Wrap(err, "cannot read retention")
		}
		var err error
		if days == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM log_retention WHERE org_id = $1`, org)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO log_retention (org_id, days, updated_at, updated_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT (org_id) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				org, days, store.Now(), sc.Actor().Name)
		}
		if err != nil {
			return errs.Wrap(err, "cannot store retention")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logretention.set", TargetType: "organization",
			TargetID: strconv.FormatInt(org, 10), OrgID: org, Before: before, After: map[string]any{"days": days}})
	})
}

// pruneBatch bounds one delete, so retention never holds a long lock.
const pruneBatch = 5000

// ApplyRetention deletes every tenant's events older than its retention
// at now (the quarantine's after QuarantineRetentionDays), and on
// PostgreSQL drops whole day partitions older than the longest retention.
// It returns how many events went.
func (s *Store) ApplyRetention(ctx context.Context, now time.Time) (int64, error) {
	def := logstd.Default().Retention
	days := map[int64]int{0: QuarantineRetentionDays}
	longest := def
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT o.id, COALESCE(r.days, 0) FROM organizations o LEFT JOIN log_retention r ON r.org_id = o.id`)
	if err != nil {
		return 0, errs.Wrap(err, "cannot read retention")
	}
	for rows.Next() {
		var id int64
		var d int
		if err := rows.Scan(&id, &d); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "cannot read retention")
		}
		if d == 0 {
			d = def
		}
		days[id] = d
		longest = max(longest, d)
	}
	rows.Close()
	var total int64
	if s.vl != nil {
		return s.vlRetention(ctx, now, days)
	}
	if s.db.Dialect() == store.SQLite {
		for tenant, d := range days {
			n, err := s.pruneBlocks(ctx, &tenant, now.AddDate(0, 0, -d).UnixMicro())
			total += n
			if err != nil {
				return total, err
			}
		}
		return total, nil
	}
	if s.db.Dialect() == store.Postgres {
		n, err := s.Prune(ctx, now.AddDate(0, 0, -longest))
		if err != nil {
			return n, err
		}
		total += n
	}
	for tenant, d := range days {
		cut := now.AddDate(0, 0, -d).UnixMicro()
		for {
			var n int64
			err := s.db.Write(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE (id, ts) IN (SELECT id, ts FROM events WHERE tenant = $1 AND ts < $2 LIMIT `+
					strconv.Itoa(pruneBatch)+`)`, tenant, cut)
				if err != nil {
					return errs.Wrap(err, "cannot prune events of tenant %d", tenant)
				}
				n, _ = res.RowsAffected()
				return nil
			})
			if err != nil {
				return total, err
			}
			total += n
			if n < pruneBatch {
				break
			}
		}
	}
	return total, nil
}

// QuarantinedSender is one unregistered sender seen in the quarantine.
type QuarantinedSender struct {
	SenderIP string    `json:"sender_ip"`
	Host     string    `json:"host"`
	Events   int       `json:"events"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
}

// Quarantine lists the senders whose events went to the quarantine since
// since, busiest first, for the SOC to register them (others see none).
func (s *Store) Quarantine(ctx context.Context, sc access.Scope, since time.Time) ([]QuarantinedSender, error) {
	if s.vl != nil {
		if !sc.SeesAllSecurity() {
			return []QuarantinedSender{}, nil
		}
		return vlRead(ctx, s, func(v *Victoria) ([]QuarantinedSender, error) { return v.quarantine(ctx, since) })
	}
	if s.db.Dialect() == store.SQLite {
		if !sc.SeesAllSecurity() {
			return []QuarantinedSender{}, nil
		}
		type key struct{ ip, host string }
		by := map[key]*QuarantinedSender{}
		q := Query{From: since, To: time.Now().Add(48 * time.Hour), Tenants: []int64{0}}
		err := s.blockScan(ctx, sc, q, blockQuery{match: func(*event.Event) bool { return true }, light: true, headOnly: always}, nil, func(e *event.Event) bool {
			k := key{e.SourceIP, e.Host}
			x := by[k]
			if x == nil {
				// Copies: e's strings point into the block being read.
				k = key{strings.Clone(e.SourceIP), strings.Clone(e.Host)}
				x = &QuarantinedSender{SenderIP: k.ip, Host: k.host, First: e.Time, Last: e.Time}
				by[k] = x
			}
			x.Events++
			if e.Time.Before(x.First) {
				x.First = e.Time
			}
			if e.Time.After(x.Last) {
				x.Last = e.Time
			}
			return true
		})
		out := make([]QuarantinedSender, 0, len(by))
		for _, x := range by {
			out = append(out, *x)
		}
		slices.SortFunc(out, func(a, b QuarantinedSender) int {
			if a.Events != b.Events {
				return b.Events - a.Events
			}
			return strings.Compare(a.SenderIP, b.SenderIP)
		})
		return out[:min(len(out), 500)], err
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT source_ip, host, COUNT(*), MIN(ts), MAX(ts) FROM events
		WHERE tenant = 0 AND ts >= `+a.Add(since.UnixMicro())+` AND `+sc.SecurityPredicate("tenant", &a)+`
		GROUP BY source_ip, host ORDER BY COUNT(*) DESC, source_ip LIMIT 500`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list the quarantine")
	}
	defer rows.Close()
	out := []QuarantinedSender{}
	for rows.Next() {
		var q QuarantinedSender
		var first, last int64
		if err := rows.Scan(&q.SenderIP, &q.Host, &q.Events, &first, &last); err != nil {
			return nil, errs.Wrap(err, "cannot read the quarantine")
		}
		q.First, q.Last = time.UnixMicro(first).UTC(), time.UnixMicro(last).UTC()
		out = append(out, q)
	}
	return out, errs.Wrap(rows.Err(), "cannot list the quarantine")
}
