package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// startOfferings serves the demo with the units' offerings.
func startOfferings(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{Env: demotest.New(t, db, true), t: t}
	cfg := webConfig(db, e.Orgs, e.Access)
	cfg.Version = "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.url = hs.URL
	return e
}

var withdrawLink = regexp.MustCompile(`<a class="button secondary small" href="(/offerings/(\d+)/withdraw)">Træk tilbage<span class="visually-hidden">: udbuddet ([^<]+)</span></a>`)

// TestOfferingsCompactAndWithdrawAsks: the offerings page groups by unit
// in sections (only the caller's own open), writes prices and days the
// Danish way in cells that do not wrap, names what each withdraw button
// withdraws, and withdraws nothing until the confirmation step's box is
// ticked.
func TestOfferingsCompactAndWithdrawAsks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startOfferings(t, db)
		b := newBrowser(t, e.url)
		b.login("demo-unit-manager", e.Passwords["demo-unit-manager"])
		_, page := b.get("/offerings?unit=all")
		groups := strings.Count(page, `<details class="offering-group"`)
		if groups != 5 || strings.Count(page, `<details class="offering-group" id="unit-enhed-hovedstaden" open>`) != 1 || strings.Count(page, " open>") != 1 {
			t.Errorf("offerings of all units: %d sections, want 5 with only the caller's own open", groups)
		}
		if !regexp.MustCompile(`<td class="num nowrap">\d{1,3}(\.\d{3})*,\d\d kr\.</td>`).MatchString(page) ||
			!regexp.MustCompile(`<td class="nowrap">\d{1,2}\. [a-z]{3}\.? \d{4}</td>`).MatchString(page) {
			t.Errorf("prices or days are not written the Danish way in unwrapping cells")
		}
		links := withdrawLink.FindAllStringSubmatch(page, -1)
		if len(links) == 0 || strings.Contains(page, `action="/offerings/`+links[0][2]+`/withdraw"`) {
			t.Fatalf("no named withdraw links, or a withdraw form on the list")
		}
		names := map[string]bool{}
		for _, l := range links {
			if names[l[3]] {
				t.Errorf("two withdraw buttons for %q", l[3])
			}
			names[l[3]] = true
		}
		// The step names the offering and asks.
		r, step := b.get(links[0][1])
		if r.StatusCode != 200 || !strings.Contains(step, "<h1>Træk udbuddet "+links[0][3]+" tilbage?</h1>") ||
			!strings.Contains(step, `name="confirm" type="checkbox" value="yes" required`) {
			t.Fatalf("withdraw step = %d:\n%s", r.StatusCode, step)
		}
		// Without the tick: shown again with the error, nothing withdrawn.
		r, again := b.post(links[0][1], url.Values{"csrf": {csrfOf(t, step)}})
		if r.StatusCode != 400 || !strings.Contains(again, "sæt flueben") {
			t.Errorf("withdraw without confirming = %d; want 400 with the reason", r.StatusCode)
		}
		var o struct {
			Status        string `json:"status"`
			WithdrawnFrom string `json:"withdrawn_from"`
		}
		mgr := e.token("demo-unit-manager")
		if e.call("GET", "/api/v1/offerings/"+links[0][2], mgr, "", &o); o.WithdrawnFrom != "" {
			t.Fatalf("withdrawn without confirming: %+v", o)
		}
		r, _ = b.post(links[0][1], url.Values{"csrf": {csrfOf(t, step)}, "confirm": {"yes"}})
		if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/offerings?unit=enhed-hovedstaden") {
			t.Errorf("confirmed withdraw = %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if e.call("GET", "/api/v1/offerings/"+links[0][2], mgr, "", &o); o.Status != "withdrawn" {
			t.Errorf("after confirming: %+v; want withdrawn", o)
		}
		// Another unit's offering cannot be withdrawn from here.
		_, page = b.get("/offerings?unit=all")
		other := regexp.MustCompile(`id="unit-enhed-sjaelland"`).MatchString(page)
		if !other {
			t.Fatalf("no Sjælland section")
		}
		sj := page[strings.Index(page, `id="unit-enhed-sjaelland"`):]
		sj = sj[:strings.Index(sj, "</details>")]
		if strings.Contains(sj, "/withdraw") {
			t.Errorf("Hovedstaden's manager may withdraw Sjælland's offerings from the page")
		}
	})
}

