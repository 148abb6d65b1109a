// Package ingest receives logs over standard protocols, parses and
// attributes them, and hands them to the spine in batches. Every receiver
// writes through one narrow interface (Pipeline.Accept); a batch is
// published before the sender is acknowledged where the protocol has
// acknowledgements, and a full spine slows readers down instead of dropping.
// What cannot be delivered (UDP into a full spine) is counted, never
// silently lost.
package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
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
	bodies  chan struct{} // places for HTTP bodies being read (maxBodies)
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
		bodies: make(chan struct{}, maxBodies),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{p.events, p.errors, p.quarant, p.dropped, p.waits, p.busy} {
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

// Flush publishes what is pending. With wait, a full spine is retried until
// it has room or ctx ends (backpressure); without, the events are counted
// as dropped.
func (b *Batcher) Flush(ctx context.Context, wait bool) error {
	for tenant, evs := range b.pending {
		for _, part := range spineParts(evs) {
			if err := b.publishWaiting(ctx, tenant, part, wait); err != nil {
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

// publishWaiting publishes one part; with wait, a full spine is retried
// until it has room or ctx ends, without, the events are counted as
// dropped.
func (b *Batcher) publishWaiting(ctx context.Context, tenant int64, evs []event.Event, wait bool) error {
	b.buf = event.AppendBatch(b.buf[:0], evs)
	data := b.buf
	id := b.p.nextID()
	t := strconv.FormatInt(tenant, 10)
	var err error
	for delay := 50 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		err = b.p.sink.Publish(ctx, t, id, data)
		if !errors.Is(err, spine.ErrFull) {
			return err
		}
		if !wait {
			b.p.dropped.WithLabelValues(b.protocol).Add(float64(len(evs)))
			return nil
		}
		b.p.waits.Inc()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// maxPendingTenants bounds the per-tenant slices a batcher keeps between
// batches.
const maxPendingTenants = 64
