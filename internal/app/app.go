// Package app wires samdrift together: it opens the database, builds the
// domain services, loads demo data, starts the HTTP server and shuts it all
// down in order. It is the only package that knows every other one.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/compliance/live"
	"github.com/samdrift/samdrift/internal/delivery"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/needs"
	"github.com/samdrift/samdrift/internal/network"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/transition"
	"github.com/samdrift/samdrift/internal/web"
)

// Version is set at build time with -ldflags "-X github.com/samdrift/samdrift/internal/app.Version=…".
var Version = "dev"

// DB says where state lives.
type DB struct {
	DataDir string // SQLite under this directory when URL is empty
	URL     string // postgres:// URL
}

// App is an open samdrift: database and services. Close it when done.
type App struct {
	DB      *store.DB
	Orgs    *org.Service
	Access  *access.Service
	Catalog *catalog.Store
	Orders  *orders.Service
	// ServiceDesk keeps tickets and their SLA clocks.
	ServiceDesk *servicedesk.Service
	Plan        *transition.Service
	Sources     *sources.Registry
	Events      *eventstore.Store
	Detect      *detect.Detector
	Network     *network.Register
	Inbox       *notify.Inbox
	// Cases are the SOC's security incident cases.
	Cases *soc.Service
	// OnCall keeps on-call teams, rotas and escalations.
	OnCall *oncall.Service
	// Cert keeps assets, advisories and vulnerabilities (the shared CERT).
	Cert *cert.Service
	// Intel exchanges threat intelligence (STIX/TAXII, MISP, feeds).
	Intel *intel.Service
	// Compliance keeps frameworks, assessments, evidence and standards.
	Compliance *compliance.Service
	// Needs keeps the municipalities' needs and feedback on common solutions.
	Needs *needs.Service
}

// Open opens the database, applies pending migrations (when migrate is
// true; otherwise it only refuses a schema that is too old or too new) and
// builds the services.
func Open(ctx context.Context, d DB, mfaRoles []access.Role, migrate bool, log *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, store.Options{URL: d.URL, DataDir: d.DataDir})
	if err != nil {
		return nil, err
	}
	if migrate {
		applied, err := db.Migrate(ctx, func(m store.Migration) {
			log.Info("applying migration", "version", m.Version, "name", m.Name)
		})
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(applied) > 0 {
			log.Info("database migrated", "db", db.String(), "applied", len(applied))
		}
	} else {
		ms, _ := store.Migrations(db.Dialect())
		have, err := db.SchemaVersion(ctx)
		if err == nil {
			err = db.CheckVersion(ctx)
		}
		if err == nil && have < len(ms) {
			err = fmt.Errorf("database %s has schema version %d, this samdrift needs %d: run `samdrift migrate` (or start `samdrift serve`, which migrates) first", db, have, len(ms))
		}
		if err != nil {
			db.Close()
			return nil, err
		}
	}
	es := eventstore.New(db)
	if migrate {
		// Events stored one row each by an earlier version move into the
		// block layout (SQLite).
		if err := es.Upgrade(ctx, func(moved, total int) {
			log.Info("moving stored events into blocks", "moved", moved, "of", total)
		}); err != nil {
			db.Close()
			return nil, err
		}
	}
	return Services(db, mfaRoles, log), nil
}

// Services builds the domain services over db (Open does, after
// migrating; tests over a database they made).
func Services(db *store.DB, mfaRoles []access.Role, log *slog.Logger) *App {
	cat := catalog.NewStore(db)
	ord := orders.NewService(db, cat)
	desk := servicedesk.NewService(db, cat)
	cases := soc.New(db)
	cases.Desk = desk
	certs := cert.New(db)
	a := &App{DB: db, Orgs: org.NewService(db), Access: access.NewService(db, mfaRoles), Catalog: cat, Orders: ord,
		Plan: transition.NewService(db, cat, ord), Sources: sources.New(db), Events: eventstore.New(db), Detect: detect.New(db, log),
		ServiceDesk: desk, Network: network.New(db), Inbox: notify.NewInbox(db), Cases: cases,
		OnCall: oncall.New(db), Cert: certs, Intel: intel.New(db, certs, log, os.Getenv), Compliance: compliance.New(db), Needs: needs.New(db)}
	a.Compliance.Register(live.Checks(live.Platform{Sources: a.Sources, Access: a.Access, CERT: certs, Cases: cases, Orgs: a.Orgs,
		Desk: desk, Orders: ord, Catalog: cat})...)
	return a
}

