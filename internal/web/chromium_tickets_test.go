package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// ticketServer serves the demo over SQLite for a browser test.
func ticketServer(t *testing.T) *env {
	t.Helper()
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
	return e
}

// clickAndWait clicks sel (a submit button) and waits until the page
// that answers has loaded, as submit does for a form.
func clickAndWait(ctx context.Context, sel string) error {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__samdriftOld = true`)); err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.Click(sel)); err != nil {
		return err
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		done, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`window.__samdriftOld !== true && document.readyState === 'complete'`))
		cancel()
		if err == nil && done {
			return nil
		}
	}
	return fmt.Errorf("no answer to %s within 20 s", sel)
}

// TestTicketTriageInChromium: the unit's service desk sees the breached
// P1 first (in words, not only red), assigns two tickets at once with the
// picker, and — when the ticket changes under an open form — gets the
// form back with its input and the change shown. The pages pass axe and
// do not scroll sideways on a phone.
func TestTicketTriageInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	e := ticketServer(t)
	spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
	var fire, mail, vpn ticketJSON
	e.call("POST", "/api/v1/tickets", spoc, `{"title":"Mail er langsom","impact":2,"urgency":1}`, &mail)
	e.call("POST", "/api/v1/tickets", spoc, `{"title":"Netværket på rådhuset er nede","impact":1,"urgency":1}`, &fire)
	e.call("POST", "/api/v1/tickets", spoc, `{"title":"VPN falder ud","impact":2,"urgency":2}`, &vpn)
	for _, tk := range []ticketJSON{mail, fire, vpn} {
		if r := e.call("POST", "/api/v1/tickets/"+idOf(tk)+"/escalate", spoc, `{"handover":{"tried":"Genstart","affected":"Rådhuset","contact":"Anna"}}`, nil); r.StatusCode != 200 {
			t.Fatalf("escalate = %d", r.StatusCode)
		}
	}
	e.breach(t, fire.ID)

	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(e.url, "demo-servicedesk", e.Passwords["demo-servicedesk"]),
		open(e.url+"/tickets"), shown(`#queue`)); err != nil {
		t.Fatalf("open the queue: %v", err)
	}
	first, err := chromedp.Run(ctx, chromedp.Text(`#queue tbody tr:first-child`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, "Netværket på rådhuset er nede") || !strings.Contains(first, "Overskredet") {
		t.Errorf("first row = %q; want the breached P1, saying Overskredet", first)
	}
	checkAxe(t, ctx, axe, "/tickets")

	// Bulk-assign two tickets with the picker.
	if err := chromedp.Do(ctx, chromedp.Click(`#sel-`+idOf(mail)), chromedp.Click(`#sel-`+idOf(vpn)),
		chromedp.SetValue(`#bulk-assignee`, "demo-unit-manager")); err != nil {
		t.Fatal(err)
	}
	if err := clickAndWait(ctx, `#bulk-assign`); err != nil {
		t.Fatal(err)
	}
	sum, err := chromedp.Run(ctx, chromedp.Text(`.bulk-result`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum, "2 udført, 0 afvist") || !strings.Contains(sum, "er tildelt demo-unit-manager") {
		t.Errorf("bulk summary = %q", sum)
	}
	var got ticketJSON
	for _, tk := range []ticketJSON{mail, vpn} {
		e.call("GET", "/api/v1/tickets/"+idOf(tk), desk, "", &got)
		if got.Status != "in_progress" {
			t.Errorf("ticket %d after bulk assign: %s; want in_progress", tk.ID, got.Status)
		}
	}
	checkAxe(t, ctx, axe, "/tickets/bulk")

	// A form goes stale: the priority changes by the API between loading
	// and sending it.
	page := "/tickets/" + idOf(fire)
	if err := chromedp.Do(ctx, open(e.url+page), shown(`#clocks`),
		chromedp.Click(`details:has(#question) summary`), shown(`#question`),
		chromedp.SendKeys(`#question`, "Hvilke kontorer er ramt?")); err != nil {
		t.Fatal(err)
	}
	if r := e.call("PUT", "/api/v1/tickets/"+idOf(fire)+"/priority", desk, `{"impact":2,"urgency":1,"reason":"Kun stueetagen"}`, nil); r.StatusCode != 200 {
		t.Fatalf("priority by API = %d", r.StatusCode)
	}
	if err := submit(ctx, `#question`); err != nil {
		t.Fatal(err)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(`#question`))
	if err != nil || kept != "Hvilke kontorer er ramt?" {
		t.Errorf("the question after a conflict = %q, %v; want it kept", kept, err)
	}
	conflict, err := chromedp.Run(ctx, chromedp.Text(`#conflict`))
	if err != nil || !strings.Contains(conflict, "P1") || !strings.Contains(conflict, "P2") || !strings.Contains(conflict, "skiftede prioritet") {
		t.Errorf("the conflict box = %q, %v; want priority P1 → P2 and the step", conflict, err)
	}
	checkAxe(t, ctx, axe, page+" (conflict)")
	// Sent again, it goes through.
	if err := submit(ctx, `#question`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `.flash`, "afventer svar"); !strings.Contains(got, "Sag "+idOf(fire)+" afventer svar") {
		t.Errorf("confirmation = %q", got)
	}

	narrow(t, ctx, e.url, "/tickets", "/tickets?status=all&sort=-priority", page)
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("the last page is %d px wide at 390 px, %v", w, err)
	}
}

// TestTicketCreateByKeyboard: a SPOC opens a ticket with the keyboard
// alone — Tab to "Ny sag", Enter, Tab through the form, type, Enter.
func TestTicketCreateByKeyboard(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	e := ticketServer(t)
	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(e.url, "demo-spoc", e.Passwords["demo-spoc"]),
		open(e.url+"/tickets"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	focused := func() string {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ''`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// tabTo presses Tab until the element with id has the focus.
	tabTo := func(id string) {
		t.Helper()
		for i := 0; i < 80; i++ {
			if focused() == id {
				return
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("80 presses of Tab never reached #%s (at #%s)", id, focused())
	}
	tabTo("newticket")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter), shown(`#title`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/tickets/new")
	type step struct{ id, keys string }
	for _, s := range []step{{"title", "Borgerservice kan ikke printe"}, {"description", "Alle tre printere melder papirstop"}, {"requester", "Anna Hansen"}} {
		tabTo(s.id)
		if err := chromedp.Do(ctx, chromedp.KeyEvent(s.keys)); err != nil {
			t.Fatal(err)
		}
	}
	// Impact: one step up from Medium to High with the arrow key.
	tabTo("impact")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowUp)); err != nil {
		t.Fatal(err)
	}
	tabTo("create")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__samdriftOld = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	got := textAfter(ctx, `.flash`, "er oprettet")
	if !strings.Contains(got, "er oprettet med prioritet P2") {
		t.Errorf("after Enter on Opret sag: flash %q; want the ticket opened as P2 (impact high, urgency medium)", got)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text(`h1`))
	if !strings.Contains(title, "Borgerservice kan ikke printe") {
		t.Errorf("ticket page heading = %q", title)
	}
}
