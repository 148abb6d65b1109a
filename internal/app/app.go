// Package app wires samdrift together: it opens the database, builds the
// domain services, loads demo data, starts the HTTP server and shuts it all
// down in order. It is the only package that knows every other one.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
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
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/cluster"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/compliance/live"
	"github.com/samdrift/samdrift/internal/delivery"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/federation"
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
	// Events, when set, keeps the log events in VictoriaLogs at these
	// URLs (victorialogs://host:9428, or http(s)://) instead of the
	// database: each a copy holding every event.
	Events []string
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
	// Availability measures the subscriptions' service levels.
	Availability *availability.Service
	// Federation logs people in through identity providers; nil until
	// Serve reads ServeOptions.Federation (nil: local accounts only).
	Federation *federation.Service
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
	var vls []*eventstore.Victoria
	for _, u := range d.Events {
		vl, err := eventstore.NewVictoria(u)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("--events: %w", err)
		}
		vls = append(vls, vl)
	}
	es := eventstore.New(db)
	if migrate && len(vls) == 0 {
		// Events stored one row each by an earlier version move into the
		// block layout (SQLite).
		if err := es.Upgrade(ctx, func(moved, total int) {
			log.Info("moving stored events into blocks", "moved", moved, "of", total)
		}); err != nil {
			db.Close()
			return nil, err
		}
	}
	a := Services(db, mfaRoles, log)
	if len(vls) > 0 {
		a.Events = eventstore.NewOn(db, vls...)
		log.Info("log events are kept in VictoriaLogs", "copies", d.Events)
	}
	return a, nil
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
		OnCall: oncall.New(db), Cert: certs, Intel: intel.New(db, certs, log, os.Getenv), Compliance: compliance.New(db), Needs: needs.New(db),
		Availability: availability.New(db, cat)}
	a.Availability.Tickets = outageTickets{desk: desk}
	a.Compliance.Register(live.Checks(live.Platform{Sources: a.Sources, Access: a.Access, CERT: certs, Cases: cases, Orgs: a.Orgs,
		Desk: desk, Orders: ord, Catalog: cat})...)
	return a
}

// WebConfig is the web layer's configuration with a's services.
func (a *App) WebConfig() web.Config {
	return web.Config{DB: a.DB, Orgs: a.Orgs, Access: a.Access, Catalog: a.Catalog, Orders: a.Orders, Plan: a.Plan,
		Sources: a.Sources, Events: a.Events, Detect: a.Detect, ServiceDesk: a.ServiceDesk, Network: a.Network, Inbox: a.Inbox, Cases: a.Cases, OnCall: a.OnCall, Cert: a.Cert,
		Intel: a.Intel, Compliance: a.Compliance, Needs: a.Needs, Availability: a.Availability}
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
	// ProbeAllowLocal lets the service probes reach loopback and
	// link-local addresses (tests; by default they may not reach
	// samdrift's own host or the cloud's metadata service).
	ProbeAllowLocal bool
	// AuditAnchors is a file the audit chain's head is appended to every
	// 15 minutes when it has moved (empty: none).
	AuditAnchors string
	// Federation is the identity providers' configuration file (empty:
	// local accounts only; docs/OPERATIONS.md, "Logging in through the
	// municipality's identity provider").
	Federation string
	// Roles are the parts this node runs (zero: all).
	Roles Roles
	// LeaseTTL is how long this node's leases last unless renewed
	// (cluster.DefaultTTL when 0): the time another node needs to take
	// over a job of a node that died.
	LeaseTTL time.Duration
}