// WebConfig is the web layer's configuration with a's services.
func (a *App) WebConfig() web.Config {
	return web.Config{DB: a.DB, Orgs: a.Orgs, Access: a.Access, Catalog: a.Catalog, Orders: a.Orders, Plan: a.Plan,
		Sources: a.Sources, Events: a.Events, Detect: a.Detect, ServiceDesk: a.ServiceDesk, Network: a.Network, Inbox: a.Inbox, Cases: a.Cases, OnCall: a.OnCall, Cert: a.Cert,
		Intel: a.Intel, Compliance: a.Compliance, Needs: a.Needs}
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// ServeOptions configures Serve.
type ServeOptions struct {
	HTTPAddr        string
	TLSCert, TLSKey string
	SecureCookies   bool
	ShutdownTimeout time.Duration
	SessionTTL      time.Duration
	Logger          *slog.Logger
	// Out receives what an operator must see once: demo passwords, the
	// address served.
	Out io.Writer
	// Ready, when set, is called with the bound address once the server
	// accepts connections (tests listen on port 0).
	Ready func(addr string)
	// Events configures the event path (receivers, spine, store).
	Events EventOptions
	// SMTP sends notification e-mails (nil: none); PublicURL is put in
	// their links.
	SMTP      *delivery.SMTP
	PublicURL string
	// WebhookAllowPrivate lets webhooks reach private and loopback
	// addresses (by default only public ones).
	WebhookAllowPrivate bool
	// AuditAnchors is a file the audit chain's head is appended to every
	// 15 minutes when it has moved (empty: none).
	AuditAnchors string
}

// Serve runs samdrift until ctx is cancelled, then shuts down cleanly:
// in-flight requests finish (up to ShutdownTimeout), then the database
// closes (by the caller, through Close).
func (a *App) Serve(ctx context.Context, o ServeOptions) error {
	log := o.Logger
	if o.SessionTTL > 0 {
		a.Access.SessionTTL = o.SessionTTL
	}
	if created, err := a.Catalog.EnsureStandard(ctx); err != nil {
		return fmt.Errorf("cannot load the standard catalog: %w", err)
	} else if created {
		log.Info("published the shipped standard catalog")
	}
	if res, err := a.Compliance.InstallBuiltin(ctx); err != nil {
		return fmt.Errorf("cannot install the shipped compliance frameworks: %w", err)
	} else {
		for _, r := range res {
			if !r.Unchanged {
				log.Info("installed a compliance library", "library", r.Library, "version", r.Version, "requirements", r.Requirements, "mappings", r.Mappings)
			}
		}
	}
	secure := o.SecureCookies || (o.TLSCert != "" && o.TLSKey != "")
	reg := prometheus.NewRegistry()
	wc := a.WebConfig()
	wc.Logger, wc.SecureCookies, wc.Version, wc.Registry = log, secure, Version, reg
	srv, err := web.New(ctx, wc)
	if err != nil {
		return err
	}
	// The event path stops after the HTTP server (its own context), so that
	// receivers flush into a live spine and the consumer stores it.
	ectx, stopEvents := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEvents()
	ep, err := a.startEvents(ectx, o.Events, log, reg)
	if err != nil {
		return err
	}
	defer func() {
		stopEvents()
		ep.stop()
		if o.Events.NoDetect {
			return
		}
		// The consumer has stopped: keep the open correlation windows
		// for the next start.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if n, err := a.Detect.SaveState(sctx); err != nil {
			log.Warn("cannot save correlation windows; they start over at the next start", "err", err)
		} else if n > 0 {
			log.Info("correlation windows saved for the next start", "groups", n)
		}
	}()
	if o.Events.IngestHTTP == "" {
		ep.pipeline.Routes(srv.Mount)
	} else {
		stopIngest, err := serveIngestHTTP(ctx, o.Events, ep, log)
		if err != nil {
			return err
		}
		defer stopIngest()
	}
	ln, err := net.Listen("tcp", o.HTTPAddr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (--http): %w", o.HTTPAddr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	scheme := "http"
	if o.TLSCert != "" && o.TLSKey != "" {
		scheme = "https"
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- hs.ServeTLS(ln, o.TLSCert, o.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	addr := ln.Addr().String()
	fmt.Fprintf(o.Out, "samdrift %s serving %s://%s (%s)\n", Version, scheme, addr, a.DB)
	log.Info("serving", "addr", addr, "scheme", scheme, "db", a.DB.String())
	if o.Ready != nil {
		o.Ready(addr)
	}
	deliver := delivery.NewDeliverer(a.DB, o.WebhookAllowPrivate)
	deliver.SMTP, deliver.PublicURL = o.SMTP, o.PublicURL
	deliver.Describe = func(kind string) string { return web.Danish.T("notice." + kind) }
	deliver.AckURL = a.OnCall.AckURL(o.PublicURL)
	go a.housekeeping(ctx, log, deliver, o.AuditAnchors)

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("HTTP server: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", o.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown did not finish in %s: %w", o.ShutdownTimeout, err)
	}
	log.Info("stopped")
	return nil
}

// serveIngestHTTP serves the HTTP ingest endpoints on their own listener
// (--ingest-http); the returned func shuts it down.
func serveIngestHTTP(ctx context.Context, o EventOptions, ep *eventPath, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	ep.pipeline.Routes(mux.Handle)
	ln, err := net.Listen("tcp", o.IngestHTTP)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (--ingest-http): %w", o.IngestHTTP, err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	go func() { _ = hs.Serve(ln) }()
	if o.Ready != nil {
		o.Ready("ingest-http", ln.Addr().String())
	}
	log.Info("receiving logs", "protocol", "http", "addr", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}, nil
}

// housekeeping runs periodic upkeep until ctx ends: on-call escalation
// steps every 2 seconds, SLA warnings and breaches every 30 seconds,
// notification delivery every 10 seconds,
// expired sessions every 15 minutes.
func (a *App) housekeeping(ctx context.Context, log *slog.Logger, deliver *delivery.Deliverer, anchors string) {
	var anchored int64 = -1
	anchor := func() {
		if anchors == "" {
			return
		}
		h, err := audit.Head(ctx, a.DB.Reader())
		if err == nil && h.Seq != anchored {
			err = audit.AppendAnchor(anchors, h)
		}
		if err != nil {
			log.Error("cannot anchor the audit chain", "file", anchors, "err", err)
			return
		}
		anchored = h.Seq
	}
	anchor()
	t := time.NewTicker(15 * time.Minute)
	defer t.Stop()
	sla := time.NewTicker(30 * time.Second)
	defer sla.Stop()
	// Escalation steps are paged within 2 s of their due time, and sent
	// at once.
	page := time.NewTicker(2 * time.Second)
	defer page.Stop()
	send := time.NewTicker(10 * time.Second)
	defer send.Stop()
	// Partners' feeds: each due feed is claimed by one node and polled.
	feeds := time.NewTicker(time.Minute)
	defer feeds.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-send.C:
			if res, err := deliver.Deliver(ctx, time.Now()); err != nil {
				log.Warn("cannot deliver notifications", "err", err)
			} else if res.Failed > 0 || res.Retrying > 0 {
				log.Warn("notifications not delivered", "retrying", res.Retrying, "failed", res.Failed)
			}
		case <-feeds.C:
			// Live compliance evidence: one node every 15 minutes.
			if n, err := a.Compliance.Evaluate(ctx, false); err != nil {
				log.Warn("cannot evaluate live compliance checks", "err", err)
			} else if n > 0 {
				log.Info("live compliance checks evaluated", "results", n)
			}
			if n, err := a.Intel.Poll(ctx); err != nil {
				log.Warn("cannot poll partners' feeds", "err", err)
			} else if n > 0 {
				log.Info("partners' feeds polled", "feeds", n)
			}
		case <-page.C:
			if _, err := a.Intel.Publish(ctx); err != nil {
				log.Warn("cannot publish shared threat intelligence", "err", err)
			}
			if res, err := a.OnCall.Sweep(ctx, time.Now()); err != nil {
				log.Warn("cannot sweep on-call escalations", "err", err)
			} else if res.Paged > 0 {
				log.Info("on-call escalations paged", "steps", res.Paged, "after_snooze", res.Woken)
				if _, err := deliver.Deliver(ctx, time.Now()); err != nil {
					log.Warn("cannot deliver notifications", "err", err)
				}
			}
		case <-sla.C:
			if res, err := a.ServiceDesk.Sweep(ctx, time.Now()); err != nil {
				log.Warn("cannot sweep SLA clocks", "err", err)
			} else if res.Warnings+res.Breaches > 0 {
				log.Info("SLA clocks", "warnings", res.Warnings, "breaches", res.Breaches)
			}
			if res, err := a.Cases.Sweep(ctx, time.Now()); err != nil {
				log.Warn("cannot sweep reporting clocks", "err", err)
			} else if res.Warnings+res.Overdue > 0 {
				log.Info("reporting clocks", "warnings", res.Warnings, "overdue", res.Overdue)
			}
		case <-t.C:
			anchor()
			if n, err := a.Access.PurgeSessions(ctx); err != nil {
				log.Warn("cannot purge expired sessions", "err", err)
			} else if n > 0 {
				log.Info("purged expired sessions", "count", n)
			}
		}
	}
}
