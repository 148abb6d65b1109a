package web_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var rowIDRE = regexp.MustCompile(`<tr[^>]* data-id="(\d+)"`)

// rowIDs are the ids of a list page's rows, in the page's order.
func rowIDs(page string) []int64 {
	var out []int64
	for _, m := range rowIDRE.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

// apiIDs are the ids of an API list's items, in its order.
func (e *env) apiIDs(t *testing.T, path, token string) []int64 {
	t.Helper()
	var page struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	e.must("GET", path, token, "", &page)
	var out []int64
	for _, x := range page.Items {
		out = append(out, x.ID)
	}
	return out
}

// csvIDs are the ids (first column) of a CSV export, in its order.
func csvIDs(t *testing.T, body string) []int64 {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("CSV = %v; %q", err, body)
	}
	var out []int64
	for _, r := range rows[1:] {
		id, _ := strconv.ParseInt(r[0], 10, 64)
		out = append(out, id)
	}
	return out
}

var nextRE = regexp.MustCompile(`href="([^"]+)" rel="next"`)

// TestSortedListPages sorts the case, vulnerability, advisory and alert
// lists by a column each way: the page shows its rows in the API's
// order with aria-sort on the header, keeps the order in its pager,
// filter form and CSV link (whose export follows it), and refuses an
// unknown order with 400 and what it accepts, in Danish and English.
func TestSortedListPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ciso, certTok := e.token("demo-ciso"), e.token("demo-cert")
		kk := e.Org(t, "101").ID
		// Cases, vulnerabilities (from advisories matching København's
		// assets), advisories and alerts of several severities.
		for i, sev := range []string{"low", "critical", "medium", "high", "critical"} {
			e.must("POST", "/api/v1/cases", ciso, fmt.Sprintf(`{"org":"101","title":"Sag %d","severity":%q}`, i, sev), nil)
		}
		e.must("POST", "/api/v1/assets", ciso, `{"org":"101","vendor":"Apache","product":"HTTP Server","version":"2.4.57"}`, nil)
		e.must("POST", "/api/v1/assets", ciso, `{"org":"101","vendor":"Microsoft","product":"Exchange Server","version":"15.2"}`, nil)
		e.must("POST", "/api/v1/advisories/import?format=kev", certTok, kevDoc, nil)
		for i, sev := range []string{"medium", "critical", "low"} {
			e.must("POST", "/api/v1/advisories", certTok, fmt.Sprintf(`{"title":"%c Apache %d","severity":%q,"tlp":"green","action":"Opdatér.",
				"products":[{"vendor":"Apache","product":"HTTP Server","versions":"vers:generic/>=2.4.0|<2.4.58"}]}`, 'C'-i, i, sev), nil)
		}
		for _, lv := range []string{"low", "critical", "informational", "high", "medium"} {
			e.alert(t, kk, "Alarm "+lv, lv)
		}

		b := newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		for _, c := range []struct {
			page, api, sort, header string
			n                       int
		}{
			{"/cases?all=1", "/api/v1/cases?limit=500", "-severity", "severity", 5},
			{"/cases?all=1", "/api/v1/cases?limit=500", "opened", "opened", 5},
			{"/vulnerabilities", "/api/v1/vulnerabilities?limit=500", "-severity", "severity", 4},
			{"/vulnerabilities", "/api/v1/vulnerabilities?limit=500", "kev", "kev", 4},
			{"/advisories", "/api/v1/advisories?limit=500", "title", "title", 4},
			{"/advisories", "/api/v1/advisories?limit=500", "-severity", "severity", 4},
			{"/alerts", "/api/v1/alerts?limit=500", "level", "level", 5},
			{"/alerts", "/api/v1/alerts?limit=500", "-level", "level", 5},
		} {
			sep := "?"
			if strings.Contains(c.page, "?") {
				sep = "&"
			}
			path := c.page + sep + "sort=" + url.QueryEscape(c.sort)
			r, page := b.get(path)
			if r.StatusCode != 200 {
				t.Fatalf("GET %s = %d", path, r.StatusCode)
			}
			want := e.apiIDs(t, c.api+"&sort="+url.QueryEscape(c.sort), ciso)
			if got := rowIDs(page); len(want) != c.n || !slices.Equal(got, want) {
				t.Errorf("GET %s shows %v; the API gives %v (want %d rows)", path, got, want, c.n)
			}
			aria, next := "ascending", strings.TrimPrefix(c.sort, "-")
			if strings.HasPrefix(c.sort, "-") {
				aria, next = "descending", strings.TrimPrefix(c.sort, "-")
			} else {
				next = "-" + c.sort
			}
			if !regexp.MustCompile(`<th scope="col" aria-sort="` + aria + `"><a href="[^"]*sort=` + regexp.QuoteMeta(url.QueryEscape(next)) + `"`).MatchString(page) {
				t.Errorf("GET %s: the %s header lacks aria-sort=%s and a link to %s", path, c.header, aria, next)
			}
			if strings.Count(page, "aria-sort=") != 1 {
				t.Errorf("GET %s: %d headers carry aria-sort; want 1", path, strings.Count(page, "aria-sort="))
			}
			if c.page != "/advisories" && !strings.Contains(page, `<input type="hidden" name="sort" value="`+c.sort+`">`) {
				t.Errorf("GET %s: the filter form does not keep the order", path)
			}
			m := regexp.MustCompile(`href="([^"]+\.csv[^"]*)"`).FindStringSubmatch(page)
			if m == nil || !strings.Contains(html.UnescapeString(m[1]), "sort="+url.QueryEscape(c.sort)) {
				t.Fatalf("GET %s: the CSV link %v does not keep the order", path, m)
			}
			r, body := b.get(html.UnescapeString(m[1]))
			if got := csvIDs(t, body); r.StatusCode != 200 || !slices.Equal(got, want) {
				t.Errorf("the CSV of %s = %d %v; want %v", path, r.StatusCode, got, want)
			}
			// Pages of 2 keep the order in their links and together hold the list.
			var paged []int64
			link := c.page + sep + "sort=" + url.QueryEscape(c.sort) + "&limit=2"
			if c.page == "/vulnerabilities" || c.page == "/advisories" {
				continue // 200 a page; their pager is checked on the alerts and cases
			}
			for range 5 {
				_, page := b.get(link)
				paged = append(paged, rowIDs(page)...)
				m := nextRE.FindStringSubmatch(page)
				if m == nil {
					break
				}
				link = html.UnescapeString(m[1])
				if !strings.Contains(link, "sort="+url.QueryEscape(c.sort)) {
					t.Errorf("the next page of %s is %s; it lost the order", path, link)
				}
			}
			if !slices.Equal(paged, want) {
				t.Errorf("%s by pages of 2 = %v; want %v", path, paged, want)
			}
		}
		// The alert levels by severity, not alphabetically.
		_, page := b.get("/alerts?sort=level")
		var levels []string
		for _, m := range regexp.MustCompile(`<tr data-id="\d+" class="level-([a-z]+)`).FindAllStringSubmatch(page, -1) {
			levels = append(levels, m[1])
		}
		if want := []string{"critical", "high", "medium", "low", "informational"}; !slices.Equal(levels, want) {
			t.Errorf("/alerts?sort=level shows levels %v; want %v", levels, want)
		}

		// An unknown order: 400 with what is accepted, on the page and in the API.
		for _, p := range []string{"/cases?sort=title", "/vulnerabilities?sort=-asset", "/advisories?sort=source", "/alerts?sort=key", "/cases.csv?sort=x"} {
			r, page := b.get(p)
			if r.StatusCode != 400 || !strings.Contains(page, "ukendt sortering") || !strings.Contains(page, "-") {
				t.Errorf("GET %s = %d; want 400 saying the order is unknown (in Danish)", p, r.StatusCode)
			}
		}
		b.get("/lang/en?next=/")
		if r, page := b.get("/alerts?sort=loudest"); r.StatusCode != 400 || !strings.Contains(page, `unknown order &#34;loudest&#34;; want one of time, first, level`) {
			t.Errorf("GET /alerts?sort=loudest in English = %d; want 400 naming the orders", r.StatusCode)
		}
		for _, p := range []string{"/api/v1/cases?sort=title", "/api/v1/vulnerabilities?sort=asset", "/api/v1/advisories?sort=-source", "/api/v1/alerts?sort=key"} {
			var pr problem
			if r := e.call("GET", p, ciso, "", &pr); r.StatusCode != 400 || pr.Field != "sort" || !strings.Contains(pr.Detail, "unknown order") {
				t.Errorf("GET %s = %d %+v; want 400 on field sort", p, r.StatusCode, pr)
			}
		}
	})
}

