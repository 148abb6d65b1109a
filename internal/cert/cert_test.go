package cert_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// kev is a small catalogue in CISA's KEV format (written for the test).
const kev = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.12.01","dateReleased":"2026-12-01T12:00:00.000Z","count":2,
"vulnerabilities":[
 {"cveID":"CVE-2026-10001","vendorProject":"Microsoft","product":"Exchange Server","vulnerabilityName":"Microsoft Exchange Server Remote Code Execution Vulnerability",
  "dateAdded":"2026-11-28","shortDescription":"Exchange Server lets an attacker run code.","requiredAction":"Apply mitigations per vendor instructions.",
  "dueDate":"2026-12-19","knownRansomwareCampaignUse":"Known","notes":""},
 {"cveID":"CVE-2026-10002","vendorProject":"Acme","product":"Widget","vulnerabilityName":"Acme Widget Path Traversal",
  "dateAdded":"2026-11-29","shortDescription":"x","requiredAction":"Patch.","dueDate":"2026-12-20","knownRansomwareCampaignUse":"Unknown","notes":""}]}`

func TestAdvisoriesMatchAssets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		env.AddUser(t, "ciso-265", "265", access.RoleCISO)
		svc := cert.New(db)
		certSc, ciso101, ciso147, ciso265 := env.Scope(t, "demo-cert"), env.Scope(t, "demo-ciso"), env.Scope(t, "ciso-147"), env.Scope(t, "ciso-265")
		unit := env.Scope(t, "demo-unit-manager") // supplies 101 and 147, not 265

		// Assets: København runs Exchange and Apache 2.4.57; Frederiksberg Apache 2.4.58; Roskilde Exchange.
		if _, err := svc.AddAsset(ctx, ciso101, cert.NewAsset{Org: "101", Vendor: "Microsoft", Product: "Exchange Server", Version: "15.2.1118.40", Location: "mail01"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddAsset(ctx, ciso147, cert.NewAsset{Org: "101", Vendor: "Apache", Product: "HTTP Server", Version: "2.4.1"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Frederiksberg's CISO registering København's asset: %v; want refused as unknown", err)
		}
		if n, err := svc.ImportCSV(ctx, ciso101, "101", strings.NewReader("vendor,product,version,location\nApache,HTTP Server,2.4.57,web01\n")); err != nil || n != 1 {
			t.Fatalf("CSV import = %d, %v", n, err)
		}
		if _, err := svc.ImportCSV(ctx, ciso101, "101", strings.NewReader("vendor,product,version\nApache,,\n")); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("a CSV row without product: %v; want an error naming line 2", err)
		}
		sbom := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"name":"web02"}},"components":[
			{"type":"application","name":"httpd","group":"apache","version":"2.4.58","purl":"pkg:generic/apache/httpd@2.4.58"}]}`
		if n, err := svc.ImportCycloneDX(ctx, unit, "147", "", []byte(sbom)); err != nil || n != 1 {
			t.Fatalf("the unit's CycloneDX import for Frederiksberg = %d, %v", n, err)
		}
		if _, err := svc.ImportCycloneDX(ctx, unit, "147", "", []byte(`{"bomFormat":"SPDX"}`)); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a non-CycloneDX document: %v", err)
		}
		if _, err := svc.AddAsset(ctx, ciso265, cert.NewAsset{Org: "265", Vendor: "Microsoft", Product: "Exchange Server", Version: "15.1"}); err != nil {
			t.Fatal(err)
		}

		// KEV: Exchange in every version → København and Roskilde.
		if _, err := svc.ImportKEV(ctx, ciso101, []byte(kev)); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a CISO importing KEV: %v; want Forbidden", err)
		}
		res, err := svc.ImportKEV(ctx, certSc, []byte(kev))
		if err != nil || res.Added != 2 || res.Matched != 2 {
			t.Fatalf("KEV import = %+v, %v; want 2 advisories, 2 vulnerabilities", res, err)
		}
		if res, err := svc.ImportKEV(ctx, certSc, []byte(kev)); err != nil || res.Updated != 2 || res.Matched != 0 {
			t.Errorf("the same catalogue again = %+v, %v; want 2 updated, nothing new", res, err)
		}
		vs, _, err := svc.Vulnerabilities(ctx, ciso101, cert.VulnFilter{})
		if err != nil || len(vs) != 1 || vs[0].CVE != "CVE-2026-10001" || vs[0].Due == nil || vs[0].Due.Format("2006-01-02") != "2026-12-19" {
			t.Fatalf("København's vulnerabilities = %+v, %v", vs, err)
		}
		if vs, _, _ := svc.Vulnerabilities(ctx, ciso147, cert.VulnFilter{}); len(vs) != 0 {
			t.Errorf("Frederiksberg (no Exchange) has %d vulnerabilities", len(vs))
		}

		// The CERT's own advisory, AMBER, for Apache before 2.4.58: only København (2.4.57).
		amber, err := svc.Publish(ctx, certSc, cert.NewAdvisory{Title: "Kritisk sårbarhed i Apache HTTP Server", Summary: "Fjernkørsel af kode.",
			Severity: "high", CVEs: []string{"CVE-2026-20001"}, Action: "Opdatér til 2.4.58.", TLP: "amber",
			Products: []cert.Product{{Vendor: "Apache", Product: "HTTP Server", Versions: "vers:generic/>=2.4.0|<2.4.58"}, {PURL: "pkg:generic/apache/httpd", Versions: "vers:generic/>=2.4.0|<2.4.58"}}})
		if err != nil {
			t.Fatal(err)
		}
		if vs, _, _ := svc.Vulnerabilities(ctx, ciso147, cert.VulnFilter{}); len(vs) != 0 {
			t.Errorf("Frederiksberg's Apache 2.4.58 matched a range up to 2.4.58: %+v", vs)
		}
		vs, _, _ = svc.Vulnerabilities(ctx, ciso101, cert.VulnFilter{Advisory: amber.ID})
		if len(vs) != 1 || !strings.Contains(vs[0].Asset, "2.4.57") {
			t.Fatalf("København's Apache vulnerabilities = %+v", vs)
		}
		// TLP AMBER: København and its unit read it; Frederiksberg and Roskilde do not.
		for _, c := range []struct {
			who  string
			sc   access.Scope
			sees bool
		}{{"København's CISO", ciso101, true}, {"the unit", unit, true}, {"Frederiksberg's CISO", ciso147, false}, {"Roskilde's CISO", ciso265, false}, {"the CERT", certSc, true}} {
			_, err := svc.Advisory(ctx, c.sc, amber.ID)
			if (err == nil) != c.sees || (err != nil && errs.CodeOf(err) != errs.NotFound) {
				t.Errorf("%s reading the AMBER advisory: %v; want sees=%v", c.who, err, c.sees)
			}
			list, _, _ := svc.Advisories(ctx, c.sc, cert.AdvisoryFilter{})
			found := false
			for _, a := range list {
				found = found || a.ID == amber.ID
			}
			if found != c.sees {
				t.Errorf("%s lists the AMBER advisory: %v; want %v", c.who, found, c.sees)
			}
		}
		// Notices: København's CISO and the unit were told; Frederiksberg was not.
		told := func(sc access.Scope) int {
			ms, _, err := notify.NewInbox(db).List(ctx, sc, time.Now().Add(time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range ms {
				if m.Kind == "vulnerability.new" {
					n++
				}
			}
			return n
		}
		if told(ciso101) != 2 || told(ciso147) != 0 || told(ciso265) != 1 || told(unit) != 2 {
			t.Errorf("notices: København %d, Frederiksberg %d, Roskilde %d, the unit %d; want 2, 0, 1, 2", told(ciso101), told(ciso147), told(ciso265), told(unit))
		}

		// København patches; Frederiksberg cannot touch it.
		if _, err := svc.SetStatus(ctx, ciso147, vs[0].ID, cert.StatusChange{Status: "patched"}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Frederiksberg's CISO setting København's vulnerability: %v; want NotFound", err)
		}
		if _, err := svc.SetStatus(ctx, ciso101, vs[0].ID, cert.StatusChange{Status: "accepted", Reason: "Udfases"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("accepting without a date: %v; want Invalid", err)
		}
		v, err := svc.SetStatus(ctx, ciso101, vs[0].ID, cert.StatusChange{Status: "patched"})
		if err != nil || v.Status != "patched" {
			t.Fatalf("patched = %+v, %v", v, err)
		}
		m, err := svc.Matrix(ctx, certSc, amber.ID)
		if err != nil || len(m) != 1 || m[0].Settled != 1 || m[0].Open != 0 {
			t.Errorf("the CERT's matrix = %+v, %v", m, err)
		}
		// A new asset is matched against the advisories already there.
		a, err := svc.AddAsset(ctx, ciso147, cert.NewAsset{Org: "147", Vendor: "Microsoft", Product: "Exchange Server", Version: "15.2"})
		if err != nil || a.Open != 1 {
			t.Errorf("Frederiksberg's new Exchange server = %+v, %v; want one open vulnerability (KEV)", a, err)
		}
		// RED stays with the CERT.
		red, err := svc.Publish(ctx, certSc, cert.NewAdvisory{Title: "Fortroligt", Severity: "critical", TLP: "red", Products: []cert.Product{{Vendor: "Microsoft", Product: "Exchange Server"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Advisory(ctx, ciso101, red.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a municipality reading a RED advisory: %v", err)
		}
		if _, err := svc.Advisory(ctx, env.Scope(t, "demo-governance"), red.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("governance reading a RED advisory: %v", err)
		}
		if _, err := svc.Advisory(ctx, env.Scope(t, "demo-governance"), amber.ID); err != nil {
			t.Errorf("governance reading an AMBER advisory: %v", err)
		}
		if vs, _, _ := svc.Vulnerabilities(ctx, ciso101, cert.VulnFilter{Advisory: red.ID}); len(vs) != 0 {
			t.Errorf("a municipality sees %d vulnerabilities of a RED advisory", len(vs))
		}
		if vs, _, _ := svc.Vulnerabilities(ctx, certSc, cert.VulnFilter{Advisory: red.ID}); len(vs) == 0 {
			t.Error("the CERT sees no vulnerabilities of its RED advisory")
		}
		if told(ciso101) != 2 {
			t.Errorf("the RED advisory told København: %d notices", told(ciso101))
		}
	})
}

// TestUnitToldOncePerAdvisory checks that a unit hears of an advisory
// once, with the sum over the municipalities it serves, and each
// municipality of its own assets.
func TestUnitToldOncePerAdvisory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		svc := cert.New(db)
		ciso101, ciso147, unit := env.Scope(t, "demo-ciso"), env.Scope(t, "ciso-147"), env.Scope(t, "demo-unit-manager") // the unit supplies 101 and 147
		for org, csv := range map[string]string{"101": "vendor,product,version\nFortinet,FortiOS,7.2.1\nFortinet,FortiOS,7.2.2\n", "147": "vendor,product,version\nFortinet,FortiOS,7.0.5\n"} {
			sc := ciso101
			if org == "147" {
				sc = ciso147
			}
			if _, err := svc.ImportCSV(ctx, sc, org, strings.NewReader(csv)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Publish(ctx, env.Scope(t, "demo-cert"), cert.NewAdvisory{Title: "FortiOS SSL-VPN", Severity: "critical", TLP: "amber",
			Products: []cert.Product{{Vendor: "Fortinet", Product: "FortiOS", Versions: "vers:generic/<7.2.5"}}}); err != nil {
			t.Fatal(err)
		}
		bodies := func(sc access.Scope) []string {
			ms, _, err := notify.NewInbox(db).List(ctx, sc, time.Now().Add(time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				if m.Kind == "vulnerability.new" {
					out = append(out, m.Body)
				}
			}
			return out
		}
		for _, c := range []struct {
			who  string
			sc   access.Scope
			want string
		}{{"København", ciso101, "2 asset(s)"}, {"Frederiksberg", ciso147, "1 asset(s)"}, {"the unit", unit, "3 asset(s), 2 organisations"}} {
			if got := bodies(c.sc); len(got) != 1 || got[0] != c.want {
				t.Errorf("%s was told %q; want once, %q", c.who, got, c.want)
			}
		}
	})
}
