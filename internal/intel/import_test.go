package intel_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// The ids in testdata/partner-bundle.json.
const (
	partnerReport = "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"
	partnerIP     = "indicator--a1f0c7d4-3c55-4b8e-9d1e-2a0d7a5e0c01"
	partnerHash   = "indicator--a1f0c7d4-3c55-4b8e-9d1e-2a0d7a5e0c03"
	partnerVuln   = "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
	partnerHashV  = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
)

// TestImportSTIX imports a partner's bundle as the CERT: the indicators
// with patterns samdrift can match, under the report that names them;
// the vulnerability as an advisory with its products; everything else
// named in Skipped with where it sat.
func TestImportSTIX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		bundle := readTestdata(t, "partner-bundle.json")

		// A SOC analyst shares indicators but does not import advisories:
		// the bundle holds one, so nothing of it is stored.
		before := counts(t, db)
		if _, err := svc.ImportSTIX(ctx, w.Scope(t, "demo-soc-analyst"), bundle, intel.ImportOptions{Name: "partner.json"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("ImportSTIX(%q) by a SOC analyst = %v; want %s", "partner.json", err, errs.Forbidden)
		}
		if after := counts(t, db); !reflect.DeepEqual(after, before) {
			t.Errorf("rows after the refused import = %v; want %v", after, before)
		}
		// Municipal users share nothing.
		if _, err := svc.ImportSTIX(ctx, w.Scope(t, "demo-ciso"), bundle, intel.ImportOptions{Name: "partner.json"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("ImportSTIX(%q) by a CISO = %v; want %s", "partner.json", err, errs.Forbidden)
		}

		certSc := w.Scope(t, "demo-cert")
		res, err := svc.ImportSTIX(ctx, certSc, bundle, intel.ImportOptions{Name: "partner.json", Org: w.orgA})
		if err != nil {
			t.Fatalf("ImportSTIX(%q) = %v", "partner.json", err)
		}
		wantSkipped := []string{
			"$.objects[5].pattern: ",
			`$.objects[6]: pattern_type "snort" (samdrift matches STIX patterns)`,
			"$.objects[7]: indicator indicator--a1f0c7d4-3c55-4b8e-9d1e-2a0d7a5e0c06 is revoked",
			"$.objects[8]: malware objects are not modelled",
			"$.objects[9]: relationship objects are not modelled",
			"$.objects[10]: sighting sighting--ee20065d-2555-424f-ad9e-0f8113f2a3b1 (partners' sightings are not merged into ours)",
		}
		if len(res.Skipped) != len(wantSkipped) {
			t.Fatalf("ImportSTIX(%q).Skipped = %q; want %d entries like %q", "partner.json", res.Skipped, len(wantSkipped), wantSkipped)
		}
		for i, want := range wantSkipped {
			if got := res.Skipped[i]; got != want && !(strings.HasSuffix(want, ": ") && strings.HasPrefix(got, want) && strings.Contains(got, "AND")) {
				t.Errorf("ImportSTIX(%q).Skipped[%d] = %q; want %q", "partner.json", i, got, want)
			}
		}
		if res.Reports != 1 || res.Advisories != 1 || res.AdvisoriesUpdated != 0 || res.Indicators.Added != 4 || len(res.Indicators.Rejected) != 0 {
			t.Errorf("ImportSTIX(%q) = %d reports, %d advisories (%d updated), indicators %v; want 1, 1 (0), 4 added",
				"partner.json", res.Reports, res.Advisories, res.AdvisoriesUpdated, res.Indicators)
		}

		reps := allReports(t, svc)
		if len(reps) != 1 {
			t.Fatalf("reports after the import = %+v; want 1", reps)
		}
		r := reps[0]
		wantPub := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		if r.UUID != strings.TrimPrefix(partnerReport, "report--") || r.Title != "Poison Ivy campaign against municipalities" || r.Level != "high" ||
			r.TLP != "green" || r.OrgID != w.orgA || r.Source != "stix" || r.Origin != "Nordic Partner CERT" || !r.PublishedAt.Equal(wantPub) || r.Indicators != 3 {
			t.Errorf("the imported report = %+v; want %s, high, green, org %d, stix from Nordic Partner CERT, published %v, 3 indicators",
				r, partnerReport, w.orgA, wantPub)
		}

		until := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
		want := []struct {
			typ, value, desc, level, tlp, stixID string
			until                                *time.Time
			report                               int64
		}{
			{"domain", "c2.example.net", "Gate", "high", "amber", stix.DeterministicID("indicator", "domain:c2.example.net"), nil, r.ID},
			{"ip", "198.51.100.7", "C2 server: Command and control server of the Poison Ivy campaign", "critical", "green", partnerIP, &until, r.ID},
			{"sha256", partnerHashV, "Dropper: Poison Ivy dropper", "high", "red", partnerHash, nil, 0},
			{"url", "http://c2.example.net/gate.php", "Gate", "high", "amber", stix.DeterministicID("indicator", "url:http://c2.example.net/gate.php"), nil, r.ID},
		}
		got := allIndicators(t, db)
		if len(got) != len(want) {
			t.Fatalf("indicators after the import = %+v; want %d", got, len(want))
		}
		for i, w0 := range want {
			g := got[i]
			if g.Type != w0.typ || g.Value != w0.value || g.Description != w0.desc || g.Level != w0.level || g.TLP != w0.tlp || g.StixID != w0.stixID ||
				g.ReportID != w0.report || g.OrgID != w.orgA || g.Source != "STIX: Nordic Partner CERT" || !timePtrEqual(g.ValidUntil, w0.until) {
				t.Errorf("indicator %d = %+v; want %s %s %q %s %s %s until %v report %d org %d", i, g, w0.typ, w0.value, w0.desc, w0.level, w0.tlp,
					w0.stixID, w0.until, w0.report, w.orgA)
			}
		}

		advs := allAdvisories(t, cert.New(db))
		if len(advs) != 1 {
			t.Fatalf("advisories after the import = %+v; want 1", advs)
		}
		a := advs[0]
		due := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
		wantProducts := []cert.Product{
			{Vendor: "Apache", Product: "HTTP Server", Versions: "vers:generic/>=2.4.0|<2.4.58"},
			{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"},
		}
		if a.Source != "stix" || a.Ref != "NPC-2026-0042" || a.Title != "Remote code execution in Apache HTTP Server" ||
			a.Summary != "A crafted request runs code as the server's user." || a.Severity != "critical" || !reflect.DeepEqual(a.CVEs, []string{"CVE-2026-31337"}) ||
			a.Action != "Upgrade to 2.4.58 or later." || a.TLP != "amber" || !a.KnownRansomware || a.DueAt == nil || !a.DueAt.Equal(due) ||
			a.Origin != "Nordic Partner CERT" || !a.PublishedAt.Equal(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)) ||
			!reflect.DeepEqual(a.Products, wantProducts) {
			t.Errorf("the imported advisory = %+v; want NPC-2026-0042, critical, amber, due %v, ransomware, products %+v", a, due, wantProducts)
		}

		// Again: nothing new, the advisory updated in place.
		res, err = svc.ImportSTIX(ctx, certSc, bundle, intel.ImportOptions{Name: "partner.json", Org: w.orgA})
		if err != nil || res.Reports != 1 || res.Advisories != 0 || res.AdvisoriesUpdated != 1 || res.Indicators.Added != 0 || res.Indicators.Unchanged != 4 {
			t.Errorf("ImportSTIX(%q) again = %+v, %v; want the report and advisory updated, 4 indicators unchanged", "partner.json", res, err)
		}
		if n := count(t, db, "advisories"); n != 1 {
			t.Errorf("advisories after importing twice = %d; want 1", n)
		}
	})
}

func timePtrEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// TestImportSTIXMarking: an object keeps its own TLP, an unmarked one gets
// the default, and nothing is shared wider than the floor.
func TestImportSTIXMarking(t *testing.T) {
	cases := []struct {
		name, floor, def string
		// TLPs of the ip (green), the domain (unmarked), the hash (red),
		// the advisory (amber) and the report (green).
		ip, domain, hash, adv, report string
	}{
		{"own markings, default amber", "", "", "green", "amber", "red", "amber", "green"},
		{"default clear", "", "clear", "green", "clear", "red", "amber", "green"},
		{"floor green", "green", "clear", "green", "green", "red", "amber", "green"},
		{"floor amber+strict", "amber+strict", "green", "amber+strict", "amber+strict", "red", "amber+strict", "amber+strict"},
		{"floor red", "RED", "", "red", "red", "red", "red", "red"},
	}
	bundle := readTestdata(t, "partner-bundle.json")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				svc := newService(db, nil)
				opt := intel.ImportOptions{Name: "partner.json", TLP: c.floor, Default: c.def}
				if _, err := svc.ImportSTIX(ctx, system, bundle, opt); err != nil {
					t.Fatalf("ImportSTIX(%q, %+v) = %v", "partner.json", opt, err)
				}
				got := map[string]string{}
				for _, in := range allIndicators(t, db) {
					got[in.Type] = in.TLP
				}
				for _, a := range allAdvisories(t, cert.New(db)) {
					got["advisory"] = a.TLP
				}
				for _, r := range allReports(t, svc) {
					got["report"] = r.TLP
				}
				want := map[string]string{"ip": c.ip, "domain": c.domain, "url": c.domain, "sha256": c.hash, "advisory": c.adv, "report": c.report}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("ImportSTIX(floor %q, default %q) marked %v; want %v", c.floor, c.def, got, want)
				}
			})
		})
	}
	t.Run("bad labels", func(t *testing.T) {
		db := storetest.SQLite(t)
		svc := newService(db, nil)
		for _, opt := range []intel.ImportOptions{{TLP: "white"}, {Default: "amber-strict"}} {
			if _, err := svc.ImportSTIX(context.Background(), system, bundle, opt); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("ImportSTIX(floor %q, default %q) = %v; want %s", opt.TLP, opt.Default, err, errs.Invalid)
			}
		}
		if n := count(t, db, "indicators"); n != 0 {
			t.Errorf("indicators after refused imports = %d; want 0", n)
		}
	})
}

