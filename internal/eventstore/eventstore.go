// Package eventstore keeps normalised events: appended in batches
// (idempotently, by event id), searched by tenant, time and fields within
// the caller's scope, and pruned by retention. It runs on SQLite (one table
// indexed by tenant and time) and PostgreSQL (partitioned by day).
package eventstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
)

// Store appends, searches and prunes events.
type Store struct {
	db         *store.DB
	mu         sync.Mutex
	partitions map[int64]bool // PostgreSQL: days (Unix day numbers) known to have a partition

	// vl, when set, keeps the events in VictoriaLogs (NewOn): the first
	// of its copies (vls), which reading prefers while it is caught up.
	vl      *Victoria
	vls     []*Victoria
	backlog func(ctx context.Context, copy int) (uint64, error)
	order   readOrder

	// BlocksRead and BlocksSkipped count the SQLite blocks searches read
	// and the ones their gram filters let them skip; BlocksPassed the
	// blocks read whose bytes ruled a match out, so that they were not
	// decoded; BlocksSummarised the blocks counts took from their column
	// counts without reading them; BlocksHeadOnly the blocks read whose
	// rests were not (see blockSplit).
	BlocksRead, BlocksSkipped, BlocksPassed, BlocksSummarised, BlocksHeadOnly atomic.Int64
}

// New returns a Store over db.
func New(db *store.DB) *Store { return &Store{db: db, partitions: map[int64]bool{}} }

// packer escapes what would break the "|key=value|" packing.
var packer = strings.NewReplacer(`\`, `\\`, "|", `\p`, "\n", `\n`)
var unpacker = strings.NewReplacer(`\\`, `\`, `\p`, "|", `\n`, "\n")

// PackFields writes fields as "|key=value|key=value|".
func PackFields(fs []event.Field) string {
	if len(fs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('|')
	for _, f := range fs {
		b.WriteString(packer.Replace(f.Key))
		b.WriteByte('=')
		b.WriteString(packer.Replace(f.Value))
		b.WriteByte('|')
	}
	return b.String()
}

// UnpackFields reads what PackFields wrote.
func UnpackFields(s string) []event.Field {
	s = strings.Trim(s, "|")
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "|")
	out := make([]event.Field, 0, len(parts))
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		out = append(out, event.Field{Key: unpacker.Replace(k), Value: unpacker.Replace(v)})
	}
	return out
}

const columns = `id, tenant, ts, received, host, app, severity, source_ip, format, product, message, fields, raw, parse_error`

// rowsPerInsert keeps one PostgreSQL INSERT to a few round trips.
const rowsPerInsert = 500

// Append stores events in one transaction (AppendBatches without batch
// ids).
func (s *Store) Append(ctx context.Context, events []event.Event) (int, error) {
	return s.AppendBatches(ctx, []Batch{{Events: events}})
}

// AppendBatches stores batches in one transaction and returns how many
// events were new. A batch whose id was stored before is skipped (the
// spine delivering it again after a crash), and so is an event with a
// stable id (event.StableID) stored in the last week, whatever its time
// (stored_event_ids, on both dialects); PostgreSQL also skips any event id
// stored before at the same time.
func (s *Store) AppendBatches(ctx context.Context, batches []Batch) (int, error) {
	n := 0
	for _, b := range batches {
		for i := range b.Events {
			if b.Events[i].ID == "" {
				return 0, errs.E(errs.Invalid, "event %d of batch %q has no id", i, b.ID)
			}
		}
		n += len(b.Events)
	}
	if n == 0 {
		return 0, nil
	}
	if s.vl != nil {
		return s.vlAppend(ctx, nil, batches)
	}
	if s.db.Dialect() == store.SQLite {
		return s.appendBlocks(ctx, batches)
	}
	events := make([]event.Event, 0, n)
	for _, b := range batches {
		events = append(events, b.Events...)
	}
	if s.db.Dialect() == store.Postgres {
		if err := s.ensurePartitions(ctx, events); err != nil {
			return 0, err
		}
	}
	inserted := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		// An event with a stable id (a sender's retransmission) is stored
		// once, whatever its time: its id is kept for a week.
		now := time.Now().UnixMicro()
		kept := events[:0:0]
		for _, e := range events {
			if event.IsStableID(e.ID) {
				res, err := tx.ExecContext(ctx, `INSERT INTO stored_event_ids (id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.ID, now)
				if err != nil {
					return errs.Wrap(err, "cannot record event id %s", e.ID)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue // a retransmission
				}
			}
			kept = append(kept, e)
		}
		events := kept
		// PostgreSQL: many rows a statement, so a batch is a few round trips.
		for start := 0; start < len(events); start += rowsPerInsert {
			chunk := events[start:min(start+rowsPerInsert, len(events))]
			var b strings.Builder
			b.WriteString(`INSERT INTO events (` + columns + `) VALUES `)
			args := make([]any, 0, len(chunk)*14)
			for i, e := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('(')
				for j := 0; j < 14; j++ {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteByte('$')
					b.WriteString(strconv.Itoa(len(args) + j + 1))
				}
				b.WriteByte(')')
				args = append(args, rowArgs(e)...)
			}
			b.WriteString(` ON CONFLICT DO NOTHING`)
			res, err := tx.ExecContext(ctx, b.String(), args...)
			if err != nil {
				return errs.Wrap(err, "cannot store %d events", len(chunk))
			}
			n, _ := res.RowsAffected()
			inserted += int(n)
		}
		return nil
	})
	return inserted, err
}

