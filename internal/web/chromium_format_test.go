package web_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// waitPath waits until the browser shows path (with its query) after a
// click or submit, and returns what it shows.
func waitPath(ctx context.Context, path string) string {
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second) // an evaluation during a navigation may never answer
		s, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.pathname + location.search : ''`))
		cancel()
		if err == nil && s != "" {
			if got = s; got == path {
				break
			}
		}
	}
	return got
}

// TestLanguageSwitchInChromium: on /tickets?status=open, the switch lands
// on /tickets?status=open in English, and back.
func TestLanguageSwitchInChromium(t *testing.T) {
	exe := chromium(t)
	e := start(t, storetest.SQLite(t))
	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(e.url, "demo-spoc", e.Passwords["demo-spoc"]), open(e.url+"/tickets?status=open"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "da"} {
		// Follow the switch's own link (a click on a link that navigates
		// can hang chromedp on a loaded machine; the link is what was wrong).
		link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('a[href^="/lang/`+lang+`?"]') || {getAttribute: () => ''}).getAttribute('href')`))
		if err != nil || link == "" {
			t.Fatalf("no switch to %s on the page (%v)", lang, err)
		}
		if err := chromedp.Do(ctx, open(e.url+link)); err != nil {
			t.Fatal(err)
		}
		if got := waitPath(ctx, "/tickets?status=open"); got != "/tickets?status=open" {
			t.Errorf("after the switch to %s the browser shows %q; want /tickets?status=open", lang, got)
		}
		if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
			t.Errorf("the page is in %q; want %s", got, lang)
		}
	}
}

