package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/cluster"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/spine"
)

// EventOptions configures the event path: receivers, spine, store consumer.
type EventOptions struct {
	DataDir string // the in-process spine stores under it
	NATS    string // external NATS URL; empty: in-process
	// NATSCreds and NATSCA authenticate to an external NATS and verify it
	// (a credentials file; a PEM file of CAs).
	NATSCreds, NATSCA string
	SpineMaxBytes     int64
	SyslogTCP         string // listen address; empty: off
	SyslogUDP         string
	SyslogTLS         string
	RELP              string
	// IngestHTTP, when set, serves the HTTP ingest endpoints on their own
	// listener instead of the main one.
	IngestHTTP string
	// TLSCert and TLSKey serve syslog over TLS; when empty, a self-signed
	// certificate is made under DataDir on first use.
	TLSCert, TLSKey string
	// ClientCA, when set, asks TLS senders for a client certificate and
	// verifies it against these CAs (a certificate source then attributes
	// the sender). RequireClientCert refuses senders without one.
	ClientCA          string
	RequireClientCert bool
	// SilenceCheck and RetentionEvery set how often silent sources are
	// looked for and retention is applied (defaults: 1 minute, 1 hour).
	SilenceCheck   time.Duration
	RetentionEvery time.Duration
	// NoDetect leaves detection out of this process (no detect consumer).
	NoDetect bool
	// Partitions splits the spine by tenant for several store nodes (0:
	// as the deployment was created; 1 when new). It is fixed when the
	// deployment is created.
	Partitions int
	// SpineReplicas is how many servers of an external NATS cluster keep
	// each batch (1 when 0).
	SpineReplicas int
	// LeafOf makes this node a unit's site: its in-process NATS is a leaf
	// node of the centre's at this URL, and what it receives is kept on
	// its disk until the centre has it (spine.Leaf); LeafDomain names the
	// site. LeafListen lets sites connect to this node's in-process NATS.
	// LeafSecret is the password between them; LeafTLSCert and LeafTLSKey
	// serve LeafListen over TLS (a site verifies it with NATSCA).
	LeafOf, LeafDomain, LeafListen, LeafSecret string
	LeafTLSCert, LeafTLSKey                    string
	// HoldAcks keeps stored batches in the spine this long before
	// acknowledging them (an event store outside the database that
	// answers before its data is on disk).
	HoldAcks time.Duration
	// Ready is told the bound receiver addresses (tests listen on port 0).
	Ready func(name, addr string)
}

// eventPath is the running event path.
type eventPath struct {
	spine    *spine.Spine
	pipeline *ingest.Pipeline
	wg       sync.WaitGroup
}

// startEvents opens the spine and starts what roles ask for: the store
// (and detect) consumer, the receivers. A node with neither role has no
// event path. Everything stops when ctx ends; then call stop.
func (a *App) startEvents(ctx context.Context, o EventOptions, roles Roles, leases *cluster.Leases, log *slog.Logger, reg prometheus.Registerer) (*eventPath, error) {
	ep := &eventPath{}
	if !roles.Ingest && !roles.Store {
		return ep, nil
	}
	parts, err := a.partitions(ctx, o.Partitions)
	if err != nil {
		return nil, err
	}
	so := spine.Options{URL: o.NATS, Dir: o.DataDir, MaxBytes: o.SpineMaxBytes, Consumers: []string{"store"}, Partitions: parts, Creds: o.NATSCreds, CA: o.NATSCA,
		Replicas: o.SpineReplicas, HoldAcks: o.HoldAcks, Copies: a.Events.Copies()}
	if o.HoldAcks > 0 {
		// A held batch is acknowledged only if its copy of the event store
		// did not restart since it was stored (and may have lost it).
		so.HoldCheck = func(ctx context.Context, consumer string, handled time.Time) bool {
			c := spine.CopyOfConsumer(consumer)
			if c < 0 && so.Copies > 1 {
				return true // the detect-only consumer stores nothing
			}
			return a.Events.Intact(ctx, max(c, 0), handled)
		}
	}
	if o.LeafOf != "" {
		if roles.Store {
			return nil, errors.New("--leaf-of: a unit's site forwards its logs to the centre, which stores them: run it with --roles ingest")
		}
		so.Leaf = &spine.Leaf{URL: o.LeafOf, Domain: o.LeafDomain, Secret: o.LeafSecret, CA: o.NATSCA, Log: log.With("centre", o.LeafOf)}
	}
	if o.LeafListen != "" {
		so.Hub = &spine.Hub{Listen: o.LeafListen, Secret: o.LeafSecret, TLSCert: o.LeafTLSCert, TLSKey: o.LeafTLSKey}
	}
	sp, err := spine.Open(ctx, so)
	if err != nil {
		return nil, err
	}
	ep.spine = sp
	if so.Leaf != nil {
		log.Info("this node is a unit's site: it keeps what it receives until the centre has it", "site", o.LeafDomain, "centre", o.LeafOf)
		forwarding := func() spine.ForwardState {
			fctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			st, _ := sp.Forwarding(fctx)
			return st
		}
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samdrift_site_backlog_batches",
			Help: "Batches this site holds that the centre has not acknowledged yet."}, func() float64 { return float64(forwarding().Backlog) }))
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samdrift_site_centre_connected",
			Help: "1 while the last forwarding round reached the centre, 0 while the line is down."}, func() float64 {
			if forwarding().Connected {
				return 1
			}
			return 0
		}))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_site_forwarded_batches_total",
			Help: "Batches the centre acknowledged from this site since it started."}, func() float64 { return float64(forwarding().Forwarded) }))
	}
	if so.Hub != nil {
		log.Info("accepting units' sites as NATS leaf nodes", "addr", o.LeafListen)
	}
	if err := a.Sources.Reload(ctx); err != nil {
		sp.Close()
		return nil, err
	}
	if o.NoDetect && roles.Store {
		log.Warn("detection is off on this node (--no-detect): the events it stores are never run through the rules; use it for measurements only")
	}
	// Sources registered by another process (the CLI, another node) are
	// picked up here.
	ep.wg.Add(1)
	go func() {
		defer ep.wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := a.Sources.Reload(ctx); err != nil && ctx.Err() == nil {
					log.Warn("cannot reload log sources", "err", err)
				}
			}
		}
	}()
	if roles.Store {
		a.consumeStore(ctx, ep, o, leases, log, reg)
	}
	if !roles.Ingest {
		return ep, nil
	}
	return a.startReceivers(ctx, ep, o, log, reg)
}

