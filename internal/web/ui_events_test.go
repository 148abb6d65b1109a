package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestUIEventSearchScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		now := time.Now().UTC()
		var batch []event.Event
		for i, c := range []struct{ code, msg string }{{"101", "kk-secret-login"}, {"147", "frb-secret-login"}} {
			ev := event.Event{ID: "ui-" + c.code, Tenant: e.Org(t, c.code).ID, Time: now.Add(-time.Duration(i) * time.Minute), Received: now,
				Host: "host-" + c.code, App: "sshd", Message: c.msg, Severity: 6}
			ev.Set("user.name", "anna")
			batch = append(batch, ev)
		}
		if _, err := eventstore.New(db).Append(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, e.url)
		b.login("demo-kommune-it", e.Passwords["demo-kommune-it"])
		r, page := b.get("/events?q=user.name%3Aanna&range=1h")
		if r.StatusCode != 200 || !strings.Contains(page, "kk-secret-login") || strings.Contains(page, "frb-secret-login") {
			t.Errorf("København's search page = %d, own event shown %v, Frederiksberg's shown %v", r.StatusCode,
				strings.Contains(page, "kk-secret-login"), strings.Contains(page, "frb-secret-login"))
		}
		if !strings.Contains(page, `class="bar"`) || !strings.Contains(page, `user.name%3A%22anna%22`) {
			t.Errorf("the search page lacks its histogram or the user.name facet")
		}
		r, csv := b.get("/api/v1/events/export?q=user.name%3Aanna&format=csv")
		if r.StatusCode != 200 || !strings.HasPrefix(csv, "time,tenant,host") || !strings.Contains(csv, "kk-secret-login") || strings.Contains(csv, "frb-secret-login") {
			t.Errorf("CSV export = %d:\n%s", r.StatusCode, csv)
		}
		if _, page := b.get(`/events?q=%22unclosed`); !strings.Contains(page, "the quote is not closed (at position 1)") {
			t.Errorf("a bad query does not say where it is wrong")
		}
	})
}

// TestAPIEventCounts counts events by a field through the API: every
// matching event within the caller's reach (København's user does not
// see Frederiksberg's), the answer as openapi.json says, and a refused
// field named in the problem.
func TestAPIEventCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		now := time.Now().UTC()
		var batch []event.Event
		for i := range 30 {
			code := "101"
			if i%3 == 0 {
				code = "147"
			}
			ev := event.Event{ID: fmt.Sprint("cnt-", i), Tenant: e.Org(t, code).ID, Time: now.Add(-time.Duration(i) * time.Second), Received: now,
				Host: fmt.Sprint("host-", code, "-", i%2), App: "sshd", Message: "Failed password", Severity: 5}
			batch = append(batch, ev)
		}
		if _, err := eventstore.New(db).Append(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		var got eventstore.Counts
		if r := e.call("GET", "/api/v1/events/counts?field=host.name&top=1&q=%22failed+password%22", e.token("demo-kommune-it"), "", &got); r.StatusCode != 200 {
			t.Fatalf("counts = %d", r.StatusCode)
		}
		// København's 20 events: host-101-0 and host-101-1, ten each.
		if got.Total != 20 || len(got.Values) != 1 || got.Values[0] != (eventstore.FieldCount{Value: "host-101-0", Count: 10}) || got.Other != 10 || got.Distinct != 2 || !got.Exact {
			t.Errorf("København's counts by host: %+v", got)
		}
		var p problem
		if r := e.call("GET", "/api/v1/events/counts?field=message", e.token("demo-kommune-it"), "", &p); r.StatusCode != 400 || p.Field != "field" {
			t.Errorf("counting by message = %d %+v; want 400 naming field", r.StatusCode, p)
		}
		if r := e.call("GET", "/api/v1/events/counts?field=host.name&top=x", e.token("demo-kommune-it"), "", &p); r.StatusCode != 400 || p.Field != "top" {
			t.Errorf("top=x = %d %+v; want 400 naming top", r.StatusCode, p)
		}
	})
}
