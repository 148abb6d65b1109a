package sources

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/logstd"
	"github.com/samdrift/samdrift/internal/store"
)

// Seen is what a batch brought from one source.
type Seen struct {
	Last   time.Time // newest receive time
	Events int64
	// Addrs are the distinct sender addresses (at most MaxSeenAddrs), kept
	// for sources where TracksSenders says so.
	Addrs []string
}

// MaxSeenAddrs bounds the sender addresses one RecordSeen call keeps per
// source, and maxSenders the addresses kept per source in all.
const (
	MaxSeenAddrs = 32
	maxSenders   = 1024
)

// RecordSeen adds what the store consumer stored per source to the
// sources' last-seen times and counters.
func (r *Registry) RecordSeen(ctx context.Context, seen map[int64]Seen) error {
	if len(seen) == 0 {
		return nil
	}
	return r.db.Write(ctx, func(tx *sql.Tx) error {
		for id, s := range seen {
			if _, err := tx.ExecContext(ctx, `UPDATE log_sources SET last_seen = CASE WHEN last_seen < $1 THEN $1 ELSE last_seen END,
				events = events + $2 WHERE id = $3`, s.Last.UnixMicro(), s.Events, id); err != nil {
				return errs.Wrap(err, "cannot record events of source %d", id)
			}
			if len(s.Addrs) == 0 {
				continue
			}
			kept := -1 // counted when a new sender first needs it
			for _, addr := range s.Addrs {
				res, err := tx.ExecContext(ctx, `UPDATE log_source_senders SET last_seen = $3 WHERE source_id = $1 AND addr = $2`, id, addr, s.Last.UnixMicro())
				if err != nil {
					return errs.Wrap(err, "cannot record senders of source %d", id)
				}
				if n, _ := res.RowsAffected(); n > 0 {
					continue
				}
				// Full: the sender heard from longest ago makes room, so
				// that flooding a source with made-up senders cannot keep
				// its real ones from being recorded.
				if kept < 0 {
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_source_senders WHERE source_id = $1`, id).Scan(&kept); err != nil {
						return errs.Wrap(err, "cannot record senders of source %d", id)
					}
				}
				if kept >= maxSenders {
					if _, err := tx.ExecContext(ctx, `DELETE FROM log_source_senders WHERE source_id = $1 AND addr IN
						(SELECT addr FROM log_source_senders WHERE source_id = $1 ORDER BY last_seen LIMIT 1)`, id); err != nil {
						return errs.Wrap(err, "cannot record senders of source %d", id)
					}
					kept--
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO log_source_senders (source_id, addr, last_seen) VALUES ($1, $2, $3)`,
					id, addr, s.Last.UnixMicro()); err != nil {
					return errs.Wrap(err, "cannot record senders of source %d", id)
				}
				kept++
			}
		}
		return nil
	})
}

// DefaultSilentAfter is the silence threshold of a source without a type.
const DefaultSilentAfter = time.Hour

// threshold is how long s may be silent.
func threshold(s Source) time.Duration {
	if s.SilentAfter > 0 {
		return s.SilentAfter
	}
	if t, ok := logstd.Default().Type(s.Type); ok {
		return t.SilentAfter
	}
	return DefaultSilentAfter
}

// silent reports whether s has sent nothing for longer than its threshold
// at now (a source that never sent counts from its registration).
func silent(s Source, now time.Time) bool {
	from := s.CreatedAt
	if s.LastSeen != nil {
		from = *s.LastSeen
	}
	return now.Sub(from) > threshold(s)
}

// Coverage statuses of a source type for an organisation.
const (
	StatusSending = "sending"
	StatusSilent  = "silent"
	StatusWaiting = "waiting" // registered, nothing received yet, not yet overdue
	StatusMissing = "missing" // required, but no source of the type is registered
	StatusNone    = "none"    // not required and none registered
)

