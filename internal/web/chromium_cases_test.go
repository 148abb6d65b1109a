package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// axeScript is axe-core, installed by .ci/run (npm ci --prefix
// internal/web/testdata/axe). CI must have it; elsewhere the
// accessibility checks are skipped with a message.
func axeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/axe/node_modules/axe-core/axe.min.js")
	if err != nil {
		if storetest.Required() {
			t.Fatalf("axe-core is not installed (npm ci --prefix internal/web/testdata/axe): %v", err)
		}
		t.Log("axe-core not installed (npm ci --prefix internal/web/testdata/axe); skipping the accessibility checks")
		return ""
	}
	return string(b)
}

// checkAxe runs axe-core on the page open in ctx and fails t on every
// serious or critical violation.
func checkAxe(t *testing.T, ctx context.Context, script, page string) {
	t.Helper()
	if script == "" {
		return
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](script)); err != nil {
		t.Fatalf("load axe on %s: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations
			.filter(v => v.impact === 'serious' || v.impact === 'critical')
			.map(v => v.impact + ' ' + v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	var violations []string
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("axe on %s answered %q", page, out)
	}
	for _, v := range violations {
		t.Errorf("axe on %s: %s", page, v)
	}
}

// loginTOTP signs in a user whose role needs a second factor, setting it
// up on the way as a first login does.
func loginTOTP(ctx context.Context, base, user, password string) error {
	if err := chromedp.Do(ctx, open(base+"/login")); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx,
		shown(`input[name="username"]`),
		chromedp.SendKeys(`input[name="username"]`, user),
		chromedp.SendKeys(`input[name="password"]`, password),
		chromedp.Submit(`input[name="password"]`),
		shown(`code.secret`),
	); err != nil {
		return err
	}
	secret, err := chromedp.Run(ctx, chromedp.Text(`code.secret`))
	if err != nil {
		return err
	}
	code, err := totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(`input[name="code"]`, code), chromedp.Submit(`input[name="code"]`)); err != nil {
		return err
	}
	// The set-up page has the menu too: wait until the browser has left it.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? location.pathname : ''`))
		if err == nil && path != "" && !strings.HasPrefix(path, "/totp") {
			return nil
		}
	}
	return fmt.Errorf("still at the second factor after 15 s")
}

