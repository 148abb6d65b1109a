package ingest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestBulkIDIsTheIdempotencyKey: a _bulk document's _id makes it one
// event however often it is sent — a second create in one request answers
// 409 as Elasticsearch does, and a document sent again in a later request
// (even with another time) is stored once, on SQLite and PostgreSQL.
func TestBulkIDIsTheIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg := sources.New(db)
		if err := reg.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		orgs := org.NewService(db)
		if _, err := orgs.ImportMunicipalities(ctx, access.System("t"), nil); err != nil {
			t.Fatal(err)
		}
		frb, err := orgs.Get(ctx, access.System("t"), "147")
		if err != nil {
			t.Fatal(err)
		}
		_, token, err := reg.Add(ctx, access.System("t"), sources.NewSource{OrgID: frb.ID, Name: "beats", Kind: sources.KindToken})
		if err != nil {
			t.Fatal(err)
		}
		sp := openSpine(t, 0)
		p := ingest.NewPipeline(sp, reg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		mux := http.NewServeMux()
		p.Routes(mux.Handle)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		post := func(body string) []map[string]map[string]any {
			req, _ := http.NewRequest("POST", srv.URL+"/ingest/es/_bulk", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct {
				Items []map[string]map[string]any `json:"items"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
				t.Fatalf("_bulk = %d, %v", resp.StatusCode, err)
			}
			return out.Items
		}
		items := post(`{"create":{"_id":"doc-1"}}
{"@timestamp":"2026-12-05T08:00:00Z","message":"first"}
{"create":{"_id":"doc-1"}}
{"@timestamp":"2026-12-05T08:00:00Z","message":"first"}
{"create":{"_id":"doc-2"}}
{"@timestamp":"2026-12-05T08:00:01Z","message":"second"}
{"create":{}}
{"@timestamp":"2026-12-05T08:00:02Z","message":"no id"}
`)
		want := []float64{201, 409, 201, 201}
		for i, it := range items {
			if st := it["create"]["status"]; i >= len(want) || st != want[i] {
				t.Errorf("item %d = %v; want status %v", i, it, want)
			}
		}
		if len(items) != 4 || items[0]["create"]["_id"] != "doc-1" {
			t.Errorf("items = %v; want 4, the first with _id doc-1", items)
		}
		// The client retries doc-1 and doc-2 later (doc-2 with a newer time).
		post(`{"create":{"_id":"doc-1"}}
{"@timestamp":"2026-12-05T08:00:00Z","message":"first"}
{"index":{"_id":"doc-2"}}
{"@timestamp":"2026-12-05T09:30:00Z","message":"second again"}
`)
		evs, stored := storeWhatArrives(t, sp, db, 5)
		seen := len(evs)
		if seen != 5 || stored != 3 {
			t.Errorf("the spine carried %d events and the store kept %d; want 5 and 3 (doc-1, doc-2 and the one without _id)", seen, stored)
		}
	})
}