// CoverageItem is one source type of the logging standard for one
// organisation.
type CoverageItem struct {
	Type     logstd.SourceType `json:"type"`
	Required bool              `json:"required"`
	Status   string            `json:"status"`
	// LastSeen is the newest event from any source of the type.
	LastSeen *time.Time `json:"last_seen"`
	Sources  []Source   `json:"sources"`
}

// Coverage is how far an organisation sends what the standard requires.
type Coverage struct {
	OrgID    int64          `json:"org_id"`
	Kind     string         `json:"kind"`
	Standard string         `json:"standard"` // its version
	Required int            `json:"required"`
	Sending  int            `json:"sending"` // required types with a sending source
	Items    []CoverageItem `json:"items"`
	// Unclassified are sources without a source type.
	Unclassified []Source `json:"unclassified"`
}

// Coverage reports, for organisation org in sc's reach, each source type of
// the logging standard: required or not, which registered sources send it,
// and whether they are sending, silent (since when) or missing.
func (r *Registry) Coverage(ctx context.Context, sc access.Scope, org int64, now time.Time) (Coverage, error) {
	var a store.Args
	c := Coverage{OrgID: org, Standard: logstd.Default().Version, Unclassified: []Source{}}
	err := r.db.Reader().QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = `+a.Add(org)+` AND `+
		sc.SecurityPredicate("id", &a), a.Values()...).Scan(&c.Kind)
	if err == sql.ErrNoRows {
		return c, errs.E(errs.NotFound, "no organisation %d in your reach", org)
	}
	if err != nil {
		return c, errs.Wrap(err, "cannot look up organisation %d", org)
	}
	a = store.Args{}
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT `+sourceColumns+` FROM log_sources WHERE org_id = `+a.Add(org)+` ORDER BY id`, a.Values()...)
	if err != nil {
		return c, errs.Wrap(err, "cannot list log sources")
	}
	defer rows.Close()
	byType := map[string][]Source{}
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return c, err
		}
		if _, ok := logstd.Default().Type(s.Type); ok {
			byType[s.Type] = append(byType[s.Type], s)
		} else {
			c.Unclassified = append(c.Unclassified, s)
		}
	}
	if err := rows.Err(); err != nil {
		return c, errs.Wrap(err, "cannot list log sources")
	}
	for _, t := range logstd.Default().SourceTypes {
		it := CoverageItem{Type: t, Required: t.Required(c.Kind), Sources: byType[t.ID]}
		if it.Sources == nil {
			it.Sources = []Source{}
		}
		sending, waiting := false, false
		for _, s := range it.Sources {
			if s.LastSeen != nil && (it.LastSeen == nil || s.LastSeen.After(*it.LastSeen)) {
				it.LastSeen = s.LastSeen
			}
			if !silent(s, now) {
				if s.LastSeen != nil {
					sending = true
				} else {
					waiting = true
				}
			}
		}
		switch {
		case sending:
			it.Status = StatusSending
		case waiting:
			it.Status = StatusWaiting
		case len(it.Sources) > 0:
			it.Status = StatusSilent
		case it.Required:
			it.Status = StatusMissing
		default:
			it.Status = StatusNone
		}
		if it.Required {
			c.Required++
			if sending {
				c.Sending++
			}
		}
		c.Items = append(c.Items, it)
	}
	return c, nil
}

// Signal is a silent-source signal.
type Signal struct {
	ID         int64      `json:"id"`
	SourceID   int64      `json:"source_id"`
	SourceName string     `json:"source_name"`
	SourceType string     `json:"source_type,omitempty"`
	OrgID      int64      `json:"org_id"`
	Kind       string     `json:"kind"`
	Since      *time.Time `json:"since"` // the last event before the silence; null: never sent
	RaisedAt   time.Time  `json:"raised_at"`
	ClearedAt  *time.Time `json:"cleared_at"`
}