// submit submits the form of sel and waits until the browser shows the
// page that answers it (the old page is marked, and gone when the new
// one has loaded), so that the next step never races the navigation.
func submit(ctx context.Context, sel string) error {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__samdriftOld = true`)); err != nil {
		return err
	}
	// The page's own script submits, as chromedp.Submit does, but without
	// chromedp's view of the DOM, which can go stale on a loaded machine
	// (see shown).
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`);
		const f = e && (e.nodeName === 'FORM' ? e : e.form); if (!f) throw new Error('no form there');
		HTMLFormElement.prototype.submit.call(f); return true })()`)); err != nil {
		return fmt.Errorf("submit %s: %w", sel, err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		done, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`window.__samdriftOld !== true && document.readyState === 'complete'`))
		cancel()
		if err == nil && done {
			return nil
		}
	}
	return fmt.Errorf("no answer to the form %s within 20 s", sel)
}

// textAfter reads sel's text until it contains want (or 15 s passed)
// and returns the last text read. It asks the page's own script, not
// chromedp's view of the DOM, which can go stale on a loaded machine (see
// shown).
func textAfter(ctx context.Context, sel, want string) string {
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`);
			if (!e) throw new Error('not on the page'); return e.innerText })()`))
		cancel()
		if err == nil {
			got = s
		}
		if err == nil && strings.Contains(got, want) {
			break
		}
	}
	return got
}

// TestCaseWorkInChromium walks the SOC's day in a real browser: an alert
// becomes a case from the alert list, the case raises a ticket to the
// unit, which the unit's service desk finds in its queue, and the case is
// worked to closure; axe finds no serious or critical violations on the
// case list, the case, the SOC dashboard and the alert list.
func TestCaseWorkInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	db := storetest.SQLite(t)
	env := demotest.New(t, db, false)
	det := detect.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := det.Library().ImportOwn(context.Background(), env.Scope(t, "demo-soc-analyst")); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Add(-time.Minute)
	ev := event.NewParser(time.UTC).ParseSyslog([]byte("<86>1 "+now.Format(time.RFC3339)+" web01 sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash"), now, "127.0.0.1")
	ev.Tenant, ev.ID = env.Org(t, "101").ID, "c1"
	if err := det.Handle(context.Background(), []detect.Batch{{ID: "c1", Events: []event.Event{ev}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eventstore.New(db).Append(context.Background(), []event.Event{ev}); err != nil {
		t.Fatal(err)
	}
	cfg := webConfig(db, env.Orgs, env.Access)
	cfg.Detect, cfg.Version = det, "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	ctx := browse(t, exe)
	if err := loginTOTP(ctx, hs.URL, "demo-soc-analyst", env.Passwords["demo-soc-analyst"]); err != nil {
		t.Fatalf("log in: %v", err)
	}
	if err := chromedp.Do(ctx,
		open(hs.URL+"/alerts"),
		shown(`#alerts tbody input[type=checkbox]`),
	); err != nil {
		t.Fatalf("log in and open the alerts: %v", err)
	}
	checkAxe(t, ctx, axe, "/alerts")
	if err := chromedp.Do(ctx,
		chromedp.Click(`#alerts tbody input[type=checkbox]`),
		chromedp.Click(`button[name=case_action][value=new]`),
		shown(`#case-timeline`),
	); err != nil {
		t.Fatalf("open a case from the alert: %v", err)
	}
	caseURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(`h1`))
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := chromedp.Run(ctx, chromedp.Text(`#alerts + div table`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "Interactive root shell through sudo") || !strings.Contains(alerts, "web01") {
		t.Errorf("the new case: title %q, alerts %q", title, alerts)
	}
	if timeline, err := chromedp.Run(ctx, chromedp.Text(`#case-timeline`)); err != nil || !strings.Contains(timeline, "COMMAND=/bin/bash") {
		t.Errorf("the case's timeline = %q, %v; want the event behind the alert", timeline, err)
	}
	checkAxe(t, ctx, axe, "/cases/{id}")

	// A ticket to the unit on the way.
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#ticket-title`, "Isolér web01 fra netværket")); err != nil {
		t.Fatalf("raise a ticket: %v", err)
	}
	if err := submit(ctx, `#ticket-title`); err != nil {
		t.Fatalf("raise a ticket: %v", err)
	}
	if got := textAfter(ctx, `#tickets + ul`, "Isolér web01"); !strings.Contains(got, "Eskaleret") {
		t.Errorf("the case's tickets = %q; want the ticket, escalated to the unit", got)
	}
	desk := browse(t, exe)
	if err := chromedp.Do(desk,
		login(hs.URL, "demo-servicedesk", env.Passwords["demo-servicedesk"]),
		open(hs.URL+"/tickets"),
		shown(`#queue`),
	); err != nil {
		t.Fatalf("the service desk's queue: %v", err)
	}
	queue, err := chromedp.Run(desk, chromedp.Text(`#queue`))
	if err != nil {
		t.Fatalf("the service desk's queue: %v", err)
	}
	if !strings.Contains(queue, "Isolér web01") {
		t.Errorf("the unit's queue = %q; want the case's ticket", queue)
	}

	// Worked to closure: contained, then closed as resolved.
	if err := chromedp.Do(ctx,
		chromedp.Click(`details summary`),
		shown(`#status`),
		chromedp.SetValue(`#status`, "contained"),
	); err != nil {
		t.Fatalf("contain: %v", err)
	}
	if err := submit(ctx, `#status`); err != nil {
		t.Fatalf("contain: %v", err)
	}
	if got := textAfter(ctx, `#case-status`, "Inddæmmet"); got != "Inddæmmet" {
		t.Errorf("status = %q; want Inddæmmet", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(`details summary`),
		shown(`#status`),
		chromedp.SetValue(`#status`, "closed"),
		chromedp.SetValue(`#resolution`, "resolved"),
		chromedp.SendKeys(`#comment`, "Kontoen nulstillet, web01 geninstalleret"),
	); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := submit(ctx, `#status`); err != nil {
		t.Fatalf("close: %v", err)
	}
	if got := textAfter(ctx, `#case-status`, "Lukket"); got != "Lukket (Løst)" {
		t.Errorf("status = %q; want Lukket (Løst)", got)
	}
	for _, page := range []string{"/cases?all=1", "/soc"} {
		if err := chromedp.Do(ctx, open(hs.URL+page), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, ctx, axe, page)
	}
	narrow(t, ctx, hs.URL, "/soc", "/cases?all=1", caseURL)
}

