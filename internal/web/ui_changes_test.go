package web_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestChangeCalendarAPIAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
		var a, b struct{ ID int64 }
		if r := e.call("POST", "/api/v1/sites", spoc, `{"name":"Rådhuset","address":"Rådhuspladsen 1, 1599 København V"}`, &a); r.StatusCode != 201 {
			t.Fatalf("create site = %d", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/sites", desk, `{"municipality":"147","name":"Rådhus","address":"Smallegade 1, 2000 Frederiksberg"}`, &b); r.StatusCode != 201 {
			t.Fatalf("unit creates a site for Frederiksberg = %d", r.StatusCode)
		}
		var conn struct{ ID int64 }
		if r := e.call("POST", "/api/v1/connections", desk, fmt.Sprintf(`{"name":"Ring Nord","kind":"fiber","bandwidth_mbps":10000,"site_a":%d,"site_b":%d}`, a.ID, b.ID), &conn); r.StatusCode != 201 {
			t.Fatalf("create connection = %d", r.StatusCode)
		}
		var p problem
		if r := e.call("POST", "/api/v1/connections", desk, fmt.Sprintf(`{"name":"Ring","kind":"carrier pigeon","bandwidth_mbps":1,"site_a":%d}`, a.ID), &p); r.StatusCode != 400 || p.Field != "kind" {
			t.Errorf("bad kind = %d %+v", r.StatusCode, p)
		}
		win := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
		body := func(title string, sites, conns string, from time.Time) string {
			return fmt.Sprintf(`{"title":%q,"type":"normal","risk":"medium","plan":"Skift optik","rollback":"Sæt gammel optik i","window_start":%q,"window_end":%q,"sites":[%s],"connections":[%s]}`,
				title, from.Format(time.RFC3339), from.Add(3*time.Hour).Format(time.RFC3339), sites, conns)
		}
		var ch struct {
			ID     int64
			Change struct {
				Acks []struct{ State string } `json:"acknowledgements"`
			}
		}
		if r := e.call("POST", "/api/v1/changes", desk, body("Ring Nord optik", "", strconv.FormatInt(conn.ID, 10), win), &ch); r.StatusCode != 201 || len(ch.Change.Acks) != 2 {
			t.Fatalf("create change = %d %+v", r.StatusCode, ch)
		}
		if r := e.call("POST", "/api/v1/changes", desk, body("Switch på Rådhuset", strconv.FormatInt(a.ID, 10), "", win.Add(time.Hour)), nil); r.StatusCode != 201 {
			t.Fatalf("second change = %d", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/changes/"+strconv.FormatInt(ch.ID, 10)+"/acknowledgement", spoc, `{"note":"OK"}`, nil); r.StatusCode != 200 {
			t.Errorf("acknowledge = %d", r.StatusCode)
		}
		var cal struct {
			Changes []struct {
				ID        int64
				Waiting   string
				Conflicts []struct{ ID int64 }
			}
		}
		if r := e.call("GET", "/api/v1/changes?from="+win.Add(-24*time.Hour).Format("2006-01-02")+"&to="+win.Add(72*time.Hour).Format("2006-01-02"), spoc, "", &cal); r.StatusCode != 200 || len(cal.Changes) != 2 {
			t.Fatalf("calendar = %d %+v", r.StatusCode, cal)
		}
		if len(cal.Changes[0].Conflicts) != 1 || !strings.Contains(cal.Changes[0].Waiting, "Frederiksberg") {
			t.Errorf("first change = %+v; want one conflict and waiting for Frederiksberg", cal.Changes[0])
		}
		if r := e.call("GET", "/api/v1/changes?from=2026-01-01&to=2027-01-01", spoc, "", &p); r.StatusCode != 400 || p.Field != "to" {
			t.Errorf("a year-long calendar = %d %+v; want 400 on to", r.StatusCode, p)
		}

		br := newBrowser(t, e.url)
		br.login("demo-spoc", e.Passwords["demo-spoc"])
		_, page := br.get("/changes?week=" + win.Format("2006-01-02"))
		for _, want := range []string{"Ring Nord optik", "Switch på Rådhuset", `class="change conflict"`, "Venter på"} {
			if !strings.Contains(page, want) {
				t.Errorf("the change calendar lacks %q", want)
			}
		}
		_, page = br.get("/tickets/" + strconv.FormatInt(ch.ID, 10))
		if !strings.Contains(page, "Kvitteret") || !strings.Contains(page, "Tilbagerulning") {
			t.Error("the change's page lacks its acknowledgements or rollback plan")
		}
		if strings.Contains(page, `action="/changes"`) {
			t.Error("a SPOC is offered the form to register changes")
		}

		// The unit's desk registers a change from the calendar page.
		dk := newBrowser(t, e.url)
		dk.login("demo-servicedesk", e.Passwords["demo-servicedesk"])
		_, page = dk.get("/changes")
		if !strings.Contains(page, "Ring Nord") {
			t.Fatal("the unit's change form does not offer its connection")
		}
		start := win.Add(7 * 24 * time.Hour).In(time.Local)
		resp, _ := dk.post("/changes", url.Values{"csrf": {csrfOf(t, page)}, "title": {"Firmware på Ring Nord"}, "type": {"normal"}, "risk": {"low"},
			"window_start": {start.Format("2006-01-02T15:04")}, "window_end": {start.Add(time.Hour).Format("2006-01-02T15:04")},
			"plan": {"Opgrader"}, "rollback": {"Nedgrader"}, "connections": {strconv.FormatInt(conn.ID, 10)}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/tickets/") {
			t.Errorf("register a change by form = %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, _ = dk.post("/changes", url.Values{"csrf": {csrfOf(t, page)}, "title": {"Uden vindue"}, "type": {"normal"}, "risk": {"low"},
			"plan": {"Opgrader"}, "rollback": {"Nedgrader"}})
		if resp.StatusCode != 400 {
			t.Errorf("a change without a window = %d; want 400", resp.StatusCode)
		}
	})
}
