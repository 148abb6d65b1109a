// Package ingest receives logs over standard protocols, parses and
// attributes them, and hands them to the spine in batches. Every receiver
// writes through one narrow interface (Pipeline.Accept); a batch is
// published before the sender is acknowledged where the protocol has
// acknowledgements, and a full spine slows readers down instead of dropping.
// What cannot be delivered (UDP into a full spine) is counted, never
// silently lost.
package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/spine"
)

// Sink takes batches; the spine is one. Publish must not keep batch after
// it returns (the batchers reuse it).
type Sink interface {
	Publish(ctx context.Context, tenant, id string, batch []byte) error
}

// Pipeline is what receivers share: attribution, the sink, ids and counters.
type Pipeline struct {
	sink    Sink
	sources *sources.Registry
	log     *slog.Logger
	prefix  string // unique per process, so event and batch ids never collide
	seq     atomic.Uint64
	events  *prometheus.CounterVec
	errors  *prometheus.CounterVec
	quarant prometheus.Counter
	dropped *prometheus.CounterVec
	waits   prometheus.Counter
	busy    prometheus.Counter
	retries prometheus.Counter
	cut     *prometheus.CounterVec
	refused *prometheus.CounterVec
	// The HTTP bodies being read, in all (at most maxBodies) and by sender.
	bodyMu    sync.Mutex
	bodyCount int
	bodyBy    map[string]int
	// retryLogged is when a publish retry was last logged (Unix ns).
	retryLogged atomic.Int64
}

// NewPipeline returns a Pipeline publishing to sink and registering its
// counters in reg.
func NewPipeline(sink Sink, src *sources.Registry, log *slog.Logger, reg prometheus.Registerer) *Pipeline {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	p := &Pipeline{sink: sink, sources: src, log: log, prefix: hex.EncodeToString(b),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samdrift_ingest_events_total",
			Help: "Events received, by protocol."}, []string{"protocol"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samdrift_ingest_parse_errors_total",
			Help: "Events kept raw because they could not be parsed, by protocol."}, []string{"protocol"}),
		quarant: prometheus.NewCounter(prometheus.CounterOpts{Name: "samdrift_ingest_quarantined_total",
			Help: "Events from senders that match no registered source."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samdrift_ingest_dropped_total",
			Help: "Events that could not be delivered (UDP while the spine was full), by protocol."}, []string{"protocol"}),
		waits: prometheus.NewCounter(prometheus.CounterOpts{Name: "samdrift_ingest_backpressure_waits_total",
			Help: "Times a receiver waited because the spine was full."}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{Name: "samdrift_ingest_http_busy_total",
			Help: "HTTP ingest requests answered 429 because too many bodies were being read at once."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "samdrift_ingest_publish_retries_total",
			Help: "Batch publishes tried again (under the same id) after the spine failed or did not answer in time."}),
		cut: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samdrift_ingest_truncated_total",
			Help: "Messages longer than a receiver keeps, stored with their start and marked, by protocol."}, []string{"protocol"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samdrift_ingest_refused_connections_total",
			Help: "Connections closed at once because the listener held its most (MaxConns), by protocol."}, []string{"protocol"}),
		bodyBy: map[string]int{},
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{p.events, p.errors, p.quarant, p.dropped, p.waits, p.busy, p.retries, p.cut, p.refused} {
			_ = reg.Register(c)
		}
	}
	return p
}

// nextID returns a new process-unique id.
func (p *Pipeline) nextID() string {
	return p.prefix + "-" + strconv.FormatUint(p.seq.Add(1), 36)
}

// Batcher collects one receiver's events per tenant and publishes them in
// batches. It is not safe for concurrent use: one per connection.
type Batcher struct {
	p        *Pipeline
	protocol string
	max      int
	pending  map[int64][]event.Event
	count    int
	last     string
	buf      []byte // the encoded batch being published, reused
	// unsent holds parts whose publish failed (the spine unreachable or
	// not answering in time) with the id they were first tried under:
	// they are tried again, first, under that id, so a publish that did
	// land but whose answer was lost is recognised (JetStream's duplicate
	// window, the store's batch ids) instead of stored twice.
	unsent []unsentPart
	// Per-batcher caches of the hot path: the protocol's counters, and
	// the attribution of the sender's host names (one connection has one
	// address and few host names; the registry is consulted again when
	// it has been reloaded).
	events, errors prometheus.Counter
	seen           map[attrKey]sources.Attribution
	seenGen        uint64
}

