package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// TestCERTInChromium: the CERT publishes an advisory in Danish, uploads
// CISA's KEV catalogue, imports a partner's STIX bundle and adds a
// partner's feed; the advisory reaches København's matrix, the threat
// report shows its indicators, and every page passes axe and fits a
// phone.
func TestCERTInChromium(t *testing.T) {
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
	dir := t.TempDir()
	kev := filepath.Join(dir, "known_exploited_vulnerabilities.json")
	stixFile := filepath.Join(dir, "partner.json")
	if err := os.WriteFile(kev, []byte(kevDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile("../intel/testdata/partner-bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stixFile, bundle, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := browse(t, exe)
	if err := loginTOTP(ctx, hs.URL, "demo-cert", env.Passwords["demo-cert"]); err != nil {
		t.Fatal(err)
	}
	// Publish: København runs Apache HTTP Server 2.4.57.
	if err := chromedp.Do(ctx, open(hs.URL+"/advisories"), shown(`#adv-title`),
		chromedp.SendKeys(`#adv-title`, "Kritisk fejl i Apache HTTP Server"),
		chromedp.SendKeys(`#adv-summary`, "Fjernudførelse af kode i mod_proxy."),
		chromedp.SetValue(`#adv-severity`, "critical"), chromedp.SetValue(`#adv-tlp`, "green"),
		chromedp.SendKeys(`#adv-cves`, "CVE-2026-20001"),
		chromedp.SendKeys(`#adv-vendor`, "Apache"), chromedp.SendKeys(`#adv-product`, "HTTP Server"),
		chromedp.SendKeys(`#adv-versions`, "vers:generic/<2.4.58"),
		chromedp.SendKeys(`#adv-action`, "Opdatér til 2.4.58."),
	); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/advisories")
	if err := submit(ctx, `#adv-title`); err != nil {
		t.Fatal(err)
	}
	advURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || !strings.HasPrefix(advURL, "/advisories/") {
		t.Fatalf("after publishing the browser is at %q, %v", advURL, err)
	}
	if body := textAfter(ctx, `main`, "København"); !strings.Contains(body, "København") || !strings.Contains(body, "Kritisk fejl") {
		t.Errorf("the advisory's page = %.300q; want it naming København", body)
	}
	checkAxe(t, ctx, axe, advURL)
	// KEV upload.
	if err := chromedp.Do(ctx, open(hs.URL+"/advisories"), shown(`#kev-file`),
		chromedp.SetUploadFiles(`#kev-file`, []string{kev})); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#kev-file`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#advisories`, "CVE-2026-10001"); !strings.Contains(got, "CVE-2026-10001") {
		t.Errorf("advisories after the KEV upload = %.300q; want CVE-2026-10001", got)
	}
	// A partner's STIX bundle through the import form.
	if err := chromedp.Do(ctx, open(hs.URL+"/intel"), shown(`#imp-file`),
		chromedp.SetValue(`#imp-format`, "stix"), chromedp.SetUploadFiles(`#imp-file`, []string{stixFile})); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/intel")
	if err := submit(ctx, `#imp-file`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `p.flash`, "Indlæst"); !strings.Contains(got, "Indlæst") {
		t.Errorf("after importing the bundle the page says %q; want what was imported", got)
	}
	reportURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#intel-reports tbody a') || {getAttribute: () => ''}).getAttribute('href')`))
	if err != nil || reportURL == "" {
		t.Fatalf("no threat report listed after the import: %v", err)
	}
	// A partner's feed.
	if err := chromedp.Do(ctx, chromedp.SendKeys(`#feed-name`, "Partner-CERT"), chromedp.SetValue(`#feed-kind`, "taxii"),
		chromedp.SendKeys(`#feed-url`, "https://partner.invalid/taxii2/api/"), chromedp.SendKeys(`#feed-col`, "tlp-green"),
		chromedp.SendKeys(`#feed-env`, "PARTNER_TOKEN")); err != nil {
		t.Fatal(err)
	}
	if err := submit(ctx, `#feed-name`); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#intel-feeds`, "Partner-CERT"); !strings.Contains(got, "Partner-CERT") || !strings.Contains(got, "Ikke hentet endnu") {
		t.Errorf("feeds after adding one = %.300q", got)
	}
	if err := chromedp.Do(ctx, open(hs.URL+reportURL), shown(`#report-indicators`)); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(`#report-indicators`)); err != nil || !strings.Contains(got, "TLP:") {
		t.Errorf("the report's indicators = %q, %v", got, err)
	}
	checkAxe(t, ctx, axe, reportURL)
	if err := chromedp.Do(ctx, open(hs.URL+"/vulnerabilities"), shown(`h1`)); err != nil {
		t.Fatal(err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('figure.chart polyline').length`)); err != nil || n < 2 {
		t.Errorf("the exposure chart has %d lines, %v; want a unit's and the overdue line", n, err)
	}
	checkAxe(t, ctx, axe, "/vulnerabilities")
	narrow(t, ctx, hs.URL, "/intel", reportURL, "/vulnerabilities", "/advisories")
}
