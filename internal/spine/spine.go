// Package spine is the event path's durable queue: NATS JetStream, either
// an in-process server with file storage under the data directory (the
// embedded default) or an external cluster. Ingest publishes batches and is
// acknowledged only once JetStream has them on disk; each consumer (store,
// detect) acknowledges a batch only after its own commit, so a crash loses
// nothing that was acknowledged; acknowledged batches are purged in bulk.
// Batches carry an id: a batch published
// twice is stored once. When the stream is full, publishing fails with
// ErrFull and ingest applies backpressure. The spine knows nothing of
// events; it moves bytes.
package spine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrFull is returned by Publish when the stream has reached its byte
// limit: consumers are behind and the sender must slow down.
var ErrFull = errors.New("event spine is full: consumers are behind; retry later")

// ErrTooLarge is returned by Publish for a batch larger than the spine
// takes in one message; trying it again cannot help.
var ErrTooLarge = errors.New("batch is larger than the event spine takes in one message")

// Options configures Open.
type Options struct {
	// URL of an external NATS cluster (nats://…); empty starts an
	// in-process server storing under Dir.
	URL string
	Dir string
	// Stream is the JetStream stream name (default "EVENTS"); Subject the
	// subject prefix (default "events").
	Stream  string
	Subject string
	// MaxBytes bounds what the stream buffers for slow consumers (default
	// 1 GiB). Beyond it, Publish returns ErrFull.
	MaxBytes int64
	// MaxAge drops batches older than this even if unconsumed (default 7 days).
	MaxAge time.Duration
	// Consumers are the durable consumers created at Open. The stream keeps
	// a batch until every one of them has acknowledged it (then the next
	// purge drops it); durable consumers not listed here hold nothing back.
	Consumers []string
	// MaxBatches bounds how many batches a consumer has in hand at once
	// (default 32: at full load with every SigmaHQ rule, 64 held about
	// 50 MB more at the peak for no faster storing; 16 made each store
	// transaction so small that storing slowed by a sixth).
	MaxBatches int
	// Partitions splits the stream by tenant into this many partitions
	// (0 or 1: one), each with its own store consumer, so that several
	// store nodes share the work while each tenant's events stay on one of
	// them (correlations see all of a tenant's events). It is fixed when
	// a deployment is created; more than one needs an external NATS.
	Partitions int
	// Creds is a NATS credentials file (user JWT and NKey seed) and CA a
	// PEM file of the CAs that sign the servers' certificates (tls://
	// URLs), for an external NATS; see Connect.
	Creds, CA string
	// Replicas is how many servers of an external NATS cluster keep each
	// batch (1 when 0; 3 survives losing one server of three). An
	// acknowledged batch is on a majority of them.
	Replicas int
	// Leaf makes this the spine of a unit's site, forwarding to the
	// centre (leaf.go); Hub lets sites connect to the in-process server.
	// Both need the in-process server.
	Leaf *Leaf
	Hub  *Hub
	// HoldAcks keeps a batch a consumer has handled in the spine this
	// long before acknowledging it: for an event store that answers
	// before its data is on disk (VictoriaLogs flushes every few
	// seconds), the spine keeps its copy until the store's has surely
	// reached disk. Zero acknowledges at once.
	HoldAcks time.Duration
	// HoldCheck, when set, is asked before held batches are acknowledged
	// whether what consumer stored at handled is still where it was put
	// (the event store may have restarted and lost what it had not yet
	// written to disk); false delivers them again, with Delivered above 1.
	HoldCheck func(ctx context.Context, consumer string, handled time.Time) bool
	// Copies, above 1, gives each store consumer a consumer per copy of
	// the event store beside it (CopyConsumer), each acknowledging what
	// its copy has: a copy that is down falls behind alone, and the
	// stream keeps a batch until every copy has it.
	Copies int

	// localSecret is the in-process connection's password on a hub.
	localSecret string
}

// Spine is an open event spine. Close it when done.
type Spine struct {
	opts   Options
	srv    *server.Server // nil with an external cluster
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	purgeMu  sync.Mutex
	purging  bool   // limits retention: acknowledged batches are purged by us
	purged   uint64 // stream sequence below which everything is purged

	// A site's forwarding (leaf.go).
	hubUp     atomic.Bool
	forwarded atomic.Uint64
}

