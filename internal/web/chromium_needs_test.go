package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// TestNeedsInChromium: København's SPOC submits a need in a real browser
// (a refused submission keeps what was typed), Roskilde's SPOC says "we
// need this too", governance declines it with a reason, and the submitter
// sees the decision on the need and in the inbox. Both pages pass axe for
// each of them and fit a 390 px phone without scrolling sideways.
func TestNeedsInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	db := storetest.SQLite(t)
	env := demotest.New(t, db, false)
	env.AddUser(t, "spoc-ros", "265", access.RoleSPOC)
	cfg := webConfig(db, env.Orgs, env.Access)
	cfg.Version = "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	// The SPOC submits; the description alone is refused and kept.
	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(hs.URL, "demo-spoc", env.Passwords["demo-spoc"]), open(hs.URL+"/needs"), shown(`#n-title`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/needs")
	if err := chromedp.Do(ctx, chromedp.RemoveAttribute(`#n-title`, "required"),
		chromedp.SendKeys(`#n-description`, "Borgerservice booker mødelokaler i tre forskellige systemer.")); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#n-description`); err != nil {
		t.Fatal(err)
	}
	if kept, err := chromedp.Run(ctx, chromedp.Value(`#n-description`)); err != nil || !strings.Contains(kept, "tre forskellige systemer") {
		t.Errorf("the description after a refusal = %q, %v; want it kept", kept, err)
	}
	if got := textAfter(ctx, `.error`, "title"); !strings.Contains(got, "title") {
		t.Errorf("the refusal says %q; want it to name the title", got)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#n-title`, "Fælles booking af mødelokaler"), chromedp.SendKeys(`#n-why`, "Dobbeltbookinger hver uge"),
		chromedp.SendKeys(`#n-affected`, "Borgerservice, 40 medarbejdere"), chromedp.SetValue(`#n-priority`, "high")); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#n-title`); err != nil {
		t.Fatal(err)
	}
	needURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(needURL, "/needs/") {
		t.Fatalf("after submitting, the browser is at %q, %v", needURL, err)
	}
	if got := textAfter(ctx, `p.flash`, "indsendt"); !strings.Contains(got, "indsendt") {
		t.Errorf("after submitting the page says %q", got)
	}
	checkAxe(t, ctx, axe, needURL)
	narrow(t, ctx, hs.URL, "/needs", needURL)
	phoneFits(t, ctx, hs.URL, "/needs", needURL)

	// Roskilde needs it too.
	rctx := browse(t, exe)
	if err := chromedp.Do(rctx, login(hs.URL, "spoc-ros", env.Passwords["spoc-ros"]), open(hs.URL+needURL), shown(`#vote`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(rctx, `dl.facts`, "København"); strings.Contains(got, "demo-spoc") {
		t.Errorf("Roskilde sees the submitting person: %q", got)
	}
	checkAxe(t, rctx, axe, needURL)
	if err := submit(rctx, `#vote button`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(rctx, `#support-count`, "2 kommuner"); got != "2 kommuner" {
		t.Errorf("support after Roskilde's vote = %q; want 2 kommuner", got)
	}
	if got := textAfter(rctx, `#wanted-by`, "Roskilde"); !strings.Contains(got, "Roskilde") {
		t.Errorf("wanted by = %q; want Roskilde listed", got)
	}

	// Governance declines it, first without a reason.
	gctx := browse(t, exe)
	if err := chromedp.Do(gctx, login(hs.URL, "demo-governance", env.Passwords["demo-governance"]), open(hs.URL+needURL), shown(`#s-status`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, gctx, axe, needURL)
	if err := chromedp.Do(gctx, chromedp.SetValue(`#s-status`, "declined")); err != nil {
		t.Fatal(err)
	}
	if err := submit(gctx, `#s-status`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(gctx, `.error`, "afvises"); !strings.Contains(got, "afvises") {
		t.Errorf("declining without a reason says %q", got)
	}
	if err := chromedp.Do(gctx, chromedp.SetValue(`#s-status`, "declined"), chromedp.SendKeys(`#s-reason`, "Dækkes af den fælles Exchange-løsning fra 2027.")); err != nil {
		t.Fatal(err)
	}
	if err := submit(gctx, `#s-reason`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(gctx, `#need-status`, "Afvist"); !strings.Contains(got, "Afvist") {
		t.Errorf("the status after declining = %q", got)
	}
	if err := chromedp.Do(gctx, open(hs.URL+"/needs?sort=votes"), shown(`#needs`), shown(`#n-org`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, gctx, axe, "/needs?sort=votes")
	narrow(t, gctx, hs.URL, "/needs?sort=votes", needURL)

	// The submitter sees the decision and was told.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), open(hs.URL+needURL), shown(`#need-status`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `main`, "Dækkes af den fælles Exchange-løsning"); !strings.Contains(got, "Afvist") || !strings.Contains(got, "Dækkes af den fælles Exchange-løsning") {
		t.Errorf("the submitter's page = %.400q; want declined with the reason", got)
	}
	if err := chromedp.Do(ctx, open(hs.URL+"/inbox"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `main`, "er afvist"); !strings.Contains(got, "er afvist") || !strings.Contains(got, "Fælles booking af mødelokaler") {
		t.Errorf("the submitter's inbox = %.400q; want the need declined", got)
	}
	if err := chromedp.Do(ctx, open(hs.URL+"/needs?status=declined&sort=votes"), shown(`#needs`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#needs`, "Afvist"); !strings.Contains(got, "Fælles booking") {
		t.Errorf("the declined needs = %q", got)
	}
	checkAxe(t, ctx, axe, "/needs?status=declined&sort=votes")
}

// phoneFits checks at 390 px that none of pages is wider than the
// screen: document.documentElement.scrollWidth <= 390.
func phoneFits(t *testing.T, ctx context.Context, base string, pages ...string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, open(base+p), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if w > 390 {
			t.Errorf("%s is %d px wide at 390 px", p, w)
		}
	}
}
