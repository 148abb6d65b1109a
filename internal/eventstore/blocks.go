package eventstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/klauspost/compress/zstd"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
)

// The SQLite store keeps events in blocks (migration 0009): one row per
// tenant and day of a stored batch, the events in the split form
// (blockSplit), zstd-compressed. PostgreSQL keeps one row per event.

// Blocks carry no zstd checksum (earlier ones do; it is not checked):
// hashing every block cost a twentieth of a search's time, and a damaged
// block still fails to decompress or to decode (the decoders check
// every length against the data).
var (
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(false))
	zdec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(256<<20), zstd.IgnoreChecksum(true))
)

// maxBlockEvents bounds one block, so reading one stays cheap.
const maxBlockEvents = 5000

// Batch is events as the spine delivered them; ID (when set) makes a
// batch delivered again after a crash a no-op.
type Batch struct {
	ID     string
	Events []event.Event
	// Redelivered says the spine delivered the batch before (samdrift
	// stopped before acknowledging it): it may be stored in part.
	Redelivered bool
}

// dayOf is the UTC day number of a Unix µs time.
func dayOf(us int64) int64 {
	d := us / day
	if us < 0 && us%day != 0 {
		d--
	}
	return d
}

// appendBlocks stores batches as blocks in one transaction.
func (s *Store) appendBlocks(ctx context.Context, batches []Batch) (int, error) {
	inserted := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		inserted, err = appendBlocksTx(ctx, tx, batches)
		return err
	})
	return inserted, err
}