// CheckSilent raises a signal for every source silent longer than its
// threshold that has none open, and clears the open signals of sources
// that send again. It returns how many it raised and cleared. Checks may
// run on two nodes at once (during a takeover of the job's lease): each
// raise and each clear is a conditional write, counted and audited only
// by the check whose write took effect, so that each happens once.
func (r *Registry) CheckSilent(ctx context.Context, now time.Time) (raised, cleared int, err error) {
	sc := access.System("silence-watch")
	if err := r.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM log_source_senders WHERE last_seen < $1`, now.Add(-SenderMemory).UnixMicro())
		return err
	}); err != nil {
		return 0, 0, errs.Wrap(err, "cannot forget old senders")
	}
	all, err := r.List(ctx, sc)
	if err != nil {
		return 0, 0, err
	}
	open := map[int64]int64{} // source → open signal id
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, source_id FROM source_signals WHERE cleared_at = 0 AND kind = 'silent'`)
	if err != nil {
		return 0, 0, errs.Wrap(err, "cannot list open signals")
	}
	for rows.Next() {
		var id, src int64
		if err := rows.Scan(&id, &src); err != nil {
			rows.Close()
			return 0, 0, errs.Wrap(err, "cannot read signal")
		}
		open[src] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, errs.Wrap(err, "cannot list open signals")
	}
	for _, s := range all {
		sig, isOpen := open[s.ID]
		switch quiet := silent(s, now); {
		case quiet && !isOpen:
			ok, err := r.raise(ctx, sc, s, now)
			if err != nil {
				return raised, cleared, err
			}
			if ok {
				raised++
			}
		case !quiet && isOpen:
			ok, err := r.clear(ctx, sc, s, sig, now)
			if err != nil {
				return raised, cleared, err
			}
			if ok {
				cleared++
			}
		}
	}
	return raised, cleared, nil
}

// raise opens a silent signal for s, unless one is open already (the
// partial unique index source_signals_one_open) or s has sent since it
// was read, and audits it; it reports whether it raised one.
func (r *Registry) raise(ctx context.Context, sc access.Scope, s Source, now time.Time) (bool, error) {
	since := int64(0)
	if s.LastSeen != nil {
		since = s.LastSeen.UnixMicro()
	}
	raised := false
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO source_signals (source_id, org_id, kind, since, raised_at)
			SELECT id, org_id, 'silent', last_seen, $3 FROM log_sources WHERE id = $1 AND last_seen = $2
			ON CONFLICT (source_id, kind) WHERE cleared_at = 0 DO NOTHING RETURNING id`, s.ID, since, now.UnixMicro()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // raised by another check, or sending again
		}
		if err != nil {
			return errs.Wrap(err, "cannot raise a signal for source %d", s.ID)
		}
		raised = true
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logsource.silent", TargetType: "log_source",
			TargetID: strconv.FormatInt(s.ID, 10), OrgID: s.OrgID, After: map[string]any{"signal": id, "name": s.Name, "threshold_seconds": int64(threshold(s) / time.Second)}})
	})
	return raised && err == nil, err
}

// clear closes open signal sig of s, unless another check has, and
// audits it; it reports whether it cleared it.
func (r *Registry) clear(ctx context.Context, sc access.Scope, s Source, sig int64, now time.Time) (bool, error) {
	cleared := false
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE source_signals SET cleared_at = $1 WHERE id = $2 AND cleared_at = 0`, now.UnixMicro(), sig)
		if err != nil {
			return errs.Wrap(err, "cannot clear signal %d", sig)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // cleared by another check
		}
		cleared = true
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logsource.sending", TargetType: "log_source",
			TargetID: strconv.FormatInt(s.ID, 10), OrgID: s.OrgID, After: map[string]any{"signal": sig, "name": s.Name}})
	})
	return cleared && err == nil, err
}

