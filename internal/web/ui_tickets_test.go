package web_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
		if !strings.Contains(page, `href="/tickets/new"`) {
			t.Fatal("the SPOC's queue has no link to open a ticket")
		}
		_, page = b.get("/tickets/new")
		if !strings.Contains(page, `action="/tickets"`) {
			t.Fatal("the new-ticket page has no form")
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

// breach moves ticket id's running clocks past their deadlines, as if its
// target had run out two hours ago.
func (e *env) breach(t *testing.T, id int64) {
	t.Helper()
	now := time.Now().UTC()
	err := e.DB.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), `UPDATE ticket_clocks SET since = $1, warn_at = $2, deadline = $3 WHERE ticket_id = $4 AND state = 'running'`,
			now.Add(-30*24*time.Hour), now.Add(-3*time.Hour), now.Add(-2*time.Hour), id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// queueIDs are the ticket numbers of the queue's rows, in order.
func queueIDs(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr[^>]*>\s*(?:<td><input[^>]*><label[^>]*>[^<]*</label></td>\s*)?<td><a href="/tickets/(\d+)">`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func idOf(tk ticketJSON) string { return strconv.FormatInt(tk.ID, 10) }

// TestTicketQueue: the queue is in triage order with the breach in words,
// sorts by its columns with aria-sort, filters mine/unassigned, counts,
// exports the same list as defused CSV, and the service desk assigns two
// tickets at once — a ticket out of its reach is refused as unknown.
func TestTicketQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
		var low, fire, mail, vpn ticketJSON
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"=HYPERLINK(\"http://x\") skærm","impact":3,"urgency":3}`, &low)
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Netværket er nede","impact":1,"urgency":1}`, &fire)
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Mail er langsom","impact":2,"urgency":1}`, &mail)
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"VPN falder ud","impact":2,"urgency":2}`, &vpn)
		for _, tk := range []ticketJSON{mail, vpn} {
			if r := e.call("POST", "/api/v1/tickets/"+idOf(tk)+"/escalate", spoc, `{"handover":{"tried":"a","affected":"b","contact":"c"}}`, nil); r.StatusCode != 200 {
				t.Fatalf("escalate = %d", r.StatusCode)
			}
		}
		e.breach(t, fire.ID)

		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page := b.get("/tickets?status=all")
		if got := queueIDs(page); len(got) != 4 || got[0] != idOf(fire) {
			t.Fatalf("queue order = %v; want the breached P1 %d first", got, fire.ID)
		}
		for _, want := range []string{"Overskredet 2 t", "Viser 1–4 af 4", "Sorteret til triage", `href="/tickets/new"`, `aria-label="Tildeling"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the queue lacks %q", want)
			}
		}
		if strings.Contains(page, "aria-sort") {
			t.Error("a column claims the sort in triage order")
		}
		_, page = b.get("/tickets?status=all&sort=-id")
		if got := queueIDs(page); len(got) != 4 || got[0] != idOf(vpn) || !strings.Contains(page, `aria-sort="descending"><a href="/tickets?sort=id&amp;status=all">Nr.`) {
			t.Errorf("sort=-id: order %v, aria-sort missing or wrong", got)
		}
		if _, page = b.get("/tickets?due=breached"); !slices.Equal(queueIDs(page), []string{idOf(fire)}) {
			t.Errorf("due=breached = %v; want only %d", queueIDs(page), fire.ID)
		}
		if r, _ := b.get("/tickets?sort=colour"); r.StatusCode != 400 {
			t.Errorf("an unknown order = %d; want 400", r.StatusCode)
		}

		// The CSV export is the filtered list, defused.
		r, body := b.get("/tickets.csv?status=all&priority=P4")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil || r.StatusCode != 200 || len(rows) != 2 || rows[0][0] != "id" {
			t.Fatalf("csv = %d %v %q", r.StatusCode, err, body)
		}
		if rows[1][1] != `'=HYPERLINK("http://x") skærm` {
			t.Errorf("csv title = %q; want it defused with an apostrophe", rows[1][1])
		}

		// The service desk: unassigned, then bulk-assign with one ticket out of reach.
		d := newBrowser(t, e.url)
		d.login("demo-servicedesk", e.Passwords["demo-servicedesk"])
		_, page = d.get("/tickets?assignee=none")
		if got := queueIDs(page); len(got) != 2 {
			t.Fatalf("the unit's unassigned queue = %v; want the two escalated tickets", got)
		}
		if !strings.Contains(page, `<option value="demo-unit-manager">Demo enhedschef (demo-unit-manager)</option>`) {
			t.Error("the bulk picker does not offer the unit manager")
		}
		boxes := regexp.MustCompile(`name="ticket" value="([0-9:]+)"`).FindAllStringSubmatch(page, -1)
		form := url.Values{"csrf": {csrfOf(t, page)}, "back": {"assignee=none"}, "action": {"assign"}, "assignee": {"demo-unit-manager"},
			"ticket": {boxes[0][1], boxes[1][1], idOf(low) + ":1"}}
		r, page = d.post("/tickets/bulk", form)
		if r.StatusCode != 200 || !strings.Contains(page, "Samlet ændring: 2 udført, 1 afvist") {
			t.Fatalf("bulk assign = %d; want 2 done, 1 refused:\n%s", r.StatusCode, page)
		}
		for _, want := range []string{"Sag " + idOf(mail) + " er tildelt demo-unit-manager.", "Sag " + idOf(low) + " er ikke ændret: sag " + idOf(low) + " findes ikke"} {
			if !strings.Contains(page, want) {
				t.Errorf("the bulk summary lacks %q", want)
			}
		}
		var seen ticketJSON
		e.call("GET", "/api/v1/tickets/"+idOf(low), spoc, "", &seen)
		if seen.Version != low.Version {
			t.Errorf("the ticket out of reach changed: version %d → %d", low.Version, seen.Version)
		}
		_, page = d.get("/tickets?assignee=demo-unit-manager")
		if got := queueIDs(page); len(got) != 2 || !strings.Contains(page, "Demo enhedschef") {
			t.Errorf("the manager's tickets = %v", got)
		}
		r, _ = d.post("/tickets/bulk", url.Values{"csrf": {csrfOf(t, page)}, "action": {"assign"}, "assignee": {"demo-servicedesk"}, "ticket": {"x:1"}})
		if r.StatusCode != 400 {
			t.Errorf("a bulk change with a bad ticket number = %d; want 400", r.StatusCode)
		}

		// The API: the same order and filters.
		var q struct {
			Tickets    []ticketJSON `json:"tickets"`
			Total      *int         `json:"total"`
			Next       int64        `json:"next"`
			NextOffset int          `json:"next_offset"`
		}
		if r := e.call("GET", "/api/v1/tickets?sort=triage&limit=2", spoc, "", &q); r.StatusCode != 200 || len(q.Tickets) != 2 || q.Tickets[0].ID != fire.ID ||
			q.Total == nil || *q.Total != 4 || q.NextOffset != 2 {
			t.Errorf("API triage = %d %+v", r.StatusCode, q)
		}
		q.Total = nil
		if r := e.call("GET", "/api/v1/tickets?limit=2", spoc, "", &q); r.StatusCode != 200 || q.Total != nil || q.Next != mail.ID {
			t.Errorf("API newest first = %d total %v next %d; want no total and a cursor", r.StatusCode, q.Total, q.Next)
		}
		if r := e.call("GET", "/api/v1/tickets?assignee=me&sort=id", e.token("demo-unit-manager"), "", &q); r.StatusCode != 200 || len(q.Tickets) != 2 {
			t.Errorf("API assignee=me = %d, %d tickets", r.StatusCode, len(q.Tickets))
		}
		if r := e.call("GET", "/api/v1/tickets?assignee=none&org=101&sort=-priority", desk, "", &q); r.StatusCode != 200 || len(q.Tickets) != 0 {
			t.Errorf("API unassigned in København = %d, %d tickets; want none left", r.StatusCode, len(q.Tickets))
		}
		var p problem
		if r := e.call("GET", "/api/v1/tickets?due=breached", spoc, "", &q); r.StatusCode != 200 || len(q.Tickets) != 1 || q.Tickets[0].ID != fire.ID {
			t.Errorf("API due=breached = %d %+v", r.StatusCode, q.Tickets)
		}
		for _, bad := range []string{"sort=nope", "sort=id&cursor=5", "offset=3", "sort=id&offset=-1", "due=late"} {
			if r := e.call("GET", "/api/v1/tickets?"+bad, spoc, "", &p); r.StatusCode != 400 {
				t.Errorf("GET /api/v1/tickets?%s = %d; want 400", bad, r.StatusCode)
			}
		}
		var us []struct{ Username string }
		if r := e.call("GET", "/api/v1/tickets/"+idOf(vpn)+"/assignees", desk, "", &us); r.StatusCode != 200 || len(us) < 2 {
			t.Errorf("assignees = %d %+v", r.StatusCode, us)
		}
		if r := e.call("GET", "/api/v1/tickets/"+idOf(low)+"/assignees", desk, "", nil); r.StatusCode != 404 {
			t.Errorf("assignees of a ticket out of reach = %d; want 404", r.StatusCode)
		}
	})
}

