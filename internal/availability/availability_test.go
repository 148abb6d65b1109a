package availability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// subscribe makes municipality code a subscriber of service at level
// from its unit, active from since.
func subscribe(t testing.TB, env *demotest.Env, code, service, level string, since time.Time) orders.Order {
	t.Helper()
	ctx := context.Background()
	sys := access.System("test")
	m := env.Org(t, code)
	env.Orders.Clock = func() time.Time { return since }
	defer func() { env.Orders.Clock = store.Now }()
	o, err := env.Orders.Place(ctx, sys, orders.NewOrder{Municipality: m.ID, Service: service, Level: level, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
		if o, err = env.Orders.Move(ctx, sys, o.ID, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// TestMonthOnBothStores: a 24/7 subscription with an hour's outage, a
// partial one and an approved change's maintenance, and an office-hours
// one with an outage at night: the month's figures to the second; who may
// record outages and who sees which figures.
func TestMonthOnBothStores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, true)
		svc := availability.New(db, env.Catalog)
		nov := time.Date(2026, 11, 1, 0, 0, 0, 0, calendar.Copenhagen)
		dec := nov.AddDate(0, 1, 0)
		now := dec.Add(24 * time.Hour)
		svc.Clock = func() time.Time { return now }
		always := subscribe(t, env, "101", "server-virtual-windows", "udvidet", nov.AddDate(0, -2, 0))
		office := subscribe(t, env, "101", "server-virtual-windows", "basis", nov.AddDate(0, -2, 0))
		desk := env.Scope(t, "demo-servicedesk") // the unit supplying København
		at := func(day, hour, min int) time.Time {
			return time.Date(2026, 11, day, hour, min, 0, 0, calendar.Copenhagen)
		}
		end := func(t time.Time) *time.Time { return &t }
		for _, n := range []availability.NewOutage{
			{Subscription: always.ID, Start: at(3, 10, 0), End: end(at(3, 11, 0)), Cause: "storage controller"},
			{Subscription: always.ID, Start: at(10, 8, 0), End: end(at(10, 10, 0)), Impact: 0.5, Cause: "one of two hosts"},
			{Subscription: always.ID, Start: at(20, 1, 0), End: end(at(20, 4, 0)), Cause: "during the change"},
			{Subscription: office.ID, Start: at(6, 20, 0), End: end(at(6, 23, 0)), Cause: "at night"},
		} {
			if _, err := svc.Open(ctx, desk, n); err != nil {
				t.Fatal(err)
			}
		}
		// An approved standard change 02:00–03:00 on the 20th for
		// København: maintenance, out of the service time.
		sd := servicedesk.NewService(db, env.Catalog)
		ch, err := sd.CreateChange(ctx, desk, servicedesk.NewChange{Title: "Firmware", Description: "SAN firmware", Type: servicedesk.StandardChange,
			Risk: "low", Plan: "Upgrade the SAN firmware", Rollback: "Boot the previous image", WindowStart: at(20, 2, 0), WindowEnd: at(20, 3, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Reader().ExecContext(ctx, `UPDATE tickets SET subscription_id = $1 WHERE id = $2`, always.ID, ch.ID); err != nil {
			t.Fatal(err)
		}
		items, err := svc.Month(ctx, desk, nov, dec, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]availability.Item{}
		for _, it := range items {
			got[it.SubscriptionID] = it
		}
		a, o := got[always.ID], got[office.ID]
		month := int64(30 * 24 * 3600)
		// 1 h + 2 h × 0.5 + (3 h − the change's hour) = 4 h down.
		if a.DowntimeSeconds != 4*3600 || a.MaintenanceSeconds != 3600 || a.ServiceSeconds != month-3600 || a.Target != 0.999 || a.Met || a.Outages != 3 {
			t.Errorf("the 24/7 subscription: %+v", a)
		}
		if want := 1 - 4*3600/float64(month-3600); a.Availability != want {
			t.Errorf("availability %v; want %v", a.Availability, want)
		}
		if a.Budget.AllowedSeconds != (month-3600)/1000 || !a.Budget.RunsOut || a.Budget.LeftSeconds >= 0 {
			t.Errorf("the 24/7 subscription's budget: %+v", a.Budget)
		}
		if o.DowntimeSeconds != 0 || o.ServiceSeconds != 21*8*3600 || !o.Met || o.Availability != 1 {
			t.Errorf("office hours, an outage at night: %+v", o)
		}
		// Per municipality and unit: service times and downtime summed.
		ms, us := availability.Summarize(items)
		if len(ms) != 1 || ms[0].Subscriptions != 2 || ms[0].Met != 1 || ms[0].DowntimeSeconds != 4*3600 || ms[0].ServiceSeconds != a.ServiceSeconds+o.ServiceSeconds ||
			ms[0].Availability != 1-float64(4*3600)/float64(a.ServiceSeconds+o.ServiceSeconds) || ms[0].Outages != 4 {
			t.Errorf("København's summary: %+v", ms)
		}
		if len(us) != 1 || us[0].Name != "IT-enhed Hovedstaden" || us[0].Subscriptions != 2 {
			t.Errorf("the unit's summary: %+v", us)
		}
		// On the 21st the 24/7 subscription has spent its budget: its unit
		// and København are told, once.
		svc.Clock = func() time.Time { return at(21, 12, 0) }
		if n, err := svc.WarnBudgets(ctx); err != nil || n != 1 {
			t.Errorf("WarnBudgets = %d, %v; want the 24/7 subscription", n, err)
		}
		if n, err := svc.WarnBudgets(ctx); err != nil || n != 0 {
			t.Errorf("WarnBudgets again = %d, %v; want none (told once)", n, err)
		}
		var told int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(DISTINCT u.org_id) FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = 'availability.budget'`).Scan(&told); err != nil || told != 2 {
			t.Errorf("the budget warning reached %d organisations, %v; want the unit and København", told, err)
		}
		svc.Clock = func() time.Time { return now }
		// Reach: København's SPOC sees its own; another municipality
		// nothing; another unit's service desk nothing and may not record.
		spoc := env.Scope(t, "demo-spoc")
		if items, err := svc.Month(ctx, spoc, nov, dec, 0); err != nil || len(items) != 2 {
			t.Errorf("København's SPOC sees %d, %v", len(items), err)
		}
		env.AddUser(t, "it-odense", "461", access.RoleKommuneIT)
		if items, err := svc.Month(ctx, env.Scope(t, "it-odense"), nov, dec, 0); err != nil || len(items) != 0 {
			t.Errorf("Odense sees %d of København's subscriptions, %v", len(items), err)
		}
		env.AddUser(t, "desk-syd", "enhed-syddanmark", access.RoleServiceDesk)
		other := env.Scope(t, "desk-syd")
		if _, err := svc.Open(ctx, other, availability.NewOutage{Subscription: always.ID, Start: at(5, 1, 0)}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("another unit records an outage of København's subscription: %v; want it answered as unknown", err)
		}
		if _, err := svc.Open(ctx, spoc, availability.NewOutage{Subscription: always.ID, Start: at(5, 1, 0)}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a SPOC records an outage: %v; want forbidden", err)
		}
		// An outage must end after it starts, and not start ahead.
		if _, err := svc.Open(ctx, desk, availability.NewOutage{Subscription: always.ID, Start: at(5, 2, 0), End: end(at(5, 1, 0))}); errs.As(err) == nil || errs.As(err).Field != "ended_at" {
			t.Errorf("an outage ending before it starts: %v", err)
		}
	})
}

// TestAlertmanagerWebhook posts the JSON Alertmanager sends, firing then
// resolved, with the unit's ingest token: it opens and ends an outage; a
// webhook naming another unit's subscription, or none, is refused and
// counted, a wrong token and a malformed body too.
func TestAlertmanagerWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, true)
		svc := availability.New(db, env.Catalog)
		sub := subscribe(t, env, "101", "server-virtual-windows", "udvidet", time.Now().AddDate(0, -1, 0))
		unit := env.Org(t, "enhed-hovedstaden")
		muni := env.Org(t, "101")
		tokens := func(_ context.Context, tok string) (int64, bool) {
			switch tok {
			case "sdi_unit":
				return unit.ID, true
			case "sdi_muni":
				return muni.ID, true
			}
			return 0, false
		}
		var stats availability.WebhookStats
		srv := httptest.NewServer(svc.Alertmanager(tokens, &stats))
		defer srv.Close()
		post := func(token, body string) (int, string) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			return resp.StatusCode, b.String()
		}
		start := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
		hook := func(status string, ends time.Time, subLabel string) string {
			b, _ := json.Marshal(map[string]any{"version": "4", "groupKey": "{}:{alertname=\"VMDown\"}", "status": status, "receiver": "samdrift",
				"groupLabels": map[string]string{"alertname": "VMDown"}, "commonLabels": map[string]string{}, "commonAnnotations": map[string]string{},
				"externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
				"alerts": []map[string]any{{"status": status, "labels": map[string]string{"alertname": "VMDown", "instance": "vm-17", "samdrift_subscription": subLabel},
					"annotations": map[string]string{"summary": "vm-17 is down"}, "startsAt": start.Format(time.RFC3339), "endsAt": ends.Format(time.RFC3339),
					"generatorURL": "http://prometheus:9090/graph", "fingerprint": "c4b1e8f3a9d2e011"}}})
			return string(b)
		}
		id := jsonNum
		if code, body := post("sdi_unit", hook("firing", time.Time{}, id(sub.ID))); code != 204 {
			t.Fatalf("firing = %d %s", code, body)
		}
		// Sent again (Alertmanager repeats): the same outage.
		if code, _ := post("sdi_unit", hook("firing", time.Time{}, id(sub.ID))); code != 204 {
			t.Fatalf("firing again = %d", code)
		}
		open, err := svc.Outages(ctx, access.System("t"), availability.Filter{Subscription: sub.ID})
		if err != nil || len(open) != 1 || open[0].EndedAt != nil || !open[0].StartedAt.Equal(start) || open[0].Cause != "vm-17 is down" || open[0].Source != "webhook" {
			t.Fatalf("after firing twice: %+v, %v", open, err)
		}
		ends := start.Add(7 * time.Minute)
		if code, body := post("sdi_unit", hook("resolved", ends, id(sub.ID))); code != 204 {
			t.Fatalf("resolved = %d %s", code, body)
		}
		closed, _ := svc.Outages(ctx, access.System("t"), availability.Filter{Subscription: sub.ID})
		if len(closed) != 1 || closed[0].EndedAt == nil || !closed[0].EndedAt.Equal(ends) {
			t.Fatalf("after resolved: %+v", closed)
		}
		// Refused: a municipality's token (not the delivering unit), no
		// subscription label, a wrong token, a malformed body.
		for _, c := range []struct {
			token, body string
			want        int
		}{
			{"sdi_muni", hook("firing", time.Time{}, id(sub.ID)), 422},
			{"sdi_unit", hook("firing", time.Time{}, ""), 422},
			{"sdi_unit", hook("firing", time.Time{}, "999999"), 422},
			{"sdi_nope", hook("firing", time.Time{}, id(sub.ID)), 401},
			{"sdi_unit", `{"version":"4","alerts":[`, 400},
			{"sdi_unit", `{"version":"3","alerts":[]}`, 400},
		} {
			if code, body := post(c.token, c.body); code != c.want {
				t.Errorf("%s %.60s = %d %s; want %d", c.token, c.body, code, body, c.want)
			}
		}
		if n, _ := svc.Outages(ctx, access.System("t"), availability.Filter{Subscription: sub.ID}); len(n) != 1 {
			t.Errorf("refused webhooks left %d outages; want the one", len(n))
		}
		if stats.Opened.Load() != 1 || stats.Ended.Load() != 1 || stats.Refused.Load() != 6 || stats.Received.Load() != 6 {
			t.Errorf("stats: opened %d ended %d refused %d received %d", stats.Opened.Load(), stats.Ended.Load(), stats.Refused.Load(), stats.Received.Load())
		}
	})
}

func jsonNum(v int64) string { b, _ := json.Marshal(v); return string(b) }

// TestStatusWebhook: the generic JSON webhook (any monitoring tool) opens
// an outage with "down" and ends it with "up" under the same key, takes an
// array, and refuses what it cannot use.
func TestStatusWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, true)
		svc := availability.New(db, env.Catalog)
		sub := subscribe(t, env, "101", "server-virtual-windows", "basis", time.Now().AddDate(0, -1, 0))
		unit := env.Org(t, "enhed-hovedstaden").ID
		var stats availability.WebhookStats
		srv := httptest.NewServer(svc.StatusWebhook(func(_ context.Context, tok string) (int64, bool) { return unit, tok == "sdi_zabbix" }, &stats))
		defer srv.Close()
		post := func(body string) int {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer sdi_zabbix")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		down := time.Now().Add(-20 * time.Minute).UTC().Truncate(time.Second)
		up := down.Add(12 * time.Minute)
		if code := post(`{"subscription":` + jsonNum(sub.ID) + `,"status":"down","key":"zbx-4711","at":"` + down.Format(time.RFC3339) + `","impact":0.5,"cause":"disk latency"}`); code != 204 {
			t.Fatalf("down = %d", code)
		}
		if code := post(`[{"subscription":` + jsonNum(sub.ID) + `,"status":"up","key":"zbx-4711","at":"` + up.Format(time.RFC3339) + `"}]`); code != 204 {
			t.Fatalf("up = %d", code)
		}
		os, err := svc.Outages(ctx, access.System("t"), availability.Filter{Subscription: sub.ID})
		if err != nil || len(os) != 1 || !os[0].StartedAt.Equal(down) || os[0].EndedAt == nil || !os[0].EndedAt.Equal(up) || os[0].Impact != 0.5 || os[0].Cause != "disk latency" {
			t.Fatalf("outages = %+v, %v", os, err)
		}
		for body, want := range map[string]int{
			`{"subscription":` + jsonNum(sub.ID) + `,"status":"sideways","key":"k"}`:              422,
			`{"subscription":` + jsonNum(sub.ID) + `,"status":"down"}`:                            422, // no key
			`{"subscription":` + jsonNum(sub.ID) + `,"status":"down","key":"k","at":"yesterday"}`: 422,
			`not json`: 400,
		} {
			if code := post(body); code != want {
				t.Errorf("%s = %d; want %d", body, code, want)
			}
		}
		if stats.Opened.Load() != 1 || stats.Ended.Load() != 1 || stats.Refused.Load() != 4 {
			t.Errorf("stats: opened %d ended %d refused %d", stats.Opened.Load(), stats.Ended.Load(), stats.Refused.Load())
		}
	})
}