// TestImportSTIXMalformed: a bundle that is refused leaves nothing behind,
// also when the fault is found after part of it was stored.
func TestImportSTIXMalformed(t *testing.T) {
	good := readTestdata(t, "partner-bundle.json")
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	// edit returns the bundle with object i changed by f.
	edit := func(i int, f func(o map[string]any)) []byte {
		var d map[string]any
		_ = json.Unmarshal(good, &d)
		f(d["objects"].([]any)[i].(map[string]any))
		out, _ := json.Marshal(d)
		return out
	}
	cases := []struct {
		name  string
		data  []byte
		field string // the JSON path the error names
	}{
		{"not JSON", good[:len(good)/2], "$"},
		{"not a bundle", []byte(`{"type":"report"}`), "$.type"},
		{"bad object id", edit(2, func(o map[string]any) { o["id"] = "indicator--not-a-uuid" }), "$.objects[2].id"},
		{"indicator without valid_from", edit(3, func(o map[string]any) { delete(o, "valid_from") }), "$.objects[3]"},
		// The report is stored before the vulnerability is read.
		{"advisory of unknown severity", edit(11, func(o map[string]any) { o["x_samdrift_advisory"].(map[string]any)["severity"] = "extreme" }),
			"$.objects[11].severity"},
		{"advisory with a bad version range", edit(11, func(o map[string]any) {
			o["x_samdrift_advisory"].(map[string]any)["products"] = []any{map[string]any{"product": "HTTP Server", "versions": []any{"vers:nonsense"}}}
		}), "$.objects[11].products[0].versions"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(db, nil)
		before := counts(t, db)
		for _, c := range cases {
			_, err := svc.ImportSTIX(ctx, system, c.data, intel.ImportOptions{Name: c.name})
			if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != c.field {
				t.Errorf("ImportSTIX(%q) = %v; want %s on %s", c.name, err, errs.Invalid, c.field)
			}
			if after := counts(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after ImportSTIX(%q) = %v; want %v", c.name, after, before)
			}
		}
		if n := count(t, db, "audit_log"); n != 0 {
			t.Errorf("audit entries after refused imports = %d; want 0", n)
		}
	})
}
