package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

const testRule = `title: Mimikatz on the command line
id: 0c7f0f1e-0000-4000-8000-00000000aa01
level: high
tags: [attack.credential-access]
logsource: {product: linux, service: sudo}
detection:
  kw: ['mimikatz']
  condition: kw
---
title: broken
id: 0c7f0f1e-0000-4000-8000-00000000aa02
logsource: {product: linux}
detection:
  kw: {A|nosuchmodifier: x}
  condition: kw
`

func TestDetectionAPIAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		soc, ciso := e.token("demo-soc-analyst"), e.token("demo-ciso")
		var rep struct {
			Added    int
			Rejected []string
		}
		if r := e.call("POST", "/api/v1/detection-rules?origin=test", ciso, testRule, nil); r.StatusCode != 403 {
			t.Errorf("a CISO imported rules: %d", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/detection-rules?origin=test&file=t.yml", soc, testRule, &rep); r.StatusCode != 200 || rep.Added != 1 ||
			len(rep.Rejected) != 1 || !strings.Contains(rep.Rejected[0], "t.yml:14") || !strings.Contains(rep.Rejected[0], "nosuchmodifier") {
			t.Fatalf("import = %d %+v; want 1 added and the broken rule rejected at t.yml:14", r.StatusCode, rep)
		}
		// An alert for København, made by the detector as the consumer would.
		d := detect.New(db, nil)
		kk := e.Org(t, "101").ID
		now := time.Now().UTC()
		ev := event.NewParser(time.UTC).ParseSyslog([]byte("<86>1 "+now.Format(time.RFC3339)+" ws7 sudo - - - bo : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/tmp/mimikatz.exe"), now, "10.0.0.7")
		ev.Tenant, ev.ID = kk, "m1"
		if err := d.Handle(context.Background(), []detect.Batch{{ID: "m1", Events: []event.Event{ev}}}); err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items []struct{ Title, Level, Key string }
			Total int
		}
		if r := e.call("GET", "/api/v1/alerts?level=high", ciso, "", &page); r.StatusCode != 200 || page.Total != 1 || page.Items[0].Key != "ws7" {
			t.Fatalf("alerts = %d %+v", r.StatusCode, page)
		}
		if r := e.call("GET", "/api/v1/alerts?level=loud", ciso, "", nil); r.StatusCode != 400 {
			t.Errorf("a bad level filter = %d; want 400", r.StatusCode)
		}
		e.addUser("ciso-odense", "461", access.RoleCISO)
		if r := e.call("GET", "/api/v1/alerts", e.token("ciso-odense"), "", &page); r.StatusCode != 200 || page.Total != 0 {
			t.Errorf("Odense's CISO sees %d alerts", page.Total)
		}
		// København's CISO turns the rule off for København only.
		if r := e.call("PUT", "/api/v1/organizations/101/detection-rules/0c7f0f1e-0000-4000-8000-00000000aa01", ciso, `{"enabled":false}`, nil); r.StatusCode != 200 {
			t.Errorf("CISO tuning = %d", r.StatusCode)
		}
		if r := e.call("PUT", "/api/v1/detection-rules/0c7f0f1e-0000-4000-8000-00000000aa01", ciso, `{"enabled":false}`, nil); r.StatusCode != 403 {
			t.Errorf("a CISO turned a rule off for everybody: %d", r.StatusCode)
		}
		var rules struct {
			Items []struct {
				RuleID     string `json:"rule_id"`
				OrgEnabled *bool  `json:"org_enabled"`
				Hits       []int
			}
		}
		if r := e.call("GET", "/api/v1/detection-rules", ciso, "", &rules); r.StatusCode != 200 || len(rules.Items) != 1 ||
			rules.Items[0].OrgEnabled == nil || *rules.Items[0].OrgEnabled || rules.Items[0].Hits[29] != 1 {
			t.Fatalf("rules = %d %+v", r.StatusCode, rules)
		}

		b := newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		r, html := b.get("/alerts")
		if r.StatusCode != 200 || !strings.Contains(html, "Mimikatz on the command line") || !strings.Contains(html, "Høj") || !strings.Contains(html, "/static/alerts.js") {
			t.Errorf("alerts page = %d; lacks the alert, its Danish level or the live script", r.StatusCode)
		}
		r, html = b.get("/detection-rules")
		if r.StatusCode != 200 || !strings.Contains(html, "Slået fra for jer") || !strings.Contains(html, `<svg class="spark"`) {
			t.Errorf("rules page = %d; lacks the local state or the hits chart", r.StatusCode)
		}
		if r, js := b.get("/static/alerts.js"); r.StatusCode != 200 || !strings.Contains(js, "EventSource") {
			t.Errorf("alerts.js = %d", r.StatusCode)
		}

		// Triage: the alert's page and API, as the SOC and the CISO.
		var list struct {
			Items []struct{ ID int64 }
		}
		if r := e.call("GET", "/api/v1/alerts", ciso, "", &list); r.StatusCode != 200 || len(list.Items) != 1 {
			t.Fatalf("alerts = %d %+v", r.StatusCode, list)
		}
		id := fmt.Sprint(list.Items[0].ID)
		var detail struct {
			Status, Assignee, Resolution string
			Notes                        []struct{ Author, Status, Body string }
		}
		if r := e.call("GET", "/api/v1/alerts/"+id, e.token("ciso-odense"), "", nil); r.StatusCode != 404 {
			t.Errorf("Odense's CISO read København's alert: %d", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/alerts/"+id+"/triage", soc, `{"status":"closed"}`, nil); r.StatusCode != 400 {
			t.Errorf("closing without a resolution = %d; want 400", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/alerts/"+id+"/triage", soc, `{"status":"acknowledged","comment":"ws7 is a lab machine?"}`, &detail); r.StatusCode != 200 ||
			detail.Status != "acknowledged" || detail.Assignee != "demo-soc-analyst" || len(detail.Notes) != 1 {
			t.Fatalf("acknowledge = %d %+v", r.StatusCode, detail)
		}
		r, html = b.get("/alerts/" + id)
		if r.StatusCode != 200 || !strings.Contains(html, "Under behandling") || !strings.Contains(html, "ws7 is a lab machine?") ||
			!strings.Contains(html, `action="/alerts/`+id+`/triage"`) || !strings.Contains(html, "/events?") {
			t.Errorf("alert page = %d; lacks the status, the note, the triage form or the event links", r.StatusCode)
		}
		csrf := csrfOf(t, html)
		// Handing it on: the picker offers the people in the CISO's reach
		// who may triage the alert (the SOC analyst is not in her reach, so
		// not offered); the server decides whom a posted name may be: the
		// SOC analyst may take it, Odense's CISO may not.
		if !strings.Contains(html, `<select id="triage-assign" name="assign"`) || !strings.Contains(html, "— ingen —") ||
			strings.Contains(html, `value="demo-soc-analyst"`) {
			t.Error("the triage form lacks the assignee picker, or offers someone out of the CISO's reach")
		}
		r, _ = b.post("/alerts/"+id+"/triage", url.Values{"csrf": {csrf}, "assign": {"demo-soc-analyst"}, "comment": {"over to you"}})
		if r.StatusCode != 303 {
			t.Errorf("handing the alert on from the page = %d; want 303", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/alerts/"+id, soc, "", &detail); r.StatusCode != 200 || detail.Assignee != "demo-soc-analyst" {
			t.Errorf("after handing it on = %d %+v; want demo-soc-analyst", r.StatusCode, detail)
		}
		if r := e.call("POST", "/api/v1/alerts/"+id+"/triage", soc, `{"assign":"ciso-odense"}`, nil); r.StatusCode != 400 {
			t.Errorf("handing København's alert to Odense's CISO = %d; want 400", r.StatusCode)
		}
		r, _ = b.post("/alerts/"+id+"/triage", url.Values{"csrf": {csrf}, "status": {"closed"}, "resolution": {"benign"}, "comment": {"approved test"}})
		if loc := r.Header.Get("Location"); r.StatusCode != 303 || loc != "/alerts/"+id+"?msg=alerts.saved" {
			t.Errorf("closing from the page = %d to %q; want 303 back to the alert", r.StatusCode, loc)
		}
		r, html = b.get("/alerts/" + id + "?msg=alerts.saved")
		if r.StatusCode != 200 || !strings.Contains(html, "Lukket") || !strings.Contains(html, "Godartet") || !strings.Contains(html, "Alarmen er opdateret") {
			t.Errorf("closing from the page = %d; the page lacks the closed state or the confirmation", r.StatusCode)
		}
		r, html = b.post("/alerts/"+id+"/triage", url.Values{"csrf": {csrf}, "status": {"closed"}})
		if r.StatusCode != 400 || !strings.Contains(html, "resolution") {
			t.Errorf("closing without a resolution from the page = %d; want 400 naming the resolution", r.StatusCode)
		}

		// Bulk triage: the API and the list's form.
		var bulk struct {
			Items []struct {
				ID     int64
				Status string
			}
			Unchanged []int64
		}
		if r := e.call("POST", "/api/v1/alerts/triage", soc, `{"ids":[`+id+`],"status":"new","comment":"reopened: not a lab machine"}`, &bulk); r.StatusCode != 200 ||
			len(bulk.Items) != 1 || bulk.Items[0].Status != "new" || len(bulk.Unchanged) != 0 {
			t.Fatalf("bulk reopen = %d %+v", r.StatusCode, bulk)
		}
		if r := e.call("POST", "/api/v1/alerts/triage", soc, `{"ids":[],"status":"new"}`, nil); r.StatusCode != 400 {
			t.Errorf("bulk triage of no alerts = %d; want 400", r.StatusCode)
		}
		r, html = b.get("/alerts")
		if !strings.Contains(html, `id="bulk"`) || !strings.Contains(html, `name="id" value="`+id+`" form="bulk"`) {
			t.Errorf("alerts page lacks the bulk form or the alert's tick box")
		}
		csrf = csrfOf(t, html)
		// The list shows what the triage did at once, from its result; the
		// numbers never travel in a link.
		r, html = b.post("/alerts/triage", url.Values{"csrf": {csrf}, "id": {id}, "status": {"acknowledged"}, "back": {"level=high"}})
		if r.StatusCode != 200 || !strings.Contains(html, "1 alarmer er opdateret; 0 var allerede sådan.") || !strings.Contains(html, `<option value="high" selected>`) {
			t.Errorf("bulk acknowledge from the list = %d; want the list, filtered as before, with the result's counts", r.StatusCode)
		}
		r, html = b.get("/alerts?msg=alerts.bulk.saved&changed=500&unchanged=7")
		if r.StatusCode != 200 || strings.Contains(html, "500 alarmer") || strings.Contains(html, "er opdateret") || strings.Contains(html, "bulk-result") {
			t.Errorf("a crafted link = %d; the list shows its numbers", r.StatusCode)
		}
		r, html = b.post("/alerts/triage", url.Values{"csrf": {csrf}, "status": {"acknowledged"}})
		if r.StatusCode != 400 || !strings.Contains(html, "mindst én alarm") {
			t.Errorf("bulk triage with no alert ticked = %d; want 400 asking for one", r.StatusCode)
		}
	})
}
