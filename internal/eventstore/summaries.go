package eventstore

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
)

// Per-block column counts (SQLite, migration 0045). A count by host over
// a day decoded every event of the day to read one column. Each block now
// keeps how often each value of a few columns occurs in it, so a count
// whose query has no terms takes a block wholly inside its time range
// from those counts without decompressing it. A block with more than
// maxSummaryValues values of a column keeps none for that column, and
// blocks stored before have none: both are decoded as before.
//
// The stored form: a version byte, the block's event count (uvarint),
// then for each of summaryColumns in order the number of its values plus
// one (0: not kept) and each value as its length, its bytes and its count
// (uvarints). Events without the column are the block's count less the
// column's counts.

// summaryColumns are the columns counted per block, in stored order.
var summaryColumns = [...]string{"host", "app", "product", "format", "source_ip", "severity"}

const (
	summaryVersion = 1
	// maxSummaryValues bounds the values a block keeps for one column:
	// the counts stay small beside the block.
	maxSummaryValues = 512
)

// summaryColumn is the index of column name in summaryColumns, or -1.
func summaryColumn(name string) int {
	for i, c := range summaryColumns {
		if c == name {
			return i
		}
	}
	return -1
}

// summaryBuilder counts one block's column values; reuse it.
type summaryBuilder struct {
	n    int
	cols [len(summaryColumns) - 1]valueTally // the text columns
	sev  [9]int                              // severity -1…7
	// sevOdd: a severity outside -1…7 (never parsed, but stored events
	// are not checked): the block keeps no severity counts.
	sevOdd bool
}

// valueTally counts one text column's values in a block, remembering the
// last value (consecutive events often share a host or a product).
type valueTally struct {
	m      map[string]*int
	last   string
	lastN  *int
	capped bool // more than maxSummaryValues values: none kept
}

func (t *valueTally) add(v string) {
	if t.capped || v == "" {
		return
	}
	if t.lastN != nil && v == t.last {
		*t.lastN++
		return
	}
	p := t.m[v]
	if p == nil {
		if len(t.m) == maxSummaryValues {
			t.capped = true
			return
		}
		// Not copied: the builder is emptied before the events it
		// counted are released (see reset).
		p = new(int)
		t.m[v] = p
	}
	*p++
	t.last, t.lastN = v, p
}

// addEvent counts e.
func (b *summaryBuilder) addEvent(e *event.Event) {
	b.n++
	for i, v := range [...]string{e.Host, e.App, e.Product, e.Format, e.SourceIP} {
		b.cols[i].add(v)
	}
	if s := e.Severity; s >= -1 && s <= 7 {
		b.sev[s+1]++
	} else {
		b.sevOdd = true
	}
}

// summary adds evs and appends the stored form of everything counted
// since the last reset to out; the builder is then empty.
func (b *summaryBuilder) summary(out []byte, evs []event.Event) []byte {
	for i := range evs {
		b.addEvent(&evs[i])
	}
	out = append(out, summaryVersion)
	out = binary.AppendUvarint(out, uint64(b.n))
	for i := range b.cols {
		t := &b.cols[i]
		if t.capped {
			out = binary.AppendUvarint(out, 0)
			continue
		}
		out = binary.AppendUvarint(out, uint64(len(t.m))+1)
		for v, n := range t.m {
			out = binary.AppendUvarint(out, uint64(len(v)))
			out = append(out, v...)
			out = binary.AppendUvarint(out, uint64(*n))
		}
	}
	if b.sevOdd {
		out = binary.AppendUvarint(out, 0)
		b.reset()
		return out
	}
	k := 0
	for _, n := range b.sev[1:] {
		if n > 0 {
			k++
		}
	}
	out = binary.AppendUvarint(out, uint64(k)+1)
	for s, n := range b.sev[1:] {
		if n > 0 {
			out = binary.AppendUvarint(out, 1)
			out = append(out, byte('0'+s))
			out = binary.AppendUvarint(out, uint64(n))
		}
	}
	b.reset()
	return out
}

// reset empties the builder, dropping its references to the events'
// strings.
func (b *summaryBuilder) reset() {
	b.n = 0
	for i := range b.cols {
		t := &b.cols[i]
		if t.m == nil {
			t.m = map[string]*int{}
		}
		clear(t.m)
		t.last, t.lastN, t.capped = "", nil, false
	}
	b.sev, b.sevOdd = [9]int{}, false
}

// summaryPool keeps builders between transactions.
var summaryPool = sync.Pool{New: func() any {
	b := new(summaryBuilder)
	b.reset()
	return b
}}

