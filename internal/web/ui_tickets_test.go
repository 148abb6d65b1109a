package web_test

import (
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

type ticketJSON struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	Version int    `json:"version"`
	Clocks  []struct {
		Name     string `json:"name"`
		State    string `json:"state"`
		Deadline string `json:"deadline"`
	} `json:"clocks"`
	Entries []struct {
		Kind     string `json:"kind"`
		Internal bool   `json:"internal"`
		Body     string `json:"body"`
	} `json:"entries"`
}

func TestTicketAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
		var tk ticketJSON
		if r := e.call("POST", "/api/v1/tickets", spoc, `{"title":"Mailserveren svarer ikke","impact":1,"urgency":2,"requester":"Bo"}`, &tk); r.StatusCode != 201 || tk.Status != "open" {
			t.Fatalf("create = %d %+v", r.StatusCode, tk)
		}
		var p problem
		if r := e.call("POST", "/api/v1/tickets", spoc, `{"title":"Mail","impact":7,"urgency":2}`, &p); r.StatusCode != 400 || p.Field != "impact" {
			t.Errorf("impact 7 = %d %+v; want 400 on impact", r.StatusCode, p)
		}
		path := "/api/v1/tickets/" + strconv.FormatInt(tk.ID, 10)
		if r := e.call("GET", path, desk, "", nil); r.StatusCode != 404 {
			t.Errorf("the unit reads a ticket before escalation: %d", r.StatusCode)
		}
		if r := e.call("POST", path+"/escalate", spoc, `{"version":`+strconv.Itoa(tk.Version)+`,"handover":{"tried":"Genstart","affected":"Alle på rådhuset","contact":"Bo"}}`, &tk); r.StatusCode != 200 || tk.Status != "escalated" {
			t.Fatalf("escalate = %d %+v", r.StatusCode, tk)
		}
		if r := e.call("POST", path+"/comments", desk, `{"body":"Vi kigger på det","internal":true}`, nil); r.StatusCode != 200 {
			t.Errorf("internal comment = %d", r.StatusCode)
		}
		var seen ticketJSON
		e.call("GET", path, spoc, "", &seen)
		for _, en := range seen.Entries {
			if en.Internal {
				t.Errorf("the SPOC sees an internal entry of the unit: %+v", en)
			}
		}
		// A stale version (as If-Match) is refused with 409.
		req := `{"assignee":"demo-servicedesk"}`
		if r := e.callWith("POST", path+"/assign", desk, req, map[string]string{"If-Match": `"1"`}, &p); r.StatusCode != 409 || !strings.Contains(p.Detail, "reload") {
			t.Errorf("stale assign = %d %+v; want 409 asking to reload", r.StatusCode, p)
		}
		if r := e.callWith("POST", path+"/assign", desk, req, map[string]string{"If-Match": strconv.Quote(strconv.Itoa(tk.Version + 1))}, &tk); r.StatusCode != 200 || tk.Status != "in_progress" {
			t.Errorf("assign = %d %+v", r.StatusCode, tk)
		}
		var queue struct {
			Tickets []ticketJSON `json:"tickets"`
		}
		if r := e.call("GET", "/api/v1/tickets?status=in_progress&q=mailserveren", desk, "", &queue); r.StatusCode != 200 || len(queue.Tickets) != 1 {
			t.Errorf("unit queue search = %d, %d tickets", r.StatusCode, len(queue.Tickets))
		}
		if r := e.call("GET", "/api/v1/tickets?status=nope", desk, "", &p); r.StatusCode != 400 || p.Field != "status" {
			t.Errorf("bad status filter = %d %+v", r.StatusCode, p)
		}
		var inbox struct {
			Notifications []struct{ Kind string } `json:"notifications"`
			Unread        int                     `json:"unread"`
		}
		if e.call("GET", "/api/v1/notifications", desk, "", &inbox); inbox.Unread == 0 || inbox.Notifications[len(inbox.Notifications)-1].Kind != "ticket.escalated" {
			t.Errorf("the service desk's inbox = %+v; want the escalation", inbox)
		}

		// Calendars.
		var hol []struct{ Date, Kind string }
		if r := e.call("GET", "/api/v1/calendars/dk-weekdays-8-16/holidays?year=2026", spoc, "", &hol); r.StatusCode != 200 || len(hol) != 10 || hol[2].Date != "2026-04-03" {
			t.Errorf("holidays 2026 = %d %+v", r.StatusCode, hol)
		}
		var dl struct{ Deadline string }
		if r := e.call("GET", "/api/v1/calendars/dk-weekdays-8-16/deadline?start="+url.QueryEscape("2026-11-27T15:00:00+01:00")+"&hours=2", spoc, "", &dl); r.StatusCode != 200 || dl.Deadline != "2026-11-30T09:00:00+01:00" {
			t.Errorf("deadline = %d %+v; want 2026-11-30T09:00:00+01:00", r.StatusCode, dl)
		}
		for _, h := range []string{"NaN", "Inf", "0x1p1", "-2", "1e1"} {
			if r := e.call("GET", "/api/v1/calendars/always/deadline?start="+url.QueryEscape("2026-11-27T15:00:00+01:00")+"&hours="+url.QueryEscape(h), spoc, "", &p); r.StatusCode != 400 || p.Field != "hours" {
				t.Errorf("deadline with hours=%s = %d %+v; want 400 on hours", h, r.StatusCode, p)
			}
		}
		// A whole number of seconds written as hours is not cut short.
		if r := e.call("GET", "/api/v1/calendars/always/deadline?start="+url.QueryEscape("2026-11-27T15:00:00+01:00")+"&hours=0.001944444444", spoc, "", &dl); r.StatusCode != 200 || dl.Deadline != "2026-11-27T15:00:07+01:00" {
			t.Errorf("7 s as hours = %d %+v; want 15:00:07", r.StatusCode, dl)
		}
		if r := e.call("GET", "/api/v1/calendars/mars/deadline?start=x&hours=2", spoc, "", nil); r.StatusCode != 404 {
			t.Errorf("unknown calendar = %d", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/calendars/always/deadline?start=yesterday&hours=2", spoc, "", &p); r.StatusCode != 400 || p.Field != "start" {
			t.Errorf("bad start = %d %+v", r.StatusCode, p)
		}
	})
}

func TestTicketPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page := b.get("/tickets")
		if !strings.Contains(page, `action="/tickets"`) {
			t.Fatal("the SPOC's queue has no form to open a ticket")
		}
		resp, _ := b.post("/tickets", url.Values{"csrf": {csrfOf(t, page)}, "kind": {"incident"}, "title": {"Skærmen flimrer"},
			"impact": {"3"}, "urgency": {"2"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/tickets/") {
			t.Fatalf("create = %d %s", resp.StatusCode, loc)
		}
		_, page = b.get(loc)
		for _, want := range []string{"Skærmen flimrer", "Åben", "1. linje (OLA)", "Eskalér til enheden"} {
			if !strings.Contains(page, want) {
				t.Errorf("ticket page lacks %q", want)
			}
		}
		id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/tickets/")
		ver := regexpFind(page, `name="version" value="(\d+)"`)
		resp, page = b.post("/tickets/"+id+"/escalate", url.Values{"csrf": {csrfOf(t, page)}, "version": {ver}, "tried": {"Nyt kabel"}})
		if resp.StatusCode != 400 || !strings.Contains(page, "affected") {
			t.Errorf("escalate without who is affected = %d; want 400 naming the field", resp.StatusCode)
		}
		_, page = b.get("/tickets?q=flimrer")
		if !strings.Contains(page, "Skærmen flimrer") {
			t.Error("the queue search does not find the ticket")
		}
		_, page = b.get("/tickets?priority=P4&kind=incident")
		if !strings.Contains(page, "Skærmen flimrer") {
			t.Error("the P4 incident filter does not show the ticket")
		}
		_, page = b.get("/tickets?priority=P1")
		if strings.Contains(page, "Skærmen flimrer") {
			t.Error("the P1 filter shows a P4 ticket")
		}
	})
}

func TestNoticeKindsHaveTexts(t *testing.T) {
	for _, k := range []string{"ticket.escalated", "ticket.comment", "ticket.pending", "ticket.resumed", "ticket.resolved", "ticket.reopened",
		"ticket.visit", "ticket.visit_cancelled", "ticket.problem", "ticket.change", "sla.warning.first_line", "sla.breach.first_line", "sla.warning.response",
		"sla.breach.response", "sla.warning.resolution", "sla.breach.resolution", "change.announced", "change.acknowledged", "change.objected",
		"change.approved", "change.rejected"} {
		if web.Danish.T("notice."+k) == "notice."+k || web.English.T("notice."+k) == "notice."+k {
			t.Errorf("no text for notice %s", k)
		}
	}
}

func TestReportAPIAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc := e.token("demo-spoc")
		var tk ticketJSON
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Skærm","impact":3,"urgency":3}`, &tk)
		if r := e.call("POST", "/api/v1/tickets/"+strconv.FormatInt(tk.ID, 10)+"/resolve", spoc, `{"resolution":"Nyt kabel"}`, nil); r.StatusCode != 200 {
			t.Fatalf("resolve = %d", r.StatusCode)
		}
		var rep struct {
			Report struct {
				Month     string
				Opened    int
				Resolved  int
				FirstLine struct{ Measured, Met int } `json:"first_line"`
			}
			Trend []struct{ Month string }
		}
		if r := e.call("GET", "/api/v1/reports", spoc, "", &rep); r.StatusCode != 200 || rep.Report.Opened != 1 || rep.Report.Resolved != 1 ||
			rep.Report.FirstLine.Measured != 1 || rep.Report.FirstLine.Met != 1 || len(rep.Trend) != 12 {
			t.Fatalf("report = %d %+v", r.StatusCode, rep)
		}
		r := e.call("GET", "/api/v1/reports?format=csv", spoc, "", nil)
		body, _ := io.ReadAll(r.Body)
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if r.StatusCode != 200 || len(lines) != 13 || !strings.HasPrefix(lines[12], rep.Report.Month+",1,1,") {
			t.Errorf("csv = %d, %d lines, last %q", r.StatusCode, len(lines), lines[len(lines)-1])
		}
		var p problem
		if r := e.call("GET", "/api/v1/reports?month=november", spoc, "", &p); r.StatusCode != 400 || p.Field != "month" {
			t.Errorf("bad month = %d %+v", r.StatusCode, p)
		}
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page := b.get("/reports")
		if !strings.Contains(page, "<svg") || !strings.Contains(page, "1. linje (OLA)") || !strings.Contains(page, "100 %") {
			t.Error("the report page lacks its chart or the first-line share")
		}
	})
}

func TestUnitClosingDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		mgr, desk := e.token("demo-unit-manager"), e.token("demo-servicedesk")
		unit := "enhed-hovedstaden"
		if r := e.call("PUT", "/api/v1/organizations/"+unit+"/closing-days", desk, `{"closures":["christmas-eve"]}`, nil); r.StatusCode != 403 {
			t.Errorf("the service desk sets closing days: %d", r.StatusCode)
		}
		var p problem
		if r := e.call("PUT", "/api/v1/organizations/"+unit+"/closing-days", mgr, `{"closures":["midsummer"]}`, &p); r.StatusCode != 400 || p.Field != "closures[0]" {
			t.Errorf("an unknown closing day = %d %+v", r.StatusCode, p)
		}
		if r := e.call("PUT", "/api/v1/organizations/"+unit+"/closing-days", mgr, `{"closures":["christmas-eve","2026-12-28"]}`, nil); r.StatusCode != 200 {
			t.Fatalf("set closing days = %d", r.StatusCode)
		}
		start := url.QueryEscape("2026-12-23T15:00:00+01:00")
		var dl struct{ Deadline string }
		e.call("GET", "/api/v1/calendars/dk-weekdays-8-16/deadline?start="+start+"&hours=2", mgr, "", &dl)
		if dl.Deadline != "2026-12-24T09:00:00+01:00" {
			t.Errorf("plain deadline = %s; want 24 December 09:00", dl.Deadline)
		}
		e.call("GET", "/api/v1/calendars/dk-weekdays-8-16/deadline?unit="+unit+"&start="+start+"&hours=2", mgr, "", &dl)
		if dl.Deadline != "2026-12-29T09:00:00+01:00" {
			t.Errorf("the unit's deadline = %s; want 29 December 09:00 (24th and 28th closed)", dl.Deadline)
		}
		var hol []struct{ Date, Kind string }
		e.call("GET", "/api/v1/calendars/dk-weekdays-8-16/holidays?year=2026&unit="+unit, mgr, "", &hol)
		if len(hol) != 12 || hol[8].Date != "2026-12-24" || hol[8].Kind != "closure" {
			t.Errorf("the unit's 2026 closed days = %+v", hol)
		}
		// København, supplied by the unit, reads them; Roskilde, under
		// another unit, gets what an unknown unit gets.
		var got struct{ Closures []string }
		if r := e.call("GET", "/api/v1/organizations/"+unit+"/closing-days", e.token("demo-spoc"), "", &got); r.StatusCode != 200 || len(got.Closures) != 2 {
			t.Errorf("København reads its unit's closing days = %d %+v", r.StatusCode, got)
		}
		e.addUser("spoc-ros", "265", access.RoleSPOC)
		ros := e.token("spoc-ros")
		var other, unknown problem
		r1 := e.call("GET", "/api/v1/organizations/"+unit+"/closing-days", ros, "", &other)
		r2 := e.call("GET", "/api/v1/organizations/"+e.Org(t, "enhed-sjaelland").Slug+"x/closing-days", ros, "", &unknown)
		if r1.StatusCode != 404 || r2.StatusCode != 404 {
			t.Errorf("Roskilde reads another unit's closing days = %d %+v; an unknown unit %d", r1.StatusCode, other, r2.StatusCode)
		}
	})
}

func TestTicketAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
		var tk ticketJSON
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Fejlbesked ved login","impact":2,"urgency":2}`, &tk)
		path := "/api/v1/tickets/" + strconv.FormatInt(tk.ID, 10)
		png := "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100)
		type entry struct {
			Kind   string
			Detail map[string]any
		}
		var got struct{ Entries []entry }
		if r := e.call("POST", path+"/attachments?name=sk%C3%A6rm.png", spoc, png, &got); r.StatusCode != 201 {
			t.Fatalf("attach = %d", r.StatusCode)
		}
		if r := e.call("POST", path+"/attachments?name=noter.txt&internal=true", spoc, "kun for os", &got); r.StatusCode != 201 {
			t.Fatalf("attach internal = %d", r.StatusCode)
		}
		var ids []string
		for _, en := range got.Entries {
			if en.Kind == "attachment" {
				ids = append(ids, strconv.FormatFloat(en.Detail["attachment"].(float64), 'f', 0, 64))
			}
		}
		if len(ids) != 2 {
			t.Fatalf("attachment entries = %v", ids)
		}
		var p problem
		if r := e.call("POST", path+"/attachments?name=a%22b.txt", spoc, "x", &p); r.StatusCode != 400 || p.Field != "name" {
			t.Errorf("a name with a quote = %d %+v", r.StatusCode, p)
		}
		if r := e.call("POST", path+"/attachments?name=big.bin", spoc, strings.Repeat("y", 10<<20+1), &p); r.StatusCode != 400 || p.Field != "file" {
			t.Errorf("11 MiB = %d %+v", r.StatusCode, p)
		}
		if r := e.call("GET", path+"/attachments/"+ids[0], desk, "", nil); r.StatusCode != 404 {
			t.Errorf("the unit downloads before escalation: %d", r.StatusCode)
		}
		e.call("POST", path+"/escalate", spoc, `{"handover":{"tried":"a","affected":"b","contact":"c"}}`, nil)
		r := e.call("GET", path+"/attachments/"+ids[0], desk, "", nil)
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 || string(body) != png || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") ||
			r.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("download = %d %q %v", r.StatusCode, r.Header.Get("Content-Disposition"), r.Header)
		}
		if r := e.call("GET", path+"/attachments/"+ids[1], desk, "", nil); r.StatusCode != 404 {
			t.Errorf("the unit downloads the municipality's internal file: %d", r.StatusCode)
		}
	})
}

func TestAccountNotificationSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page := b.get("/account")
		resp, page := b.post("/account/notifications", url.Values{"csrf": {csrfOf(t, page)}, "email": {"on"}, "webhook_url": {"https://chat.kk.dk/hook/1"}})
		if resp.StatusCode != 200 || regexpFind(page, `<code class="secret">([0-9a-f]{64})</code>`) == "" {
			t.Fatalf("saving a webhook = %d; want the new secret shown once", resp.StatusCode)
		}
		var prefs struct {
			Email      bool   `json:"email"`
			WebhookURL string `json:"webhook_url"`
			Secret     string `json:"webhook_secret"`
		}
		e.call("GET", "/api/v1/me/notification-settings", e.token("demo-spoc"), "", &prefs)
		if !prefs.Email || prefs.WebhookURL != "https://chat.kk.dk/hook/1" || prefs.Secret != "" {
			t.Errorf("settings = %+v", prefs)
		}
		resp, _ = b.post("/account/notifications", url.Values{"csrf": {csrfOf(t, page)}, "webhook_url": {"javascript:alert(1)"}})
		if resp.StatusCode != 400 {
			t.Errorf("a javascript: webhook = %d; want 400", resp.StatusCode)
		}
	})
}
