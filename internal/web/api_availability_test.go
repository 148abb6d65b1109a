package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// subscribed loads the demo catalog and makes municipality code a
// subscriber of the virtual Windows server at level from its unit,
// active from since.
func (e *env) subscribed(t *testing.T, code, level string, since time.Time) orders.Order {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.LoadCatalog(ctx, e.Catalog, e.Orgs); err != nil {
		t.Fatal(err)
	}
	sys := access.System("test")
	e.Orders.Clock = func() time.Time { return since }
	o, err := e.Orders.Place(ctx, sys, orders.NewOrder{Municipality: e.Org(t, code).ID, Service: "server-virtual-windows", Level: level, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
		if o, err = e.Orders.Move(ctx, sys, o.ID, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// TestAvailabilityAPI: the unit's service desk records an outage of a
// København subscription over the API and ends it; GET
// /api/v1/availability gives the month's figure to the second for
// København and nothing to Odense (which may not even name København);
// the unit's Alertmanager opens and ends an outage through
// /ingest/alertmanager with the unit's ingest token.
func TestAvailabilityAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := start(t, db)
		sys := access.System("test")
		monthStart := monthStartCPH(time.Now())
		o := e.subscribed(t, "101", "udvidet", monthStart.AddDate(0, -1, 0))
		desk := e.token("demo-servicedesk")
		start := monthStart.Add(time.Hour).UTC()
		var out struct {
			ID      int64
			EndedAt *time.Time `json:"ended_at"`
		}
		body := fmt.Sprintf(`{"subscription":%d,"started_at":%q,"cause":"SAN controller failed"}`, o.ID, start.Format(time.RFC3339))
		if r := e.call("POST", "/api/v1/outages", desk, body, &out); r.StatusCode != 201 || out.EndedAt != nil {
			t.Fatalf("record an outage = %d %+v", r.StatusCode, out)
		}
		if r := e.call("POST", fmt.Sprintf("/api/v1/outages/%d/end", out.ID), desk, fmt.Sprintf(`{"ended_at":%q}`, start.Add(37*time.Minute+12*time.Second).Format(time.RFC3339)), &out); r.StatusCode != 200 || out.EndedAt == nil {
			t.Fatalf("end it = %d %+v", r.StatusCode, out)
		}
		if r := e.call("POST", fmt.Sprintf("/api/v1/outages/%d/end", out.ID), desk, `{}`, nil); r.StatusCode != 409 {
			t.Errorf("end it twice = %d; want 409", r.StatusCode)
		}
		// A SPOC may read, not record.
		if r := e.call("POST", "/api/v1/outages", e.token("demo-spoc"), fmt.Sprintf(`{"subscription":%d}`, o.ID), nil); r.StatusCode != 403 {
			t.Errorf("a SPOC records an outage = %d; want 403", r.StatusCode)
		}
		var av struct {
			Month string
			Items []struct {
				SubscriptionID  int64   `json:"subscription_id"`
				Availability    float64 `json:"availability"`
				Target          float64 `json:"target"`
				DowntimeSeconds int64   `json:"downtime_seconds"`
				ServiceSeconds  int64   `json:"service_seconds"`
				Met             bool    `json:"met"`
			}
		}
		month := monthStart.Format("2006-01")
		if r := e.call("GET", "/api/v1/availability?month="+month+"&org=101", e.token("demo-spoc"), "", &av); r.StatusCode != 200 || len(av.Items) != 1 {
			t.Fatalf("København's availability = %d %+v", r.StatusCode, av)
		}
		it := av.Items[0]
		if it.SubscriptionID != o.ID || it.DowntimeSeconds != 37*60+12 || it.Target != 0.999 || it.ServiceSeconds <= 0 ||
			it.Availability != 1-float64(it.DowntimeSeconds)/float64(it.ServiceSeconds) {
			t.Errorf("København's figure: %+v", it)
		}
		e.addUser("spoc-ode", "461", access.RoleSPOC)
		odense := e.token("spoc-ode")
		if r := e.call("GET", "/api/v1/availability?month="+month, odense, "", &av); r.StatusCode != 200 || len(av.Items) != 0 {
			t.Errorf("Odense sees %d subscriptions", len(av.Items))
		}
		// The organisation directory is public; København's figures are not.
		if r := e.call("GET", "/api/v1/availability?org=101", odense, "", &av); r.StatusCode != 200 || len(av.Items) != 0 {
			t.Errorf("Odense naming København = %d, %d items; want none", r.StatusCode, len(av.Items))
		}
		if r := e.call("GET", fmt.Sprintf("/api/v1/outages/%d", out.ID), odense, "", nil); r.StatusCode != 404 {
			t.Errorf("Odense reads København's outage = %d; want 404", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/availability?month=2026-13", odense, "", nil); r.StatusCode != 400 {
			t.Errorf("a month 13 = %d; want 400", r.StatusCode)
		}

		// A probe of the subscription, listed with its state.
		var probe struct {
			ID    int64
			State string
		}
		if r := e.call("POST", "/api/v1/probes", desk, fmt.Sprintf(`{"subscription":%d,"name":"RDP","kind":"tcp","target":"10.20.0.5:3389","interval_seconds":30}`, o.ID), &probe); r.StatusCode != 201 || probe.State != "unknown" {
			t.Errorf("add a probe = %d %+v", r.StatusCode, probe)
		}
		var paused struct{ Enabled bool }
		if r := e.call("PATCH", fmt.Sprintf("/api/v1/probes/%d", probe.ID), desk, `{"enabled":false}`, &paused); r.StatusCode != 200 || paused.Enabled {
			t.Errorf("pause the probe = %d %+v", r.StatusCode, paused)
		}
		if r := e.call("PATCH", fmt.Sprintf("/api/v1/probes/%d", probe.ID), e.token("demo-spoc"), `{"enabled":true}`, nil); r.StatusCode != 403 {
			t.Errorf("a SPOC resumes the probe = %d; want 403", r.StatusCode)
		}
		var probes struct{ Items []struct{ ID int64 } }
		if r := e.call("GET", fmt.Sprintf("/api/v1/probes?subscription=%d", o.ID), e.token("demo-spoc"), "", &probes); r.StatusCode != 200 || len(probes.Items) != 1 {
			t.Errorf("København's SPOC lists probes = %d %+v", r.StatusCode, probes)
		}
		if r := e.call("GET", "/api/v1/probes", odense, "", &probes); r.StatusCode != 200 || len(probes.Items) != 0 {
			t.Errorf("Odense lists %d of København's probes", len(probes.Items))
		}

		// The unit's Alertmanager, with the unit's ingest token.
		unit := e.Org(t, "enhed-hovedstaden")
		_, token, err := sources.New(db).Add(ctx, sys, sources.NewSource{OrgID: unit.ID, Name: "alertmanager", Kind: sources.KindToken})
		if err != nil {
			t.Fatal(err)
		}
		hook := func(status string) string {
			b, _ := json.Marshal(map[string]any{"version": "4", "status": status, "receiver": "samdrift", "groupKey": "{}:{}",
				"alerts": []map[string]any{{"status": status, "labels": map[string]string{"alertname": "HostDown", "samdrift_subscription": fmt.Sprint(o.ID)},
					"annotations": map[string]string{"summary": "host down"}, "startsAt": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
					"endsAt": time.Now().UTC().Format(time.RFC3339), "fingerprint": "9f1d"}}})
			return string(b)
		}
		for _, status := range []string{"firing", "resolved"} {
			req, _ := http.NewRequest("POST", e.url+"/ingest/alertmanager", strings.NewReader(hook(status)))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 204 {
				t.Fatalf("Alertmanager %s = %d", status, resp.StatusCode)
			}
		}
		var outs struct {
			Items []struct {
				Source   string
				EndedAt  *time.Time `json:"ended_at"`
				TicketID *int64     `json:"ticket_id"`
			}
		}
		if r := e.call("GET", fmt.Sprintf("/api/v1/outages?subscription=%d", o.ID), desk, "", &outs); r.StatusCode != 200 || len(outs.Items) != 2 ||
			outs.Items[0].Source != "webhook" || outs.Items[0].EndedAt == nil || outs.Items[0].TicketID == nil || outs.Items[1].TicketID != nil {
			t.Fatalf("outages after the webhook = %d %+v; want the webhook's with an incident ticket, the manual one without", r.StatusCode, outs)
		}
		// The incident: at the unit, for København's SPOC to follow, the
		// end noted on it.
		var tk struct {
			Status         string
			Tier           int
			SubscriptionID *int64 `json:"subscription_id"`
		}
		if r := e.call("GET", fmt.Sprintf("/api/v1/tickets/%d", *outs.Items[0].TicketID), e.token("demo-spoc"), "", &tk); r.StatusCode != 200 ||
			tk.Status != "in_progress" || tk.Tier != 2 || tk.SubscriptionID == nil || *tk.SubscriptionID != o.ID {
			t.Errorf("the outage's incident as the SPOC sees it = %d %+v", r.StatusCode, tk)
		}
		var notes int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM ticket_entries WHERE ticket_id = $1 AND body LIKE 'Nedbruddet sluttede%'`, *outs.Items[0].TicketID).Scan(&notes); err != nil || notes != 1 {
			t.Errorf("the outage's end noted %d times on its ticket, %v", notes, err)
		}
	})
}
