// Package web is samdrift's HTTP face: the JSON API under /api/v1 (described
// by an OpenAPI 3.1 document), the server-rendered UI (Danish by default,
// English available, usable without JavaScript), health and metrics
// endpoints, and the middleware that authenticates callers, guards forms
// against CSRF, bounds request bodies and sets security headers. It turns
// HTTP into calls on the domain services and never holds SQL of its own.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
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
)

// Config is what the web layer needs.
type Config struct {
	DB      *store.DB
	Orgs    *org.Service
	Access  *access.Service
	Catalog *catalog.Store
	Orders  *orders.Service
	Plan    *transition.Service
	Sources *sources.Registry
	Events  *eventstore.Store
	Detect  *detect.Detector
	// ServiceDesk keeps tickets.
	ServiceDesk *servicedesk.Service
	// Network is the register of sites and connections.
	Network *network.Register
	// Inbox is the users' in-app notifications and their settings.
	Inbox *notify.Inbox
	// Cases are the SOC's security incident cases.
	Cases *soc.Service
	// OnCall keeps on-call teams, rotas and escalations.
	OnCall *oncall.Service
	// Cert keeps assets, advisories and vulnerabilities.
	Cert *cert.Service
	// Intel exchanges threat intelligence (STIX/TAXII, MISP, feeds).
	Intel *intel.Service
	// Compliance keeps frameworks, assessments, evidence and standards.
	Compliance *compliance.Service
	// Needs keeps the municipalities' needs and feedback on common solutions.
	Needs *needs.Service
	// Availability keeps outages and measures service levels.
	Availability *availability.Service
	// Federation logs people in through their organisation's identity
	// provider (OIDC, SAML); nil: local accounts only.
	Federation *federation.Service
	Logger     *slog.Logger
	// SecureCookies marks cookies Secure and prefixes them __Host-: set it
	// when users reach samdrift over TLS (directly or through a proxy).
	SecureCookies bool
	Version       string
	// Registry receives the HTTP metrics; /metrics serves it. Nil: a new one.
	Registry *prometheus.Registry
}

// Server serves samdrift over HTTP. Create it with New; it is safe for
// concurrent use.
type Server struct {
	cfg       Config
	db        *store.DB
	orgs      *org.Service
	acc       *access.Service
	cat       *catalog.Store
	ord       *orders.Service
	plan      *transition.Service
	src       *sources.Registry
	ev        *eventstore.Store
	det       *detect.Detector
	sd        *servicedesk.Service
	net       *network.Register
	inbox     *notify.Inbox
	cases     *soc.Service
	oncall    *oncall.Service
	cert      *cert.Service
	intel     *intel.Service
	comp      *compliance.Service
	avail     *availability.Service
	log       *slog.Logger
	mux       *http.ServeMux
	pages     map[string]*template.Template
	csrfKey   []byte
	apiRoutes []string // "METHOD /path" of every API route, for the OpenAPI check
	metrics   *httpMetrics
	registry  *prometheus.Registry
}