// partitions is the deployment's spine partition count: stored in the
// database by the first node that starts (want, or 1), and the same for
// every node after (a node asking for another count is refused).
func (a *App) partitions(ctx context.Context, want int) (int, error) {
	if want < 0 || want > spine.MaxPartitions {
		return 0, fmt.Errorf("--partitions: want 1 to %d, got %d", spine.MaxPartitions, want)
	}
	v, err := a.DB.EnsureSetting(ctx, "spine.partitions", func() (string, error) { return strconv.Itoa(max(want, 1)), nil })
	if err != nil {
		return 0, err
	}
	have, err := strconv.Atoi(v)
	if err != nil || have < 1 {
		return 0, fmt.Errorf("the database's spine.partitions setting %q is not a count; set it to the deployment's partitions", v)
	}
	if want != 0 && want != have {
		return 0, fmt.Errorf("--partitions %d: this deployment's event spine has %d partitions, fixed when it was created; start with --partitions %d or leave the flag out", want, have, have)
	}
	return have, nil
}

// consumeStore runs the store consumer on the partitions of the spine
// this node holds (its fair share among the live store nodes, each
// partition on one node at a time): it stores each batch and runs
// detection over the same decoded events. A partition's correlation
// windows move with it: saved when a node gives it up, loaded by the
// node that takes it over.
func (a *App) consumeStore(ctx context.Context, ep *eventPath, o EventOptions, leases *cluster.Leases, log *slog.Logger, reg prometheus.Registerer) {
	sp, es := ep.spine, a.Events
	var stored atomic.Int64
	n := sp.Partitions()
	// With several copies of the events (VictoriaLogs), each copy has
	// its own consumer per partition and this one detects only.
	copies := es.Copies() > 1
	handle := func(ctx context.Context, batches []spine.Batch) error {
		var all []eventstore.Batch
		var forDetect []detect.Batch
		for _, b := range batches {
			evs, err := event.DecodeBatchShared(b.Data)
			if err != nil {
				log.Error("dropping an undecodable batch from the spine", "batch", b.ID, "err", err)
				continue
			}
			all = append(all, eventstore.Batch{ID: b.ID, Events: evs, Redelivered: b.Delivered > 1})
			forDetect = append(forDetect, detect.Batch{ID: b.ID, Events: evs})
		}
		// Detection reads the same decoded events while they are
		// stored: on one machine a second spine consumer decoding
		// every batch again cost the store its headroom (measured:
		// 90,000 events/s sustained fell behind). Both must commit
		// before the batch is acknowledged; a redelivery is ignored
		// by both (stored batch ids, detect_batches).
		var derr error
		var dwg sync.WaitGroup
		if !o.NoDetect {
			dwg.Add(1)
			go func() {
				defer dwg.Done()
				derr = a.Detect.Handle(context.WithoutCancel(ctx), forDetect)
			}()
		}
		var serr error
		if !copies {
			var n int
			n, serr = es.AppendBatches(context.WithoutCancel(ctx), all)
			stored.Add(int64(n))
		}
		dwg.Wait()
		if serr != nil {
			log.Error("cannot store events; they will be delivered again", "batches", len(all), "err", serr)
			return serr
		}
		if derr != nil {
			log.Error("cannot run detection; the batches will be delivered again", "batches", len(all), "err", derr)
			return derr
		}
		seen := map[int64]sources.Seen{}
		for _, b := range all {
			for _, e := range b.Events {
				if e.SourceID != 0 {
					s := seen[e.SourceID]
					s.Events++
					if e.Received.After(s.Last) {
						s.Last = e.Received
					}
					if e.SourceIP != "" && len(s.Addrs) < sources.MaxSeenAddrs && a.Sources.TracksSenders(e.SourceID) && !slices.Contains(s.Addrs, e.SourceIP) {
						s.Addrs = append(s.Addrs, e.SourceIP)
					}
					seen[e.SourceID] = s
				}
			}
		}
		if err := a.Sources.RecordSeen(context.WithoutCancel(ctx), seen); err != nil {
			// The events are stored; only the coverage counters lag.
			log.Warn("cannot record what sources sent", "err", err)
		}
		return nil
	}
	ep.wg.Add(1)
	go func() {
		defer ep.wg.Done()
		leases.Share(ctx, a.DB, "store", "partition.", n, func(ctx context.Context, p int, epoch int64) {
			state := detect.PartitionState(p, n)
			if !o.NoDetect {
				if err := a.Detect.LoadPartition(ctx, state); err != nil && ctx.Err() == nil {
					log.Warn("cannot load the partition's correlation windows; they start over", "partition", p, "err", err)
				}
			}
			log.Info("storing a partition of the event spine", "partition", p, "partitions", n, "epoch", epoch)
			var cwg sync.WaitGroup
			if copies {
				for c := range es.Copies() {
					cwg.Go(func() { _ = sp.Consume(ctx, sp.CopyConsumer(p, c), a.storeCopy(c, &stored, log)) })
				}
			}
			_ = sp.Consume(ctx, sp.StoreConsumer(p), handle)
			cwg.Wait()
			if o.NoDetect {
				return
			}
			var keep func(int64) bool
			if n > 1 {
				keep = func(t int64) bool { return spine.PartitionOf(strconv.FormatInt(t, 10), n) == p }
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if k, err := a.Detect.SavePartition(sctx, state, keep); err != nil {
				log.Warn("cannot save the partition's correlation windows; they start over where it goes next", "partition", p, "err", err)
			} else if k > 0 {
				log.Info("correlation windows saved with the partition", "partition", p, "groups", k)
			}
		})
	}()
	if copies {
		es.SetBacklog(func(ctx context.Context, c int) (uint64, error) {
			var sum uint64
			for p := range n {
				k, err := sp.Pending(ctx, sp.CopyConsumer(p, c))
				if err != nil {
					return 0, err
				}
				sum += k
			}
			return sum, nil
		})
		if reg != nil {
			for c := range es.Copies() {
				reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samdrift_events_copy_backlog_batches",
					Help: "Batches in the event spine a copy of the event store (VictoriaLogs) has not acknowledged yet (with --events-hold, those of the last seconds always): growing, the copy is behind or down, and searches read another copy.", ConstLabels: prometheus.Labels{"copy": strconv.Itoa(c)}}, func() float64 {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					defer cancel()
					var sum uint64
					for p := range n {
						k, err := sp.Pending(ctx, sp.CopyConsumer(p, c))
						if err != nil {
							return -1
						}
						sum += k
					}
					return float64(sum)
				}))
			}
		}
	}
	if reg != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_search_blocks_read_total",
			Help: "Event blocks searches decompressed (SQLite)."}, func() float64 { return float64(es.BlocksRead.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_search_blocks_skipped_total",
			Help: "Event blocks searches skipped because their gram filter ruled a match out (SQLite)."}, func() float64 { return float64(es.BlocksSkipped.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_search_blocks_passed_total",
			Help: "Event blocks searches decompressed but did not decode, because their bytes ruled a match out (SQLite)."}, func() float64 { return float64(es.BlocksPassed.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_search_blocks_heads_only_total",
			Help: "Event blocks searches and counts decoded the searched columns of only, without the rest of their events (SQLite)."}, func() float64 { return float64(es.BlocksHeadOnly.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_count_blocks_summarised_total",
			Help: "Event blocks counts took from the blocks' column counts without decompressing them (SQLite)."}, func() float64 { return float64(es.BlocksSummarised.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_events_stored_total",
			Help: "Events the store consumer committed (a redelivered batch counts again; the store keeps it once)."}, func() float64 { return float64(stored.Load()) }))
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "samdrift_spine_pending_batches",
			Help: "Batches in the event spine the store consumers (every partition) have not acknowledged yet (their lag)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var sum uint64
			for p := range n {
				k, err := sp.Pending(ctx, sp.StoreConsumer(p))
				if err != nil {
					return -1
				}
				sum += k
			}
			return float64(sum)
		}))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_detect_events_total",
			Help: "Events the detect consumer ran through the rules and indicators."}, func() float64 { return float64(a.Detect.Events.Load()) }))
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "samdrift_detect_matches_total",
			Help: "Rule, correlation and indicator matches that became or joined alerts."}, func() float64 { return float64(a.Detect.Matches.Load()) }))
	}
}