// readSummary calls fn for each value of column col (an index of
// summaryColumns) counted in the stored summary s, and returns the
// block's event count; ok is false when s does not keep the column (or
// is not a summary this version reads).
func readSummary(s []byte, col int, fn func(v []byte, n int)) (events int, ok bool) {
	if len(s) == 0 || s[0] != summaryVersion {
		return 0, false
	}
	s = s[1:]
	next := func() (uint64, bool) {
		x, k := binary.Uvarint(s)
		if k <= 0 {
			return 0, false
		}
		s = s[k:]
		return x, true
	}
	n, good := next()
	if !good || n > maxBatchEventsStored {
		return 0, false
	}
	total := uint64(0) // of the column's counts: at most the block's events
	for i := 0; i <= col; i++ {
		k, good := next()
		if !good {
			return 0, false
		}
		if k == 0 {
			if i == col {
				return 0, false
			}
			continue
		}
		for range k - 1 {
			l, good := next()
			if !good || l > uint64(len(s)) {
				return 0, false
			}
			v := s[:l]
			s = s[l:]
			c, good := next()
			if !good || c > n {
				return 0, false
			}
			if i == col {
				if total += c; total > n {
					return 0, false
				}
				fn(v, int(c))
			}
		}
	}
	return int(n), true
}

// countSummaries counts column name (a summaryColumns entry, or tenant)
// into c from the summaries of the blocks sc may see that lie wholly
// inside q's time range, for a query without terms. It returns the
// condition on event_blocks (as b) that selects the blocks it did not
// count, for blockScan; nil (with c as it was) when it counted none.
func (s *Store) countSummaries(ctx context.Context, rq store.Querier, sc access.Scope, q Query, name string, into *valueCounter) (func(a *store.Args) string, error) {
	col := summaryColumn(name)
	c := &valueCounter{m: map[string]*int{}}
	var a store.Args
	from, to := q.From.UnixMicro(), q.To.UnixMicro()
	where := blockWhere(sc, q, &a) + " AND b.ts_min >= " + a.Add(from) + " AND b.ts_max < " + a.Add(to)
	query := `SELECT b.id, b.tenant, b.n, c.counts FROM event_blocks b JOIN event_block_counts c ON c.block_id = b.id WHERE ` + where
	if name == "tenant" {
		// The tenant of a block is its own: every block wholly inside
		// counts, with or without a summary.
		query = `SELECT b.id, b.tenant, b.n, NULL FROM event_blocks b WHERE ` + where
	}
	rows, err := rq.QueryContext(ctx, query, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot count events")
	}
	defer rows.Close()
	var unread []int64 // summaries without the column
	summarised := 0
	for rows.Next() {
		var id, tenant int64
		var n int
		var sum []byte
		if err := rows.Scan(&id, &tenant, &n, &sum); err != nil {
			return nil, errs.Wrap(err, "cannot read a block's counts")
		}
		if name == "tenant" {
			c.events += n
			c.add(strconv.FormatInt(tenant, 10), n)
			continue
		}
		counted := 0
		events, ok := readSummary(sum, col, func(v []byte, k int) {
			if len(v) > 0 {
				// add copies a value it keeps; sum is this row's own.
				c.add(unsafe.String(&v[0], len(v)), k)
				counted += k
			}
		})
		if !ok {
			unread = append(unread, id)
			continue
		}
		c.events += events
		c.missing += events - counted
		summarised++
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot count events")
	}
	if len(unread) > maxUnread {
		return nil, nil // few enough to name, or count every block by decoding
	}
	into.merge(c)
	s.BlocksSummarised.Add(int64(summarised))
	// The rest: blocks not wholly inside the range, without a summary, or
	// whose summary lacks the column (in the same read: see Count).
	return func(a *store.Args) string {
		has := `EXISTS (SELECT 1 FROM event_block_counts c WHERE c.block_id = b.id)`
		if name == "tenant" {
			has = "TRUE"
		}
		cond := "(b.ts_min < " + a.Add(from) + " OR b.ts_max >= " + a.Add(to) + " OR NOT " + has
		if len(unread) > 0 {
			ids := make([]string, len(unread))
			for i, id := range unread {
				ids[i] = a.Add(id)
			}
			cond += " OR b.id IN (" + strings.Join(ids, ",") + ")"
		}
		return cond + ")"
	}, nil
}

// maxBatchEventsStored bounds the event count a summary may claim.
const maxBatchEventsStored = 1 << 24

// maxUnread bounds the blocks whose summary lacks the counted column that
// a count names one by one; with more, it decodes every block.
const maxUnread = 500
