package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/app"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// TestStartPagesInChromium logs in as each of the nine demo roles, checks
// the start page's figures against GET /api/v1/me/overview, runs axe on
// it, and checks every page the role's menu offers at 390 px for sideways
// scrolling. The SPOC logs in with the keyboard alone. With
// SAMDRIFT_SCREENSHOTS set to a directory (scripts/screenshots does),
// it saves every page at 1366 and 390 px there for a person to look at.
func TestStartPagesInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	denv, hs := demoServer(t)
	ee := &env{Env: denv, t: t, url: hs.URL}
	spoc, desk := ee.token("demo-spoc"), ee.token("demo-servicedesk")
	var tk struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	for i := range 2 {
		ee.must("POST", "/api/v1/tickets", spoc, fmt.Sprintf(`{"title":"Printer %d","impact":2,"urgency":2}`, i), &tk)
	}
	ee.must("POST", fmt.Sprintf("/api/v1/tickets/%d/escalate", tk.ID), spoc, fmt.Sprintf(`{"version":%d,"handover":{"tried":"x","affected":"y","contact":"z"}}`, tk.Version), &tk)
	ee.must("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", tk.ID), desk, fmt.Sprintf(`{"version":%d,"assignee":"demo-servicedesk"}`, tk.Version), nil)

	shots := os.Getenv("SAMDRIFT_SCREENSHOTS")
	checked := map[string]bool{} // pages axe has checked (once, by the first role offered them)
	ctx := browse(t, exe)
	for _, role := range []string{"spoc", "kommune-it", "ciso", "servicedesk", "unit-manager", "soc-analyst", "cert", "governance", "admin"} {
		user := "demo-" + role
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
			t.Fatal(err)
		}
		var err error
		switch role {
		case "admin", "cert", "soc-analyst":
			err = loginTOTP(ctx, hs.URL, user, denv.Passwords[user])
		case "spoc":
			err = keyboardLogin(ctx, hs.URL, user, denv.Passwords[user])
		default:
			err = chromedp.Do(ctx, login(hs.URL, user, denv.Passwords[user]))
		}
		if err != nil {
			t.Fatalf("%s: log in: %v", role, err)
		}
		if err := chromedp.Do(ctx, open(hs.URL+"/"), shown(`h1`)); err != nil {
			t.Fatal(err)
		}
		figs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('ul.figures a')].map(a => a.dataset.key + '=' + a.querySelector('.value').textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		var ov overview
		ee.must("GET", "/api/v1/me/overview", ee.token(user), "", &ov)
		if len(figs) != len(ov.Figures) || len(figs) == 0 {
			t.Errorf("%s: the start page shows %d figures %v; the API has %d", role, len(figs), figs, len(ov.Figures))
		}
		for _, f := range ov.Figures {
			want := f.Key + "=" + danishNumber(f.Value, f.Unit)
			if !slices.Contains(figs, want) {
				t.Errorf("%s: the start page lacks %s (shows %v)", role, want, figs)
			}
		}
		checkAxe(t, ctx, axe, role+" /")
		// Every page the menu offers: the groups, and each group's pages.
		pages := []string{"/"}
		groups, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('nav.menu ul.groups a')].map(a => a.getAttribute('href'))`))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if err := chromedp.Do(ctx, open(hs.URL+g), shown(`h1`)); err != nil {
				t.Fatalf("%s: %s: %v", role, g, err)
			}
			items, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('nav.menu a')].map(a => a.getAttribute('href'))`))
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if !slices.Contains(pages, it) {
					pages = append(pages, it)
				}
			}
		}
		// And the first item of each list: a ticket, a case, an order …
		for _, p := range slices.Clone(pages) {
			if err := chromedp.Do(ctx, open(hs.URL+p), shown(`h1`)); err != nil {
				t.Fatalf("%s: %s: %v", role, p, err)
			}
			item, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main table a[href^="/"], main ul a[href^="/"]')].map(a => a.getAttribute('href'))
				.find(h => !h.includes('?') && !h.includes('#') && h.split('/').length === 3 && h !== location.pathname && !h.endsWith('.csv') && !h.endsWith('.pdf')) || ''`))
			if err != nil {
				t.Fatal(err)
			}
			if item != "" && !slices.Contains(pages, item) {
				pages = append(pages, item)
			}
		}
		for _, p := range pages {
			if checked[p] {
				continue
			}
			checked[p] = true
			if err := chromedp.Do(ctx, open(hs.URL+p), shown(`h1`)); err != nil {
				t.Fatalf("%s: %s: %v", role, p, err)
			}
			checkWCAG(t, ctx, axe, role+" "+p)
		}
		t.Logf("%s: %d figures; %d pages in the menu: %v", role, len(figs), len(pages), pages)
		if shots != "" {
			screenshots(t, ctx, hs.URL, filepath.Join(shots, role), pages)
		}
		narrow(t, ctx, hs.URL, pages...)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
			t.Fatal(err)
		}
	}
}

// checkWCAG runs axe-core's WCAG 2.1 A and AA rules on the page open in
// ctx and fails t on any violation, whatever its impact.
func checkWCAG(t *testing.T, ctx context.Context, script, page string) {
	t.Helper()
	if script == "" {
		return
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](script)); err != nil {
		t.Fatalf("load axe on %s: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
		.then(r => JSON.stringify(r.violations.map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	if out != "[]" {
		t.Errorf("axe (WCAG 2.1 A/AA) on %s: %s", page, out)
	}
}

// danishNumber writes a figure's value as the Danish start page does.
func danishNumber(v float64, unit string) string {
	if unit == "percent" {
		if v == math.Round(v) {
			return locale.Percent("da", v, 0)
		}
		return locale.Percent("da", v, 1)
	}
	return locale.Number("da", v, 0)
}

// keyboardLogin logs in with the keyboard alone: Tab to the username,
// type, Tab to the password, type, Enter.
func keyboardLogin(ctx context.Context, base, user, password string) error {
	if err := chromedp.Do(ctx, open(base+"/login"), shown(`input[name="username"]`)); err != nil {
		return err
	}
	for range 15 {
		name, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? (document.activeElement.name || '') : ''`))
		if err != nil {
			return err
		}
		if name == "username" {
			if err := chromedp.Do(ctx, chromedp.KeyEvent(user), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(password), chromedp.KeyEvent(kb.Enter),
				shown(`nav`)); err != nil {
				return err
			}
			path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if err != nil || path != "/" {
				return fmt.Errorf("after logging in with the keyboard the browser is at %q (%v)", path, err)
			}
			return nil
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			return err
		}
	}
	return fmt.Errorf("the username field cannot be reached with Tab")
}

