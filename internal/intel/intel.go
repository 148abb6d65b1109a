// Package intel is the CERT's threat-intelligence exchange: threat
// reports (MISP events, STIX reports) and the indicators that came with
// them, STIX 2.1 bundles and MISP feeds in and out, the objects a TAXII
// 2.1 server pages through per sharing audience, and partners' feeds
// (TAXII collections, MISP feeds, CSAF providers, STIX bundles) polled on
// a schedule. Every read honours TLP 2.0 (the same rule as indicators);
// an import never widens the TLP of what it brings. Formats live in
// intel/stix, intel/misp and cert/csaf; indicators are stored by package
// detect and advisories by package cert. It must not know the web layer.
package intel

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/tlp"
)

// TLPs are the TLP 2.0 labels, widest first.
var TLPs = tlp.Labels

// Service exchanges threat intelligence.
type Service struct {
	db   *store.DB
	cert *cert.Service
	log  *slog.Logger
	// Client fetches partners' feeds (tests point it at 127.0.0.1).
	Client *http.Client
	// Clock returns the time (tests set it).
	Clock func() time.Time
	// Getenv reads the environment variable a feed names for its token.
	Getenv func(string) string
}

// New returns the exchange over db, storing advisories through c.
func New(db *store.DB, c *cert.Service, log *slog.Logger, getenv func(string) string) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, cert: c, log: log, Client: &http.Client{Timeout: 60 * time.Second}, Clock: time.Now, Getenv: getenv}
}

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

// stricter returns the stricter of two labels ("" counts as none).
func stricter(a, b string) string { return tlp.Stricter(a, b) }

// mayShare: the CERT, the SOC and administrators bring intelligence in
// and write reports (ManageDetection).
func mayShare(sc access.Scope) error {
	if sc.IsSystem() || sc.Can(access.ManageDetection) {
		return nil
	}
	return errs.E(errs.Forbidden, "threat intelligence is shared by the CERT, the SOC or an administrator")
}

func checkTLP(field, t string) error { return tlp.Check(field, t) }