// appendBlocksTx stores batches as blocks within tx.
func appendBlocksTx(ctx context.Context, tx *sql.Tx, batches []Batch) (int, error) {
	inserted := 0
	err := func() error {
		now := time.Now().UnixMicro()
		type key = blockKey
		// Events are grouped by index and copied once into groups of
		// the right size: appending whole events grew each group's
		// slice many times over (a tenth of ingest's CPU at 60,000
		// events/s).
		type ref struct {
			k    key
			b, e int32
		}
		var refs []ref
		counts := map[key]int{}
		var order []key
		// Whole batches of one tenant and day, stored as they came; a key
		// with any single events has them all stored event by event.
		pieces := map[key][]batchSpan{}
		mixed := map[key]bool{}
		var idStmt *sql.Stmt
		defer func() {
			if idStmt != nil {
				idStmt.Close()
			}
		}()
		for bi, b := range batches {
			if b.ID != "" {
				res, err := tx.ExecContext(ctx, `INSERT INTO stored_batches (id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, b.ID, now)
				if err != nil {
					return errs.Wrap(err, "cannot record batch %s", b.ID)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue // stored before
				}
			}
			if k, p, ok := wholeBatch(b); ok {
				if counts[k] == 0 {
					order = append(order, k)
				}
				counts[k] += p.n
				p.batch = bi
				pieces[k] = append(pieces[k], p)
				continue
			}
			for ei := range b.Events {
				e := &b.Events[ei]
				if event.IsStableID(e.ID) {
					if idStmt == nil {
						var err error
						if idStmt, err = tx.PrepareContext(ctx, `INSERT INTO stored_event_ids (id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING`); err != nil {
							return errs.Wrap(err, "cannot prepare id insert")
						}
					}
					res, err := idStmt.ExecContext(ctx, e.ID, now)
					if err != nil {
						return errs.Wrap(err, "cannot record event id %s", e.ID)
					}
					if n, _ := res.RowsAffected(); n == 0 {
						continue // a retransmission
					}
				}
				k := key{e.Tenant, dayOf(e.Time.UnixMicro())}
				if counts[k] == 0 {
					order = append(order, k)
				}
				counts[k]++
				mixed[k] = true
				refs = append(refs, ref{k, int32(bi), int32(ei)})
			}
		}
		groups := make(map[key][]event.Event, len(order))
		for _, k := range order {
			if mixed[k] {
				// Whole batches whose key also has single events are
				// stored event by event with them.
				groups[k] = make([]event.Event, 0, counts[k])
				for _, p := range pieces[k] {
					groups[k] = append(groups[k], batches[p.batch].Events...)
				}
			}
		}
		for _, r := range refs {
			groups[r.k] = append(groups[r.k], batches[r.b].Events[r.e])
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO event_blocks (tenant, ts_min, ts_max, n, data) VALUES ($1, $2, $3, $4, $5)`)
		if err != nil {
			return errs.Wrap(err, "cannot prepare block insert")
		}
		defer st.Close()
		gst, err := tx.PrepareContext(ctx, `INSERT INTO event_block_grams (block_id, grams) VALUES ($1, $2)`)
		if err != nil {
			return errs.Wrap(err, "cannot prepare block filter insert")
		}
		defer gst.Close()
		cst, err := tx.PrepareContext(ctx, `INSERT INTO event_block_counts (block_id, counts) VALUES ($1, $2)`)
		if err != nil {
			return errs.Wrap(err, "cannot prepare block counts insert")
		}
		defer cst.Close()
		gb := gramPool.Get().(*gramBuilder)
		defer gramPool.Put(gb)
		sb := summaryPool.Get().(*summaryBuilder)
		defer summaryPool.Put(sb)
		var sum []byte
		// insert stores one block, its filter and its column counts.
		insert := func(tenant, lo, hi int64, n int, data, grams, sum []byte) error {
			res, err := st.ExecContext(ctx, tenant, lo, hi, n, data)
			if err != nil {
				return errs.Wrap(err, "cannot store a block of tenant %d", tenant)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return errs.Wrap(err, "cannot read the new block's id")
			}
			if _, err := gst.ExecContext(ctx, id, grams); err != nil {
				return errs.Wrap(err, "cannot store the filter of a block of tenant %d", tenant)
			}
			if _, err := cst.ExecContext(ctx, id, sum); err != nil {
				return errs.Wrap(err, "cannot store the counts of a block of tenant %d", tenant)
			}
			return nil
		}
		// One block writer serves every block: the driver copies what it
		// binds (fresh buffers were a tenth of the server's allocations at
		// 75,000 events/s).
		bw := freeWriters.get()
		defer freeWriters.put(bw)
		for _, k := range order {
			if !mixed[k] {
				// Consecutive whole batches, up to a block's worth each.
				ps := pieces[k]
				for len(ps) > 0 {
					n, lo, hi := 0, int64(math.MaxInt64), int64(math.MinInt64)
					bw.w.Reset()
					var in []int // the batches in this block
					for len(ps) > 0 && (n == 0 || n+ps[0].n <= maxBlockEvents) {
						n += ps[0].n
						lo, hi = min(lo, ps[0].tsMin), max(hi, ps[0].tsMax)
						in = append(in, ps[0].batch)
						bw.w.Add(batches[ps[0].batch].Events)
						ps = ps[1:]
					}
					gb.begin(len(bw.w.Heads) + len(bw.w.Rests))
					for _, bi := range in {
						for i := range batches[bi].Events {
							gb.addEvent(&batches[bi].Events[i])
							sb.addEvent(&batches[bi].Events[i])
						}
					}
					grams := gb.filter(nil)
					sum = sb.summary(sum[:0], nil)
					if err := insert(k.tenant, lo, hi, n, bw.pack(), grams, sum); err != nil {
						return err
					}
					inserted += n
				}
				continue
			}
			evs := groups[k]
			slices.SortStableFunc(evs, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
			for start := 0; start < len(evs); start += maxBlockEvents {
				part := evs[start:min(start+maxBlockEvents, len(evs))]
				bw.w.Reset()
				bw.w.Add(part)
				gb.begin(len(bw.w.Heads) + len(bw.w.Rests))
				sum = sb.summary(sum[:0], part)
				if err := insert(k.tenant, part[0].Time.UnixMicro(), part[len(part)-1].Time.UnixMicro(), len(part), bw.pack(), gb.filter(part), sum); err != nil {
					return err
				}
				inserted += len(part)
			}
		}
		return nil
	}()
	return inserted, err
}

// blockKey is what a block holds events of: one tenant, one UTC day.
type blockKey struct{ tenant, day int64 }

// batchSpan is a whole batch's place among those being stored, its count and its times.
type batchSpan struct {
	n            int
	tsMin, tsMax int64
	batch        int // index in the batches being stored
}

// wholeBatch reports whether b can be stored as a whole: it fits a block,
// and its events share one tenant and day and carry no stable ids (those
// are checked one by one for retransmissions).
func wholeBatch(b Batch) (k blockKey, p batchSpan, ok bool) {
	if len(b.Events) == 0 || len(b.Events) > maxBlockEvents {
		return k, p, false
	}
	p.n, p.tsMin, p.tsMax = len(b.Events), math.MaxInt64, math.MinInt64
	k.tenant, k.day = b.Events[0].Tenant, dayOf(b.Events[0].Time.UnixMicro())
	for i := range b.Events {
		e := &b.Events[i]
		ts := e.Time.UnixMicro()
		if e.Tenant != k.tenant || dayOf(ts) != k.day || event.IsStableID(e.ID) {
			return k, p, false
		}
		p.tsMin, p.tsMax = min(p.tsMin, ts), max(p.tsMax, ts)
	}
	return k, p, true
}

// blockSplit marks a block in the split form (event.SplitWriter): the
// byte, the count of events and the compressed heads' length (uvarints),
// the compressed heads, then the compressed rests. A search that tests
// only head columns (time, tenant, host, app, sender, severity, format,
// product, message) decompresses and decodes the heads alone, about a
// third of a block. Blocks stored before this form are one zstd frame of
// a whole batch (event.EncodeBatch) and start with zstd's magic number.
const blockSplit = 0x02

// blockWriter packs blocks into buffers it keeps for the next.
type blockWriter struct {
	w       event.SplitWriter
	hz, out []byte
}

// freeWriters keeps block writers, with their buffers grown to a block's
// size (a few MB), from transaction to transaction: a sync.Pool, which
// the collector empties, had them grow from nothing again and again
// (growslice was half of encoding a block at full load).
var freeWriters = make(freeList[blockWriter], 2)

// freeList keeps up to its capacity of values, with the memory they grew,
// from use to use, where the collector does not empty it.
type freeList[T any] chan *T

// get returns a kept value, or a new one.
func (f freeList[T]) get() *T {
	select {
	case v := <-f:
		return v
	default:
		return new(T)
	}
}

// put keeps v if there is room.
func (f freeList[T]) put(v *T) {
	select {
	case f <- v:
	default:
	}
}

// pack returns the block of the events added to w since its Reset, valid
// until the next pack.
func (bw *blockWriter) pack() []byte {
	bw.hz = zenc.EncodeAll(bw.w.Heads, bw.hz[:0])
	out := append(bw.out[:0], blockSplit)
	out = binary.AppendUvarint(out, uint64(bw.w.N))
	out = binary.AppendUvarint(out, uint64(len(bw.hz)))
	out = append(out, bw.hz...)
	bw.out = zenc.EncodeAll(bw.w.Rests, out)
	return bw.out
}

// decodeBlock decompresses and decodes one block into memory of its own:
// the events may be kept as they are.
func decodeBlock(data []byte) ([]event.Event, error) {
	var d blockDecoder
	return d.decode(data)
}

// blockDecoder decompresses and decodes blocks into memory it keeps for
// the next block: the events of one block, strings included, are valid
// until it decodes the next.
type blockDecoder struct {
	packed []byte // the block as stored, for scanRows
	// split says the block is in the split form: head holds its heads,
	// rest its rests once unpackRests ran (restDone), restZ them
	// compressed. Otherwise head holds the whole batch.
	split      bool
	n          int
	head, rest []byte
	restZ      []byte
	restDone   bool
	dec        event.BatchDecoder
	hits       []int32
	// light says the events hold their head values only (see scan).
	light bool
}

func (d *blockDecoder) decode(data []byte) ([]event.Event, error) {
	if err := d.unpackHeads(data); err != nil {
		return nil, err
	}
	evs, err := d.heads()
	if err == nil {
		err = d.rests(evs)
	}
	return evs, err
}

// inflate decompresses src into dst's memory.
func inflate(dst, src []byte) ([]byte, error) {
	out, err := zdec.DecodeAll(src, dst[:0])
	if err != nil {
		return dst, errs.Wrap(err, "cannot decompress an event block")
	}
	if cap(out) > cap(dst) {
		// Grown: with room for a somewhat larger block next time.
		out = slices.Grow(out, len(out)/4)
	}
	return out, nil
}

// unpackHeads reads a block's form and decompresses its heads (or, for a
// block stored before the split form, all of it). data must stay as it is
// until the block's rests are unpacked.
func (d *blockDecoder) unpackHeads(data []byte) error {
	d.split, d.restDone, d.light = false, false, false
	if len(data) == 0 || data[0] != blockSplit {
		var err error
		d.head, err = inflate(d.head, data)
		return err
	}
	n, k := binary.Uvarint(data[1:])
	hl, k2 := binary.Uvarint(data[1+max(k, 0):])
	if k <= 0 || k2 <= 0 || n > math.MaxInt32 || hl > uint64(len(data)-1-k-k2) {
		return errs.E(errs.Internal, "cannot read an event block: corrupt header")
	}
	at := 1 + k + k2
	d.split, d.n, d.restZ = true, int(n), data[at+int(hl):]
	var err error
	d.head, err = inflate(d.head, data[at:at+int(hl)])
	return err
}

// unpackRests decompresses a split block's rests.
func (d *blockDecoder) unpackRests() error {
	if !d.split || d.restDone {
		return nil
	}
	var err error
	d.rest, err = inflate(d.rest, d.restZ)
	d.restDone = err == nil
	return err
}

// heads decodes the events unpackHeads left: their head values only for
// a split block (rests adds the rest), whole events otherwise.
func (d *blockDecoder) heads() ([]event.Event, error) {
	// In place: a search over hundreds of blocks allocates nothing per
	// block, and the collector does not run (measured: with a copy of
	// each block, its write barriers and marking took a third of a
	// search's time).
	if !d.split {
		return d.dec.DecodeShared(d.head)
	}
	evs, err := d.dec.DecodeHeadsShared(d.head, d.n)
	return evs, errs.Wrap(err, "cannot decode an event block")
}

// rests completes the events heads returned.
func (d *blockDecoder) rests(evs []event.Event) error {
	if !d.split {
		return nil
	}
	if err := d.unpackRests(); err != nil {
		return err
	}
	return errs.Wrap(d.dec.DecodeRestsShared(d.rest, evs), "cannot decode an event block")
}

// text is the decompressed bytes of the block unpacked so far, for the
// byte prefilter.
func (d *blockDecoder) text() *blockText {
	t := &blockText{s: unsafe.String(unsafe.SliceData(d.head), len(d.head)), partial: d.split && !d.restDone}
	if d.restDone {
		t.rest = unsafe.String(unsafe.SliceData(d.rest), len(d.rest))
	}
	return t
}

// scan decompresses, decodes and matches the block in d.packed (of newest
// time tsMax), leaving the matching events' indexes in d.hits, newest
// first; passed says the prefilter ruled the block out. With headOnly set
// (the query tests head columns only), a split block's rests are
// unpacked only when it has hits and headOnly(tsMax) is false; otherwise
// its events carry their head values only and d.light is set.
func (d *blockDecoder) scan(tsMax int64, req *gramReq, from, to int64, m matcher, headOnly func(tsMax int64) bool) (evs []event.Event, passed bool, err error) {
	d.hits = d.hits[:0] // none, whatever the block before had
	if err := d.unpackHeads(d.packed); err != nil {
		return nil, false, err
	}
	// The heads' bytes first: a term on them rules most blocks out
	// before the rests are decompressed.
	if req != nil && !req.admitsBytes(d.text()) {
		return nil, true, nil // no event can match: not decoded
	}
	light := headOnly != nil && d.split
	if !light && d.split {
		if err := d.unpackRests(); err != nil {
			return nil, false, err
		}
		if req.restPieces() && !req.admitsBytes(d.text()) {
			return nil, true, nil
		}
	}
	if evs, err = d.heads(); err == nil && !light {
		err = d.rests(evs)
	}
	if err != nil {
		return nil, false, err
	}
	h := d.hits[:0]
	for i := len(evs) - 1; i >= 0; i-- {
		e := &evs[i]
		if ts := e.Time.UnixMicro(); ts >= from && ts < to && m(e) {
			h = append(h, int32(i))
		}
	}
	d.hits = h
	if light && len(h) > 0 && !headOnly(tsMax) {
		if err := d.rests(evs); err != nil {
			return nil, false, err
		}
		light = false
	}
	d.light = light
	return evs, false, nil
}

// blockScan reads the blocks that may hold events of q that sc may see,
// newest block first, and calls fn for each event in q's time range that
// m matches; fn returns false to stop. next, when set, is asked before
// each block with the block's newest time whether to go on. fn is called
// from one goroutine, block after block in order; the event it gets,
// strings included, is valid during the call only: keep a copy with
// Clone, a string with strings.Clone.
func (s *Store) blockScan(ctx context.Context, sc access.Scope, q Query, bq blockQuery, next func(tsMax int64) bool,
	fn func(e *event.Event) bool) error {
	var a store.Args
	from, to := q.From.UnixMicro(), q.To.UnixMicro()
	where := blockWhere(sc, q, &a) + " AND b.ts_max >= " + a.Add(from) + " AND b.ts_min < " + a.Add(to)
	if bq.blocks != nil {
		where += " AND " + bq.blocks(&a)
	}
	// With text terms, blocks whose filter rules the query out are not
	// decompressed (nor decoded). (Reading the filters first and then
	// only the admitted blocks' data, one query each, made searches for
	// common terms slower by more than it saved.)
	query := `SELECT b.ts_max, NULL, b.data FROM event_blocks b WHERE ` + where + ` ORDER BY b.ts_max DESC`
	if bq.grams != nil {
		query = `SELECT b.ts_max, g.grams, b.data FROM event_blocks b
		LEFT JOIN event_block_grams g ON g.block_id = b.id WHERE ` + where + ` ORDER BY b.ts_max DESC`
	}
	rq := bq.from
	if rq == nil {
		rq = s.db.Reader()
	}
	rows, err := rq.QueryContext(ctx, query, a.Values()...)
	if err != nil {
		return errs.Wrap(err, "cannot search events")
	}
	defer rows.Close()
	var headOnly func(int64) bool
	if bq.light {
		headOnly = bq.headOnly
	}
	return s.scanRows(ctx, rows, bq.grams, from, to, bq.match, headOnly, next, fn)
}

// blockWhere is the condition on event_blocks (as b) for the blocks of
// the tenants sc may see, and of q's tenants when it names them.
func blockWhere(sc access.Scope, q Query, a *store.Args) string {
	where := sc.SecurityPredicate("b.tenant", a)
	if len(q.Tenants) > 0 {
		ps := make([]string, len(q.Tenants))
		for i, t := range q.Tenants {
			ps[i] = a.Add(t)
		}
		where += " AND b.tenant IN (" + strings.Join(ps, ",") + ")"
	}
	return where
}

// scanWorkers bounds the goroutines that decompress, decode and match the
// blocks of one scan; scanAhead how many blocks may be read ahead of fn.
var (
	scanWorkers = min(runtime.GOMAXPROCS(0), 4)
	scanAhead   = 2 * scanWorkers
)

// freeDecoders keeps block decoders, with their buffers grown to a
// block's size (about 5 MB each), from scan to scan: enough for one scan
// in flight, not so many that idle searches hold much memory. (Fresh
// decoders for every search, or a sync.Pool the collector empties, cost a
// third of a search's time in allocating and collecting.)
var freeDecoders = make(freeList[blockDecoder], scanAhead+1)

// scanned is one block of a scan: read in order, decoded and matched by
// a worker, handed to fn in order.
type scanned struct {
	skipped bool // by the block's filter: nothing to hand to fn
	tsMax   int64
	dec     *blockDecoder // with the block's data, then its events
	evs     []event.Event
	err     error
	done    chan struct{}
}

// scanRows is blockScan over the rows (ts_max, grams, data) of blocks,
// newest first. Blocks are decompressed, decoded and matched by up to
// scanWorkers goroutines while fn takes the blocks before them, so a
// search uses every core. The read-ahead starts at one block and grows
// with every block fn finishes: a scan that stops after its first block
// (a limit of a few events) decodes little more than that block, and
// reads no rows past the read-ahead (rows the filters skip included).
func (s *Store) scanRows(ctx context.Context, rows *sql.Rows, req *gramReq, from, to int64, m matcher, headOnly func(tsMax int64) bool,
	next func(tsMax int64) bool, fn func(e *event.Event) bool) error {
	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ordered := make(chan *scanned, scanAhead)
	work := make(chan *scanned, scanAhead)
	credit := make(chan struct{}, scanAhead)
	credit <- struct{}{}
	var rerr error
	var wg sync.WaitGroup
	wg.Go(func() { // the reader: rows belong to this goroutine
		defer close(ordered)
		defer close(work)
		// The rows run under the caller's context: a scan stopped early
		// (or its caller gone) stops reading here, also through blocks
		// the filters skip.
		for ctx.Err() == nil && rows.Next() {
			// RawBytes: database/sql would copy each block once more
			// for a []byte; it is copied into a buffer kept for the
			// next block instead.
			var tsMax int64
			var grams, data sql.RawBytes
			if err := rows.Scan(&tsMax, &grams, &data); err != nil {
				if ctx.Err() == nil {
					rerr = errs.Wrap(err, "cannot read an event block")
				}
				return
			}
			skip := grams != nil && req != nil && !req.admits(grams)
			// Every row waits for a credit, skipped ones too: the
			// reader stays within scanAhead rows of fn, so a scan that
			// stops early reads no further.
			select {
			case <-credit:
			case <-ctx.Done():
				return
			}
			if skip {
				s.BlocksSkipped.Add(1)
				b := &scanned{skipped: true, done: make(chan struct{})}
				close(b.done)
				ordered <- b
				continue
			}
			dec := freeDecoders.get()
			dec.packed = append(dec.packed[:0], data...)
			b := &scanned{tsMax: tsMax, dec: dec, done: make(chan struct{})}
			work <- b // never blocks: at most scanAhead credits are out
			ordered <- b
		}
		if err := rows.Err(); err != nil && ctx.Err() == nil {
			rerr = errs.Wrap(err, "cannot search events")
		}
	})
	for range scanWorkers {
		wg.Go(func() {
			for b := range work {
				if ctx.Err() == nil {
					var passed bool
					b.evs, passed, b.err = b.dec.scan(b.tsMax, req, from, to, m, headOnly)
					if passed {
						s.BlocksPassed.Add(1)
					} else if b.err == nil && b.dec.light {
						s.BlocksHeadOnly.Add(1)
					}
				}
				close(b.done)
			}
		})
	}
	// take hands one block's events to fn; it returns whether to go on.
	take := func(b *scanned) (bool, error) {
		if b.skipped {
			return ctx.Err() == nil, ctx.Err()
		}
		defer freeDecoders.put(b.dec) // fn is done with the block's events
		if b.err != nil {
			return false, b.err
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if next != nil && !next(b.tsMax) {
			return false, nil
		}
		s.BlocksRead.Add(1)
		for _, i := range b.dec.hits {
			if !fn(&b.evs[i]) {
				return false, nil
			}
		}
		return true, nil
	}
	var err error
	given := 1
	for b := range ordered {
		<-b.done
		var more bool
		if more, err = take(b); !more {
			break
		}
		credit <- struct{}{}
		if given < scanAhead {
			given++
			credit <- struct{}{}
		}
	}
	cancel()
	for b := range ordered { // let the reader and the workers end
		<-b.done
		if b.dec != nil {
			freeDecoders.put(b.dec)
		}
	}
	wg.Wait()
	if oerr := outer.Err(); oerr != nil {
		return oerr
	}
	if err == nil {
		err = rerr
	}
	return err
}

// newer orders events newest first (time, then id, descending).
func newer(a, b *event.Event) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// searchBlocks is Search over blocks.
func (s *Store) searchBlocks(ctx context.Context, sc access.Scope, q Query, bq blockQuery) (Result, error) {
	var curTS int64
	var curID string
	hasCursor := q.Cursor != ""
	if hasCursor {
		var err error
		if curTS, curID, err = decodeCursor(q.Cursor); err != nil {
			return Result{}, err
		}
	}
	var top []event.Event // the page so far, kept sorted newest first
	total := 0
	// Once the page is full, a block whose newest event is older than the
	// page's oldest can only add to the count: its events' heads do. (The
	// page's oldest time only grows.)
	var cutoff atomic.Int64
	cutoff.Store(math.MinInt64)
	bq.headOnly = func(tsMax int64) bool { return tsMax < cutoff.Load() }
	err := s.blockScan(ctx, sc, q, bq, func(tsMax int64) bool {
		// Once the count is capped and the page is full, a block whose
		// newest event is older than the page's oldest can change nothing.
		return !(total > TotalCap && len(top) == q.Limit && tsMax < top[len(top)-1].Time.UnixMicro())
	}, func(e *event.Event) bool {
		total++
		if hasCursor {
			ts := e.Time.UnixMicro()
			if ts > curTS || (ts == curTS && e.ID >= curID) {
				return true
			}
		}
		if len(top) == q.Limit && newer(e, &top[len(top)-1]) >= 0 {
			return true
		}
		i, _ := slices.BinarySearchFunc(top, e, func(x event.Event, t *event.Event) int { return newer(&x, t) })
		top = slices.Insert(top, i, e.Clone())
		if len(top) > q.Limit {
			top = top[:q.Limit]
		}
		if len(top) == q.Limit {
			cutoff.Store(top[len(top)-1].Time.UnixMicro())
		}
		return true
	})
	if err != nil {
		return Result{}, err
	}
	res := Result{Items: top, Total: min(total, TotalCap), TotalExact: total <= TotalCap}
	if res.Items == nil {
		res.Items = []event.Event{}
	}
	if len(top) == q.Limit {
		last := top[len(top)-1]
		c := encodeCursor(last.Time.UnixMicro(), last.ID)
		res.Next = &c
	}
	return res, nil
}

// pruneBlocks removes events older than cut (of tenant, or of all tenants
// when tenant is nil): whole blocks, and the old part of a block that
// straddles the cut.
func (s *Store) pruneBlocks(ctx context.Context, tenant *int64, cut int64) (int64, error) {
	var removed int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		where := "ts_min < " + a.Add(cut)
		if tenant != nil {
			where += " AND tenant = " + a.Add(*tenant)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, tenant, ts_max, n, data FROM event_blocks WHERE `+where, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot find old event blocks")
		}
		type rewrite struct {
			id     int64
			tenant int64
			keep   []event.Event
		}
		var drop []int64
		var rewrites []rewrite
		for rows.Next() {
			var id, t, tsMax int64
			var n int
			var data []byte
			if err := rows.Scan(&id, &t, &tsMax, &n, &data); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot read an event block")
			}
			if tsMax < cut {
				drop = append(drop, id)
				removed += int64(n)
				continue
			}
			evs, err := decodeBlock(data)
			if err != nil {
				rows.Close()
				return err
			}
			keep := slices.DeleteFunc(evs, func(e event.Event) bool { return e.Time.UnixMicro() < cut })
			removed += int64(n - len(keep))
			rewrites = append(rewrites, rewrite{id, t, keep})
		}
		rows.Close()
		for _, id := range drop {
			if _, err := tx.ExecContext(ctx, `DELETE FROM event_blocks WHERE id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot delete an event block")
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM event_block_grams WHERE block_id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot delete an event block's filter")
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM event_block_counts WHERE block_id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot delete an event block's counts")
			}
		}
		// A rewritten block keeps its filter: the filter of all its events
		// admits every search the remaining ones can match. Its column
		// counts are counted again.
		sb := summaryPool.Get().(*summaryBuilder)
		defer summaryPool.Put(sb)
		bw := freeWriters.get()
		defer freeWriters.put(bw)
		for _, r := range rewrites {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_block_counts (block_id, counts) VALUES ($1, $2)
				ON CONFLICT (block_id) DO UPDATE SET counts = excluded.counts`, r.id, sb.summary(nil, r.keep)); err != nil {
				return errs.Wrap(err, "cannot count a rewritten event block")
			}
			bw.w.Reset()
			bw.w.Add(r.keep)
			// The oldest kept event: blocks of whole batches are not
			// sorted by time.
			lo := r.keep[0].Time.UnixMicro()
			for i := range r.keep {
				lo = min(lo, r.keep[i].Time.UnixMicro())
			}
			if _, err := tx.ExecContext(ctx, `UPDATE event_blocks SET ts_min = $1, n = $2, data = $3 WHERE id = $4`,
				lo, len(r.keep), bw.pack(), r.id); err != nil {
				return errs.Wrap(err, "cannot rewrite an event block")
			}
		}
		week := time.Now().Add(-7 * 24 * time.Hour).UnixMicro()
		for _, t := range []string{"stored_batches", "stored_event_ids"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE at < $1`, week); err != nil {
				return errs.Wrap(err, "cannot prune %s", t)
			}
		}
		return nil
	})
	return removed, err
}

// Upgrade moves events kept one row each (before the block layout) into
// blocks, in chunks, reporting progress; it does nothing on PostgreSQL or
// when there are none.
func (s *Store) Upgrade(ctx context.Context, progress func(moved, total int)) error {
	if s.db.Dialect() != store.SQLite {
		return nil
	}
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&total); err != nil {
		return errs.Wrap(err, "cannot count old events")
	}
	moved := 0
	for moved < total {
		var evs []event.Event
		var last int64
		err := s.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(MAX(rowid), 0) FROM (SELECT rowid FROM events ORDER BY rowid LIMIT 5000)`).Scan(&last)
		if err != nil {
			return errs.Wrap(err, "cannot read old events")
		}
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+columns+` FROM events WHERE rowid <= $1`, last)
		if err != nil {
			return errs.Wrap(err, "cannot read old events")
		}
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, e)
		}
		rows.Close()
		if len(evs) == 0 {
			break
		}
		// Moved and removed in one transaction: a crash leaves either.
		if err := s.db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := appendBlocksTx(ctx, tx, []Batch{{Events: evs}}); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM events WHERE rowid <= $1`, last)
			return errs.Wrap(err, "cannot remove moved events")
		}); err != nil {
			return err
		}
		moved += len(evs)
		if progress != nil {
			progress(moved, total)
		}
	}
	return nil
}
