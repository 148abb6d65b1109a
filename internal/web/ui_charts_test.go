package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

var chartFigure = regexp.MustCompile(`(?s)<figure class="chart[^"]*">.*?</figure>`)

// TestChartsOnPages renders the pages with charts over the whole demo, in
// Danish and English, and parses their SVG: no two labels overlap and
// none leaves the picture; every chart has the table of its figures
// behind it, and the event histogram takes no tab stop of its own.
func TestChartsOnPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startFull(t, db)
		// The demo has the figures for these charts (the SOC's times and
		// the compliance trend need history it does not make).
		want := map[string]bool{"/transition": true, "/reports": true, "/vulnerabilities": true}
		for _, c := range []struct {
			user  string
			pages []string
		}{
			{"demo-governance", []string{"/transition", "/reports", "/compliance", "/events?range=7d", "/events?range=1h"}},
			{"demo-soc-analyst", []string{"/soc", "/vulnerabilities", "/events"}},
			{"demo-servicedesk", []string{"/reports"}},
		} {
			for _, lang := range []string{"da", "en"} {
				b := newBrowser(t, e.URL)
				b.login(c.user, e.Passwords[c.user])
				b.get("/lang/" + lang + "?next=/")
				for _, p := range c.pages {
					r, page := b.get(p)
					if r.StatusCode != 200 {
						t.Errorf("%s %s %s = %d", c.user, lang, p, r.StatusCode)
						continue
					}
					figs := chartFigure.FindAllString(page, -1)
					if len(figs) == 0 && want[p] {
						t.Errorf("%s %s %s: no chart", c.user, lang, p)
					}
					for _, prob := range web.ChartLabelProblems(page) {
						t.Errorf("%s %s %s: %s", c.user, lang, p, prob)
					}
					for _, f := range figs {
						if !strings.Contains(f, `<details class="chart-data"`) || !strings.Contains(f, "<table") {
							t.Errorf("%s %s %s: a chart without its table: %.200s", c.user, lang, p, f)
						}
						if strings.Contains(f, "histogram") && (strings.Contains(f, `role="img"`) || regexp.MustCompile(`<a href="[^"]*"><rect`).MatchString(f)) {
							t.Errorf("%s %s %s: the histogram's bars are tab stops inside an image", c.user, lang, p)
						}
					}
				}
			}
		}
	})
}