var withdrawEffect = regexp.MustCompile(`<p id="withdraw-effect">(\d+) aktive abonnementer`)

// TestWithdrawStepOnlyForTheUnit: the withdraw step shows an offering's
// running subscriptions, so only whom may withdraw it sees the step:
// another municipality's SPOC and another unit's service desk are refused
// as the withdrawal itself refuses them, count and form unseen. The
// confirmation after a withdrawal counts anew and only for its manager;
// ?withdrawn= with a made-up number confirms nothing.
func TestWithdrawStepOnlyForTheUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startOfferings(t, db)
		e.addUser("spoc-aarhus", "751", access.RoleSPOC)
		e.addUser("desk-midt", "enhed-midtjylland", access.RoleServiceDesk)
		// A subscription running on an offering of Hovedstaden.
		var o struct {
			ID         int64 `json:"id"`
			OfferingID int64 `json:"offering_id"`
		}
		if r := e.call("POST", "/api/v1/orders", e.token("demo-kommune-it"), `{"service":"storage-file","level":"basis","quantity":2}`, &o); r.StatusCode != 201 {
			t.Fatalf("POST orders = %d", r.StatusCode)
		}
		for _, st := range []string{"accepted", "in_delivery", "active"} {
			if r := e.call("POST", "/api/v1/orders/"+strconv.FormatInt(o.ID, 10)+"/status", e.token("demo-servicedesk"), `{"status":"`+st+`"}`, nil); r.StatusCode != 200 {
				t.Fatalf("move to %s = %d", st, r.StatusCode)
			}
		}
		step := "/offerings/" + strconv.FormatInt(o.OfferingID, 10) + "/withdraw"
		mgr := newBrowser(t, e.url)
		mgr.login("demo-unit-manager", e.Passwords["demo-unit-manager"])
		r, form := mgr.get(step)
		if m := withdrawEffect.FindStringSubmatch(form); r.StatusCode != 200 || m == nil || m[1] != "1" {
			t.Fatalf("the unit's manager GET %s = %d, %v; want the step with 1 subscription", step, r.StatusCode, m)
		}
		for _, user := range []string{"spoc-aarhus", "desk-midt"} {
			b := newBrowser(t, e.url)
			loginEnrolled(t, b, user, e.Passwords[user])
			r, p := b.get(step)
			if r.StatusCode != 403 || strings.Contains(p, "aktive abonnementer") || strings.Contains(p, `name="confirm"`) {
				t.Errorf("%s GET %s = %d; want 403 without the count or the form:\n%.600s", user, step, r.StatusCode, p)
			}
			_, own := b.get("/offerings")
			if r, _ := b.post(step, url.Values{"csrf": {csrfOf(t, own)}}); r.StatusCode != 403 {
				t.Errorf("%s POST %s without the tick = %d; want 403 as with it", user, step, r.StatusCode)
			}
			if _, p := b.get("/offerings?withdrawn=42"); flashOf(p) != "" {
				t.Errorf("%s: ?withdrawn=42 confirms a withdrawal", user)
			}
		}
		if _, p := mgr.get("/offerings?withdrawn=42"); flashOf(p) != "" {
			t.Error("?withdrawn=42 confirms a withdrawal nobody made")
		}
		// The real withdrawal, confirmed with the count read now.
		r, _ = mgr.post(step, url.Values{"csrf": {csrfOf(t, form)}, "confirm": {"yes"}})
		loc := r.Header.Get("Location")
		if _, p := mgr.get(loc); !strings.HasPrefix(flashOf(p), "Udbuddet er trukket tilbage. 1 aktive abonnementer kører videre") {
			t.Errorf("after withdrawing (%s): no confirmation with the 1 subscription", loc)
		}
		other := newBrowser(t, e.url)
		loginEnrolled(t, other, "spoc-aarhus", e.Passwords["spoc-aarhus"])
		if _, p := other.get(loc); flashOf(p) != "" {
			t.Errorf("another municipality's SPOC following %s sees the confirmation and count", loc)
		}
	})
}