// New builds a Server: it parses the templates and loads (or creates) the
// key that CSRF tokens are signed with, shared by every node through the
// database.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	key, err := cfg.DB.EnsureSetting(ctx, "web.csrf_key", func() (string, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return hex.EncodeToString(b), err
	})
	if err != nil {
		return nil, err
	}
	csrfKey, err := hex.DecodeString(key)
	if err != nil || len(csrfKey) < 32 {
		return nil, fmt.Errorf("setting web.csrf_key is corrupt; delete it to have a new one made")
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	for name, missing := range map[string]bool{"Orgs": cfg.Orgs == nil, "Access": cfg.Access == nil, "Catalog": cfg.Catalog == nil,
		"Orders": cfg.Orders == nil, "Plan": cfg.Plan == nil, "Sources": cfg.Sources == nil, "Events": cfg.Events == nil,
		"Detect": cfg.Detect == nil, "ServiceDesk": cfg.ServiceDesk == nil, "Network": cfg.Network == nil, "Inbox": cfg.Inbox == nil,
		"Cases": cfg.Cases == nil, "OnCall": cfg.OnCall == nil, "Cert": cfg.Cert == nil, "Intel": cfg.Intel == nil,
		"Compliance": cfg.Compliance == nil, "Needs": cfg.Needs == nil, "Availability": cfg.Availability == nil} {
		if missing {
			return nil, fmt.Errorf("web: Config.%s is missing (app.Services builds them all)", name)
		}
	}
	s := &Server{cfg: cfg, db: cfg.DB, orgs: cfg.Orgs, acc: cfg.Access, cat: cfg.Catalog, ord: cfg.Orders, plan: cfg.Plan,
		src: cfg.Sources, ev: cfg.Events, det: cfg.Detect, sd: cfg.ServiceDesk, net: cfg.Network, inbox: cfg.Inbox, cases: cfg.Cases, oncall: cfg.OnCall, cert: cfg.Cert, intel: cfg.Intel, comp: cfg.Compliance, avail: cfg.Availability, log: cfg.Logger, mux: http.NewServeMux(),
		pages: pages, csrfKey: csrfKey, registry: cfg.Registry}
	if s.metrics, err = newHTTPMetrics(cfg.Registry); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Handler returns the root handler with all middleware applied.
func (s *Server) Handler() http.Handler {
	h := noteRoute(s.mux)
	h = s.authenticate(h)
	h = s.crossOrigin(h)
	h = securityHeaders(h)
	h = s.observe(h)
	return h
}

// Mount adds a handler served beside the API and UI (the ingest
// endpoints), before the server starts. Requests to it pass the same
// logging, metrics and security headers but no session or CSRF checks:
// ingest authenticates with its own tokens.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// APIRoutes returns "METHOD /path" for every API route, as registered.
func (s *Server) APIRoutes() []string { return append([]string(nil), s.apiRoutes...) }

// routes registers every route. API routes go through api(), which records
// them for the OpenAPI consistency test.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	s.mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))

	s.mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.api("GET /api/v1/me", s.apiMe)
	s.api("GET /api/v1/organizations", s.apiListOrganizations)
	s.api("POST /api/v1/organizations", s.apiCreateOrganization)
	s.api("GET /api/v1/organizations/{ref}", s.apiGetOrganization)
	s.api("PUT /api/v1/organizations/{ref}/supplier", s.apiSetSupplier)
	s.api("PUT /api/v1/organizations/{ref}/owners", s.apiSetOwners)
	s.api("GET /api/v1/users", s.apiListUsers)
	s.api("POST /api/v1/users", s.apiCreateUser)
	s.api("GET /api/v1/users/{id}", s.apiGetUser)
	s.api("PATCH /api/v1/users/{id}", s.apiUpdateUser)
	s.api("GET /api/v1/tokens", s.apiListTokens)
	s.api("POST /api/v1/tokens", s.apiCreateToken)
	s.api("DELETE /api/v1/tokens/{id}", s.apiRevokeToken)
	s.api("GET /api/v1/audit", s.apiListAudit)
	s.api("GET /api/v1/catalog", s.apiCatalog)
	s.api("GET /api/v1/catalog/versions", s.apiCatalogVersions)
	s.api("POST /api/v1/catalog/versions", s.apiPublishCatalog)
	s.api("GET /api/v1/catalog/versions/{version}", s.apiCatalog)
	s.api("GET /api/v1/catalog/diff", s.apiCatalogDiff)
	s.api("GET /api/v1/offerings", s.apiListOfferings)
	s.api("POST /api/v1/offerings", s.apiCreateOffering)
	s.api("GET /api/v1/offerings/{id}", s.apiGetOffering)
	s.api("POST /api/v1/offerings/{id}/withdraw", s.apiWithdrawOffering)
	s.api("GET /api/v1/conformance", s.apiConformance)
	s.api("GET /api/v1/orders", s.apiListOrders)
	s.api("POST /api/v1/orders", s.apiCreateOrder)
	s.api("GET /api/v1/orders/{id}", s.apiGetOrder)
	s.api("POST /api/v1/orders/{id}/status", s.apiMoveOrder)
	s.api("GET /api/v1/subscriptions", s.apiListSubscriptions)
	s.api("GET /api/v1/log-sources", s.apiListSources)
	s.api("POST /api/v1/log-sources", s.apiCreateSource)
	s.api("GET /api/v1/events", s.apiSearchEvents)
	s.api("GET /api/v1/events/histogram", s.apiEventHistogram)
	s.api("GET /api/v1/events/facets", s.apiEventFacets)
	s.api("GET /api/v1/events/counts", s.apiEventCounts)
	s.api("GET /api/v1/events/export", s.apiExportEvents)
	s.api("GET /api/v1/logging-standard", s.apiLoggingStandard)
	s.api("GET /api/v1/organizations/{ref}/coverage", s.apiCoverage)
	s.api("GET /api/v1/log-signals", s.apiLogSignals)
	s.api("GET /api/v1/log-retention", s.apiLogRetention)
	s.api("PUT /api/v1/organizations/{ref}/log-retention", s.apiSetLogRetention)
	s.api("GET /api/v1/quarantine", s.apiQuarantine)
	s.detectRoutes()
	s.caseRoutes()
	s.casePages()
	s.socRoutes()
	s.overviewRoutes()
	s.oncallRoutes()
	s.certRoutes()
	s.ticketRoutes()
	s.changeRoutes()
	s.changePageRoutes()
	s.reportRoutes()
	s.availabilityRoutes()
	s.inboxRoutes()
	s.attachmentRoutes()
	s.ticketPageRoutes()
	s.api("GET /api/v1/transition", s.apiTransitionOverview)
	s.api("GET /api/v1/transition/{municipality}", s.apiTransitionPlan)
	s.api("PUT /api/v1/transition/{municipality}/{service}", s.apiSetTransition)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, notFoundRoute(r))
	})

	s.uiRoutes()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("not ready: database unreachable", "err", err)
		l := acceptLang(r.Header.Get("Accept-Language"))
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Content-Language", string(l))
		w.Header().Add("Vary", "Accept-Language")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(Problem{Type: "about:blank", Title: http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable, Code: string(errs.Internal), Detail: l.T("error.notready"), Instance: r.URL.Path})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": string(s.db.Dialect())})
}

// remoteAddr returns the caller's IP address (without port).
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