// TestListsAndChartsInChromium walks the pages this change made over the
// whole demo in a real browser: the event histogram is one tab stop; the
// inbox marks a message read when it is opened; the coverage overview
// leads by name to an organisation; the offerings page is short, never
// breaks a price or a day, and will not withdraw without the box ticked.
// Every page passes axe and fits a 390 px phone.
func TestListsAndChartsInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	db := storetest.SQLite(t)
	e := startFull(t, db)
	ctxb := context.Background()

	// The SOC: events, coverage, alerts.
	soc := browse(t, exe)
	if err := chromedp.Do(soc, login(e.URL, "demo-soc-analyst", e.Passwords["demo-soc-analyst"])); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(soc, open(e.URL+"/events?range=7d"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	// Tab from the export link (just before the chart) until focus
	// leaves the chart: every stop on the way is one of the chart's.
	if _, err := chromedp.Run(soc, chromedp.Evaluate[bool](`(() => { const l = [...document.querySelectorAll('a[download]')].pop(); l.focus(); return document.activeElement === l })()`)); err != nil {
		t.Fatal(err)
	}
	stops := 0
	for i := 0; i < 80; i++ {
		if err := chromedp.Do(soc, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		in, err := chromedp.Run(soc, chromedp.Evaluate[bool](`!!document.activeElement.closest('figure.histogram')`))
		if err != nil {
			t.Fatal(err)
		}
		if !in {
			break
		}
		stops++
	}
	if stops != 1 {
		t.Errorf("the event histogram takes %d tab stops; want 1 (its table's summary)", stops)
	}
	checkAxe(t, soc, axe, "/events")
	if err := chromedp.Do(soc, open(e.URL+"/coverage"), shown(`#coverage-overview`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, soc, axe, "/coverage")
	if err := chromedp.Do(soc, chromedp.SetValue(`#org`, "Frederiksberg Kommune"), chromedp.Submit(`#org`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(soc, `h1`, "Frederiksberg"); got != "Logdækning: Frederiksberg Kommune" {
		t.Errorf("the picker led to %q; want Frederiksberg's coverage", got)
	}
	checkAxe(t, soc, axe, "/coverage?org=Frederiksberg")
	for _, p := range []string{"/alerts", "/soc"} {
		if err := chromedp.Do(soc, open(e.URL+p), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, soc, axe, p)
	}
	narrow(t, soc, e.URL, "/events?range=7d", "/coverage", "/coverage?org=101", "/alerts", "/soc")

	// Governance: the charts.
	gov := browse(t, exe)
	if err := chromedp.Do(gov, login(e.URL, "demo-governance", e.Passwords["demo-governance"])); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/audit", "/conformance", "/changes"} { // dates written the Danish way
		if err := chromedp.Do(gov, open(e.URL+p), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, gov, axe, p)
	}
	for _, p := range []string{"/transition", "/reports"} {
		if err := chromedp.Do(gov, open(e.URL+p), shown(`figure.chart`)); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, gov, axe, p)
		// No two labels drawn on top of each other, measured as drawn.
		overlaps, err := chromedp.Run(gov, chromedp.Evaluate[string](`(() => { const out = [];
			for (const svg of document.querySelectorAll('figure.chart svg')) { const ts = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
				for (let i = 0; i < ts.length; i++) for (let j = i + 1; j < ts.length; j++) { const a = ts[i][1], b = ts[j][1];
					if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.push(ts[i][0] + ' / ' + ts[j][0]); } }
			return out.join('; ') })()`))
		if err != nil || overlaps != "" {
			t.Errorf("%s: chart labels overlap in the browser: %s %v", p, overlaps, err)
		}
	}
	narrow(t, gov, e.URL, "/transition", "/reports", "/audit", "/conformance", "/changes")

	// The unit's manager: offerings.
	mgr := browse(t, exe)
	if err := chromedp.Do(mgr, login(e.URL, "demo-unit-manager", e.Passwords["demo-unit-manager"]), open(e.URL+"/offerings?unit=all"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	height, err := chromedp.Run(mgr, chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	if err != nil || height > 4000 {
		t.Errorf("/offerings?unit=all is %d px tall (%v); want it compact", height, err)
	}
	broken, err := chromedp.Run(mgr, chromedp.Evaluate[string](`(() => { const out = [];
		for (const el of document.querySelectorAll('details[open] td.nowrap, details[open] td.num')) { const r = document.createRange(); r.selectNodeContents(el);
			const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top))); if (tops.size > 1) out.push(el.textContent.trim()); }
		return out.slice(0, 5).join(', ') })()`))
	if err != nil || broken != "" {
		t.Errorf("prices or days broken over lines: %s %v", broken, err)
	}
	checkAxe(t, mgr, axe, "/offerings?unit=all")
	label, err := chromedp.Run(mgr, chromedp.Evaluate[string](`document.querySelector('a[href$="/withdraw"]').textContent`))
	if err != nil || !strings.HasPrefix(label, "Træk tilbage: udbuddet ") {
		t.Errorf("the withdraw link reads %q; want it to name the offering", label)
	}
	if err := chromedp.Do(mgr, chromedp.Click(`a[href$="/withdraw"]`), shown(`#confirm`)); err != nil {
		t.Fatal(err)
	}
	step, _ := chromedp.Run(mgr, chromedp.Evaluate[string](`location.pathname`))
	checkAxe(t, mgr, axe, step)
	if _, err := chromedp.Run(mgr, chromedp.Evaluate[bool](`window.__samdriftStep = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(mgr, chromedp.Click(`form.stack button[type="submit"]`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	// The browser keeps the form (the same page, not a new one) and says
	// the box is missing.
	if still, _ := chromedp.Run(mgr, chromedp.Evaluate[bool](`window.__samdriftStep === true && document.querySelector('#confirm').validity.valueMissing`)); !still {
		t.Errorf("the withdrawal was sent without the box ticked")
	}
	narrow(t, mgr, e.URL, "/offerings?unit=all", "/offerings?unit=enhed-hovedstaden", step)

	// The SPOC's inbox: a message is unread until opened.
	spoc, err := e.App.Access.UserByName(ctxb, access.System("test"), "demo-spoc")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctxb, func(tx *sql.Tx) error {
		_, err := notify.QueueUser(ctxb, tx, spoc.ID, notify.Notice{Kind: "ticket.escalated", Subject: "Printer i borgerservice", TicketID: 1, At: time.Now().UTC()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	in := browse(t, exe)
	if err := chromedp.Do(in, login(e.URL, "demo-spoc", e.Passwords["demo-spoc"]), open(e.URL+"/inbox"), shown(`ul.inbox`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, in, axe, "/inbox")
	first, _ := chromedp.Run(in, chromedp.Evaluate[string](`document.querySelector('ul.inbox li').className + ' ' + document.querySelector('ul.inbox li .badge').textContent`))
	if first != "unread Ulæst" {
		t.Errorf("the newest message shows as %q; want unread, in words", first)
	}
	if err := chromedp.Do(in, chromedp.Click(`ul.inbox li .inbox-subject button`)); err != nil {
		t.Fatal(err)
	}
	if got := waitPath(in, "/tickets/1"); got != "/tickets/1" {
		t.Errorf("opening the message led to %q; want /tickets/1", got)
	}
	if err := chromedp.Do(in, open(e.URL+"/inbox"), shown(`ul.inbox`)); err != nil {
		t.Fatal(err)
	}
	if first, _ = chromedp.Run(in, chromedp.Evaluate[string](`document.querySelector('ul.inbox li').className + ' ' + document.querySelector('ul.inbox li .badge').textContent`)); first != "read Læst" {
		t.Errorf("after opening, the message shows as %q; want read", first)
	}
	narrow(t, in, e.URL, "/inbox")
}
