package intel_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// amberWithGreen is a partner's AMBER report that names a GREEN
// indicator: whoever may not read the report still gets the indicator.
const amberWithGreen = `{"type":"bundle","id":"bundle--7e2b1c0a-58e4-4f43-9b1e-0c6b7a1e2d01","objects":[
 {"type":"indicator","spec_version":"2.1","id":"indicator--2f6c3a1d-7d0e-4b8a-a1c2-5e9f0b3d4c01","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",
  "name":"Mass phishing domain","pattern":"[domain-name:value = 'green-in-amber.example']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z",
  "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
 {"type":"report","spec_version":"2.1","id":"report--2f6c3a1d-7d0e-4b8a-a1c2-5e9f0b3d4c02","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",
  "name":"Targeted follow-up at København","published":"2026-11-01T00:00:00Z",
  "object_refs":["indicator--2f6c3a1d-7d0e-4b8a-a1c2-5e9f0b3d4c01"],"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}]}`

const (
	greenInAmber       = "indicator--2f6c3a1d-7d0e-4b8a-a1c2-5e9f0b3d4c01"
	greenInAmberValue  = "green-in-amber.example"
	amberPartnerReport = "report--2f6c3a1d-7d0e-4b8a-a1c2-5e9f0b3d4c02"
)

// TestTLPReach shares, as municipality A (København), a report with an
// indicator and an advisory at each TLP label, and checks on every read
// and export path who sees which: the shared SOC and CERT everything;
// governance and administrators all but RED; A's CISO up to AMBER+STRICT;
// the unit that serves A up to AMBER; another municipality's CISO and a
// unit that does not serve A only CLEAR and GREEN.
func TestTLPReach(t *testing.T) {
	all := []string{"clear", "green", "amber", "amber+strict", "red"}
	readers := []struct {
		user string
		sees []string
	}{
		{"demo-ciso", all[:4]},         // A's CISO
		{"ciso-265", all[:2]},          // B's CISO
		{"demo-unit-manager", all[:3]}, // the unit that serves A
		{"unit-sjaelland", all[:2]},    // a unit that does not
		{"demo-governance", all[:4]},
		{"demo-admin", all[:4]},
		{"demo-cert", all},
		{"demo-soc-analyst", all},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		c := cert.New(db)
		certSc := w.Scope(t, "demo-cert")
		if _, err := c.AddAsset(ctx, w.Scope(t, "demo-ciso"), cert.NewAsset{Org: "101", Vendor: "Acme", Product: "Widget", Version: "1.0"}); err != nil {
			t.Fatal(err)
		}
		// Per label: the STIX ids of its report, indicator and advisory.
		objects := map[string][]string{}
		reportIDs := map[string]int64{}
		values := map[string]string{}
		for i, tlp := range all {
			v := fmt.Sprintf("192.0.2.%d", 10+i)
			rep, _, err := svc.CreateReport(ctx, certSc, intel.NewReport{Title: "Report " + tlp, TLP: tlp, Org: w.orgA,
				Indicators: []indicator.Indicator{{Type: "ip", Value: v}}})
			if err != nil {
				t.Fatal(err)
			}
			adv, err := c.Publish(ctx, certSc, cert.NewAdvisory{Ref: "TLP-" + tlp, Title: "Advisory " + tlp, Severity: "high", TLP: tlp,
				Products: []cert.Product{{Vendor: "Acme", Product: "Widget"}}})
			if err != nil {
				t.Fatal(err)
			}
			reportIDs[tlp], values[tlp] = rep.ID, v
			objects[tlp] = []string{"report--" + rep.UUID, stix.DeterministicID("indicator", "ip:"+v), stix.DeterministicID("vulnerability", "cert:"+adv.Ref)}
		}
		if _, err := svc.ImportSTIX(ctx, certSc, []byte(amberWithGreen), intel.ImportOptions{Name: "amber-with-green.json", Org: w.orgA}); err != nil {
			t.Fatal(err)
		}
		objects["green"] = append(objects["green"], greenInAmber)
		objects["amber"] = append(objects["amber"], amberPartnerReport)

		for _, r := range readers {
			t.Run(r.user, func(t *testing.T) {
				sc := w.Scope(t, r.user)
				sees := map[string]bool{}
				for _, tlp := range r.sees {
					sees[tlp] = true
				}
				var want []string // every object sc may read
				for _, tlp := range all {
					if sees[tlp] {
						want = append(want, objects[tlp]...)
					}
				}
				slices.Sort(want)

				// Collections: all five listed; RED readable by the SOC and CERT only.
				cols, err := svc.Collections(ctx, sc)
				if err != nil {
					t.Fatal(err)
				}
				canRead := map[string]bool{}
				for _, col := range cols {
					canRead[col.Title] = col.CanRead
				}
				wantRead := map[string]bool{"TLP:CLEAR": true, "TLP:GREEN": true, "TLP:AMBER": true, "TLP:AMBER+STRICT": true, "TLP:RED": sees["red"]}
				if !reflect.DeepEqual(canRead, wantRead) {
					t.Errorf("Collections(%s) can_read = %v; want %v", r.user, canRead, wantRead)
				}

				// Objects, collection by collection.
				for _, col := range cols {
					tlp := strings.ToLower(strings.TrimPrefix(col.Title, "TLP:"))
					var wantIDs []string
					if sees[tlp] {
						wantIDs = slices.Sorted(slices.Values(objects[tlp]))
					}
					p, err := svc.Objects(ctx, sc, col, intel.Query{})
					if err != nil {
						t.Fatalf("Objects(%s, %s) = %v", r.user, col.Alias, err)
					}
					var got []string
					for _, e := range p.Entries {
						got = append(got, e.Object.ID)
						if m := stix.TLP(e.Object.MarkingRefs); m != tlp {
							t.Errorf("Objects(%s, %s) holds %s marked %q", r.user, col.Alias, e.Object.ID, m)
						}
					}
					slices.Sort(got)
					if !reflect.DeepEqual(got, wantIDs) || p.More {
						t.Errorf("Objects(%s, %s) = %q (more %v); want %q", r.user, col.Alias, got, p.More, wantIDs)
					}
				}

				// ExportSTIX: the same objects in one bundle.
				data, n, err := svc.ExportSTIX(ctx, sc, "")
				if err != nil {
					t.Fatalf("ExportSTIX(%s) = %v", r.user, err)
				}
				b, err := stix.ParseBundle("export", data)
				if err != nil {
					t.Fatalf("ExportSTIX(%s) wrote a bundle ParseBundle refuses: %v", r.user, err)
				}
				var got []string
				for _, o := range b.Objects {
					if o.Type != "identity" && o.Type != "marking-definition" {
						got = append(got, o.ID)
					}
				}
				slices.Sort(got)
				if !reflect.DeepEqual(got, want) || n != len(want) {
					t.Errorf("ExportSTIX(%s) = %d objects %q; want %q", r.user, n, got, want)
				}

				// ExportMISP: an event per readable report, the indicators
				// of those it may not read in an event of their own.
				events, err := svc.ExportMISP(ctx, sc, "")
				if err != nil {
					t.Fatalf("ExportMISP(%s) = %v", r.user, err)
				}
				gotEvents, gotValues := map[string]string{}, []string{} // info → TLP; attribute values
				for _, e := range events {
					gotEvents[e.Info] = e.TLP
					for _, a := range e.Attributes {
						gotValues = append(gotValues, a.Value)
					}
				}
				wantEvents, wantValues := map[string]string{}, []string{greenInAmberValue}
				for _, tlp := range r.sees {
					wantEvents["Report "+tlp] = tlp
					wantValues = append(wantValues, values[tlp])
				}
				if sees["amber"] {
					wantEvents["Targeted follow-up at København"] = "amber"
				} else {
					wantEvents["samdrift: indicators (TLP:GREEN)"] = "green"
				}
				slices.Sort(gotValues)
				slices.Sort(wantValues)
				if !reflect.DeepEqual(gotEvents, wantEvents) || !reflect.DeepEqual(gotValues, wantValues) || len(events) != len(wantEvents) {
					t.Errorf("ExportMISP(%s) = events %v, values %q; want events %v, values %q", r.user, gotEvents, gotValues, wantEvents, wantValues)
				}

				// Reports and Report.
				list, total, err := svc.Reports(ctx, sc, intel.ReportFilter{})
				if err != nil {
					t.Fatalf("Reports(%s) = %v", r.user, err)
				}
				var titles []string
				for _, x := range list {
					titles = append(titles, x.Title)
					if x.Indicators != 1 {
						t.Errorf("Reports(%s): %q counts %d indicators; want 1", r.user, x.Title, x.Indicators)
					}
				}
				slices.Sort(titles)
				var wantTitles []string
				for _, tlp := range r.sees {
					wantTitles = append(wantTitles, "Report "+tlp)
				}
				if sees["amber"] {
					wantTitles = append(wantTitles, "Targeted follow-up at København")
				}
				slices.Sort(wantTitles)
				if !reflect.DeepEqual(titles, wantTitles) || total != len(wantTitles) {
					t.Errorf("Reports(%s) = %q (total %d); want %q", r.user, titles, total, wantTitles)
				}
				for _, tlp := range all {
					x, err := svc.Report(ctx, sc, reportIDs[tlp])
					switch {
					case sees[tlp] && (err != nil || x.TLP != tlp || x.Indicators != 1):
						t.Errorf("Report(%s, %q) = %+v, %v; want it with its indicator", r.user, "Report "+tlp, x, err)
					case !sees[tlp] && errs.CodeOf(err) != errs.NotFound:
						t.Errorf("Report(%s, %q) = %+v, %v; want %s", r.user, "Report "+tlp, x, err, errs.NotFound)
					}
				}
			})
		}
	})
}
