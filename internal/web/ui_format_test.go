package web_test

import (
	"encoding/xml"

	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// rawText are the elements whose text is data as received (log lines,
// codes), not numbers or dates the page writes; an element marked
// translate="no" is such data too.
var rawText = map[string]bool{"code": true, "pre": true, "kbd": true, "samp": true, "script": true, "style": true, "textarea": true, "head": true}

// visibleText returns the text of page a reader sees (and the titles of
// SVG charts), one string per text node, without raw data.
func visibleText(page string) []string {
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var out []string
	var stack []bool // per open element: is its text raw?
	raw := func() bool { return len(stack) > 0 && stack[len(stack)-1] }
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			r := raw() || rawText[strings.ToLower(t.Name.Local)]
			for _, a := range t.Attr {
				if a.Name.Local == "translate" && a.Value == "no" {
					r = true
				}
			}
			stack = append(stack, r)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(t)); s != "" && !raw() {
				out = append(out, s)
			}
		}
	}
}

// badFormat is a way of writing a number or date that a page must not
// show, and what it is called in a failure.
type badFormat struct {
	re   *regexp.Regexp
	what string
}

// badFormats are numbers and dates a Danish page must not show.
var badFormats = []badFormat{
	{regexp.MustCompile(`\d\.\d{1,2} ?%`), "an English decimal percentage"},
	{regexp.MustCompile(`\d\d?%`), "a percentage without the Danish space"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d(\.\d+)?Z`), "an ISO timestamp"},
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`), "an ISO date"},
	{regexp.MustCompile(`\b\d\d-\d\d \d\d:\d\d\b`), "a day-month-time without month name"},
	{regexp.MustCompile(`\d,\d{3,}`), "more than two decimals (or English grouping)"},
	{regexp.MustCompile(`\d\.\d{4,}`), "a raw float"},
}

// badFormatsEnglish are Danish ways of writing that an English page must
// not show.
var badFormatsEnglish = []badFormat{
	{regexp.MustCompile(`\d,\d{1,2} ?%`), "a Danish decimal percentage"},
	{regexp.MustCompile(`\d kr\.`), "Danish kroner"},
	{regexp.MustCompile(`\d\. (jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)\b`), "a Danish date"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d(\.\d+)?Z`), "an ISO timestamp"},
}

// TestPagesFormatNumbersAndDates crawls the pages of several roles over
// the whole demo, in Danish, and fails on any number or date written
// without the locale helper: "28.4%", "83,3333333", ISO times, "05-12
// 22:07".
func TestPagesFormatNumbersAndDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startFull(t, db)
		for _, user := range []string{"demo-governance", "demo-soc-analyst", "demo-spoc", "demo-servicedesk", "demo-ciso", "demo-unit-manager"} {
			b := newBrowser(t, e.URL)
			if r := b.login(user, e.Passwords[user]); r.StatusCode != 303 {
				t.Fatalf("login %s = %d", user, r.StatusCode)
			}
			for path, problems := range crawlFormats(t, b, 150, badFormats) {
				for _, p := range problems {
					t.Errorf("%s %s: %s", user, path, p)
				}
			}
		}
		// And in English, the other way round.
		b := newBrowser(t, e.URL)
		b.login("demo-governance", e.Passwords["demo-governance"])
		b.get("/lang/en?next=/")
		for path, problems := range crawlFormats(t, b, 150, badFormatsEnglish) {
			for _, p := range problems {
				t.Errorf("demo-governance (English) %s: %s", path, p)
			}
		}
	})
}

// pageLink finds the links of a page.
var pageLink = regexp.MustCompile(`href="(/[^"#]*)"`)

// skipLink are links the crawl does not follow: actions, downloads, the
// API and other languages.
func skipLink(u string) bool {
	for _, p := range []string{"/api/", "/static/", "/lang/", "/logout", "/favicon"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	path, _, _ := strings.Cut(u, "?")
	return strings.Contains(u, "format=") || strings.HasSuffix(path, ".pdf") || strings.HasSuffix(path, ".csv") || strings.Contains(path, "/attachments/") ||
		strings.Contains(path, "/files/") || strings.Contains(path, "/export")
}

// crawlFormats visits up to limit pages from the start page (one per
// shape of path, with and without a query) and returns the format problems of each.
func crawlFormats(t *testing.T, b *browser, limit int, bad []badFormat) map[string][]string {
	t.Helper()
	seen := map[string]bool{}
	queue := []string{"/"}
	found := map[string][]string{}
	for n := 0; len(queue) > 0 && n < limit; {
		path := queue[0]
		queue = queue[1:]
		u, err := url.Parse(path)
		if err != nil {
			continue
		}
		segs := strings.Split(u.Path, "/")
		for i := 2; i < len(segs); i++ {
			if strings.ContainsAny(segs[i], "0123456789-") {
				segs[i] = "N"
			}
		}
		shape := strings.Join(segs, "/")
		if u.RawQuery != "" {
			shape += "?" // one page with a query besides the one without
		}
		if seen[shape] {
			continue
		}
		seen[shape] = true
		n++
		r, page := b.get(path)
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, s := range visibleText(page) {
			for _, bf := range bad {
				if m := bf.re.FindString(s); m != "" {
					found[path] = append(found[path], bf.what+" "+`"`+m+`" in "`+s+`"`)
				}
			}
		}
		for _, m := range pageLink.FindAllStringSubmatch(page, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			if !skipLink(link) {
				queue = append(queue, link)
			}
		}
	}
	return found
}