// TestSortedListsAPIOrder checks that the API lists follow ?sort= in
// both directions (and that their answers still match openapi.json).
func TestSortedListsAPIOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ciso := e.token("demo-ciso")
		kk := e.Org(t, "101").ID
		for i, sev := range []string{"low", "critical", "high"} {
			e.must("POST", "/api/v1/cases", ciso, fmt.Sprintf(`{"org":"101","title":"Sag %d","severity":%q}`, i, sev), nil)
			e.alert(t, kk, "Alarm "+sev, sev)
		}
		for p, key := range map[string]string{"/api/v1/cases": "id", "/api/v1/alerts": "level"} {
			asc, desc := e.apiIDs(t, p+"?sort="+key, ciso), e.apiIDs(t, p+"?sort=-"+key, ciso)
			slices.Reverse(desc)
			if len(asc) != 3 || !slices.Equal(asc, desc) {
				t.Errorf("%s?sort=%s = %v; sorted descending and turned around = %v", p, key, asc, desc)
			}
		}
		var sev []string
		var page struct {
			Items []struct{ Severity string } `json:"items"`
		}
		e.must("GET", "/api/v1/cases?sort=severity", ciso, "", &page)
		for _, c := range page.Items {
			sev = append(sev, c.Severity)
		}
		if want := []string{"critical", "high", "low"}; !slices.Equal(sev, want) {
			t.Errorf("cases by severity = %v; want %v", sev, want)
		}
	})
}