type attrKey struct {
	addr netip.Addr
	host string
	cred sources.Credential
}

// attribute is sources.Attribute with a small per-batcher cache.
func (b *Batcher) attribute(addr netip.Addr, host string, c sources.Credential) sources.Attribution {
	gen := b.p.sources.Generation()
	if b.seen == nil || gen != b.seenGen || len(b.seen) > 256 {
		b.seen, b.seenGen = map[attrKey]sources.Attribution{}, gen
	}
	k := attrKey{addr, host, c}
	if at, ok := b.seen[k]; ok {
		return at
	}
	at := b.p.sources.Attribute(addr, host, c)
	b.seen[k] = at
	if c.CertSHA256 != "" {
		// Whoever's traffic this is, it came with this certificate: no
		// other organisation may claim the certificate later.
		b.p.sources.NoteCertificate(c, at.Tenant)
	}
	return at
}

// NewBatcher returns a Batcher for protocol that publishes at max events.
func (p *Pipeline) NewBatcher(protocol string, max int) *Batcher {
	return &Batcher{p: p, protocol: protocol, max: max, pending: map[int64][]event.Event{}}
}

// Add attributes e (sent from addr, with credential c: an ingest token or
// a TLS client certificate) and adds it; it publishes when the batch is
// full. An event without an id gets a new one; a receiver that can
// recognise a retransmission sets a stable id first (the store keeps one
// event per id).
func (b *Batcher) Add(ctx context.Context, e event.Event, addr netip.Addr, c sources.Credential) error {
	at := b.attribute(addr, e.Host, c)
	e.Tenant, e.Source, e.SourceID = at.Tenant, at.Source, at.SourceID
	if e.ID == "" {
		e.ID = b.p.nextID()
	}
	b.last = e.ID
	if b.events == nil {
		b.events, b.errors = b.p.events.WithLabelValues(b.protocol), b.p.errors.WithLabelValues(b.protocol)
	}
	b.events.Inc()
	if e.ParseError != "" {
		b.errors.Inc()
	}
	if at.Tenant == 0 {
		b.p.quarant.Inc()
	}
	b.pending[e.Tenant] = append(b.pending[e.Tenant], e)
	b.count++
	if b.count >= b.max {
		return b.Flush(ctx, true)
	}
	return nil
}

// LastID is the id given to the event added last.
func (b *Batcher) LastID() string { return b.last }

// Len is how many events wait to be published.
func (b *Batcher) Len() int { return b.count }

// unsentPart is an encoded part that is still to be published.
type unsentPart struct {
	tenant, id string
	data       []byte
	events     int
}

// Flush publishes what is pending. With wait, a full or failing spine is
// retried, under the same batch id, until it takes the batch or ctx ends:
// the receiver stops reading meanwhile, which slows its senders (TCP,
// RELP) instead of losing or duplicating events; an error leaves the
// events to the next Flush. Without wait (UDP, which cannot slow its
// senders), a full spine's events are counted as dropped.
func (b *Batcher) Flush(ctx context.Context, wait bool) error {
	for len(b.unsent) > 0 {
		u := b.unsent[0]
		if err := b.publishRetrying(ctx, u.tenant, u.id, u.data, u.events, wait); err != nil {
			return err
		}
		b.unsent = b.unsent[1:]
	}
	for tenant, evs := range b.pending {
		for _, part := range spineParts(evs) {
			b.buf = event.AppendBatch(b.buf[:0], part)
			t, id := strconv.FormatInt(tenant, 10), b.p.nextID()
			if err := b.publishRetrying(ctx, t, id, b.buf, len(part), wait); err != nil {
				// Keep this part (as tried) and the rest for the next
				// Flush; what was published is not pending any more.
				b.unsent = append(b.unsent, unsentPart{tenant: t, id: id, data: bytes.Clone(b.buf), events: len(part)})
				rest := evs[len(evs)-restAfter(evs, part):]
				b.pending[tenant] = slices.Clone(rest)
				b.count = b.pendingCount()
				return err
			}
		}
		// Keep the slice for the tenant's next batch (a connection
		// sends for few tenants), its events cleared for the collector.
		clear(evs)
		b.pending[tenant] = evs[:0]
	}
	if len(b.pending) > maxPendingTenants {
		clear(b.pending)
	}
	b.count = 0
	return nil
}

// maxSpineMessage bounds the encoded events of one spine message: NATS
// refuses payloads over 1 MiB (its default), so a batch of large events
// is published in parts.
const maxSpineMessage = 512 << 10