// Serve runs samdrift's roles (o.Roles; all when zero) until ctx is
// cancelled, then shuts down cleanly: in-flight requests finish (up to
// ShutdownTimeout), the event path drains, the leases this node holds
// are released, and the database closes (by the caller, through Close).
func (a *App) Serve(ctx context.Context, o ServeOptions) error {
	log := o.Logger
	if o.Roles == (Roles{}) {
		o.Roles = AllRoles
	}
	if o.SessionTTL > 0 {
		a.Access.SessionTTL = o.SessionTTL
	}
	node := newNode(o.Roles)
	leases := cluster.NewLeases(a.DB, node.ID, o.LeaseTTL)
	log = log.With("node", node.ID)
	log.Info("starting", "roles", o.Roles.String(), "version", Version)
	if n, err := leases.ReclaimLocal(ctx, node.Host); err != nil {
		log.Warn("cannot free the leases of earlier processes on this machine; they expire by themselves", "err", err)
	} else if n > 0 {
		log.Info("freed the leases of an earlier process on this machine that no longer runs", "leases", n)
	}
	if err := a.setup(ctx, leases, log); err != nil {
		return err
	}
	if o.Federation != "" {
		cfg, err := federation.LoadConfig(o.Federation, o.PublicURL)
		if err != nil {
			return fmt.Errorf("--federation %s: %w", o.Federation, err)
		}
		if a.Federation, err = federation.New(a.DB, a.Access, cfg, nil, log); err != nil {
			return fmt.Errorf("--federation %s: %w", o.Federation, err)
		}
		for _, p := range a.Federation.Providers() {
			log.Info("identity provider", "id", p.ID, "type", p.Type, "name", p.Name)
		}
	}
	hctx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBeat()
	go cluster.Heartbeat(hctx, a.DB, node, o.LeaseTTL)

	if o.Events.NATS != "" {
		stopRelay, err := a.relayAlerts(ctx, o.Events, node.ID, log)
		if err != nil {
			return err
		}
		defer stopRelay()
	}
	secure := o.SecureCookies || (o.TLSCert != "" && o.TLSKey != "")
	reg := prometheus.NewRegistry()
	var handler http.Handler
	var mount func(pattern string, h http.Handler)
	if o.Roles.Web {
		wc := a.WebConfig()
		wc.Federation = a.Federation
		wc.Logger, wc.SecureCookies, wc.Version, wc.Registry = log, secure, Version, reg
		srv, err := web.New(ctx, wc)
		if err != nil {
			return err
		}
		handler, mount = srv.Handler(), srv.Mount
	} else {
		mux := web.Health(a.DB, Version, reg, log)
		handler, mount = mux, mux.Handle
	}
	// The event path stops after the HTTP server (its own context), so that
	// receivers flush into a live spine and the consumer stores it.
	ectx, stopEvents := context.WithCancel(context.WithoutCancel(ctx))
	defer stopEvents()
	ep, err := a.startEvents(ectx, o.Events, o.Roles, leases, log, reg)
	if err != nil {
		return err
	}
	// Stopping the event path saves each partition's correlation windows
	// for the node that stores it next (this one, after a restart).
	defer func() {
		stopEvents()
		ep.stop()
	}()
	if o.Roles.Ingest {
		if o.Events.IngestHTTP == "" {
			ep.pipeline.Routes(mount)
		} else {
			stopIngest, err := serveIngestHTTP(ctx, o.Events, ep, log)
			if err != nil {
				return err
			}
			defer stopIngest()
		}
	}
	ln, err := net.Listen("tcp", o.HTTPAddr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (--http): %w", o.HTTPAddr, err)
	}
	hs := &http.Server{
		Handler:           handler,
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
	fmt.Fprintf(o.Out, "samdrift %s serving %s://%s (%s, roles %s)\n", Version, scheme, addr, a.DB, o.Roles)
	log.Info("serving", "addr", addr, "scheme", scheme, "db", a.DB.String())
	if o.Ready != nil {
		o.Ready(addr)
	}
	// Periodic work: each job on one jobs node at a time. The jobs stop
	// before the HTTP server, and release their leases as they stop.
	jctx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		if o.Roles.Jobs {
			leases.RunJobs(jctx, log, a.jobs(o, log)...)
		}
	}()
	if o.AuditAnchors != "" {
		go a.anchorLoop(jctx, log, o.AuditAnchors)
	}
	defer func() {
		stopJobs()
		<-jobsDone
	}()

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("HTTP server: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", o.ShutdownTimeout)
	stopJobs()
	<-jobsDone
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown did not finish in %s: %w", o.ShutdownTimeout, err)
	}
	log.Info("stopped")
	return nil
}

