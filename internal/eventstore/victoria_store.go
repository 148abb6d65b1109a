package eventstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
)

// NewOn returns a Store whose events live in VictoriaLogs: in each of
// copies (at least one; each a single VictoriaLogs or a cluster, each
// holding every event), so that losing one keeps every event searchable.
// db keeps what samdrift owns beside them: the organisations a caller
// may read, retention settings, and which batches and retransmitted
// events each copy stored already.
func NewOn(db *store.DB, copies ...*Victoria) *Store {
	s := New(db)
	s.vl, s.vls = copies[0], copies
	return s
}

// tenantsFor returns the tenants whose events sc may read, narrowed to
// q.Tenants when given: the organisations within sc's security reach,
// and the quarantine (0) for those who see all security data.
func (s *Store) tenantsFor(ctx context.Context, sc access.Scope, q Query) ([]int64, error) {
	if _, err := prepare(sc, q); err != nil {
		return nil, err
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM organizations WHERE `+sc.SecurityPredicate("id", &a)+` ORDER BY id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list the organisations in reach")
	}
	defer rows.Close()
	var ids []int64
	if sc.SeesAllSecurity() {
		ids = append(ids, 0)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, "cannot list the organisations in reach")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list the organisations in reach")
	}
	if len(q.Tenants) > 0 {
		ids = slices.DeleteFunc(ids, func(id int64) bool { return !slices.Contains(q.Tenants, id) })
	}
	return ids, nil
}

