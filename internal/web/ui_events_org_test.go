package web_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var orgFacetLink = regexp.MustCompile(`(?s)<h3 id="facet-org">.*?</ul>`)

// TestEventsNameOrganisations: the SOC, which sees every tenant, gets an
// organisation column and an organisation facet that narrows the search;
// a municipality's CISO, who sees one, gets neither. The histogram's 60
// bars are no tab stops (they are hidden from assistive technology, whose
// users get the table behind one summary).
func TestEventsNameOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		kbh, frb := e.Org(t, "101"), e.Org(t, "147")
		now := time.Now().UTC().Add(-10 * time.Minute)
		var evs []event.Event
		for i, tenant := range []int64{kbh.ID, kbh.ID, kbh.ID, frb.ID} {
			evs = append(evs, event.Event{ID: fmt.Sprintf("o%d", i), Tenant: tenant, Time: now.Add(time.Duration(i) * time.Second), Received: now,
				Host: fmt.Sprintf("srv%d", i), App: "sshd", Message: "Failed password for bo"})
		}
		if _, err := eventstore.New(db).Append(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
		soc := newBrowser(t, e.url)
		loginEnrolled(t, soc, "demo-soc-analyst", e.Passwords["demo-soc-analyst"])
		_, page := soc.get("/events?range=1h")
		if !strings.Contains(page, `<th scope="col">Organisation</th>`) || !strings.Contains(page, "<td>Frederiksberg Kommune</td>") {
			t.Errorf("the SOC's results lack the organisation column")
		}
		facet := orgFacetLink.FindString(page)
		if !strings.Contains(facet, "København Kommune</a> <span class=\"muted\">3</span>") || !strings.Contains(facet, "Frederiksberg Kommune</a> <span class=\"muted\">1</span>") {
			t.Fatalf("the SOC's organisation facet = %q", facet)
		}
		href := html.UnescapeString(regexp.MustCompile(`href="([^"]+)">Frederiksberg Kommune`).FindStringSubmatch(facet)[1])
		_, page = soc.get(href)
		if strings.Contains(page, "<td>København Kommune</td>") || !strings.Contains(page, "<td>Frederiksberg Kommune</td>") {
			t.Errorf("the facet %s does not narrow to Frederiksberg", href)
		}
		// The histogram.
		_, page = soc.get("/events?range=1h")
		fig := regexp.MustCompile(`(?s)<figure class="chart histogram">.*?</figure>`).FindString(page)
		svg := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindString(fig)
		bars := strings.Count(svg, "<rect")
		if bars != 60 || strings.Count(svg, `tabindex="-1"`) != bars || !strings.Contains(svg, `aria-hidden="true"`) || strings.Contains(svg, `role="img"`) {
			t.Errorf("histogram: %d bars, %d out of the tab order, hidden %v; want 60 bars none a tab stop inside a hidden picture",
				bars, strings.Count(svg, `tabindex="-1"`), strings.Contains(svg, `aria-hidden="true"`))
		}
		if strings.Count(fig, "<summary>") != 1 || strings.Count(fig, "<tr>") != 61 {
			t.Errorf("histogram: want one summary over a table of 60 buckets")
		}

		ciso := newBrowser(t, e.url)
		ciso.login("demo-ciso", e.Passwords["demo-ciso"])
		_, page = ciso.get("/events?range=1h")
		if strings.Contains(page, `<th scope="col">Organisation</th>`) || strings.Contains(page, `id="facet-org"`) {
			t.Errorf("a municipality's CISO, who sees one organisation, gets the organisation column or facet")
		}
	})
}
