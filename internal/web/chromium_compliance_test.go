package web_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// complianceServer serves the demo's organisations, users and compliance
// data over SQLite.
func complianceServer(t *testing.T) (*demotest.Env, web.Config, *httptest.Server) {
	db := storetest.SQLite(t)
	env := demotest.New(t, db, false)
	cfg := webConfig(db, env.Orgs, env.Access)
	cfg.Version = "test"
	if _, err := demo.LoadCompliance(context.Background(), cfg.Compliance, env.Orgs); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return env, cfg, hs
}

// TestComplianceInChromium: on the demo's assessments, København's CISO
// reads its standing and live evidence, answers a requirement (a change
// made meanwhile by someone else is refused and keeps what was typed),
// and adds evidence; governance reads the heatmap and takes a standard
// from draft to the council's approval, and the unit's manager
// acknowledges it. Every page passes axe and fits a phone.
func TestComplianceInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	ctxb := context.Background()
	env, cfg, hs := complianceServer(t)

	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(hs.URL, "demo-ciso", env.Passwords["demo-ciso"]), open(hs.URL+"/compliance"), shown(`#compliance-standing`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#compliance-standing`, "ISO"); strings.Count(got, "%") < 3 {
		t.Errorf("København's standing = %.400q; want a score per framework", got)
	}
	if got := textAfter(ctx, `#live-checks`, "OK"); !strings.Contains(got, "logkildetyper") {
		t.Errorf("live evidence = %.300q; want the log coverage check in Danish", got)
	}
	checkAxe(t, ctx, axe, "/compliance")
	if err := chromedp.Do(ctx, open(hs.URL+"/compliance/101/iso27001-2022?show=gaps"), shown(`#assessment`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/compliance/101/iso27001-2022?show=gaps")

	// Answer A.5.1; meanwhile the unit changes the same answer.
	page := "/compliance/101/iso27001-2022/A.5.1"
	if err := chromedp.Do(ctx, open(hs.URL+page), shown(`#a-notes`)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, page)
	cur, err := cfg.Compliance.Assessment(ctxb, access.System("t"), "101", "iso27001-2022", "da")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range cur.Items {
		if x.RefID == "A.5.1" {
			st := "partial"
			if _, err := cfg.Compliance.SetAnswer(ctxb, env.Scope(t, "demo-unit-manager"), "101", "iso27001-2022", "A.5.1", compliance.AnswerChange{Status: &st, Version: x.Version}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(`#a-status`, "met"), chromedp.SendKeys(`#a-notes`, " Politikken er godkendt af direktionen.")); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#a-notes`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `main`, "changed"); !strings.Contains(got, "demo-unit-manager") {
		t.Errorf("after a conflicting change the page says %.300q; want who changed it", got)
	}
	if kept, err := chromedp.Run(ctx, chromedp.Value(`#a-notes`)); err != nil || !strings.Contains(kept, "godkendt af direktionen") {
		t.Errorf("the notes after the conflict = %q, %v; want what was typed kept", kept, err)
	}
	if err := chromedp.Do(ctx, open(hs.URL+page), shown(`#a-notes`), chromedp.SetValue(`#a-status`, "met"),
		chromedp.SendKeys(`#a-notes`, " Politikken er godkendt.")); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#a-notes`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `p.flash`, "gemt"); !strings.Contains(got, "Svaret er gemt") {
		t.Errorf("after answering the page says %q", got)
	}
	if got := textAfter(ctx, `#answer-history`, "demo-ciso"); !strings.Contains(got, "demo-unit-manager") || !strings.Contains(got, "Opfyldt") {
		t.Errorf("the answer's history = %.300q; want the unit's change and the CISO's", got)
	}
	// Evidence: a link.
	if err := chromedp.Do(ctx, open(hs.URL+"/evidence"), shown(`#ev-title`),
		chromedp.SendKeys(`#ev-title`, "Direktionens godkendelse"), chromedp.SendKeys(`#ev-url`, "https://intra.kk.dk/politik/godkendelse"),
		chromedp.SendKeys(`#ev-exp`, "31-12-2027"), chromedp.SendKeys(`#ev-reqs`, "iso27001-2022:A.5.1")); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/evidence")
	if err := submit(ctx, `#ev-title`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#evidence`, "Direktionens godkendelse"); !strings.Contains(got, "A.5.1") {
		t.Errorf("the evidence list = %.300q; want the new link for A.5.1", got)
	}
	narrow(t, ctx, hs.URL, "/compliance", "/compliance/101/iso27001-2022", page, "/evidence", "/standards")

	// Governance: the heatmap and the register.
	gctx := browse(t, exe)
	if err := chromedp.Do(gctx, login(hs.URL, "demo-governance", env.Passwords["demo-governance"]), open(hs.URL+"/compliance"), shown(`#heatmap`)); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(gctx, chromedp.Evaluate[int](`document.querySelectorAll('#heatmap tbody tr').length`)); err != nil || n < 98 {
		t.Errorf("the heatmap has %d rows, %v; want every municipality and unit", n, err)
	}
	checkAxe(t, gctx, axe, "/compliance")
	if err := chromedp.Do(gctx, open(hs.URL+"/standards"), shown(`#s-ref`),
		chromedp.SendKeys(`#s-ref`, "FS-MFA-01"), chromedp.SendKeys(`#s-title`, "To-faktor-login på alle privilegerede konti"),
		chromedp.SendKeys(`#s-reqs`, "iso27001-2022:A.8.5\ntmk:11")); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, gctx, axe, "/standards")
	if err := submit(gctx, `#s-ref`); err != nil {
		t.Fatal(err)
	}
	stdURL, err := chromedp.Run(gctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(stdURL, "/standards/") {
		t.Fatalf("after creating a standard the browser is at %q, %v", stdURL, err)
	}
	if err := chromedp.Do(gctx, shown(`#m-status`), chromedp.SetValue(`#m-status`, "approved"), chromedp.SendKeys(`#m-record`, "IT-arkitekturrådet 2027-02-10, pkt. 6")); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, gctx, axe, stdURL)
	if err := submit(gctx, `#m-status`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(gctx, `#acks`, "mangler"); !strings.Contains(got, "mangler") {
		t.Errorf("the approved standard's acknowledgements = %.300q; want the units pending", got)
	}
	narrow(t, gctx, hs.URL, "/compliance", stdURL)
	// The unit's manager acknowledges.
	uctx := browse(t, exe)
	if err := chromedp.Do(uctx, login(hs.URL, "demo-unit-manager", env.Passwords["demo-unit-manager"]), open(hs.URL+stdURL), shown(`#k-status`),
		chromedp.SetValue(`#k-status`, "implementing"), chromedp.SendKeys(`#k-note`, "Udrulles i marts")); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, uctx, axe, stdURL)
	if err := submit(uctx, `#k-status`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(uctx, `#acks`, "Implementeres"); !strings.Contains(got, "Udrulles i marts") {
		t.Errorf("the acknowledgements after the unit's = %.300q", got)
	}
}

// TestGovernanceReport renders the monthly governance report as a page
// (axe, 390 px) and as a PDF; with pdftoppm at hand (poppler-utils) it
// renders the PDF's first page to an image for a person to look at
// (SAMDRIFT_REPORT_PNG names where), and checks the image is not blank.
func TestGovernanceReport(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	env, _, hs := complianceServer(t)
	ctx := browse(t, exe)
	if err := chromedp.Do(ctx, login(hs.URL, "demo-governance", env.Passwords["demo-governance"]), open(hs.URL+"/compliance/report?month=2026-12"),
		shown(`#report-frameworks`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#report-units`, "%"); strings.Count(got, "%") < 8 {
		t.Errorf("the units' table = %.300q; want scores", got)
	}
	checkAxe(t, ctx, axe, "/compliance/report?month=2026-12")
	narrow(t, ctx, hs.URL, "/compliance/report?month=2026-12")

	gov := newBrowser(t, hs.URL)
	gov.login("demo-governance", env.Passwords["demo-governance"])
	resp, body := gov.get("/compliance/report.pdf?month=2026-12")
	pdf := []byte(body)
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 3000 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("report.pdf = %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(pdf))
	}
	ciso := newBrowser(t, hs.URL)
	ciso.login("demo-ciso", env.Passwords["demo-ciso"])
	if resp, _ := ciso.get("/compliance/report.pdf"); resp.StatusCode != 403 {
		t.Errorf("a CISO asking for governance's report = %d; want 403", resp.StatusCode)
	}
	resp, soa := ciso.get("/compliance/101/iso27001-2022/soa.pdf")
	if resp.StatusCode != 200 || !strings.HasPrefix(soa, "%PDF-") || len(soa) < 5000 {
		t.Errorf("the CISO's statement of applicability as PDF = %d, %d bytes", resp.StatusCode, len(soa))
	}
	if resp, _ := ciso.get("/compliance/265/iso27001-2022/soa.pdf"); resp.StatusCode < 400 {
		t.Errorf("København's CISO fetching Roskilde's SoA = %d; want refused", resp.StatusCode)
	}
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Log("pdftoppm (poppler-utils) not installed: the PDF is not rendered to an image")
		return
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-png", "-r", "60", "-f", "1", "-l", "1", filepath.Join(dir, "r.pdf"), filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(matches) != 1 {
		t.Fatalf("pdftoppm made %v", matches)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	if len(colours) < 6 {
		t.Errorf("the report's first page has %d colours; want text and coloured bars", len(colours))
	}
	if p := os.Getenv("SAMDRIFT_REPORT_PNG"); p != "" {
		data, _ := os.ReadFile(matches[0])
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