// narrow checks that at 390 px (a phone) none of the pages is wider than
// the screen.
func narrow(t *testing.T, ctx context.Context, base string, pages ...string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, open(base+p), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const w = window.innerWidth; const out = [];
			for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
				if (r.right > w + 1 && !el.closest('.scroll')) out.push(el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right)); }
			return document.documentElement.scrollWidth > w + 1 ? (out.slice(0, 5).join(', ') || 'the page') + ' (' + document.documentElement.scrollWidth + ' px)' : '' })()`))
		if err != nil {
			t.Fatal(err)
		}
		if wide != "" {
			t.Errorf("%s scrolls sideways at 390 px: %s", p, wide)
		}
	}
}

// TestOnCallAckLinkInChromium: the signed link of a page's e-mail opens
// in a browser without logging in, shows what is paged and acknowledges
// it with one press (opening it alone acknowledges nothing, so mail
// scanners cannot); the on-call pages pass axe.
func TestOnCallAckLinkInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	db := storetest.SQLite(t)
	e := &env{Env: demotest.New(t, db, false), t: t}
	cfg := webConfig(db, e.Orgs, e.Access)
	cfg.Version = "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.url = hs.URL
	e.socRota(t)
	id := e.escalate(t, 42)
	anna, err := e.Access.UserByName(context.Background(), access.System("t"), "anna")
	if err != nil {
		t.Fatal(err)
	}
	link, err := oncall.New(db).AckURL(hs.URL)(context.Background(), id, anna.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, open(link), shown(`#ack-form`)); err != nil {
		t.Fatalf("open the link: %v", err)
	}
	checkAxe(t, ctx, axe, "/oncall/ack/{token}")
	if es, _ := oncall.New(db).Escalations(context.Background(), access.System("t"), oncall.Filter{}); len(es) != 1 || es[0].State != oncall.StateActive {
		t.Fatalf("opening the link changed the escalation: %+v", es)
	}
	if err := submit(ctx, `#ack-form button`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#ack-state`, "Kvitteret"); got != "Kvitteret (anna)" {
		t.Errorf("state after the press = %q; want Kvitteret (anna)", got)
	}
	// A tampered link is refused.
	if err := chromedp.Do(ctx, open(link[:len(link)-2]+"xx"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	if body, _ := chromedp.Run(ctx, chromedp.Text(`main`)); strings.Contains(body, "Jeg tager den") {
		t.Errorf("a tampered link offers to acknowledge: %q", body)
	}

	// The SOC's on-call pages.
	soc := browse(t, exe)
	if err := loginTOTP(soc, hs.URL, "demo-soc-analyst", e.Passwords["demo-soc-analyst"]); err != nil {
		body, _ := chromedp.Run(soc, chromedp.Text(`body`))
		t.Fatalf("log in: %v; the page says %q", err, body)
	}
	for _, page := range []string{"/oncall", "/oncall/teams/soc"} {
		if err := chromedp.Do(soc, open(hs.URL+page), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, soc, axe, page)
	}
	who, err := chromedp.Run(soc, chromedp.Text(`#who`))
	if err != nil || !(strings.Contains(who, "anna") || strings.Contains(who, "bo")) {
		t.Errorf("who is on call on the team page = %q, %v", who, err)
	}
	narrow(t, soc, hs.URL, "/oncall", "/oncall/teams/soc")
}

// TestVulnerabilitiesInChromium: København's CISO finds the CERT's
// advisory about its web server on /vulnerabilities and marks it
// patched; the CERT's pages pass axe and fit a phone.
func TestVulnerabilitiesInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	db := storetest.SQLite(t)
	env := demotest.New(t, db, false)
	if _, err := demo.LoadCert(context.Background(), cert.New(db)); err != nil {
		t.Fatal(err)
	}
	cfg := webConfig(db, env.Orgs, env.Access)
	cfg.Version = "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(hs.URL, "demo-ciso", env.Passwords["demo-ciso"]), open(hs.URL+"/vulnerabilities"), shown(`#vulns`)); err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(ctx, chromedp.Text(`#vulns tbody tr`))
	if err != nil || !strings.Contains(row, "Apache HTTP Server 2.4.57") || !strings.Contains(row, "Åben") {
		t.Fatalf("København's vulnerability = %q, %v", row, err)
	}
	checkAxe(t, ctx, axe, "/vulnerabilities")
	if err := chromedp.Do(ctx, chromedp.SetValue(`#vulns tbody select`, "patched")); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#vulns tbody select`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#vulns tbody td.vstatus`, "Opdateret"); !strings.Contains(got, "Opdateret") {
		t.Errorf("status after saving = %q; want Opdateret", got)
	}
	advURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#vulns tbody a').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/advisories", advURL} {
		if err := chromedp.Do(ctx, open(hs.URL+p), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, ctx, axe, p)
	}
	narrow(t, ctx, hs.URL, "/vulnerabilities", "/advisories", advURL)
}
