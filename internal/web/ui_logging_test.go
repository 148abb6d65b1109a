package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestCoverageRetentionQuarantine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		it := e.token("demo-kommune-it")
		// Register a typed source over the API, and a bad type.
		if r := e.call("POST", "/api/v1/log-sources", it, `{"org":"101","name":"DC","kind":"cidr","value":"10.9.0.0/24","type":"domain-controller"}`, nil); r.StatusCode != 201 {
			t.Fatalf("create typed source = %d", r.StatusCode)
		}
		var prob struct{ Detail string }
		if r := e.call("POST", "/api/v1/log-sources", it, `{"org":"101","name":"X","kind":"cidr","value":"10.8.0.0/24","type":"toaster"}`, &prob); r.StatusCode != 400 || !strings.Contains(prob.Detail, "toaster") {
			t.Errorf("unknown source type = %d %q", r.StatusCode, prob.Detail)
		}
		// Another municipality, under another unit, cannot take
		// København's senders, not even with allow_overlap.
		e.addUser("it-roskilde", "265", access.RoleKommuneIT)
		other := e.token("it-roskilde")
		for body, want := range map[string]int{
			`{"org":"265","name":"grab","kind":"cidr","value":"10.9.0.128/25","allow_overlap":true}`: 409,
			`{"org":"265","name":"grab","kind":"cidr","value":"0.0.0.0/0"}`:                          403,
			`{"org":"265","name":"grab","kind":"hostname","value":"*"}`:                              403,
			`{"org":"265","name":"own","kind":"cidr","value":"10.65.0.0/24"}`:                        201,
		} {
			if r := e.call("POST", "/api/v1/log-sources", other, body, &prob); r.StatusCode != want {
				t.Errorf("Roskilde POST %s = %d %q; want %d", body, r.StatusCode, prob.Detail, want)
			}
		}
		var cov struct {
			Required, Sending int
			Items             []struct {
				Status string
				Type   struct{ ID string }
			}
		}
		if r := e.call("GET", "/api/v1/organizations/101/coverage", it, "", &cov); r.StatusCode != 200 || cov.Required == 0 || len(cov.Items) == 0 {
			t.Fatalf("coverage = %d %+v", r.StatusCode, cov)
		}
		for _, i := range cov.Items {
			if i.Type.ID == "domain-controller" && i.Status != "waiting" {
				t.Errorf("a just registered domain controller that never sent is %q; want waiting", i.Status)
			}
			if i.Type.ID == "firewall" && i.Status != "missing" {
				t.Errorf("firewall = %q; want missing", i.Status)
			}
		}
		e.addUser("it-odense", "461", access.RoleKommuneIT)
		if r := e.call("GET", "/api/v1/organizations/101/coverage", e.token("it-odense"), "", nil); r.StatusCode != 404 {
			t.Errorf("Odense reads København's coverage: %d", r.StatusCode)
		}
		var std struct {
			SourceTypes []any `json:"source_types"`
		}
		if r := e.call("GET", "/api/v1/logging-standard", it, "", &std); r.StatusCode != 200 || len(std.SourceTypes) < 5 {
			t.Errorf("logging standard = %d, %d types", r.StatusCode, len(std.SourceTypes))
		}
		// Retention: the CISO of København may change it; kommune-IT may not.
		var ret struct {
			Days     int
			Override bool
		}
		if r := e.call("PUT", "/api/v1/organizations/101/log-retention", e.token("demo-ciso"), `{"days":730}`, &ret); r.StatusCode != 200 || ret.Days != 730 || !ret.Override {
			t.Errorf("CISO sets retention = %d %+v", r.StatusCode, ret)
		}
		if r := e.call("PUT", "/api/v1/organizations/101/log-retention", it, `{"days":60}`, nil); r.StatusCode != 403 {
			t.Errorf("kommune-IT sets retention = %d; want 403", r.StatusCode)
		}
		if r := e.call("PUT", "/api/v1/organizations/101/log-retention", e.token("demo-ciso"), `{"days":5}`, nil); r.StatusCode != 400 {
			t.Errorf("5 days = %d; want 400", r.StatusCode)
		}
		// The coverage page, in Danish, with the retention.
		b := newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		r, page := b.get("/coverage")
		if r.StatusCode != 200 || !strings.Contains(page, "Domænecontrollere") || !strings.Contains(page, "Mangler") || !strings.Contains(page, "730 dage") {
			t.Errorf("coverage page = %d; lacks the types, a missing status or the retention", r.StatusCode)
		}
		r, _ = b.post("/coverage/retention", url.Values{"org": {"101"}, "days": {"0"}, "csrf": {csrfOf(t, page)}})
		if r.StatusCode != 303 {
			t.Errorf("resetting retention from the page = %d; want 303", r.StatusCode)
		}
		if _, page = b.get(r.Header.Get("Location")); !strings.Contains(page, "logstandardens") || !strings.Contains(page, "Opbevaringen er gemt") {
			t.Errorf("after resetting, the page does not show the standard's retention")
		}
		// Quarantine: the SOC sees the unregistered sender; a municipality not.
		now := time.Now().UTC()
		if _, err := eventstore.New(db).Append(context.Background(), []event.Event{{ID: "q1", Tenant: 0, Time: now, Received: now, SourceIP: "198.51.100.7", Host: "stray"}}); err != nil {
			t.Fatal(err)
		}
		var q struct {
			Items []struct {
				SenderIP string `json:"sender_ip"`
				Events   int
			}
		}
		if r := e.call("GET", "/api/v1/quarantine", e.token("demo-soc-analyst"), "", &q); r.StatusCode != 200 || len(q.Items) != 1 || q.Items[0].SenderIP != "198.51.100.7" {
			t.Errorf("SOC quarantine = %d %+v", r.StatusCode, q)
		}
		q.Items = nil
		if r := e.call("GET", "/api/v1/quarantine", it, "", &q); r.StatusCode != 200 || len(q.Items) != 0 {
			t.Errorf("København sees the quarantine: %+v", q)
		}
	})
}