// TestTicketFormsKeepInput: a form posted after someone else changed the
// ticket is shown again with what the user typed and what changed; the
// priority form starts at the ticket's own impact and urgency; assigning
// is a choice of the unit's people; confirmations say what happened and
// cannot be made to say anything else.
func TestTicketFormsKeepInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc := e.token("demo-spoc")
		var tk ticketJSON
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Skanneren i Borgerservice","impact":3,"urgency":2}`, &tk)
		id := idOf(tk)
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page := b.get("/tickets/" + id)
		if !regexp.MustCompile(`id="impact" name="impact"><option value="1">[^<]*</option><option value="2">[^<]*</option><option value="3" selected>`).MatchString(page) ||
			!regexp.MustCompile(`id="urgency" name="urgency"><option value="1">[^<]*</option><option value="2" selected>`).MatchString(page) {
			t.Error("the priority form does not start at the ticket's impact 3 and urgency 2")
		}
		ver, seen := regexpFind(page, `name="version" value="(\d+)"`), regexpFind(page, `name="seen" value="([^"]+)"`)
		// Someone raises the priority meanwhile.
		if r := e.call("PUT", "/api/v1/tickets/"+id+"/priority", spoc, `{"impact":1,"urgency":2,"reason":"Hele Borgerservice"}`, nil); r.StatusCode != 200 {
			t.Fatal("priority by API")
		}
		r, page := b.post("/tickets/"+id+"/resolve", url.Values{"csrf": {csrfOf(t, page)}, "version": {ver}, "seen": {html.UnescapeString(seen)},
			"resolution": {"Nyt <kabel> sat i"}})
		if r.StatusCode != 409 {
			t.Fatalf("a stale resolve = %d; want 409", r.StatusCode)
		}
		for _, want := range []string{">Nyt &lt;kabel&gt; sat i</textarea>", `<details open><summary>Løs sagen`, "Sagen er ændret, siden du åbnede den",
			"<del>P4</del>", "<ins>P2</ins>", "skiftede prioritet", "Hele Borgerservice"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page after a conflict lacks %q", want)
			}
		}
		if newVer := regexpFind(page, `name="version" value="(\d+)"`); newVer == ver {
			t.Error("the form shown again still carries the stale version")
		}
		// Sending it again resolves, and says so.
		r, _ = b.post("/tickets/"+id+"/resolve", url.Values{"csrf": {csrfOf(t, page)}, "version": {regexpFind(page, `name="version" value="(\d+)"`)}, "resolution": {"Nyt kabel"}})
		loc := r.Header.Get("Location")
		if r.StatusCode != 303 || !strings.Contains(loc, "msg=tickets.done.resolve") {
			t.Fatalf("resolve = %d %s", r.StatusCode, loc)
		}
		if _, page = b.get(loc); !strings.Contains(page, "Sag "+id+" er løst.") {
			t.Error("no confirmation that the ticket is resolved")
		}
		r, _ = b.post("/tickets/"+id+"/close", url.Values{"csrf": {csrfOf(t, page)}, "version": {regexpFind(page, `name="version" value="(\d+)"`)}, "satisfaction": {"5"}})
		if _, page = b.get(r.Header.Get("Location")); !strings.Contains(page, "Sag "+id+" er lukket.") {
			t.Error("no confirmation that the ticket is closed")
		}
		// Confirmations are built from the ticket: a step the user took
		// but at a stale version says only "saved"; one the user never
		// took, nothing (TestTicketConfirmationsAreTrue has more).
		if _, page = b.get("/tickets/" + id + "?msg=tickets.done.priority&v=1"); !strings.Contains(page, "Sag "+id+" er gemt.") {
			t.Errorf("?msg=tickets.done.priority&v=1 does not show %q", "Sag "+id+" er gemt.")
		}
		if _, page = b.get("/tickets/" + id + "?msg=tickets.done.assign&v=99"); strings.Contains(page, `class="flash"`) {
			t.Error("?msg=tickets.done.assign&v=99 confirms an assignment the user never made")
		}
		if _, page = b.get("/tickets/" + id + "?msg=%3Cscript%3E"); strings.Contains(page, `class="flash"`) {
			t.Error("an unknown msg shows a flash")
		}

		// The unit: assigning is a choice, and the confirmation names whom.
		var esc ticketJSON
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Printer","impact":2,"urgency":2}`, &esc)
		e.call("POST", "/api/v1/tickets/"+idOf(esc)+"/escalate", spoc, `{"handover":{"tried":"a","affected":"b","contact":"c"}}`, nil)
		d := newBrowser(t, e.url)
		d.login("demo-servicedesk", e.Passwords["demo-servicedesk"])
		_, page = d.get("/tickets/" + idOf(esc))
		if !strings.Contains(page, `<select id="assignee" name="assignee" required>`) || !strings.Contains(page, `<option value="demo-servicedesk" selected>`) ||
			!strings.Contains(page, `<option value="demo-unit-manager">`) {
			t.Fatal("the assign form is not a choice of the unit's people starting at the caller")
		}
		r, _ = d.post("/tickets/"+idOf(esc)+"/assign", url.Values{"csrf": {csrfOf(t, page)}, "version": {regexpFind(page, `name="version" value="(\d+)"`)},
			"assignee": {"demo-unit-manager"}})
		if _, page = d.get(r.Header.Get("Location")); !strings.Contains(page, "Sag "+idOf(esc)+" er tildelt demo-unit-manager.") {
			t.Error("no confirmation naming the assignee")
		}
		r, _ = d.post("/tickets/"+idOf(esc)+"/priority", url.Values{"csrf": {csrfOf(t, page)}, "version": {regexpFind(page, `name="version" value="(\d+)"`)},
			"impact": {"1"}, "urgency": {"2"}, "reason": {"Flere brugere"}})
		if _, page = d.get(r.Header.Get("Location")); !strings.Contains(page, "Prioritet ændret til P2.") {
			t.Error("no confirmation of the new priority")
		}
		// A bad new ticket keeps what was typed.
		_, page = b.get("/tickets/new")
		r, page = b.post("/tickets", url.Values{"csrf": {csrfOf(t, page)}, "kind": {"request"}, "title": {"x"}, "description": {"Lang beskrivelse"}, "impact": {"1"}, "urgency": {"3"}})
		if r.StatusCode != 400 || !strings.Contains(page, ">Lang beskrivelse</textarea>") || !strings.Contains(page, `<option value="request" selected>`) {
			t.Errorf("a too short title = %d; want 400 with the input kept", r.StatusCode)
		}
	})
}