// Open connects to (or starts) NATS and makes sure the stream exists with
// the configured limits.
func Open(ctx context.Context, o Options) (*Spine, error) {
	if o.Stream == "" {
		o.Stream = "EVENTS"
	}
	if o.Subject == "" {
		o.Subject = "events"
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = 1 << 30
	}
	if o.MaxAge == 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	if o.MaxBatches == 0 {
		o.MaxBatches = 32
	}
	if o.Partitions < 1 {
		o.Partitions = 1
	}
	if o.Partitions > MaxPartitions {
		return nil, fmt.Errorf("spine: %d partitions; at most %d", o.Partitions, MaxPartitions)
	}
	if o.Partitions > 1 && o.URL == "" && o.Leaf == nil {
		return nil, errors.New("spine: more than one partition needs an external NATS (--nats): partitions exist so that several nodes share the work")
	}
	if (o.Leaf != nil || o.Hub != nil) && o.URL != "" {
		return nil, errors.New("spine: --leaf-of and --leaf-listen configure the in-process NATS server; with an external NATS (--nats), configure leaf nodes in its own configuration")
	}
	if o.Leaf != nil {
		// A site keeps its batches in its outbox until the centre has
		// them; only the forwarder consumes there.
		o.Stream, o.Subject, o.Consumers = OutboxStream, OutboxSubject, []string{forwardConsumer}
	}
	if o.Partitions > 1 && o.Leaf == nil {
		// Every partition's store consumer exists from the start: under
		// interest retention a batch published before its consumer exists
		// would be kept for no one and dropped.
		var cs []string
		for _, c := range o.Consumers {
			if c != "store" {
				cs = append(cs, c)
			}
		}
		for p := range o.Partitions {
			cs = append(cs, "store-"+strconv.Itoa(p))
		}
		o.Consumers = cs
	}
	if o.Copies > 1 && o.Leaf == nil {
		var cs []string
		for _, c := range o.Consumers {
			cs = append(cs, c)
			if c == "store" || strings.HasPrefix(c, "store-") {
				for k := range o.Copies {
					cs = append(cs, copyConsumer(c, k))
				}
			}
		}
		o.Consumers = cs
	}
	s := &Spine{opts: o, stop: make(chan struct{})}
	url := o.URL
	if url == "" {
		if o.Dir == "" {
			return nil, errors.New("spine: give a data directory for the in-process NATS server, or --nats URL")
		}
		dir := filepath.Join(o.Dir, "spine")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("cannot create %s: %w", dir, err)
		}
		so := &server.Options{
			ServerName: "samdrift", DontListen: true, JetStream: true, StoreDir: dir,
			JetStreamMaxStore: max(o.MaxBytes*2, 1<<30), NoSigs: true, NoLog: true,
			// A batch is acknowledged to the sender once published: it must
			// be on disk by then, or a kill -9 (or power loss) loses what
			// the filestore still held in memory. Measured: the kill -9
			// test lost acknowledged events without it under load.
			SyncAlways: true,
		}
		if o.Hub != nil {
			var b [24]byte
			_, _ = rand.Read(b[:])
			o.localSecret = hex.EncodeToString(b[:])
		}
		if err := o.leafOptions(so); err != nil {
			return nil, err
		}
		if o.Leaf != nil {
			so.ServerName = "samdrift-" + o.Leaf.Domain
		}
		srv, err := server.NewServer(so)
		if err != nil {
			return nil, fmt.Errorf("cannot start the in-process NATS server: %w", err)
		}
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			srv.Shutdown()
			return nil, errors.New("the in-process NATS server did not become ready in 10 s")
		}
		s.srv = srv
	}
	opts := ConnectOptions(o.Creds, o.CA)
	if s.srv != nil {
		opts = append(opts, nats.InProcessServer(s.srv))
		if o.localSecret != "" {
			opts = append(opts, nats.UserInfo(localUser, o.localSecret))
		}
		if o.Leaf != nil {
			opts = append(opts, nats.CustomInboxPrefix(siteInbox+"."+o.Leaf.Domain))
		}
	}
	nc, err := nats.Connect(url, append([]nats.Option{nats.Name("samdrift")}, opts...)...)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot connect to NATS %s: %w (is it running with JetStream, -js?)", url, err)
	}
	s.nc = nc
	if s.js, err = jetstream.New(nc); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot use JetStream: %w", err)
	}
	// The in-process server runs with SyncAlways, and under interest
	// retention each acknowledgement then removes its batch with a
	// synchronous tombstone write (measured with BenchmarkConsume: 0.7 ms
	// per batch, half of the consumer's time). So it keeps limits
	// retention and purges up to the consumers' ack floor, which drops
	// whole blocks at once. An external cluster keeps interest retention:
	// its operator chooses how it syncs, and servers before 2.10 forget a
	// consumer's unacknowledged batches on any purge (seen with 2.9.10).
	retention := jetstream.InterestPolicy
	if s.srv != nil {
		retention = jetstream.LimitsPolicy
	}
	cfg := jetstream.StreamConfig{
		Name: o.Stream, Subjects: []string{o.Subject + ".>"}, Storage: jetstream.FileStorage,
		Retention: retention, Discard: jetstream.DiscardNew, MaxBytes: o.MaxBytes, MaxAge: o.MaxAge,
		Duplicates: 2 * time.Minute, Replicas: max(o.Replicas, 1),
	}
	if o.Replicas > 1 && s.srv != nil {
		s.Close()
		return nil, errors.New("spine: replicas need an external NATS cluster (--nats)")
	}
	// A cluster that has just started elects its JetStream leader first:
	// retry for a while rather than fail the node's start.
	if err := retry(ctx, 30*time.Second, func() error {
		var err error
		s.stream, err = s.js.CreateOrUpdateStream(ctx, cfg)
		return err
	}); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot create stream %s: %w", o.Stream, err)
	}
	for _, name := range o.Consumers {
		if err := retry(ctx, 30*time.Second, func() error {
			_, err := s.consumer(ctx, name)
			return err
		}); err != nil {
			s.Close()
			return nil, err
		}
	}
	if o.Leaf == nil {
		// A copy of the event store given up: its consumer would keep
		// every batch in the stream (interest retention) until it fills.
		names := s.stream.ConsumerNames(ctx)
		for name := range names.Name() {
			if CopyOfConsumer(name) >= 0 && !slices.Contains(o.Consumers, name) {
				if err := s.stream.DeleteConsumer(ctx, name); err != nil {
					s.Close()
					return nil, fmt.Errorf("cannot delete consumer %s of an event store copy no longer configured: %w", name, err)
				}
			}
		}
		if err := names.Err(); err != nil {
			s.Close()
			return nil, fmt.Errorf("cannot list the spine's consumers: %w", err)
		}
	}
	if retention == jetstream.LimitsPolicy {
		s.purging = true
		s.wg.Add(1)
		go s.purgeEvery(purgeInterval)
	}
	if o.Leaf != nil {
		s.wg.Add(1)
		go s.forward()
	}
	return s, nil
}