// TestCaseFormsKeepInput posts the case forms with a mistake and after
// someone else changed the case: the page comes back with the problem,
// every field as the user left it, and on a conflict what the case is
// now; sent again, the form goes through.
func TestCaseFormsKeepInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ciso := e.token("demo-ciso")
		b := newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		_, page := b.get("/cases")
		csrf := csrfOf(t, page)

		// The new-case form: a title too short.
		r, page := b.post("/cases", url.Values{"csrf": {csrf}, "org": {"101"}, "title": {"ab"}, "kind": {"phishing"}, "severity": {"critical"},
			"description": {"Mails med falsk MitID-login"}})
		if r.StatusCode != 400 || !strings.Contains(page, `name="title" required minlength="3" maxlength="200" value="ab"`) ||
			!strings.Contains(page, `<option value="phishing" selected>`) || !strings.Contains(page, `<option value="critical" selected>`) ||
			!strings.Contains(page, `>Mails med falsk MitID-login</textarea>`) || !strings.Contains(page, `value="101"`) {
			t.Errorf("new case with a short title = %d; want 400 with every field kept", r.StatusCode)
		}

		var c struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		}
		e.must("POST", "/api/v1/cases", ciso, `{"org":"101","title":"Phishing mod borgerservice","severity":"medium"}`, &c)
		path := fmt.Sprintf("/cases/%d", c.ID)
		_, page = b.get(path)
		csrf = csrfOf(t, page)
		seen := html.UnescapeString(regexp.MustCompile(`name="seen" value="([^"]*)"`).FindStringSubmatch(page)[1])

		// A mistake in a step: not an IP address.
		r, page = b.post(path+"/observable", url.Values{"csrf": {csrf}, "seen": {seen}, "kind": {"ip"}, "value": {"10.0.0.300"}, "note": {"fra firewall-loggen"}})
		if r.StatusCode != 400 || !strings.Contains(page, `<option value="ip" selected>`) || !strings.Contains(page, `value="10.0.0.300"`) ||
			!strings.Contains(page, `value="fra firewall-loggen"`) || strings.Contains(page, `id="conflict"`) {
			t.Errorf("a bad observable = %d; want 400 with the fields kept and no conflict", r.StatusCode)
		}

		// Someone else moves the case on; the form sent from the old page is
		// a conflict that says what changed and keeps what was typed.
		e.must("PATCH", fmt.Sprintf("/api/v1/cases/%d", c.ID), ciso, fmt.Sprintf(`{"version":%d,"status":"in_progress","severity":"high"}`, c.Version), nil)
		form := url.Values{"csrf": {csrf}, "seen": {seen}, "version": {strconv.Itoa(c.Version)}, "status": {"contained"}, "severity": {"critical"},
			"owner": {"me"}, "comment": {"Afsender blokeret i mailfilteret"}}
		r, page = b.post(path+"/update", form)
		if r.StatusCode != 409 {
			t.Fatalf("an update from the old page = %d; want 409", r.StatusCode)
		}
		for _, want := range []string{`id="conflict"`, `<option value="contained" selected>`, `<option value="critical" selected>`, `value="me"`,
			`>Afsender blokeret i mailfilteret</textarea>`, "Sagen er nu: status Under behandling, alvor Høj",
			"<del>Ny</del></td><td><ins>Under behandling</ins>", "<del>Middel</del></td><td><ins>Høj</ins>"} {
			if !strings.Contains(page, want) {
				t.Errorf("the conflict page lacks %q", want)
			}
		}
		// The form now carries the current version: sent again, it goes through.
		form.Set("version", regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1])
		form.Set("seen", html.UnescapeString(regexp.MustCompile(`name="seen" value="([^"]*)"`).FindStringSubmatch(page)[1]))
		if r, _ := b.post(path+"/update", form); r.StatusCode != 303 {
			t.Errorf("the kept form sent again = %d; want 303", r.StatusCode)
		}
		var d struct{ Status, Severity, Owner string }
		e.must("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), ciso, "", &d)
		if d.Status != "contained" || d.Severity != "critical" || d.Owner != "demo-ciso" {
			t.Errorf("after sending again the case is %+v; want contained, critical, demo-ciso", d)
		}
		// A refused step that is no version conflict still says where the
		// case stands: closing with open tasks is refused.
		e.must("POST", fmt.Sprintf("/api/v1/cases/%d/tasks", c.ID), ciso, `{"title":"Nulstil adgangskoder"}`, nil)
		_, page = b.get(path)
		ver := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]
		r, page = b.post(path+"/update", url.Values{"csrf": {csrf}, "version": {ver}, "status": {"closed"}, "resolution": {"resolved"}, "comment": {"Færdig"}})
		if r.StatusCode != 409 || !strings.Contains(page, `<option value="closed" selected>`) || !strings.Contains(page, `<option value="resolved" selected>`) ||
			!strings.Contains(page, `>Færdig</textarea>`) || !strings.Contains(page, "Sagen er nu: status Inddæmmet") {
			t.Errorf("closing with an open task = %d; want 409 with the choices kept and the case's state", r.StatusCode)
		}
	})
}

