package web_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

type figure struct {
	Key   string `json:"key"`
	Group string `json:"group"`
	Label struct {
		Da string `json:"da"`
		En string `json:"en"`
	} `json:"label"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Href      string  `json:"href"`
	Attention bool    `json:"attention"`
}

// listTotal reads the total of a ticket list page ("Viser 1–3 af 3").
var listTotal = regexp.MustCompile(`Viser \d+–\d+ af (\d+)`)

type overview struct {
	Role    string   `json:"role"`
	Figures []figure `json:"figures"`
}

func figureOf(t *testing.T, figs []figure, key string) figure {
	t.Helper()
	for _, f := range figs {
		if f.Key == key {
			return f
		}
	}
	t.Fatalf("no figure %q in %+v", key, figs)
	return figure{}
}

// TestMeOverview checks each role's start-page figures against the
// lists they count: a SPOC's open and escalated tickets, the service
// desk's queue and what is assigned to it.
func TestMeOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
		var tk struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		}
		for i := range 3 {
			e.must("POST", "/api/v1/tickets", spoc, fmt.Sprintf(`{"title":"Printer %d","impact":2,"urgency":2}`, i), &tk)
			if i > 0 {
				e.must("POST", fmt.Sprintf("/api/v1/tickets/%d/escalate", tk.ID), spoc, fmt.Sprintf(`{"version":%d,"handover":{"tried":"x","affected":"y","contact":"z"}}`, tk.Version), &tk)
			}
		}
		e.must("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", tk.ID), desk, fmt.Sprintf(`{"version":%d,"assignee":"demo-servicedesk"}`, tk.Version), &tk)

		var ov overview
		e.must("GET", "/api/v1/me/overview", spoc, "", &ov)
		if ov.Role != "spoc" {
			t.Errorf("role = %q", ov.Role)
		}
		for _, f := range ov.Figures {
			if f.Label.Da == "" || f.Label.En == "" || f.Label.Da == f.Label.En || strings.HasPrefix(f.Label.Da, "fig.") || !strings.HasPrefix(f.Href, "/") {
				t.Errorf("figure %+v: want a Danish and an English label and a local href", f)
			}
		}
		if f := figureOf(t, ov.Figures, "tickets.open"); f.Value != 3 || f.Href != "/tickets" {
			t.Errorf("SPOC's open tickets = %+v; want 3 behind /tickets", f)
		}
		if f := figureOf(t, ov.Figures, "tickets.escalated"); f.Value != 1 {
			t.Errorf("SPOC's escalated tickets = %v; want 1", f.Value)
		}
		var dov overview
		e.must("GET", "/api/v1/me/overview", desk, "", &dov)
		// The unit sees a ticket once it is escalated to it.
		if f := figureOf(t, dov.Figures, "tickets.open"); f.Value != 2 {
			t.Errorf("service desk's queue = %v; want 2", f.Value)
		}
		if f := figureOf(t, dov.Figures, "tickets.mine"); f.Value != 1 || f.Href != "/tickets?assignee=me" {
			t.Errorf("service desk's own tickets = %+v; want 1", f)
		}
		if f := figureOf(t, dov.Figures, "tickets.unassigned"); f.Value != 1 {
			t.Errorf("service desk's unassigned = %v; want 1", f.Value)
		}
		// Each ticket figure counts what the list behind it shows.
		for _, who := range []string{"demo-spoc", "demo-servicedesk"} {
			b := newBrowser(t, e.url)
			b.login(who, e.Passwords[who])
			var o overview
			e.must("GET", "/api/v1/me/overview", e.token(who), "", &o)
			for _, f := range o.Figures {
				if !strings.HasPrefix(f.Href, "/tickets") {
					continue
				}
				_, page := b.get(f.Href)
				total := 0
				if m := listTotal.FindStringSubmatch(page); m != nil {
					total, _ = strconv.Atoi(m[1])
				} else if !strings.Contains(page, "Ingen sager") {
					t.Fatalf("%s: %s shows neither a total nor an empty list", who, f.Href)
				}
				if float64(total) != f.Value {
					t.Errorf("%s: figure %s = %v but %s lists %d", who, f.Key, f.Value, f.Href, total)
				}
			}
		}
		// So do an organisation's figures, for a municipality and a unit.
		gb := newBrowser(t, e.url)
		gb.login("demo-governance", e.Passwords["demo-governance"])
		for _, ref := range []string{"101", "enhed-hovedstaden"} {
			var o overview
			e.must("GET", "/api/v1/organizations/"+ref+"/overview", e.token("demo-governance"), "", &o)
			checked := 0
			for _, f := range o.Figures {
				if !strings.HasPrefix(f.Href, "/tickets") {
					continue
				}
				checked++
				_, page := gb.get(f.Href)
				total := 0
				if m := listTotal.FindStringSubmatch(page); m != nil {
					total, _ = strconv.Atoi(m[1])
				}
				if float64(total) != f.Value {
					t.Errorf("%s's figure %s = %v but %s lists %d", ref, f.Key, f.Value, f.Href, total)
				}
			}
			if checked == 0 || figureOf(t, o.Figures, "tickets.open").Value == 0 {
				t.Errorf("%s's overview counts no tickets: %+v", ref, o.Figures)
			}
		}
		// Every role gets a start page of its own, and no role errors.
		seen := map[string]string{}
		for _, role := range []string{"spoc", "kommune-it", "ciso", "servicedesk", "unit-manager", "soc-analyst", "cert", "governance", "admin"} {
			var o overview
			e.must("GET", "/api/v1/me/overview", e.token("demo-"+role), "", &o)
			if len(o.Figures) == 0 {
				t.Errorf("%s: no figures", role)
			}
			var keys []string
			for _, f := range o.Figures {
				keys = append(keys, f.Key)
			}
			seen[role] = strings.Join(keys, ",")
		}
		var gov struct {
			Units []struct {
				Unit struct {
					Slug string `json:"slug"`
				} `json:"unit"`
				Open int `json:"open"`
			} `json:"units"`
		}
		e.must("GET", "/api/v1/me/overview", e.token("demo-governance"), "", &gov)
		open := map[string]int{}
		for _, u := range gov.Units {
			open[u.Unit.Slug] = u.Open
		}
		if len(gov.Units) != 5 || open["enhed-hovedstaden"] != 2 {
			t.Errorf("governance's units = %+v; want 5, the capital's with its 2 escalated tickets", gov.Units)
		}
		if seen["spoc"] == seen["soc-analyst"] || seen["servicedesk"] == seen["governance"] {
			t.Errorf("roles share a start page: %v", seen)
		}
	})
}

// TestOrgOverview checks who sees a municipality's overview: its own
// staff, its unit, governance and the shared SOC; not another
// municipality or another unit, who are answered as if it did not exist.
func TestOrgOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.addUser("aarhus-spoc", "751", "spoc")
		e.addUser("midt-desk", "enhed-midtjylland", "servicedesk")
		var tk struct{ ID int64 }
		e.must("POST", "/api/v1/tickets", e.token("demo-spoc"), `{"title":"Printer","impact":2,"urgency":2}`, &tk)
		var ov struct {
			Org struct {
				Code string `json:"code"`
			} `json:"org"`
			Figures       []figure `json:"figures"`
			Subscriptions []struct {
				Service string `json:"service"`
			} `json:"subscriptions"`
			Contacts []struct {
				Username string `json:"username"`
			} `json:"contacts"`
		}
		e.must("GET", "/api/v1/organizations/101/overview", e.token("demo-spoc"), "", &ov)
		if ov.Org.Code != "101" || figureOf(t, ov.Figures, "tickets.open").Value != 1 {
			t.Errorf("own overview = %+v", ov)
		}
		var contacts []string
		for _, c := range ov.Contacts {
			contacts = append(contacts, c.Username)
		}
		if strings.Join(contacts, ",") != "demo-servicedesk,demo-unit-manager" {
			t.Errorf("København's contacts = %v; want the capital unit's service desk and manager", contacts)
		}
		for _, who := range []string{"demo-unit-manager", "demo-governance", "demo-ciso"} {
			if r := e.call("GET", "/api/v1/organizations/101/overview", e.token(who), "", nil); r.StatusCode != 200 {
				t.Errorf("%s: status %d; want 200", who, r.StatusCode)
			}
		}
		// The SOC sees the security picture only.
		ov.Figures = nil
		e.must("GET", "/api/v1/organizations/101/overview", e.token("demo-soc-analyst"), "", &ov)
		for _, f := range ov.Figures {
			if strings.HasPrefix(f.Key, "tickets.") || strings.HasPrefix(f.Key, "orders.") {
				t.Errorf("SOC sees %s of København", f.Key)
			}
		}
		if len(ov.Subscriptions) != 0 || len(ov.Contacts) != 0 {
			t.Errorf("SOC sees København's subscriptions: %+v", ov.Subscriptions)
		}
		var unknown, foreign problem
		e.call("GET", "/api/v1/organizations/no-such-org/overview", e.token("aarhus-spoc"), "", &unknown)
		for _, who := range []string{"aarhus-spoc", "midt-desk"} {
			r := e.call("GET", "/api/v1/organizations/101/overview", e.token(who), "", &foreign)
			if r.StatusCode != 404 || foreign.Code != unknown.Code {
				t.Errorf("%s: status %d %+v; want 404 like an unknown organisation (%+v)", who, r.StatusCode, foreign, unknown)
			}
		}
	})
}

// TestProblemLanguage checks that problem details follow Accept-Language:
// Danish by default and when preferred, English when preferred.
func TestProblemLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		tok := e.token("demo-spoc")
		body := `{"title":"","impact":2,"urgency":2}`
		for _, c := range []struct{ header, want string }{
			{"", "skal have mindst 3 tegn"},
			{"da", "skal have mindst 3 tegn"},
			{"en-GB,en;q=0.9", "must have at least 3 characters"},
			{"da;q=0.5, en;q=0.8", "must have at least 3 characters"},
			{"en;q=0.2, da", "skal have mindst 3 tegn"},
			{"de, fr;q=0.8", "skal have mindst 3 tegn"},
		} {
			var p problem
			r := e.callWith("POST", "/api/v1/tickets", tok, body, map[string]string{"Accept-Language": c.header}, &p)
			if r.StatusCode != 400 || p.Detail != c.want || p.Field != "title" {
				t.Errorf("Accept-Language %q: %d %+v; want detail %q on title", c.header, r.StatusCode, p, c.want)
			}
		}
	})
}