func rowArgs(e event.Event) []any {
	return []any{e.ID, e.Tenant, e.Time.UnixMicro(), e.Received.UnixMicro(), e.Host, e.App, e.Severity, e.SourceIP,
		e.Format, e.Product, e.Message, PackFields(e.Fields), e.Raw, e.ParseError}
}

const day = int64(24 * time.Hour / time.Microsecond)

// ensurePartitions creates the daily partitions the events need.
func (s *Store) ensurePartitions(ctx context.Context, events []event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		d := e.Time.UnixMicro() / day
		if e.Time.UnixMicro() < 0 {
			d--
		}
		if s.partitions[d] {
			continue
		}
		name := "events_d" + strconv.FormatInt(d, 10)
		if d < 0 {
			name = "events_dm" + strconv.FormatInt(-d, 10)
		}
		q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF events FOR VALUES FROM (%d) TO (%d)`, name, d*day, (d+1)*day)
		if _, err := s.db.Reader().ExecContext(ctx, q); err != nil && !strings.Contains(err.Error(), "already exists") {
			return errs.Wrap(err, "cannot create partition %s", name)
		}
		s.partitions[d] = true
	}
	return nil
}

// Query is a search.
type Query struct {
	From, To time.Time // required; To is exclusive
	Tenants  []int64   // narrow to these tenants (still within scope)
	// Q is a query in the query language (see query.go); empty matches all.
	Q      string
	Limit  int    // default 100, at most 1000
	Cursor string // Next of the previous page
}

// TotalCap is where counting stops: a search reports "at least TotalCap"
// rather than scanning millions of rows to count them.
const TotalCap = 10000

// Result is one page of events, newest first.
type Result struct {
	Items []event.Event `json:"items"`
	// Total is the number of matching events, or TotalCap when there are
	// at least that many (TotalExact false).
	Total      int     `json:"total"`
	TotalExact bool    `json:"total_exact"`
	Next       *string `json:"next"`
}

func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// where builds the condition for q within sc's reach.
// prepare checks the caller and the time range and parses q.Q (nil: all).
func prepare(sc access.Scope, q Query) (*node, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return nil, errs.Field("from", "give a time range with from before to")
	}
	return parseQuery(q.Q)
}

func (s *Store) where(sc access.Scope, q Query, a *store.Args) (string, error) {
	n, err := prepare(sc, q)
	if err != nil {
		return "", err
	}
	where := []string{sc.SecurityPredicate("tenant", a), "ts >= " + a.Add(q.From.UnixMicro()), "ts < " + a.Add(q.To.UnixMicro())}
	if len(q.Tenants) > 0 {
		ps := make([]string, len(q.Tenants))
		for i, t := range q.Tenants {
			ps[i] = a.Add(t)
		}
		where = append(where, "tenant IN ("+strings.Join(ps, ",")+")")
	}
	if n != nil {
		c := compiler{a: a, like: "LIKE"}
		if s.db.Dialect() == store.Postgres {
			c.like = "ILIKE"
		}
		cond, err := c.cond(n)
		if err != nil {
			return "", err
		}
		where = append(where, cond)
	}
	return strings.Join(where, " AND "), nil
}

// blockQuery is a query compiled for the SQLite block store: the Go
// matcher of its events and what a block's gram filter must hold.
type blockQuery struct {
	match matcher
	grams *gramReq // nil: nothing
	// all is set when the query has no terms: every event in range
	// matches.
	all bool
	// blocks, when set, is a further condition on the blocks (event_blocks
	// as b) to read.
	blocks func(a *store.Args) string
	// from, when set, is where blocks are read (a read transaction).
	from store.Querier
	// light says the query tests head columns only (see blockSplit).
	light bool
	// headOnly, when set, says which blocks the caller needs only the head
	// values of: with a light query, the events of a block of newest time
	// tsMax for which it reports true carry their head values only. The
	// workers ask it ahead of the caller's fn; once true for a time, it
	// must stay true for that time and every older one.
	headOnly func(tsMax int64) bool
}

// always is a headOnly for callers that use head values only.
func always(int64) bool { return true }

// matcherFor checks the caller and q as where does, and compiles q for
// the block store (which filters decoded events). The SQL compiler runs
// too, only to give the same errors on every dialect.
func (s *Store) matcherFor(sc access.Scope, q Query) (blockQuery, error) {
	n, err := prepare(sc, q)
	if err != nil || n == nil {
		return blockQuery{match: func(*event.Event) bool { return true }, all: err == nil, light: true}, err
	}
	if _, err := (&compiler{a: &store.Args{}, like: "LIKE"}).cond(n); err != nil {
		return blockQuery{}, err
	}
	m, err := compileMatcher(n)
	return blockQuery{match: m, grams: gramRequirement(n), light: !needsRest(n)}, err
}

// CheckQuery reports whether q parses and compiles, with the position of
// the first problem.
func (s *Store) CheckQuery(q string) error {
	n, err := parseQuery(q)
	if err != nil || n == nil {
		return err
	}
	c := compiler{a: &store.Args{}, like: "LIKE"}
	_, err = c.cond(n)
	return err
}

// Search returns events matching q that sc may see: its own tenants'
// events, a unit its supplied municipalities', the SOC and CERT all
// (including the quarantine).
func (s *Store) Search(ctx context.Context, sc access.Scope, q Query) (Result, error) {
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return Result{}, errs.Field("limit", "limit must be 1–1000")
	}
	if s.vl != nil {
		tenants, err := s.tenantsFor(ctx, sc, q)
		if err != nil {
			return Result{}, err
		}
		return vlRead(ctx, s, func(v *Victoria) (Result, error) { return v.search(ctx, tenants, q) })
	}
	if s.db.Dialect() == store.SQLite {
		m, err := s.matcherFor(sc, q)
		if err != nil {
			return Result{}, err
		}
		return s.searchBlocks(ctx, sc, q, m)
	}
	var a store.Args
	cond, err := s.where(sc, q, &a)
	if err != nil {
		return Result{}, err
	}
	var res Result
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE `+cond+` LIMIT `+strconv.Itoa(TotalCap+1)+`) c`,
		a.Values()...).Scan(&res.Total); err != nil {
		return Result{}, errs.Wrap(err, "cannot count events")
	}
	res.TotalExact = res.Total <= TotalCap
	res.Total = min(res.Total, TotalCap)
	if q.Cursor != "" {
		ts, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return Result{}, err
		}
		p := a.Add(ts)
		cond += " AND (ts < " + p + " OR (ts = " + p + " AND id < " + a.Add(id) + "))"
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+columns+` FROM events WHERE `+cond+` ORDER BY ts DESC, id DESC LIMIT `+a.Add(q.Limit), a.Values()...)
	if err != nil {
		return Result{}, errs.Wrap(err, "cannot search events")
	}
	defer rows.Close()
	res.Items = []event.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return Result{}, err
		}
		res.Items = append(res.Items, e)
	}
	if err := rows.Err(); err != nil {
		return Result{}, errs.Wrap(err, "cannot search events")
	}
	if len(res.Items) == q.Limit {
		last := res.Items[len(res.Items)-1]
		c := encodeCursor(last.Time.UnixMicro(), last.ID)
		res.Next = &c
	}
	return res, nil
}