// TestAlertAssigneePicker checks the triage forms offer exactly the
// people in the caller's reach who may triage the alert(s) — not those
// of another tenant, nor whose role does not triage — and that the
// server refuses a name outside them with a clear error, keeping the
// form as it was.
func TestAlertAssigneePicker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		unit := demo.UnitSlug("Region Hovedstaden") // supplies København (101) and Frederiksberg (147)
		e.addUser("ciso-unit", unit, access.RoleCISO)
		e.addUser("ciso2-101", "101", access.RoleCISO)
		e.addUser("ciso-147", "147", access.RoleCISO)
		e.addUser("ciso-461", "461", access.RoleCISO)
		kk := e.alert(t, e.Org(t, "101").ID, "Brute force", "high")
		fb := e.alert(t, e.Org(t, "147").ID, "Root shell", "critical")
		optRE := regexp.MustCompile(`<select id="triage-assign" name="assign"[^>]*>([\s\S]*?)</select>`)
		valRE := regexp.MustCompile(`<option value="([^"]*)"`)
		offered := func(page string) []string {
			m := optRE.FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no assignee picker")
			}
			var out []string
			for _, v := range valRE.FindAllStringSubmatch(m[1], -1) {
				out = append(out, v[1])
			}
			return out
		}
		b := newBrowser(t, e.url)
		b.login("ciso-unit", e.Passwords["ciso-unit"])
		for _, c := range []struct {
			path string
			want []string
		}{
			{fmt.Sprintf("/alerts/%d", kk), []string{"", "none", "me", "ciso2-101", "demo-ciso"}},
			{fmt.Sprintf("/alerts/%d", fb), []string{"", "none", "me", "ciso-147"}},
			{"/alerts", []string{"", "none", "me", "ciso-147", "ciso2-101", "demo-ciso"}},
		} {
			r, page := b.get(c.path)
			if got := offered(page); r.StatusCode != 200 || !slices.Equal(got, c.want) {
				t.Errorf("GET %s offers %q; want %q", c.path, got, c.want)
			}
			if !strings.Contains(page, `<label for="triage-assign">`) || !strings.Contains(page, `aria-describedby="triage-assign-help"`) ||
				!strings.Contains(page, "— ingen —") || !strings.Contains(page, "Mig selv (ciso-unit)") {
				t.Errorf("GET %s: the picker lacks its label, help, nobody or me", c.path)
			}
		}
		// A name the picker does not offer: Frederiksberg's CISO may not
		// take København's alert.
		_, page := b.get(fmt.Sprintf("/alerts/%d", kk))
		r, page := b.post(fmt.Sprintf("/alerts/%d/triage", kk), url.Values{"csrf": {csrfOf(t, page)}, "assign": {"ciso-147"}, "status": {"acknowledged"},
			"comment": {"til Frederiksberg?"}})
		if r.StatusCode != 400 || !strings.Contains(page, "ciso-147 kan ikke få tildelt alarm") || !strings.Contains(page, `<option value="acknowledged" selected>`) ||
			!strings.Contains(page, `>til Frederiksberg?</textarea>`) {
			t.Errorf("handing København's alert to Frederiksberg's CISO = %d; want 400 saying so, the form kept", r.StatusCode)
		}
		r, _ = b.post(fmt.Sprintf("/alerts/%d/triage", kk), url.Values{"csrf": {csrfOf(t, page)}, "assign": {"demo-ciso"}})
		if r.StatusCode != 303 {
			t.Errorf("handing it to København's CISO = %d; want 303", r.StatusCode)
		}
		// Bulk: a refusal keeps the ticks and the choice.
		_, page = b.get("/alerts?sort=level")
		r, page = b.post("/alerts/triage", url.Values{"csrf": {csrfOf(t, page)}, "back": {"sort=level"}, "id": {strconv.FormatInt(kk, 10), strconv.FormatInt(fb, 10)},
			"assign": {"ciso-147"}})
		if r.StatusCode != 400 || !strings.Contains(page, fmt.Sprintf(`value="%d" form="bulk" aria-label="Brute force" checked`, kk)) ||
			!strings.Contains(page, `<option value="ciso-147" selected>`) || !strings.Contains(page, `aria-sort="ascending"`) {
			t.Errorf("a bulk hand-over one alert refuses = %d; want 400 with the ticks, the choice and the order kept", r.StatusCode)
		}
		// The result of a bulk triage comes from the triage itself: a link
		// that claims one shows nothing.
		r, page = b.get("/alerts?msg=alerts.bulk.saved&changed=500&unchanged=3")
		if r.StatusCode != 200 || strings.Contains(page, "500 alarmer") || strings.Contains(page, "bulk-result") || strings.Contains(page, "er opdateret") {
			t.Errorf("a crafted bulk-result link = %d; the page repeats its numbers", r.StatusCode)
		}
	})
}