// purgeInterval is how often acknowledged batches are purged; a full
// stream purges at once (see Publish).
const purgeInterval = 250 * time.Millisecond

func (s *Spine) purgeEvery(d time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _ = s.purge(ctx)
			cancel()
		}
	}
}

// purge drops the batches every configured consumer has acknowledged and
// reports whether it dropped any. A consumer that cannot be read holds
// everything back: nothing it may still need is dropped.
func (s *Spine) purge(ctx context.Context) (bool, error) {
	if !s.purging || len(s.opts.Consumers) == 0 {
		return false, nil
	}
	s.purgeMu.Lock()
	defer s.purgeMu.Unlock()
	var floor uint64
	for i, name := range s.opts.Consumers {
		c, err := s.stream.Consumer(ctx, name) // one info request
		if err != nil {
			return false, err
		}
		info := c.CachedInfo()
		if i == 0 || info.AckFloor.Stream < floor {
			floor = info.AckFloor.Stream
		}
	}
	if floor+1 <= s.purged {
		return false, nil
	}
	if err := s.stream.Purge(ctx, jetstream.WithPurgeSequence(floor+1)); err != nil {
		return false, fmt.Errorf("cannot purge acknowledged batches: %w", err)
	}
	s.purged = floor + 1
	return true, nil
}

// ackWait bounds how long a consumer may hold batches unacknowledged.
const ackWait = 15 * time.Second

func (s *Spine) consumer(ctx context.Context, name string) (jetstream.Consumer, error) {
	filter := ""
	if s.opts.Partitions > 1 {
		if p, ok := s.partitionOfConsumer(name); ok {
			filter = s.opts.Subject + "." + strconv.Itoa(p) + ".>"
		}
	}
	c, err := s.js.CreateOrUpdateConsumer(ctx, s.opts.Stream, jetstream.ConsumerConfig{
		FilterSubject: filter,
		// AckWait is how soon batches a crashed consumer had in hand come
		// again (measured: with 60 s, a kill -9 left 64 batches waiting a
		// minute); a handler stores its batches in well under a second.
		// Held batches (HoldAcks) stay in hand that much longer, and
		// many more of them are.
		Durable: name, AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait + s.opts.HoldAcks, MaxAckPending: s.maxAckPending(),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot create consumer %s: %w", name, err)
	}
	return c, nil
}

// Close drains the connection and stops the in-process server.
func (s *Spine) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	if s.nc != nil {
		_ = s.nc.Drain()
		s.nc.Close()
	}
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	}
}