// newNode describes this process for the node registry and its leases:
// the id is unique per process (host, process id and a random part), so
// that a restarted node never mistakes its predecessor's leases for its
// own.
func newNode(r Roles) cluster.Node {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	now := time.Now()
	return cluster.Node{ID: cluster.NodeID(host, os.Getpid(), hex.EncodeToString(b)), Host: host, Roles: r.Names(),
		Version: Version, Started: now, Seen: now}
}

// setup installs what every node needs in the database (the standard
// catalog, the shipped compliance frameworks) on one node at a time: the
// others wait for its lease and then find the work done.
func (a *App) setup(ctx context.Context, leases *cluster.Leases, log *slog.Logger) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, held, err := leases.Acquire(ctx, "setup")
		if err != nil {
			return fmt.Errorf("cannot take the setup lease: %w", err)
		}
		if held {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("another node has held the setup lease for two minutes; is it stuck? Its lease expires by itself if it died")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	defer func() { _ = leases.Release(context.WithoutCancel(ctx), "setup") }()
	if created, err := a.Catalog.EnsureStandard(ctx); err != nil {
		return fmt.Errorf("cannot load the standard catalog: %w", err)
	} else if created {
		log.Info("published the shipped standard catalog")
	}
	res, err := a.Compliance.InstallBuiltin(ctx)
	if err != nil {
		return fmt.Errorf("cannot install the shipped compliance frameworks: %w", err)
	}
	for _, r := range res {
		if !r.Unchanged {
			log.Info("installed a compliance library", "library", r.Library, "version", r.Version, "requirements", r.Requirements, "mappings", r.Mappings)
		}
	}
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

// jobs are the periodic work of a jobs node; each runs on one jobs node
// at a time under its lease (cluster.RunJobs), and each is idempotent, so
// that a takeover in the middle of a run does no harm.
func (a *App) jobs(o ServeOptions, log *slog.Logger) []cluster.Job {
	deliver := delivery.NewDeliverer(a.DB, o.WebhookAllowPrivate)
	deliver.SMTP, deliver.PublicURL = o.SMTP, o.PublicURL
	deliver.Describe = func(kind string) string { return web.Danish.T("notice." + kind) }
	deliver.AckURL = a.OnCall.AckURL(o.PublicURL)
	send := func(ctx context.Context) error {
		res, err := deliver.Deliver(ctx, time.Now())
		if err == nil && (res.Failed > 0 || res.Retrying > 0) {
			log.Warn("notifications not delivered", "retrying", res.Retrying, "failed", res.Failed)
		}
		return err
	}
	prober := a.Availability.NewProber(64, o.ProbeAllowLocal)
	silence, retention := o.Events.SilenceCheck, o.Events.RetentionEvery
	if silence <= 0 {
		silence = time.Minute
	}
	if retention <= 0 {
		retention = time.Hour
	}
	js := []cluster.Job{
		// Escalation steps are paged within 2 s of their due time, and
		// sent at once.
		{Name: "oncall", Every: 2 * time.Second, Run: func(ctx context.Context) error {
			res, err := a.OnCall.Sweep(ctx, time.Now())
			if err != nil || res.Paged == 0 {
				return err
			}
			log.Info("on-call escalations paged", "steps", res.Paged, "after_snooze", res.Woken)
			return send(ctx)
		}},
		{Name: "intel.publish", Every: 2 * time.Second, Run: func(ctx context.Context) error {
			_, err := a.Intel.Publish(ctx)
			return err
		}},
		{Name: "deliver", Every: 10 * time.Second, Run: send},
		// Error budgets that run out before the month ends: the unit and
		// the municipality are told once per subscription and month.
		{Name: "availability.budget", Every: 15 * time.Minute, First: time.Minute, Run: func(ctx context.Context) error {
			n, err := a.Availability.WarnBudgets(ctx)
			if n > 0 {
				log.Info("error budgets running out", "subscriptions", n)
			}
			return err
		}},
		// Service probes: four times a second the due checks start (at
		// most 64 at once; a check starts within a quarter second of its
		// due time); each records its result when done.
		{Name: "probes", Every: 250 * time.Millisecond, Run: func(ctx context.Context) error {
			_, err := prober.RunDue(ctx)
			return err
		}},
		{Name: "sla", Every: 30 * time.Second, Run: func(ctx context.Context) error {
			res, err := a.ServiceDesk.Sweep(ctx, time.Now())
			if err == nil && res.Warnings+res.Breaches > 0 {
				log.Info("SLA clocks", "warnings", res.Warnings, "breaches", res.Breaches)
			}
			return err
		}},
		{Name: "reporting", Every: 30 * time.Second, Run: func(ctx context.Context) error {
			res, err := a.Cases.Sweep(ctx, time.Now())
			if err == nil && res.Warnings+res.Overdue > 0 {
				log.Info("reporting clocks", "warnings", res.Warnings, "overdue", res.Overdue)
			}
			return err
		}},
		// Live compliance evidence (itself at most every 15 minutes) and
		// partners' feeds (each when due).
		{Name: "compliance", Every: time.Minute, First: time.Minute, Run: func(ctx context.Context) error {
			n, err := a.Compliance.Evaluate(ctx, false)
			if err == nil && n > 0 {
				log.Info("live compliance checks evaluated", "results", n)
			}
			return err
		}},
		{Name: "feeds", Every: time.Minute, First: time.Minute, Run: func(ctx context.Context) error {
			n, err := a.Intel.Poll(ctx)
			if err == nil && n > 0 {
				log.Info("partners' feeds polled", "feeds", n)
			}
			return err
		}},
		// Users of an identity provider who have not logged in for its
		// deactivate_after_days are disabled.
		{Name: "federation.unseen", Every: time.Hour, First: 2 * time.Minute, Run: func(ctx context.Context) error {
			if a.Federation == nil {
				return nil
			}
			n, err := a.Federation.DeactivateUnseen(ctx)
			if n > 0 {
				log.Info("disabled users unseen at their identity provider", "users", n)
			}
			return err
		}},
		{Name: "sessions", Every: 15 * time.Minute, Run: func(ctx context.Context) error {
			n, err := a.Access.PurgeSessions(ctx)
			if err == nil && n > 0 {
				log.Info("purged expired sessions", "count", n)
			}
			return err
		}},
		{Name: "silent", Every: silence, First: silence, Run: func(ctx context.Context) error {
			raised, cleared, err := a.Sources.CheckSilent(ctx, time.Now())
			if raised+cleared > 0 {
				log.Info("silent log sources", "raised", raised, "cleared", cleared)
			}
			return err
		}},
		{Name: "retention", Every: retention, First: time.Minute, Run: func(ctx context.Context) error {
			start := time.Now()
			n, err := a.Events.ApplyRetention(ctx, start)
			if err == nil && n > 0 {
				log.Info("log retention applied", "deleted", n, "took", time.Since(start).Round(time.Millisecond))
			}
			return err
		}},
	}
	return js
}

// anchorLoop appends the audit chain's head to file at start and every
// 15 minutes when it has moved, until ctx ends. Every node given a file
// keeps its own (an anchor is a copy kept elsewhere; more copies do no
// harm).
func (a *App) anchorLoop(ctx context.Context, log *slog.Logger, file string) {
	var anchored int64 = -1
	t := time.NewTicker(15 * time.Minute)
	defer t.Stop()
	for {
		h, err := audit.Head(ctx, a.DB.Reader())
		if err == nil && h.Seq != anchored {
			err = audit.AppendAnchor(file, h)
		}
		if err != nil && ctx.Err() == nil {
			log.Error("cannot anchor the audit chain", "file", file, "err", err)
		} else if err == nil {
			anchored = h.Seq
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