func encodeCursor(ts int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ts, 10) + ":" + id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if t, id, ok := strings.Cut(string(b), ":"); ok {
			if ts, err := strconv.ParseInt(t, 10, 64); err == nil {
				return ts, id, nil
			}
		}
	}
	return 0, "", errs.Field("cursor", "not a cursor from a previous page")
}

// Prune deletes events older than before. On PostgreSQL whole days are
// dropped as partitions; the rest is deleted row by row.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	cut := before.UnixMicro()
	if s.db.Dialect() == store.SQLite {
		return s.pruneBlocks(ctx, nil, cut)
	}
	var dropped int64
	if s.db.Dialect() == store.Postgres {
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
			JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events'`)
		if err != nil {
			return 0, errs.Wrap(err, "cannot list event partitions")
		}
		var old []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return 0, errs.Wrap(err, "cannot read partition name")
			}
			if d, ok := partitionDay(name); ok && (d+1)*day <= cut {
				old = append(old, name)
			}
		}
		rows.Close()
		for _, name := range old {
			var n int64
			_ = s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+name).Scan(&n)
			if _, err := s.db.Reader().ExecContext(ctx, `DROP TABLE `+name); err != nil {
				return dropped, errs.Wrap(err, "cannot drop partition %s", name)
			}
			dropped += n
			s.mu.Lock()
			d, _ := partitionDay(name)
			delete(s.partitions, d)
			s.mu.Unlock()
		}
	}
	var deleted int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE ts < $1`, cut)
		if err != nil {
			return errs.Wrap(err, "cannot prune events")
		}
		deleted, _ = res.RowsAffected()
		week := time.Now().Add(-7 * 24 * time.Hour).UnixMicro()
		if _, err := tx.ExecContext(ctx, `DELETE FROM stored_event_ids WHERE at < $1`, week); err != nil {
			return errs.Wrap(err, "cannot prune stored_event_ids")
		}
		return nil
	})
	return dropped + deleted, err
}

func partitionDay(name string) (int64, bool) {
	switch {
	case strings.HasPrefix(name, "events_dm"):
		d, err := strconv.ParseInt(name[len("events_dm"):], 10, 64)
		return -d, err == nil
	case strings.HasPrefix(name, "events_d"):
		d, err := strconv.ParseInt(name[len("events_d"):], 10, 64)
		return d, err == nil
	}
	return 0, false
}

// Each calls fn for every event matching q that sc may see, newest first,
// in one streaming query (q.Limit, when set, bounds how many; q.Cursor is
// ignored). It stops at fn's first error and returns it.
func (s *Store) Each(ctx context.Context, sc access.Scope, q Query, fn func(event.Event) error) error {
	if s.vl != nil {
		return s.vlEach(ctx, sc, q, fn)
	}
	if s.db.Dialect() == store.SQLite {
		// Blocks newest first, each block's events newest first: the order
		// is newest first within a block, nearly so across blocks.
		m, err := s.matcherFor(sc, q)
		if err != nil {
			return err
		}
		sent := 0
		var ferr error
		err = s.blockScan(ctx, sc, q, m, nil, func(e *event.Event) bool {
			if ferr = fn(e.Clone()); ferr != nil {
				return false
			}
			sent++
			return q.Limit == 0 || sent < q.Limit
		})
		if ferr != nil {
			return ferr
		}
		return err
	}
	var a store.Args
	cond, err := s.where(sc, q, &a)
	if err != nil {
		return err
	}
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(q.Limit)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+columns+` FROM events WHERE `+cond+` ORDER BY ts DESC, id DESC`+limit, a.Values()...)
	if err != nil {
		return errs.Wrap(err, "cannot search events")
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return errs.Wrap(rows.Err(), "cannot search events")
}

func scanEvent(rows *sql.Rows) (event.Event, error) {
	var e event.Event
	var ts, rec int64
	var fields string
	if err := rows.Scan(&e.ID, &e.Tenant, &ts, &rec, &e.Host, &e.App, &e.Severity, &e.SourceIP, &e.Format, &e.Product, &e.Message,
		&fields, &e.Raw, &e.ParseError); err != nil {
		return e, errs.Wrap(err, "cannot read event")
	}
	e.Time, e.Received = time.UnixMicro(ts).UTC(), time.UnixMicro(rec).UTC()
	e.Fields = UnpackFields(fields)
	return e, nil
}