// vlAppend stores batches in the VictoriaLogs copies named (nil: every
// copy), once each in each: a batch a copy stored before is skipped
// there. An event with a stable id (a sender may send it again, in a
// later batch) is claimed by its batch in the database before it goes to
// VictoriaLogs, and skipped by any other batch that holds it: the
// claiming batch is delivered by the spine until it is stored, and a
// batch delivered again (Redelivered: samdrift stopped, or the copy
// restarted, before it was on disk) asks the copy which of its events
// arrived and sends the rest. Stored batches are recorded per copy once
// the copy has their events. It returns how many events the copies were
// sent (counted once, however many copies).
func (s *Store) vlAppend(ctx context.Context, copies []int, batches []Batch) (int, error) {
	if copies == nil {
		for c := range s.vls {
			copies = append(copies, c)
		}
	}
	var ids, keys []string
	for _, b := range batches {
		if b.ID != "" {
			ids = append(ids, b.ID)
			for _, c := range copies {
				keys = append(keys, copyKey(c, b.ID))
			}
		}
	}
	done, err := s.known(ctx, "stored_batches", keys)
	if err != nil {
		return 0, err
	}
	// stored tells whether copy c has batch b already. A batch
	// delivered again is looked for event by event even if it was
	// recorded: the copy may have restarted and lost what it had not
	// yet written to disk (Intact).
	stored := func(c int, b Batch) bool { return !b.Redelivered && b.ID != "" && done[copyKey(c, b.ID)] }
	pending := func(b Batch) bool {
		return slices.ContainsFunc(copies, func(c int) bool { return !stored(c, b) })
	}
	now := time.Now().UnixMicro()
	var stable []string
	for _, b := range batches {
		if !pending(b) {
			continue
		}
		for _, e := range b.Events {
			if event.IsStableID(e.ID) {
				stable = append(stable, e.ID)
			}
		}
	}
	// Claims only for events a sender may send again (most have none:
	// no transaction then).
	var prior, owner map[string]string
	if len(stable) > 0 {
		if prior, err = s.owners(ctx, stable); err != nil {
			return 0, err
		}
		err = s.db.Write(ctx, func(tx *sql.Tx) error {
			for _, b := range batches {
				if !pending(b) {
					continue
				}
				for _, e := range b.Events {
					if !event.IsStableID(e.ID) {
						continue
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO stored_event_ids (id, at, batch) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, e.ID, now, b.ID); err != nil {
						return errs.Wrap(err, "cannot claim event id %s", e.ID)
					}
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		if owner, err = s.owners(ctx, stable); err != nil {
			return 0, err
		}
	}
	// What each batch stores: its events that no other batch claimed.
	keeps := make([][]event.Event, len(batches))
	for i, b := range batches {
		if !pending(b) {
			continue
		}
		if len(stable) == 0 {
			keeps[i] = b.Events // nothing claimed: no copy
			continue
		}
		for _, e := range b.Events {
			// Claimed before by another batch (or, for a batch without an
			// id, claimed at all): that batch stores it. Claimed in this
			// call by another batch of the round: the same.
			if o, before := prior[e.ID]; before && (b.ID == "" || o != b.ID) {
				continue
			}
			if o, ok := owner[e.ID]; ok && o != b.ID {
				continue
			}
			keeps[i] = append(keeps[i], e)
		}
	}
	sent := 0
	for ci, c := range copies {
		v := s.vls[c]
		// Batches delivered again are looked up together: one flush (what
		// reached VictoriaLogs just before may not be searchable yet) and
		// one lookup per tenant, not one per batch.
		var again []event.Event
		for i, b := range batches {
			if b.Redelivered && !stored(c, b) {
				again = append(again, keeps[i]...)
			}
		}
		var have map[string]bool
		if len(again) > 0 {
			if err := v.Flush(ctx); err != nil {
				return 0, err
			}
			if have, err = v.present(ctx, again); err != nil {
				return 0, err
			}
		}
		n := 0
		for i, b := range batches {
			if !stored(c, b) {
				n += len(keeps[i])
			}
		}
		events := make([]event.Event, 0, n)
		for i, b := range batches {
			if stored(c, b) {
				continue
			}
			if !b.Redelivered {
				events = append(events, keeps[i]...)
				continue
			}
			for _, e := range keeps[i] {
				if !have[e.ID] {
					events = append(events, e)
				}
			}
		}
		if len(events) > 0 {
			if _, err := v.Append(ctx, events); err != nil {
				return 0, err
			}
		}
		if ci == 0 {
			sent = len(events)
		}
		err = s.db.Write(ctx, func(tx *sql.Tx) error {
			for _, id := range ids {
				if _, err := tx.ExecContext(ctx, `INSERT INTO stored_batches (id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, copyKey(c, id), now); err != nil {
					return errs.Wrap(err, "cannot record batch %s", id)
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return sent, nil
}

// copyKey is batch id's key in stored_batches for copy c (the first
// copy's is the id, as before there were copies).
func copyKey(c int, id string) string {
	if c == 0 {
		return id
	}
	return id + "#" + strconv.Itoa(c)
}

// owners returns the batch that claimed each of ids (stored_event_ids).
func (s *Store) owners(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := store.EachIn(ctx, s.db.Reader(), `SELECT id, batch FROM stored_event_ids WHERE id IN `, ids, ``, func(rows *sql.Rows) error {
		var id, batch string
		if err := rows.Scan(&id, &batch); err != nil {
			return err
		}
		out[id] = batch
		return nil
	})
	return out, errs.Wrap(err, "cannot look up stored_event_ids")
}

// known returns which of ids stored_batches holds.
func (s *Store) known(ctx context.Context, table string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := store.EachIn(ctx, s.db.Reader(), `SELECT id FROM `+table+` WHERE id IN `, ids, ``, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	return out, errs.Wrap(err, "cannot look up %s", table)
}

// vlEach calls fn for the events sc may read that match q, newest first
// across tenants (q.Limit, when set, bounds how many): each tenant is read
// a page of 1000 at a time with its own cursor, and the pages are merged,
// so every tenant is asked only when its page runs out.
func (s *Store) vlEach(ctx context.Context, sc access.Scope, q Query, fn func(event.Event) error) error {
	tenants, err := s.tenantsFor(ctx, sc, q)
	if err != nil {
		return err
	}
	// A copy that fails before fn saw anything is passed over for the
	// next; after, the error is the caller's.
	called := false
	_, err = vlRead(ctx, s, func(v *Victoria) (struct{}, error) {
		err := v.each(ctx, tenants, q, func(e event.Event) error { called = true; return fn(e) })
		if called && errors.Is(err, errUnavailable) {
			// Not errUnavailable any more: starting over would repeat.
			err = fmt.Errorf("a copy of the events became unavailable during the read: %v", err)
		}
		return struct{}{}, err
	})
	return err
}

// each is vlEach over tenants.
func (v *Victoria) each(ctx context.Context, tenants []int64, q Query, fn func(event.Event) error) error {
	tenants, err := v.withData(ctx, tenants, q.From, q.To)
	if err != nil {
		return err
	}
	type stream struct {
		tenant int64
		buf    []event.Event
		next   *string // the tenant's cursor; nil when it has no more
	}
	const page = 1000
	fill := func(st *stream) error {
		pq := q
		pq.Limit, pq.Cursor = page, *st.next
		r, err := v.search(ctx, []int64{st.tenant}, pq)
		if err != nil {
			return err
		}
		st.buf, st.next = r.Items, r.Next
		return nil
	}
	var streams []*stream
	for _, t := range tenants {
		st := &stream{tenant: t, next: new(string)}
		if err := fill(st); err != nil {
			return err
		}
		if len(st.buf) > 0 {
			streams = append(streams, st)
		}
	}
	sent := 0
	for len(streams) > 0 {
		// The newest head (time, then id) goes next; a hundred tenants
		// make a linear scan cheaper than a heap's bookkeeping.
		best := 0
		for i, st := range streams[1:] {
			a, b := st.buf[0], streams[best].buf[0]
			if c := a.Time.Compare(b.Time); c > 0 || (c == 0 && a.ID > b.ID) {
				best = i + 1
			}
		}
		st := streams[best]
		if err := fn(st.buf[0]); err != nil {
			return err
		}
		if sent++; q.Limit > 0 && sent >= q.Limit {
			return nil
		}
		st.buf = st.buf[1:]
		if len(st.buf) == 0 && st.next != nil {
			if err := fill(st); err != nil {
				return err
			}
		}
		if len(st.buf) == 0 {
			streams = slices.Delete(streams, best, best+1)
		}
	}
	return nil
}

// present returns which of events (one batch) VictoriaLogs holds, by
// id, looking in each tenant within the events' time range.
func (v *Victoria) present(ctx context.Context, events []event.Event) (map[string]bool, error) {
	type span struct {
		from, to time.Time
		ids      []string
	}
	spans := map[int64]*span{}
	for _, e := range events {
		sp := spans[e.Tenant]
		if sp == nil {
			sp = &span{from: e.Time, to: e.Time}
			spans[e.Tenant] = sp
		}
		if e.Time.Before(sp.from) {
			sp.from = e.Time
		}
		if e.Time.After(sp.to) {
			sp.to = e.Time
		}
		sp.ids = append(sp.ids, e.ID)
	}
	have := map[string]bool{}
	for tenant, sp := range spans {
		// VictoriaLogs refuses queries over 16 KiB (-search.maxQueryLen):
		// the ids go in lists of at most 12 KB.
		for rest := sp.ids; len(rest) > 0; {
			var list []byte
			n := 0
			for ; n < len(rest) && len(list) < 12000; n++ {
				if n > 0 {
					list = append(list, ',')
				}
				list = strconv.AppendQuote(list, rest[n])
			}
			rest = rest[n:]
			filter := "_time:[" + vlTime(sp.from) + ", " + vlTime(sp.to) + "] AND " + logsqlField(vlColumns["id"]) + ":in(" + string(list) + ")"
			ids, err := v.ids(ctx, tenant, filter)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				have[id] = true
			}
		}
	}
	return have, nil
}

// vlRetention deletes, per tenant, the events older than its retention
// (days) with VictoriaLogs' delete tasks (it must run with -delete.enable;
// its own -retentionPeriod is the longest retention, a backstop), and
// forgets stored batches and event ids older than a week. It returns how
// many events it asked VictoriaLogs to delete (counted first: deletion
// runs in the background there).
func (s *Store) vlRetention(ctx context.Context, now time.Time, days map[int64]int) (int64, error) {
	var total int64
	var first error
	for c, v := range s.vls {
		for tenant, d := range days {
			filter := "_time:<" + vlTime(now.AddDate(0, 0, -d))
			n, err := v.count(ctx, tenant, filter, 0)
			if err == nil && n > 0 {
				if _, err = v.do(ctx, tenant, "/delete/run_task", url.Values{"filter": {filter}}, nil); err != nil {
					err = errs.Wrap(err, "cannot delete tenant %d's events older than %d days in %s (is VictoriaLogs run with -delete.enable?)", tenant, d, v)
				}
			}
			if err != nil {
				// The other copies go on; this one is done next time.
				first = cmp.Or(first, err)
				break
			}
			if c == 0 {
				total += int64(n)
			}
		}
	}
	if first != nil {
		return total, first
	}
	week := now.Add(-7 * 24 * time.Hour).UnixMicro()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		for _, t := range []string{"stored_batches", "stored_event_ids"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE at < $1`, week); err != nil {
				return errs.Wrap(err, "cannot prune %s", t)
			}
		}
		return nil
	})
	return total, err
}

// quarantine lists the quarantine's senders (tenant 0) since since,
// busiest first, at most 500.
func (v *Victoria) quarantine(ctx context.Context, since time.Time) ([]QuarantinedSender, error) {
	ip, host := logsqlField(vlColumns["source_ip"]), logsqlField(vlColumns["host"])
	body, err := v.do(ctx, 0, "/select/logsql/query", url.Values{"query": {"_time:>=" + vlTime(since) + " | stats by (" + ip + ", " + host +
		") count() as n, min(_time) as first, max(_time) as last | sort by (n desc, " + ip + ") | limit 500"}}, nil)
	if err != nil {
		return nil, err
	}
	out := []QuarantinedSender{}
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var row map[string]string
		if err := json.Unmarshal(line, &row); err != nil {
			return nil, errs.Wrap(err, "VictoriaLogs' quarantine is not JSON")
		}
		q := QuarantinedSender{SenderIP: row[vlColumns["source_ip"]], Host: row[vlColumns["host"]]}
		q.Events, _ = strconv.Atoi(row["n"])
		q.First, _ = time.Parse(time.RFC3339Nano, row["first"])
		q.Last, _ = time.Parse(time.RFC3339Nano, row["last"])
		out = append(out, q)
	}
	return out, nil
}
