package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var (
	overviewRow  = regexp.MustCompile(`(?s)<tr(?: class="gap")? data-org="(\d+)">(.*?)</tr>`)
	rowName      = regexp.MustCompile(`<a href="/coverage\?org=\d+">([^<]+)</a>`)
	rowCell      = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	pickerOption = regexp.MustCompile(`<option value="[^"]+">`)
)

// loginEnrolled logs user in through the form, setting up the second
// factor when the role needs one.
func loginEnrolled(t *testing.T, b *browser, user, password string) {
	t.Helper()
	if r := b.login(user, password); strings.HasPrefix(r.Header.Get("Location"), "/totp") {
		enrolTOTP(t, b)
	}
}

// coverageRows reads the overview's rows: name and missing count.
func coverageRows(t *testing.T, page string) (names []string, missing []int) {
	t.Helper()
	for _, m := range overviewRow.FindAllStringSubmatch(page, -1) {
		n := rowName.FindStringSubmatch(m[2])
		cells := rowCell.FindAllStringSubmatch(m[2], -1)
		if n == nil || len(cells) != 4 {
			t.Fatalf("an overview row without a name link or four cells: %s", m[2])
		}
		k, err := strconv.Atoi(strings.TrimSpace(cells[2][1]))
		if err != nil {
			t.Fatalf("missing cell %q", cells[2][1])
		}
		names, missing = append(names, n[1]), append(missing, k)
	}
	return names, missing
}

// TestCoverageOverview: the SOC and governance get every municipality
// and unit in one table (not a 103-item dropdown), to narrow by kind and
// region and sort by what is missing, each row leading to its detail; a
// name picker (a datalist) opens an organisation's detail; a unit sees
// its own municipalities; a municipality its own page.
func TestCoverageOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		if err := demo.LoadSources(context.Background(), e.Orgs, sources.New(db)); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"demo-soc-analyst", "demo-governance"} {
			b := newBrowser(t, e.url)
			loginEnrolled(t, b, user, e.Passwords[user])
			r, page := b.get("/coverage")
			names, _ := coverageRows(t, page)
			if r.StatusCode != 200 || len(names) != 103 || !strings.Contains(page, "Logdækning for alle organisationer") {
				t.Fatalf("%s /coverage = %d with %d rows; want the overview of 98 municipalities and 5 units", user, r.StatusCode, len(names))
			}
			if strings.Contains(page, `<select id="org"`) || !strings.Contains(page, `list="org-choices"`) || len(pickerOption.FindAllString(page, -1)) < 103 {
				t.Errorf("%s: the picker is not a searchable list of every organisation", user)
			}
			_, page = b.get("/coverage?kind=unit")
			if names, _ = coverageRows(t, page); len(names) != 5 {
				t.Errorf("%s kind=unit: %d rows; want 5", user, len(names))
			}
			_, page = b.get("/coverage?" + url.Values{"kind": {"municipality"}, "region": {"Region Nordjylland"}}.Encode())
			if names, _ = coverageRows(t, page); len(names) != 11 {
				t.Errorf("%s Nordjylland's municipalities: %d rows; want 11", user, len(names))
			}
			_, page = b.get("/coverage?sort=missing")
			names, missing := coverageRows(t, page)
			for i := 1; i < len(missing); i++ {
				if missing[i] > missing[i-1] {
					t.Fatalf("%s sort=missing: %s (%d) after %s (%d)", user, names[i], missing[i], names[i-1], missing[i-1])
				}
			}
			if !regexp.MustCompile(`<th scope="col" aria-sort="descending"[^>]*><a href="/coverage\?sort=missing">`).MatchString(page) {
				t.Errorf("%s sort=missing: the column does not say it sorts", user)
			}
			if missing[0] == missing[len(missing)-1] {
				t.Errorf("%s: every organisation misses %d types; København's demo sources should count", user, missing[0])
			}
			// The picker sends a name.
			r, page = b.get("/coverage?org=" + url.QueryEscape("københavn kommune"))
			if r.StatusCode != 200 || !strings.Contains(page, "<h1>Logdækning: København Kommune</h1>") || !strings.Contains(page, "Domænecontrollere") ||
				!strings.Contains(page, `href="/coverage">`) {
				t.Errorf("%s: the picker's name does not open København's detail with a way back", user)
			}
		}
		// A unit: its own and its municipalities.
		b := newBrowser(t, e.url)
		b.login("demo-unit-manager", e.Passwords["demo-unit-manager"])
		_, page := b.get("/coverage")
		names, _ := coverageRows(t, page)
		if len(names) != 30 { // Hovedstaden's 29 municipalities and the unit
			t.Errorf("unit manager's overview: %d rows; want 30", len(names))
		}
		for _, n := range names {
			if n == "Aalborg Kommune" {
				t.Errorf("Hovedstaden's unit sees Aalborg")
			}
		}
		// A municipality: its own page, no overview.
		b = newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		if _, page = b.get("/coverage"); !strings.Contains(page, "<h1>Logdækning: København Kommune</h1>") || strings.Contains(page, `id="coverage-overview"`) || strings.Contains(page, `list="org-choices"`) {
			t.Errorf("a municipality's CISO gets the overview or a picker")
		}
	})
}

// TestCoverageOutOfReachLikeUnknown: an organisation out of the caller's
// reach answers exactly as one that does not exist — same status, same
// words, naming only what was asked for and never its internal id.
func TestCoverageOutOfReachLikeUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.addUser("spoc-frb", "147", access.RoleSPOC)
		b := newBrowser(t, e.url)
		loginEnrolled(t, b, "spoc-frb", e.Passwords["spoc-frb"])
		kbh := e.Org(t, "101")
		kbhID := strconv.FormatInt(kbh.ID, 10)
		const unknown = "findes ikke blandt dem, du har adgang til"
		r, page := b.get("/coverage?org=99999")
		if !strings.Contains(page, "organisationen &#34;99999&#34; "+unknown) {
			t.Fatalf("?org=99999 = %d:\n%s", r.StatusCode, mainOf(page))
		}
		for _, ref := range []string{"101", kbhID, kbh.Slug} {
			got, page := b.get("/coverage?org=" + url.QueryEscape(ref))
			if got.StatusCode != r.StatusCode || !strings.Contains(page, "organisationen &#34;"+ref+"&#34; "+unknown) {
				t.Errorf("?org=%s = %d; want %d and the words of an unknown one:\n%s", ref, got.StatusCode, r.StatusCode, mainOf(page))
			}
			if strings.Contains(page, "København") || strings.Contains(page, "organisation "+kbhID) {
				t.Errorf("?org=%s names København or its id %s", ref, kbhID)
			}
		}
		if r, page := b.get("/coverage?org=147"); r.StatusCode != 200 || !strings.Contains(page, "<h1>Logdækning: Frederiksberg Kommune</h1>") {
			t.Errorf("Frederiksberg's own coverage = %d", r.StatusCode)
		}
		soc := newBrowser(t, e.url)
		loginEnrolled(t, soc, "demo-soc-analyst", e.Passwords["demo-soc-analyst"])
		if r, page := soc.get("/coverage?org=101"); r.StatusCode != 200 || !strings.Contains(page, "<h1>Logdækning: København Kommune</h1>") {
			t.Errorf("the SOC opening København's coverage = %d", r.StatusCode)
		}
	})
}

// mainOf is a page's main content, to show in a failure.
func mainOf(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		page = page[i:]
	}
	if i := strings.Index(page, "</main>"); i >= 0 {
		page = page[:i]
	}
	return page
}