// spineParts cuts evs into runs of at most maxSpineMessage encoded bytes
// (a single larger event is a part of its own).
func spineParts(evs []event.Event) [][]event.Event {
	var parts [][]event.Event
	start, size := 0, 0
	for i := range evs {
		n := event.EncodedSize(&evs[i])
		if i > start && size+n > maxSpineMessage {
			parts = append(parts, evs[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(evs) {
		parts = append(parts, evs[start:])
	}
	return parts
}

// restAfter is how many events of evs come after part (a subslice of it).
func restAfter(evs, part []event.Event) int {
	end := cap(evs) - cap(part) + len(part) // part's end as an index into evs
	return len(evs) - end
}

// pendingCount counts the events pending and unsent.
func (b *Batcher) pendingCount() int {
	n := 0
	for _, evs := range b.pending {
		n += len(evs)
	}
	for _, u := range b.unsent {
		n += u.events
	}
	return n
}

// Abandon gives up what the batcher still holds (a receiver stopping while
// the spine cannot take it) and counts it as dropped, returning how many
// events that was.
func (b *Batcher) Abandon() int {
	n := b.pendingCount()
	if n > 0 {
		b.p.dropped.WithLabelValues(b.protocol).Add(float64(n))
	}
	clear(b.pending)
	b.unsent, b.count = nil, 0
	return n
}

// publishRetrying publishes one encoded part under id. With wait, a full
// spine and a failing publish are retried (under id, with backoff up to
// 2 s) until ctx ends; without wait, a full spine's events are counted as
// dropped and other errors returned.
func (b *Batcher) publishRetrying(ctx context.Context, tenant, id string, data []byte, events int, wait bool) error {
	for delay := 50 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		err := b.p.sink.Publish(ctx, tenant, id, data)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, spine.ErrFull) && !wait:
			b.p.dropped.WithLabelValues(b.protocol).Add(float64(events))
			return nil
		case errors.Is(err, spine.ErrTooLarge):
			// Receivers bound what one event may hold, so this is a bug;
			// it is counted and logged, and trying again cannot help.
			b.p.dropped.WithLabelValues(b.protocol).Add(float64(events))
			b.p.log.Error("events lost: a batch is larger than the spine takes", "protocol", b.protocol, "batch", id, "events", events, "err", err)
			return nil
		case !wait:
			return err
		case errors.Is(err, spine.ErrFull):
			b.p.waits.Inc()
		default:
			b.p.retries.Inc()
			// Under load many batches wait at once: say so every 10 s
			// at most (the counter has the rest).
			if now := time.Now().UnixNano(); now-b.p.retryLogged.Load() > int64(10*time.Second) {
				b.p.retryLogged.Store(now)
				b.p.log.Warn("cannot publish a batch; trying again under its id (samdrift_ingest_publish_retries_total counts them)",
					"protocol", b.protocol, "batch", id, "events", events, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot publish batch %s: %w", id, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// maxPendingTenants bounds the per-tenant slices a batcher keeps between
// batches.
const maxPendingTenants = 64

// drainGrace is how long a stopping receiver keeps trying to publish what
// it holds.
const drainGrace = 10 * time.Second

// graceContext returns a context that ends drainGrace after ctx does: a
// receiver publishes with it what it read before being told to stop.
func graceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(drainGrace, cancel) })
	return gctx, func() { stop(); cancel() }
}

// finalFlush publishes what b holds as its receiver stops, trying for up
// to drainGrace after ctx ends; what the spine still does not take is
// counted as dropped and logged with its number, never lost unseen.
func (b *Batcher) finalFlush(ctx context.Context, wait bool) {
	gctx, cancel := graceContext(ctx)
	defer cancel()
	if err := b.Flush(gctx, wait); err != nil {
		n := b.Abandon()
		b.p.log.Error("events lost: the spine did not take them before the receiver stopped", "protocol", b.protocol, "events", n, "err", err)
	}
}

// markCut marks e, made of the first kept bytes of a message of n bytes,
// as cut short, and counts it: a too-long message is kept (its start) and
// shown, not dropped.
func (p *Pipeline) markCut(e *event.Event, protocol string, n, kept int) {
	p.cut.WithLabelValues(protocol).Inc()
	msg := fmt.Sprintf("the message had %d bytes; the first %d are kept", n, kept)
	if e.ParseError != "" {
		msg += "; " + e.ParseError
	}
	e.ParseError = msg
	e.Set("event.truncated_from", strconv.Itoa(n))
}