// Publish stores one batch for tenant under id and returns once JetStream
// has it on disk. Publishing the same id again within two minutes stores
// nothing new. A stream full of batches some consumer has not acknowledged
// gives ErrFull.
func (s *Spine) Publish(ctx context.Context, tenant, id string, batch []byte) error {
	subject := s.opts.Subject + "." + tenant
	if s.opts.Partitions > 1 {
		subject = s.opts.Subject + "." + strconv.Itoa(PartitionOf(tenant, s.opts.Partitions)) + "." + tenant
	}
	msg := &nats.Msg{Subject: subject, Data: batch, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, id)
	err := s.publish(ctx, msg)
	if errors.Is(err, ErrFull) {
		// Full may mean full of acknowledged batches the next purge would
		// drop: purge now and try once more.
		if purged, perr := s.purge(ctx); perr == nil && purged {
			err = s.publish(ctx, msg)
		}
	}
	if err != nil && !errors.Is(err, ErrFull) {
		return fmt.Errorf("cannot publish batch %s: %w", id, err)
	}
	return err
}

func (s *Spine) publish(ctx context.Context, msg *nats.Msg) error {
	_, err := s.js.PublishMsg(ctx, msg)
	if err != nil && (strings.Contains(err.Error(), "maximum bytes exceeded") || strings.Contains(err.Error(), "resource limits exceeded")) {
		return ErrFull
	}
	if errors.Is(err, nats.ErrMaxPayload) {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(msg.Data))
	}
	return err
}

// Batch is one batch handed to a consumer.
type Batch struct {
	ID     string
	Tenant string
	// Data is the consumer's own copy of the message (the NATS client
	// copies each): events decoded from it in place point into it, so
	// nothing may write to it.
	Data []byte
	// Delivered counts deliveries: above 1 it is a redelivery after a crash
	// or a failed handler, so handlers must be idempotent.
	Delivered uint64
}

// Handler processes batches. Returning nil acknowledges them all; an error
// leaves them to be delivered again.
type Handler func(ctx context.Context, batches []Batch) error

// Consume runs durable consumer name until ctx ends, handing up to
// MaxBatches batches at a time to h. It returns when ctx is done.
func (s *Spine) Consume(ctx context.Context, name string, h Handler) error {
	c, err := s.consumer(ctx, name)
	if err != nil {
		return err
	}
	// Every batch in hand may be held, each fetch's alone.
	held := make(chan heldBatches, s.maxAckPending())
	if s.opts.HoldAcks > 0 {
		hctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		check := func(ctx context.Context, handled time.Time) bool {
			return s.opts.HoldCheck == nil || s.opts.HoldCheck(ctx, name, handled)
		}
		go func() { defer close(done); s.ackHeld(hctx, held, check) }()
		defer func() { stop(); <-done }()
	}
	for ctx.Err() == nil {
		fetch, err := c.Fetch(s.opts.MaxBatches, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var msgs []jetstream.Msg
		var batches []Batch
		for m := range fetch.Messages() {
			md, _ := m.Metadata()
			b := Batch{ID: m.Headers().Get(jetstream.MsgIDHeader), Tenant: s.tenantOf(m.Subject()), Data: m.Data()}
			if md != nil {
				b.Delivered = md.NumDelivered
			}
			msgs = append(msgs, m)
			batches = append(batches, b)
		}
		if len(batches) == 0 {
			continue
		}
		if err := h(ctx, batches); err != nil {
			for _, m := range msgs {
				_ = m.NakWithDelay(time.Second)
			}
			continue
		}
		if s.opts.HoldAcks > 0 {
			// Only the reply subjects are kept: a held batch's data is
			// not needed to acknowledge it, and at full speed the hold
			// would otherwise keep seconds of events in memory.
			now := time.Now()
			h := heldBatches{replies: make([]string, len(msgs)), handled: now, due: now.Add(s.opts.HoldAcks)}
			for i, m := range msgs {
				h.replies[i] = m.Reply()
			}
			held <- h
			continue
		}
		// Acknowledge even when ctx has just ended: the work is committed.
		// A lost ack only means the batch comes again, which idempotent
		// handlers ignore.
		ackAll(ctx, msgs)
	}
	return nil
}

// heldBatches are handled batches waiting for HoldAcks to pass.
type heldBatches struct {
	replies      []string // where to acknowledge each batch
	handled, due time.Time
}

// ackAll acknowledges msgs, even when ctx has just ended.
func ackAll(ctx context.Context, msgs []jetstream.Msg) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	for _, m := range msgs {
		_ = m.DoubleAck(actx)
	}
	cancel()
}

