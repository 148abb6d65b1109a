package web_test

import (
	"context"
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
