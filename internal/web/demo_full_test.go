package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/samdrift/samdrift/internal/app"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/web"
)

// fullEnv is samdrift with all of the demo data, as serve --demo loads
// it, on a real HTTP server. No role needs a second factor here, so an
// HTTP client logs in with the password alone.
type fullEnv struct {
	App       *app.App
	URL       string
	Passwords map[string]string
}

// startFull loads the whole demo into db and serves it.
func startFull(t testing.TB, db *store.DB) *fullEnv {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.Services(db, nil, log)
	made, err := a.LoadDemo(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &fullEnv{App: a, Passwords: map[string]string{}}
	for _, m := range made {
		e.Passwords[m.Username] = m.Password
	}
	cfg := a.WebConfig()
	cfg.Logger, cfg.Version = log, "test"
	srv, err := web.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.URL = hs.URL
	return e
}