// maxAckPending is how many batches a consumer may have in hand: with
// HoldAcks, enough for the hold at full speed (at least 16,384: 1,365
// batches a second held 12 s; measured, 4,096 capped a 4 s hold at 1,024
// a second, reached with small batches at 3,000 events/s).
func (s *Spine) maxAckPending() int {
	if s.opts.HoldAcks > 0 {
		return max(16384, 256*s.opts.MaxBatches)
	}
	return 4 * s.opts.MaxBatches
}

// ackHeld acknowledges held batches as they come due, in order, when
// check says what was stored is still there (else they come again); when
// ctx ends it returns, leaving what is not due to come again (the store
// takes a batch once).
func (s *Spine) ackHeld(ctx context.Context, held <-chan heldBatches, check func(context.Context, time.Time) bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case h := <-held:
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(h.due)):
			}
			// A lost acknowledgement only means the batch comes again,
			// which the store takes once.
			reply := []byte("+ACK")
			if !check(ctx, h.handled) {
				reply = []byte("-NAK")
			}
			for _, r := range h.replies {
				_ = s.nc.Publish(r, reply)
			}
		}
	}
}

// Pending returns how many batches consumer name has not acknowledged yet
// (its lag).
func (s *Spine) Pending(ctx context.Context, name string) (uint64, error) {
	c, err := s.stream.Consumer(ctx, name)
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// Stored returns the bytes and batches the stream holds now.
func (s *Spine) Stored(ctx context.Context) (bytes, batches uint64, err error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	return info.State.Bytes, info.State.Msgs, nil
}

// MaxPartitions bounds Options.Partitions.
const MaxPartitions = 256

// PartitionOf is the partition of n that tenant's batches go to: a hash,
// so that every node computes the same.
func PartitionOf(tenant string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(tenant))
	return int(h.Sum32() % uint32(n))
}

// Partitions is how many partitions the stream is split into.
func (s *Spine) Partitions() int { return s.opts.Partitions }

// StoreConsumer is the durable consumer that stores partition p: "store"
// when there is one partition (as before partitions existed), else
// "store-<p>".
func (s *Spine) StoreConsumer(p int) string {
	if s.opts.Partitions <= 1 {
		return "store"
	}
	return "store-" + strconv.Itoa(p)
}

// CopyConsumer is the name of the consumer that stores partition p in
// copy c of the event store (Options.Copies).
func (s *Spine) CopyConsumer(p, c int) string { return copyConsumer(s.StoreConsumer(p), c) }

func copyConsumer(store string, c int) string { return store + "-copy" + strconv.Itoa(c) }

// CopyOfConsumer is the copy of the event store a consumer stores in
// (CopyConsumer), or -1 for one that is not a copy's.
func CopyOfConsumer(name string) int {
	i := strings.LastIndex(name, "-copy")
	if i < 0 {
		return -1
	}
	c, err := strconv.Atoi(name[i+len("-copy"):])
	if err != nil || c < 0 {
		return -1
	}
	return c
}

// partitionOfConsumer is the partition a store consumer name (or its
// copies' consumers) is for.
func (s *Spine) partitionOfConsumer(name string) (int, bool) {
	if i := strings.LastIndex(name, "-copy"); i >= 0 && CopyOfConsumer(name) >= 0 {
		name = name[:i]
	}
	v, ok := strings.CutPrefix(name, "store-")
	if !ok {
		return 0, false
	}
	p, err := strconv.Atoi(v)
	return p, err == nil && p >= 0 && p < s.opts.Partitions
}

// tenantOf is the tenant a batch's subject names.
func (s *Spine) tenantOf(subject string) string {
	rest := strings.TrimPrefix(subject, s.opts.Subject+".")
	if s.opts.Partitions > 1 {
		if _, t, ok := strings.Cut(rest, "."); ok {
			return t
		}
	}
	return rest
}

// retry runs fn until it succeeds, ctx ends or within has passed,
// waiting a little more after each failure; it returns fn's last error.
func retry(ctx context.Context, within time.Duration, fn func() error) error {
	deadline := time.Now().Add(within)
	wait := 100 * time.Millisecond
	for {
		err := fn()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// ConnectOptions are the options every samdrift connection to an
// external NATS uses: reconnect for ever, and authenticate with the
// credentials file creds and verify the servers against the CAs in ca
// when given (NATS must be reachable by samdrift's nodes only: whoever
// can publish to it can add batches to the spine).
func ConnectOptions(creds, ca string) []nats.Option {
	opts := []nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond)}
	if creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	if ca != "" {
		opts = append(opts, nats.RootCAs(ca))
	}
	return opts
}