// Signals lists silent-source signals of organisations in sc's reach,
// newest first; only open ones unless all.
func (r *Registry) Signals(ctx context.Context, sc access.Scope, all bool) ([]Signal, error) {
	var a store.Args
	q := `SELECT g.id, g.source_id, s.name, s.source_type, g.org_id, g.kind, g.since, g.raised_at, g.cleared_at
		FROM source_signals g JOIN log_sources s ON s.id = g.source_id WHERE ` + sc.SecurityPredicate("g.org_id", &a)
	if !all {
		q += ` AND g.cleared_at = 0`
	}
	rows, err := r.db.Reader().QueryContext(ctx, q+` ORDER BY g.raised_at DESC, g.id DESC LIMIT 1000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list signals")
	}
	defer rows.Close()
	out := []Signal{}
	for rows.Next() {
		var g Signal
		var since, raised, clearedAt int64
		if err := rows.Scan(&g.ID, &g.SourceID, &g.SourceName, &g.SourceType, &g.OrgID, &g.Kind, &since, &raised, &clearedAt); err != nil {
			return nil, errs.Wrap(err, "cannot read signal")
		}
		g.RaisedAt = time.UnixMicro(raised).UTC()
		if since > 0 {
			t := time.UnixMicro(since).UTC()
			g.Since = &t
		}
		if clearedAt > 0 {
			t := time.UnixMicro(clearedAt).UTC()
			g.ClearedAt = &t
		}
		out = append(out, g)
	}
	return out, errs.Wrap(rows.Err(), "cannot list signals")
}

// OrgCoverage is one organisation's line in the coverage overview.
type OrgCoverage struct {
	OrgID    int64  `json:"org_id"`
	Code     string `json:"code,omitempty"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Required int    `json:"required"`
	// Sending counts the required source types with a sending source;
	// Missing those with no source registered.
	Sending int `json:"sending"`
	Missing int `json:"missing"`
	// Silent counts the sources that have gone quiet.
	Silent  int `json:"silent"`
	Sources int `json:"sources"`
}

// Overview returns coverage at a glance for every municipality and unit
// in sc's security reach: how many of the logging standard's required
// source types each sends, misses, and how many of its sources are
// silent — the SOC's view across all organisations.
func (r *Registry) Overview(ctx context.Context, sc access.Scope, now time.Time) ([]OrgCoverage, error) {
	var a store.Args
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, COALESCE(code, ''), name, kind FROM organizations WHERE kind IN ('municipality', 'unit') AND `+
		sc.SecurityPredicate("id", &a)+` ORDER BY kind, name`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list organisations")
	}
	out := []OrgCoverage{}
	idx := map[int64]int{}
	for rows.Next() {
		var o OrgCoverage
		if err := rows.Scan(&o.OrgID, &o.Code, &o.Name, &o.Kind); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot list organisations")
		}
		idx[o.OrgID] = len(out)
		out = append(out, o)
	}
	rows.Close()
	a = store.Args{}
	rows, err = r.db.Reader().QueryContext(ctx, `SELECT `+sourceColumns+` FROM log_sources WHERE `+sc.SecurityPredicate("org_id", &a), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list log sources")
	}
	defer rows.Close()
	sending := map[int64]map[string]bool{}
	present := map[int64]map[string]bool{}
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		i, ok := idx[s.OrgID]
		if !ok {
			continue
		}
		out[i].Sources++
		if present[s.OrgID] == nil {
			present[s.OrgID], sending[s.OrgID] = map[string]bool{}, map[string]bool{}
		}
		present[s.OrgID][s.Type] = true
		if silent(s, now) {
			out[i].Silent++
		} else if s.LastSeen != nil {
			sending[s.OrgID][s.Type] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list log sources")
	}
	for i := range out {
		o := &out[i]
		for _, t := range logstd.Default().SourceTypes {
			if !t.Required(o.Kind) {
				continue
			}
			o.Required++
			switch {
			case sending[o.OrgID][t.ID]:
				o.Sending++
			case !present[o.OrgID][t.ID]:
				o.Missing++
			}
		}
	}
	return out, nil
}