// storeCopy is the handler of copy c's consumers: it stores batches in
// that copy only, and says once when the copy fails and once when it
// stores again (a copy that is down fails every second).
func (a *App) storeCopy(c int, stored *atomic.Int64, log *slog.Logger) spine.Handler {
	var down atomic.Bool
	log = log.With("copy", c)
	return func(ctx context.Context, batches []spine.Batch) error {
		all := make([]eventstore.Batch, 0, len(batches))
		for _, b := range batches {
			evs, err := event.DecodeBatchShared(b.Data)
			if err != nil {
				continue // the detect consumer logs it
			}
			all = append(all, eventstore.Batch{ID: b.ID, Events: evs, Redelivered: b.Delivered > 1})
		}
		k, err := a.Events.AppendCopy(context.WithoutCancel(ctx), c, all)
		if err != nil {
			if !down.Swap(true) {
				log.Error("cannot store events in this copy of the event store; it falls behind and catches up when it answers again (searches read another copy meanwhile)", "err", err)
			}
			return err
		}
		if down.Swap(false) {
			log.Info("this copy of the event store stores again")
		}
		if c == 0 {
			stored.Add(int64(k))
		}
		return nil
	}
}

// startReceivers starts the log receivers o names, publishing to ep's
// spine.
func (a *App) startReceivers(ctx context.Context, ep *eventPath, o EventOptions, log *slog.Logger, reg prometheus.Registerer) (*eventPath, error) {
	sp := ep.spine
	p := ingest.NewPipeline(sp, a.Sources, log, reg)
	ep.pipeline = p
	fail := func(err error) (*eventPath, error) {
		sp.Close()
		return nil, err
	}
	serve := func(name string, ln net.Listener, run func(context.Context, net.Listener) error) {
		if o.Ready != nil {
			o.Ready(name, ln.Addr().String())
		}
		log.Info("receiving logs", "protocol", name, "addr", ln.Addr().String())
		ep.wg.Add(1)
		go func() {
			defer ep.wg.Done()
			if err := run(ctx, ln); err != nil {
				log.Error("receiver stopped", "protocol", name, "err", err)
			}
		}()
	}
	if o.SyslogTCP != "" {
		ln, err := net.Listen("tcp", o.SyslogTCP)
		if err != nil {
			return fail(fmt.Errorf("cannot listen for syslog on TCP %s (--syslog-tcp): %w", o.SyslogTCP, err))
		}
		serve("syslog-tcp", ln, p.ServeSyslogTCP)
	}
	if o.RELP != "" {
		ln, err := net.Listen("tcp", o.RELP)
		if err != nil {
			return fail(fmt.Errorf("cannot listen for RELP on %s (--relp): %w", o.RELP, err))
		}
		serve("relp", ln, p.ServeRELP)
	}
	if o.SyslogTLS != "" {
		cfg, err := ingestTLS(o, log)
		if err != nil {
			return fail(err)
		}
		ln, err := net.Listen("tcp", o.SyslogTLS)
		if err != nil {
			return fail(fmt.Errorf("cannot listen for syslog on TLS %s (--syslog-tls): %w", o.SyslogTLS, err))
		}
		serve("syslog-tls", tls.NewListener(ln, cfg), p.ServeSyslogTLS)
	}
	if o.SyslogUDP != "" {
		pc, err := ingest.ListenUDP(o.SyslogUDP)
		if err != nil {
			return fail(fmt.Errorf("cannot listen for syslog on UDP %s (--syslog-udp): %w", o.SyslogUDP, err))
		}
		if o.Ready != nil {
			o.Ready("syslog-udp", pc.LocalAddr().String())
		}
		log.Info("receiving logs", "protocol", "syslog-udp", "addr", pc.LocalAddr().String())
		ep.wg.Add(1)
		go func() {
			defer ep.wg.Done()
			if err := p.ServeSyslogUDP(ctx, pc); err != nil {
				log.Error("syslog UDP receiver stopped", "err", err)
			}
		}()
	}
	return ep, nil
}

// stop waits for the receivers and the consumer to finish (ctx has ended),
// then closes the spine.
func (ep *eventPath) stop() {
	ep.wg.Wait()
	if ep.spine != nil {
		ep.spine.Close()
	}
}
