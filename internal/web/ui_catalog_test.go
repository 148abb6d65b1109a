package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestUICatalogOrdersTransition(t *testing.T) {
	e := startWithCatalog(t, storetest.SQLite(t))
	gov := newBrowser(t, e.url)
	gov.login("demo-governance", e.Passwords["demo-governance"])
	for path, want := range map[string][]string{
		"/catalog":                            {"Fælles standardkatalog", "Virtuel Windows-server", "Obligatorisk", "Arkitekturprincipper", "Hverdage 8–16"},
		"/conformance":                        {"IT-enhed Nordjylland", "✗ Mangler", "◷ Planlagt fra", "Opfylder minimum siden"},
		"/offerings?unit=all":                 {"IT-enhed Sjælland", "Egen drift"},
		"/transition":                         {"<svg", "Region Hovedstaden", "København Kommune"},
		"/catalog/diff?from=2026.1&to=2026.1": {"Ingen ændringer"},
	} {
		r, page := gov.get(path)
		if r.StatusCode != 200 {
			t.Errorf("GET %s = %d", path, r.StatusCode)
			continue
		}
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("GET %s lacks %q", path, w)
			}
		}
		if strings.Contains(page, `action="/offerings"`) {
			t.Errorf("governance sees the offering form on %s", path)
		}
	}

	// kommune-it orders through the form; the unit accepts through the form.
	it := newBrowser(t, e.url)
	it.login("demo-kommune-it", e.Passwords["demo-kommune-it"])
	_, page := it.get("/orders")
	if !strings.Contains(page, "Bestil en ydelse hos IT-enhed Hovedstaden") {
		t.Fatalf("kommune-it has no order form")
	}
	r, _ := it.post("/orders", url.Values{"csrf": {csrfOf(t, page)}, "offer": {"storage-block/standard"}, "quantity": {"3"}, "requirements": {"Til ESDH"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("order by form = %d", r.StatusCode)
	}
	orderURL := strings.Split(r.Header.Get("Location"), "?")[0]
	r, page = it.post("/orders", url.Values{"csrf": {csrfOf(t, page)}, "offer": {"network-wifi/basis"}, "quantity": {"1"}})
	if r.StatusCode != 409 || !strings.Contains(page, "udbyder ikke") {
		t.Errorf("ordering what is not offered = %d; want 409 with the reason", r.StatusCode)
	}
	desk := newBrowser(t, e.url)
	desk.login("demo-servicedesk", e.Passwords["demo-servicedesk"])
	_, page = desk.get(orderURL)
	if !strings.Contains(page, `value="accepted"`) || !strings.Contains(page, `value="rejected"`) || strings.Contains(page, `value="cancelled"`) {
		t.Errorf("the unit's order page should offer accept and reject, not cancel")
	}
	if r, page := desk.post(orderURL+"/status", url.Values{"csrf": {csrfOf(t, page)}, "status": {"rejected"}}); r.StatusCode != 400 || !strings.Contains(page, "reason") {
		t.Errorf("reject without a reason by form = %d", r.StatusCode)
	}
	_, page = desk.get(orderURL)
	if r, _ := desk.post(orderURL+"/status", url.Values{"csrf": {csrfOf(t, page)}, "status": {"accepted"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("accept by form = %d", r.StatusCode)
	}
	_, page = it.get(orderURL)
	if !strings.Contains(page, "Accepteret") || !strings.Contains(page, "demo-servicedesk") {
		t.Errorf("the order page does not show the accepted step in its timeline")
	}
	// Another municipality cannot open it.
	e.addUser("it-frb", "147", access.RoleKommuneIT)
	frb := newBrowser(t, e.url)
	frb.login("it-frb", e.Passwords["it-frb"])
	if r, _ := frb.get(orderURL); r.StatusCode != 404 {
		t.Errorf("another municipality GET order page = %d; want 404", r.StatusCode)
	}

	// kommune-it edits its plan.
	r, _ = it.get("/transition")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("kommune-it /transition = %d; want a redirect to its plan", r.StatusCode)
	}
	planURL := r.Header.Get("Location")
	_, page = it.get(planURL)
	m := regexp.MustCompile(`action="(/transition/101/[a-z-]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no editable plan row")
	}
	r, _ = it.post(m[1], url.Values{"csrf": {csrfOf(t, page)}, "source": {"external"}, "supplier": {"Storby Hosting A/S"}, "status": {"planned"}, "planned_date": {"2027-05-01"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("plan edit = %d", r.StatusCode)
	}
	_, page = it.get(planURL)
	if !strings.Contains(page, "Storby Hosting A/S") || !strings.Contains(page, "2027-05-01") {
		t.Errorf("the edited plan row is not shown")
	}
	if r, _ := frb.get("/transition/101"); r.StatusCode != 404 {
		t.Errorf("another municipality GET plan = %d; want 404", r.StatusCode)
	}
}
