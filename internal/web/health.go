package web

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samdrift/samdrift/internal/store"
)

// Health returns what a node without the web role serves on its HTTP
// address: /healthz, /readyz (the database answers) and /metrics (reg),
// so that load balancers and Prometheus watch every node the same way.
// Mount more on the returned mux (the HTTP ingest endpoints of an ingest
// node).
func Health(db *store.DB, version string, reg *prometheus.Registry, log *slog.Logger) *http.ServeMux {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{db: db, log: log, registry: reg}
	s.cfg.Version = version
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	return mux
}
