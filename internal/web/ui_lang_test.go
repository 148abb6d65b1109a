package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var langSwitch = regexp.MustCompile(`href="(/lang/[a-z]+\?next=[^"]*)"`)

// TestLanguageSwitchKeepsThePage: the switch on a page with a query
// (/tickets?status=open&sort=id) lands on that same page, in the other
// language; its link is escaped once (it used to be escaped twice and
// land on the front page). A next escaped once more, as those old links
// were, still finds its way back.
func TestLanguageSwitchKeepsThePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		for _, page := range []string{"/tickets?status=open&sort=id", "/events?q=user.name%3Aroot+AND+%22failed+password%22&range=7d", "/inbox"} {
			r, body := b.get(page)
			if r.StatusCode != 200 {
				t.Fatalf("GET %s = %d", page, r.StatusCode)
			}
			m := langSwitch.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s has no language switch", page)
			}
			link := html.UnescapeString(m[1])
			r, _ = b.get(link)
			if loc := r.Header.Get("Location"); r.StatusCode != 303 || loc != page {
				t.Errorf("the switch on %s (%s) = %d to %q; want 303 to %q", page, link, r.StatusCode, loc, page)
			}
			if _, body = b.get(page); !strings.Contains(body, `<html lang="en">`) {
				t.Errorf("%s after the switch is not in English", page)
			}
			b.get("/lang/da?next=/")
		}
		for next, want := range map[string]string{
			"/tickets?status=open":                  "/tickets?status=open",
			url.QueryEscape("/tickets?status=open"): "/tickets?status=open", // escaped twice, as the old links were
			"https://evil.example/":                 "/",
		} {
			r, _ := b.get("/lang/en?next=" + url.QueryEscape(next))
			if loc := r.Header.Get("Location"); loc != want {
				t.Errorf("GET /lang/en?next=%s: Location %q; want %q", url.QueryEscape(next), loc, want)
			}
		}
	})
}
