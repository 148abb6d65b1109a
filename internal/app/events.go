package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/spine"
)

// EventOptions configures the event path: receivers, spine, store consumer.
type EventOptions struct {
	DataDir       string // the in-process spine stores under it
	NATS          string // external NATS URL; empty: in-process
	SpineMaxBytes int64
	SyslogTCP     string // listen address; empty: off
	SyslogUDP     string
	// Ready is told the bound receiver addresses (tests listen on port 0).
	Ready func(name, addr string)
}

// eventPath is the running event path.
type eventPath struct {
	spine    *spine.Spine
	pipeline *ingest.Pipeline
	wg       sync.WaitGroup
}

// startEvents opens the spine, starts the store consumer and the receivers.
// Everything stops when ctx ends; call wait, then close.
func (a *App) startEvents(ctx context.Context, o EventOptions, log *slog.Logger, reg prometheus.Registerer) (*eventPath, error) {
	sp, err := spine.Open(ctx, spine.Options{URL: o.NATS, Dir: o.DataDir, MaxBytes: o.SpineMaxBytes, Consumers: []string{"store"}})
	if err != nil {
		return nil, err
	}
	ep := &eventPath{spine: sp}
	if err := a.Sources.Reload(ctx); err != nil {
		sp.Close()
		return nil, err
	}
	es := a.Events
	ep.wg.Add(1)
	go func() {
		defer ep.wg.Done()
		_ = sp.Consume(ctx, "store", func(ctx context.Context, batches []spine.Batch) error {
			var all []event.Event
			for _, b := range batches {
				evs, err := event.DecodeBatch(b.Data)
				if err != nil {
					log.Error("dropping an undecodable batch from the spine", "batch", b.ID, "err", err)
					continue
				}
				all = append(all, evs...)
			}
			if _, err := es.Append(context.WithoutCancel(ctx), all); err != nil {
				log.Error("cannot store events; they will be delivered again", "events", len(all), "err", err)
				return err
			}
			return nil
		})
	}()
	// Sources registered by another process (the CLI) are picked up here.
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
	p := ingest.NewPipeline(sp, a.Sources, log, reg)
	ep.pipeline = p
	if o.SyslogTCP != "" {
		ln, err := net.Listen("tcp", o.SyslogTCP)
		if err != nil {
			sp.Close()
			return nil, fmt.Errorf("cannot listen for syslog on TCP %s (--syslog-tcp): %w", o.SyslogTCP, err)
		}
		if o.Ready != nil {
			o.Ready("syslog-tcp", ln.Addr().String())
		}
		log.Info("receiving syslog", "protocol", "tcp", "addr", ln.Addr().String())
		ep.wg.Add(1)
		go func() {
			defer ep.wg.Done()
			if err := p.ServeSyslogTCP(ctx, ln); err != nil {
				log.Error("syslog TCP receiver stopped", "err", err)
			}
		}()
	}
	if o.SyslogUDP != "" {
		pc, err := ingest.ListenUDP(o.SyslogUDP)
		if err != nil {
			sp.Close()
			return nil, fmt.Errorf("cannot listen for syslog on UDP %s (--syslog-udp): %w", o.SyslogUDP, err)
		}
		if o.Ready != nil {
			o.Ready("syslog-udp", pc.LocalAddr().String())
		}
		log.Info("receiving syslog", "protocol", "udp", "addr", pc.LocalAddr().String())
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
	ep.spine.Close()
}
