package intel

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestPollClaimsOnlyDueFeeds: two nodes find the same feed due; the one
// that comes to claim it after the other has, finds it no longer due and
// leaves it (deterministically, the race TestPollSTIXFeed runs for real).
func TestPollClaimsOnlyDueFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var requests atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			io.WriteString(rw, `{"type":"bundle","id":"bundle--3c1e2f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6","objects":[]}`)
		}))
		defer srv.Close()
		s := New(db, cert.New(db), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		s.Client = srv.Client()
		name, kind, u := "Partner", "stix", srv.URL+"/bundle.json"
		f, err := s.AddFeed(ctx, access.System("test"), FeedChange{Name: &name, Kind: &kind, URL: &u})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []bool{true, false} {
			if got, err := s.poll(ctx, f.ID); got != want || err != nil {
				t.Errorf("poll %d of a feed found due = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if n := requests.Load(); n != 1 {
			t.Errorf("requests to the partner = %d; want 1", n)
		}
	})
}