// screenshots saves each page at 1366 and 390 px under dir.
func screenshots(t *testing.T, ctx context.Context, base, dir string, pages []string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int64{1366, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if err := chromedp.Do(ctx, open(base+p), shown(`h1`)); err != nil {
				t.Fatalf("screenshot of %s: %v", p, err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot of %s: %v", p, err)
			}
			name := strings.Trim(strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(p), "_")
			if name == "" {
				name = "home"
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatal(err)
	}
}

// demoServer serves the whole demo (serve --demo's data: offerings, orders,
// log sources, rules, tickets, the CERT's advisory, compliance, needs) on
// SQLite, as a user meets it.
func demoServer(t testing.TB) (*demotest.Env, *httptest.Server) {
	return demoServerOn(t, storetest.SQLite(t))
}

// demoServerOn is demoServer on db.
func demoServerOn(t testing.TB, db *store.DB) (*demotest.Env, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.Services(db, access.DefaultMFARoles(), log)
	made, err := a.LoadDemo(ctx, log)
	if err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	env := &demotest.Env{DB: db, Orgs: a.Orgs, Access: a.Access, Catalog: a.Catalog, Orders: a.Orders, Plan: a.Plan, Passwords: map[string]string{}}
	for _, m := range made {
		env.Passwords[m.Username] = m.Password
	}
	cfg := a.WebConfig()
	cfg.Version, cfg.Logger = "test", log
	srv, err := web.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return env, hs
}
