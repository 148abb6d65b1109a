package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// alert stores an alert of tenant as detection would, with a sample
// event naming a source address and a user.
func (e *env) alert(t *testing.T, tenant int64, title, level string) int64 {
	t.Helper()
	now := time.Now().Add(-time.Hour).UnixMicro()
	sample := `{"id":"e1","host":"web01","fields":[{"k":"source.ip","v":"198.51.100.7"},{"k":"user.name","v":"anna"}]}`
	var id int64
	if err := e.DB.Reader().QueryRowContext(context.Background(), `INSERT INTO alerts (tenant, rule_id, kind, title, level, group_key, count, first_seen, last_seen,
		event_ids, sample, created_at) VALUES ($1, 'r1', 'rule', $2, $3, 'web01', 3, $4, $4, 'e1 e2', $5, $4) RETURNING id`, tenant, title, level, now, sample).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// detected runs a root shell on host of tenant through a real detector
// with the demo's rules, and returns the alert it raised.
func (e *env) detected(t *testing.T, tenant int64, host string) int64 {
	t.Helper()
	ctx := context.Background()
	d := detect.New(e.DB, nil)
	if _, err := d.Library().ImportOwn(ctx, access.System("test")); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	line := "<86>1 " + now.Format(time.RFC3339) + " " + host + " sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash"
	ev := event.NewParser(time.UTC).ParseSyslog([]byte(line), now, "10.0.0.5")
	ev.Tenant, ev.ID = tenant, fmt.Sprintf("%d-%s", tenant, host)
	if err := d.Handle(ctx, []detect.Batch{{ID: ev.ID, Events: []event.Event{ev}}}); err != nil {
		t.Fatal(err)
	}
	as, _, err := d.Alerts(ctx, access.System("test"), detect.Filter{Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Key == host {
			return a.ID
		}
	}
	t.Fatalf("no alert for %s of %d in %+v", host, tenant, as)
	return 0
}

func TestAPICases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.addUser("ciso-147", "147", access.RoleCISO)
		soc1, ciso, other, spoc := e.token("demo-soc-analyst"), e.token("demo-ciso"), e.token("ciso-147"), e.token("demo-spoc")
		kk := e.Org(t, "101").ID
		a1, a2 := e.alert(t, kk, "Brute force", "high"), e.alert(t, kk, "Root shell", "critical")

		var c soc.Case
		if r := e.call("POST", "/api/v1/cases", soc1, fmt.Sprintf(`{"org":"101","title":"Root shell after brute force","severity":"high","kind":"account-compromise","alerts":[%d]}`, a1), &c); r.StatusCode != 201 {
			t.Fatalf("create = %d", r.StatusCode)
		}
		var link soc.LinkResult
		e.must("POST", fmt.Sprintf("/api/v1/cases/%d/alerts", c.ID), soc1, fmt.Sprintf(`{"ids":[%d,%d]}`, a1, a2), &link)
		if len(link.Linked) != 1 || len(link.Already) != 1 {
			t.Errorf("link = %+v; want a2 linked, a1 there already", link)
		}
		var d soc.Detail
		e.must("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), ciso, "", &d)
		if len(d.AlertList) != 2 || len(d.Observables) < 3 || len(d.Tasks) != 5 || len(d.Timeline) < 4 {
			t.Errorf("detail: %d alerts, %d observables, %d tasks, %d timeline entries", len(d.AlertList), len(d.Observables), len(d.Tasks), len(d.Timeline))
		}
		// A known indicator among the observables is marked.
		e.must("POST", "/api/v1/indicators", e.token("demo-cert"), `{"source":"CFCS","indicators":[{"type":"ip","value":"198.51.100.7"}]}`, nil)
		e.must("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), ciso, "", &d)
		for _, o := range d.Observables {
			if want := map[bool]string{true: "CFCS"}[o.Value == "198.51.100.7"]; o.Indicator != want {
				t.Errorf("observable %s %s: indicator %q; want %q", o.Kind, o.Value, o.Indicator, want)
			}
		}
		if r := e.call("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), other, "", nil); r.StatusCode != 404 {
			t.Errorf("another municipality's CISO reads the case: %d", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/cases", spoc, "", nil); r.StatusCode != 200 {
			t.Errorf("the SPOC's case list = %d; want an empty list", r.StatusCode)
		}
		var pg struct {
			Items []soc.Case `json:"items"`
			Total int        `json:"total"`
		}
		e.must("GET", "/api/v1/cases?status=open&severity=high", soc1, "", &pg)
		if pg.Total != 1 || pg.Items[0].ID != c.ID {
			t.Errorf("open high cases = %+v", pg)
		}
		e.must("GET", "/api/v1/cases", other, "", &pg)
		if pg.Total != 0 {
			t.Errorf("another municipality lists %d cases", pg.Total)
		}

		// The reporting contract.
		aware := time.Now().UTC().Add(-30 * time.Hour).Truncate(time.Second)
		var rep struct {
			Deadlines []struct {
				Kind  string     `json:"kind"`
				Due   *time.Time `json:"due"`
				State string     `json:"state"`
			} `json:"deadlines"`
		}
		if r := e.call("PUT", fmt.Sprintf("/api/v1/cases/%d/reporting", c.ID), ciso, `{"nis2_significant":true,"personal_data_breach":false,"aware_at":"`+aware.Format(time.RFC3339)+`"}`, nil); r.StatusCode != 400 {
			t.Errorf("significant without criteria = %d; want 400", r.StatusCode)
		}
		e.must("PUT", fmt.Sprintf("/api/v1/cases/%d/reporting", c.ID), ciso,
			`{"nis2_significant":true,"nis2_criteria":["severe-disruption"],"personal_data_breach":true,"aware_at":"`+aware.Format(time.RFC3339)+`"}`, &rep)
		want := map[string]*time.Time{"nis2-early-warning": ptrTime(aware.Add(24 * time.Hour)), "nis2-notification": ptrTime(aware.Add(72 * time.Hour)),
			"nis2-final-report": nil, "gdpr-notification": ptrTime(aware.Add(72 * time.Hour))}
		if len(rep.Deadlines) != len(want) {
			t.Errorf("deadlines = %+v", rep.Deadlines)
		}
		for _, dl := range rep.Deadlines {
			w, ok := want[dl.Kind]
			if !ok || (w == nil) != (dl.Due == nil) || (w != nil && !w.Equal(*dl.Due)) {
				t.Errorf("deadline %s due %v; want %v", dl.Kind, dl.Due, w)
			}
		}
		r := e.call("POST", fmt.Sprintf("/api/v1/cases/%d/reports", c.ID), ciso, `{"kind":"nis2-early-warning","reference":"EW-1"}`, nil)
		if r.StatusCode != 400 {
			t.Errorf("a late early warning without reasons = %d; want 400", r.StatusCode)
		}
		e.must("POST", fmt.Sprintf("/api/v1/cases/%d/reports", c.ID), ciso, `{"kind":"nis2-early-warning","reference":"EW-1","late_reason":"Found on Monday"}`, &rep)
		if rep.Deadlines[0].State != "submitted-late" {
			t.Errorf("after the late early warning: %+v", rep.Deadlines)
		}
		var draft soc.Draft
		e.must("GET", fmt.Sprintf("/api/v1/cases/%d/reports/draft?kind=nis2-notification", c.ID), ciso, "", &draft)
		if draft.Organisation == "" || len(draft.Indicators) == 0 {
			t.Errorf("draft = %+v", draft)
		}
		resp, body := e.send("GET", fmt.Sprintf("/api/v1/cases/%d/reports/draft?kind=nis2-notification&format=pdf", c.ID), ciso, "", nil)
		if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("PDF draft = %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(len(body), 20)])
		}

		// Evidence with its SHA-256, downloadable by the case's readers only.
		var f soc.File
		if r := e.callWith("POST", fmt.Sprintf("/api/v1/cases/%d/files?name=mail.eml", c.ID), soc1, "From: x\r\n\r\nhello", map[string]string{"Content-Type": "message/rfc822"}, &f); r.StatusCode != 201 {
			t.Fatalf("attach = %d", r.StatusCode)
		}
		sum := sha256.Sum256([]byte("From: x\r\n\r\nhello"))
		if f.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("sha256 = %q", f.SHA256)
		}
		resp, body = e.send("GET", fmt.Sprintf("/api/v1/cases/%d/files/%d", c.ID, f.ID), ciso, "", nil)
		if resp.StatusCode != 200 || string(body) != "From: x\r\n\r\nhello" || resp.Header.Get("Digest") != "sha-256="+f.SHA256 {
			t.Errorf("download = %d %q %s", resp.StatusCode, body, resp.Header.Get("Digest"))
		}
		if resp, _ := e.send("GET", fmt.Sprintf("/api/v1/cases/%d/files/%d", c.ID, f.ID), other, "", nil); resp.StatusCode != 404 {
			t.Errorf("another municipality downloads evidence: %d", resp.StatusCode)
		}

		// A ticket to the unit, seen on the case and by the unit's desk.
		var tk soc.TicketRef
		e.must("POST", fmt.Sprintf("/api/v1/cases/%d/tickets", c.ID), soc1, `{"to":"unit","title":"Isolate web01"}`, &tk)
		var ticket struct {
			ID     int64  `json:"id"`
			CaseID int64  `json:"case_id"`
			Status string `json:"status"`
		}
		e.must("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), e.token("demo-servicedesk"), "", &ticket)
		if ticket.CaseID != c.ID || ticket.Status != "escalated" {
			t.Errorf("the unit's ticket = %+v", ticket)
		}
		var sim struct {
			Items []soc.Similar `json:"items"`
		}
		var c2 soc.Case
		e.must("POST", "/api/v1/cases", ciso, `{"org":"101","title":"Odd sign-ins","severity":"low"}`, &c2)
		e.must("POST", fmt.Sprintf("/api/v1/cases/%d/observables", c2.ID), ciso, `{"kind":"ip","value":"198.51.100.7"}`, nil)
		e.must("GET", fmt.Sprintf("/api/v1/cases/%d/similar", c2.ID), ciso, "", &sim)
		if len(sim.Items) != 1 || sim.Items[0].ID != c.ID {
			t.Errorf("similar = %+v", sim.Items)
		}
		e.must("POST", fmt.Sprintf("/api/v1/cases/%d/merge", c.ID), soc1, fmt.Sprintf(`{"cases":[%d]}`, c2.ID), nil)
		var merged soc.Case
		e.must("GET", fmt.Sprintf("/api/v1/cases/%d", c2.ID), ciso, "", &merged)
		if merged.MergedInto != c.ID || merged.Resolution != "merged" {
			t.Errorf("merged case = %+v", merged)
		}
		if r := e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d", c.ID), soc1, `{"status":"closed"}`, nil); r.StatusCode != 400 {
			t.Errorf("closing without a resolution = %d; want 400", r.StatusCode)
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestAPIDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		socTok, ciso, spoc := e.token("demo-soc-analyst"), e.token("demo-ciso"), e.token("demo-spoc")
		kk, fb := e.Org(t, "101").ID, e.Org(t, "147").ID
		a1, a2, a3 := e.detected(t, kk, "web01"), e.detected(t, kk, "web02"), e.detected(t, fb, "web01")
		e.must("POST", fmt.Sprintf("/api/v1/alerts/%d/triage", a1), socTok, `{"status":"closed","resolution":"false-positive"}`, nil)
		e.must("POST", fmt.Sprintf("/api/v1/alerts/%d/triage", a2), socTok, `{"status":"acknowledged"}`, nil)
		var c soc.Case
		e.must("POST", "/api/v1/cases", socTok, fmt.Sprintf(`{"org":"147","title":"Root shell","severity":"critical","alerts":[%d]}`, a3), &c)
		e.must("PATCH", fmt.Sprintf("/api/v1/cases/%d", c.ID), socTok, `{"status":"in_progress"}`, nil)

		var d struct {
			Alerts struct {
				Open []struct {
					Level  string `json:"level"`
					Tenant int64  `json:"tenant"`
					N      int    `json:"n"`
				} `json:"open"`
				Rules []struct {
					Title  string  `json:"title"`
					Alerts int     `json:"alerts"`
					Closed int     `json:"closed"`
					FPRate float64 `json:"false_positive_rate"`
				} `json:"rules"`
				Ack []struct {
					N int `json:"n"`
				} `json:"ack"`
			} `json:"alerts"`
			Cases struct {
				Open []struct {
					OrgID int64 `json:"org_id"`
					N     int   `json:"n"`
				} `json:"open"`
				Ack []struct {
					N int `json:"n"`
				} `json:"ack"`
			} `json:"cases"`
			Coverage []struct {
				OrgID int64 `json:"org_id"`
			} `json:"coverage"`
			Escalations []struct {
				ID int64 `json:"id"`
			} `json:"escalations"`
		}
		e.must("GET", "/api/v1/soc/dashboard", socTok, "", &d)
		open := map[int64]int{}
		for _, o := range d.Alerts.Open {
			open[o.Tenant] += o.N
		}
		if open[kk] != 1 || open[fb] != 1 {
			t.Errorf("open alerts = %+v; want one each in København and Frederiksberg", d.Alerts.Open)
		}
		if len(d.Alerts.Rules) != 1 || d.Alerts.Rules[0].Alerts != 3 || d.Alerts.Rules[0].Closed != 1 || d.Alerts.Rules[0].FPRate != 1 {
			t.Errorf("rules = %+v; want the root-shell rule with 3 alerts, 1 closed as false positive", d.Alerts.Rules)
		}
		if len(d.Alerts.Ack) != 1 || d.Alerts.Ack[0].N != 2 || len(d.Cases.Ack) != 1 || d.Cases.Ack[0].N != 1 {
			t.Errorf("times to acknowledge: alerts %+v, cases %+v", d.Alerts.Ack, d.Cases.Ack)
		}
		if len(d.Cases.Open) != 1 || d.Cases.Open[0].OrgID != fb {
			t.Errorf("open cases = %+v", d.Cases.Open)
		}
		if len(d.Escalations) != 0 {
			t.Errorf("escalations without an on-call team = %d", len(d.Escalations))
		}
		if len(d.Coverage) < 98 {
			t.Errorf("the SOC's coverage overview has %d organisations; want every municipality and unit", len(d.Coverage))
		}
		// København's CISO sees København only.
		e.must("GET", "/api/v1/soc/dashboard", ciso, "", &d)
		for _, o := range d.Alerts.Open {
			if o.Tenant != kk {
				t.Errorf("København's CISO sees open alerts of %d", o.Tenant)
			}
		}
		if len(d.Cases.Open) != 0 || len(d.Coverage) != 1 || d.Coverage[0].OrgID != kk {
			t.Errorf("København's CISO: cases %+v, coverage %+v", d.Cases.Open, d.Coverage)
		}
		if r := e.call("GET", "/api/v1/soc/dashboard", spoc, "", nil); r.StatusCode != 403 {
			t.Errorf("the SPOC's dashboard = %d; want 403", r.StatusCode)
		}
	})
}
