package intel_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// kevCatalogue is a one-entry catalogue in CISA's KEV format (written for
// the test): the way an advisory gets known_ransomware.
const kevCatalogue = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.12.01","dateReleased":"2026-12-01T12:00:00.000Z","count":1,
"vulnerabilities":[{"cveID":"CVE-2026-10001","vendorProject":"Microsoft","product":"Exchange Server","vulnerabilityName":"Microsoft Exchange Server Remote Code Execution Vulnerability",
 "dateAdded":"2026-11-28","shortDescription":"Exchange Server lets an attacker run code.","requiredAction":"Apply mitigations per vendor instructions.",
 "dueDate":"2026-12-19","knownRansomwareCampaignUse":"Known","notes":""}]}`

// exchangeData is what the round trips carry: the CERT's reports (one
// without indicators, one with an indicator that had expired when it was
// added), loose indicators, advisories of three sources, and a partner's
// report published after it was imported.
func exchangeData(t *testing.T, w *world, svc *intel.Service) {
	t.Helper()
	ctx := context.Background()
	certSc := w.Scope(t, "demo-cert")
	d := time.Date
	reports := []intel.NewReport{
		{Title: "Phishing wave against municipal webmail", Description: "Lures sent from a relay.", Level: "high", TLP: "green", Indicators: []indicator.Indicator{
			{Type: "ip", Value: "192.0.2.10", Description: "Sender relay", ValidUntil: ptr(d(2030, 6, 1, 0, 0, 0, 0, time.UTC))},
			{Type: "domain", Value: "login-kommune.example"},
			{Type: "email", Value: "phish@login-kommune.example", Description: "From address"},
		}},
		{Title: "Ransomware staging servers", Level: "medium", TLP: "amber", Org: w.orgA, Indicators: []indicator.Indicator{
			{Type: "ip", Value: "198.51.100.0/24", Description: "Staging network"},
			{Type: "sha256", Value: strings.Repeat("ab", 32), Description: "Loader"},
			{Type: "url", Value: "https://files.example.org/invoice.zip"},
		}},
		{Title: "Incident at København", Level: "low", TLP: "red", Org: w.orgA, Indicators: []indicator.Indicator{
			// Expired before it was added: kept, and still exported.
			{Type: "md5", Value: strings.Repeat("0f", 16), Description: "Old implant", ValidUntil: ptr(d(2020, 1, 1, 12, 0, 0, 0, time.UTC))},
		}},
		{Title: "Context only", Description: "A report without indicators.", Level: "informational", TLP: "clear"},
	}
	for _, n := range reports {
		if _, _, err := svc.CreateReport(ctx, certSc, n); err != nil {
			t.Fatalf("CreateReport(%q) = %v", n.Title, err)
		}
	}
	det := detect.New(w.DB, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := det.AddIndicators(ctx, certSc, "CERT", []indicator.Indicator{
		{Type: "ip", Value: "203.0.113.5", Description: "Scanner", Level: "high", TLP: "green"},
		{Type: "domain", Value: "strict.example.net", Description: "Only for the SOC's own", Level: "medium", TLP: "amber+strict"},
	}, nil); err != nil {
		t.Fatal(err)
	}
	// A partner's report dated after it reached us.
	future := `{"type":"bundle","id":"bundle--1b7c2ee4-4a64-4f7c-9a35-7f2c3f0a9e11","objects":[
	 {"type":"indicator","spec_version":"2.1","id":"indicator--6b0f5a3e-0b7e-4c58-8f55-0d8a0a5b1f01","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",
	  "name":"Watering hole","pattern":"[domain-name:value = 'news.example.com']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z",
	  "labels":["samdrift-level:medium"],"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
	 {"type":"report","spec_version":"2.1","id":"report--0d2f0a55-9a35-4d36-8d69-3b4e7a3c2f01","created":"2099-01-01T00:00:00.000Z","modified":"2099-01-01T00:00:00.000Z",
	  "name":"Embargoed until 2099","published":"2099-01-01T00:00:00Z","labels":["samdrift-level:medium"],
	  "object_refs":["indicator--6b0f5a3e-0b7e-4c58-8f55-0d8a0a5b1f01"],"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]}`
	if _, err := svc.ImportSTIX(ctx, certSc, []byte(future), intel.ImportOptions{Name: "future.json"}); err != nil {
		t.Fatal(err)
	}

	c := cert.New(w.DB)
	if _, err := c.ImportKEV(ctx, certSc, []byte(kevCatalogue)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []cert.NewAdvisory{
		{Ref: "CERT-2026-001", Title: "Kritisk sårbarhed i Apache HTTP Server", Summary: "Fjernkørsel af kode.", Severity: "critical",
			CVEs: []string{"CVE-2026-20001", "CVE-2026-20002"}, Action: "Opdatér til 2.4.58.", TLP: "amber",
			Products: []cert.Product{{Vendor: "Apache", Product: "HTTP Server", Versions: "vers:generic/>=2.4.0|<2.4.58"}, {PURL: "pkg:generic/apache/httpd"}},
			Due:      ptr(d(2026, 12, 31, 12, 0, 0, 0, time.UTC))},
		// Due by severity: now + 90 days, to the microsecond.
		{Ref: "CERT-2026-002", Title: "Lav risiko i Acme Widget", Severity: "low", TLP: "green", Products: []cert.Product{{Vendor: "Acme", Product: "Widget"}}},
		{Ref: "CERT-2026-003", Title: "Hændelse: kompromitteret leverandør", Summary: "Kun SOC og CERT.", Severity: "high", TLP: "red",
			Products: []cert.Product{{CPE: "cpe:2.3:a:acme:gateway:*:*:*:*:*:*:*:*", Versions: "vers:generic/<3.1"}}},
	} {
		if _, err := c.Publish(ctx, certSc, n); err != nil {
			t.Fatalf("Publish(%q) = %v", n.Ref, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// indicatorView is what a round trip must keep of an indicator.
type indicatorView struct {
	Type, Value, Description, Level, TLP string
	ValidUntil                           string
	Report                               string // the title of its report
}

func indicatorViews(t *testing.T, db *store.DB, svc *intel.Service) []indicatorView {
	t.Helper()
	titles := map[int64]string{}
	for _, r := range allReports(t, svc) {
		titles[r.ID] = r.Title
	}
	var out []indicatorView
	for _, in := range allIndicators(t, db) {
		v := indicatorView{Type: in.Type, Value: in.Value, Description: in.Description, Level: in.Level, TLP: in.TLP, Report: titles[in.ReportID]}
		if in.ValidUntil != nil {
			v.ValidUntil = in.ValidUntil.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, v)
	}
	return out
}

// reportView is what a round trip must keep of a report.
type reportView struct {
	Title, TLP, Level string
	Indicators        []string // type:value
}

func reportViews(t *testing.T, db *store.DB, svc *intel.Service) []reportView {
	t.Helper()
	byReport := map[int64][]string{}
	for _, in := range allIndicators(t, db) {
		byReport[in.ReportID] = append(byReport[in.ReportID], in.Type+":"+in.Value)
	}
	var out []reportView
	for _, r := range allReports(t, svc) {
		inds := byReport[r.ID]
		slices.Sort(inds)
		out = append(out, reportView{Title: r.Title, TLP: r.TLP, Level: r.Level, Indicators: inds})
	}
	return out
}

// advisoryView is what a round trip must keep of an advisory.
type advisoryView struct {
	Ref, Title, Summary, Severity string
	CVEs                          []string
	Action, TLP                   string
	Products                      []cert.Product
	Due                           string
	KnownRansomware               bool
}

func advisoryViews(t *testing.T, db *store.DB) []advisoryView {
	t.Helper()
	var out []advisoryView
	for _, a := range allAdvisories(t, cert.New(db)) {
		v := advisoryView{Ref: a.Ref, Title: a.Title, Summary: a.Summary, Severity: a.Severity, CVEs: a.CVEs, Action: a.Action, TLP: a.TLP,
			Products: a.Products, KnownRansomware: a.KnownRansomware}
		if a.DueAt != nil {
			v.Due = a.DueAt.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, v)
	}
	return out
}

// TestSTIXRoundTrip: what ExportSTIX writes, ImportSTIX into an empty
// database brings back: the same indicators, reports and advisories.
func TestSTIXRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		exchangeData(t, w, svc)

		data, n, err := svc.ExportSTIX(ctx, w.Scope(t, "demo-cert"), "")
		if err != nil {
			t.Fatalf("ExportSTIX(CERT) = %v", err)
		}
		// 5 reports, 10 indicators, 4 advisories.
		if n != 19 {
			t.Errorf("ExportSTIX(CERT) wrote %d objects; want 19", n)
		}

		db2 := freshDB(t, db)
		svc2 := newService(db2, nil)
		res, err := svc2.ImportSTIX(ctx, system, data, intel.ImportOptions{Name: "export.json"})
		if err != nil {
			t.Fatalf("ImportSTIX(export) = %v", err)
		}
		if res.Reports != 5 || res.Indicators.Added != 10 || res.Advisories != 4 || len(res.Skipped) != 0 || len(res.Indicators.Rejected) != 0 {
			t.Errorf("ImportSTIX(export) = %+v; want 5 reports, 10 indicators, 4 advisories, nothing skipped", res)
		}

		if got, want := indicatorViews(t, db2, svc2), indicatorViews(t, db, svc); !reflect.DeepEqual(got, want) {
			t.Errorf("indicators after the round trip:\n%s\nwant\n%s", dump(got), dump(want))
		}
		if got, want := reportViews(t, db2, svc2), reportViews(t, db, svc); !reflect.DeepEqual(got, want) {
			t.Errorf("reports after the round trip:\n%s\nwant\n%s", dump(got), dump(want))
		}
		if got, want := advisoryViews(t, db2), advisoryViews(t, db); !reflect.DeepEqual(got, want) {
			t.Errorf("advisories after the round trip:\n%s\nwant\n%s", dump(got), dump(want))
		}
	})
}

// TestMISPRoundTrip: ExportMISP laid out as a feed, each event file
// parsed and imported into an empty database, brings back the reports
// and indicators as far as MISP models them: an event per report (with
// its title, TLP, threat level and indicators, whose comment is their
// description) and an event per TLP for indicators without a report.
func TestMISPRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		exchangeData(t, w, svc)

		events, err := svc.ExportMISP(ctx, w.Scope(t, "demo-cert"), "")
		if err != nil {
			t.Fatalf("ExportMISP(CERT) = %v", err)
		}
		files, err := misp.FeedFiles(events)
		if err != nil {
			t.Fatalf("FeedFiles = %v", err)
		}
		db2 := freshDB(t, db)
		svc2 := newService(db2, nil)
		imported := 0
		for name, data := range files {
			if name == "manifest.json" || name == "hashes.csv" {
				continue
			}
			if _, err := misp.ParseEvent(name, data); err != nil {
				t.Fatalf("ParseEvent(%q) = %v", name, err)
			}
			if _, err := svc2.ImportMISPEvent(ctx, system, data, intel.ImportOptions{Name: name}); err != nil {
				t.Fatalf("ImportMISPEvent(%q) = %v", name, err)
			}
			imported++
		}
		// 5 reports and the loose indicators' GREEN and AMBER+STRICT events.
		if imported != 7 {
			t.Errorf("event files = %d; want 7", imported)
		}

		// Reports: as they were, and one per TLP of the loose indicators.
		wantReports := reportViews(t, db, svc)
		loose := map[string]reportView{
			"green":        {Title: "samdrift: indicators (TLP:GREEN)", TLP: "green", Level: "high", Indicators: []string{"ip:203.0.113.5"}},
			"amber+strict": {Title: "samdrift: indicators (TLP:AMBER+STRICT)", TLP: "amber+strict", Level: "medium", Indicators: []string{"domain:strict.example.net"}},
		}
		var want []reportView
		for _, r := range wantReports {
			if r.Title != "" {
				want = append(want, r)
			}
		}
		want = append(want, loose["green"], loose["amber+strict"])
		slices.SortFunc(want, func(a, b reportView) int { return strings.Compare(a.Title, b.Title) })
		if got := reportViews(t, db2, svc2); !reflect.DeepEqual(got, want) {
			t.Errorf("reports after the MISP round trip:\n%s\nwant\n%s", dump(got), dump(want))
		}

		// Indicators: MISP has one threat level per event and tells the
		// event's info before each attribute's comment.
		levelOf := map[string]string{}
		for _, r := range want {
			levelOf[r.Title] = r.Level
		}
		var wantInds []indicatorView
		for _, in := range indicatorViews(t, db, svc) {
			if in.Report == "" {
				in.Report = loose[in.TLP].Title
			}
			in.Level = levelOf[in.Report]
			in.Description = strings.TrimSuffix(in.Report+": "+in.Description, ": ")
			wantInds = append(wantInds, in)
		}
		if got := indicatorViews(t, db2, svc2); !reflect.DeepEqual(got, wantInds) {
			t.Errorf("indicators after the MISP round trip:\n%s\nwant\n%s", dump(got), dump(wantInds))
		}
	})
}

func dump[T any](xs []T) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "\t%+v\n", x)
	}
	return b.String()
}
