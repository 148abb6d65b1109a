package intel_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// storeIndicators stores n GREEN IPv4 indicators numbered from first in
// one transaction and returns their STIX ids in the order stored.
func storeIndicators(t testing.TB, db *store.DB, first, n int, tlp string) []string {
	t.Helper()
	inds := make([]indicator.Indicator, n)
	ids := make([]string, n)
	for i := range inds {
		k := first + i
		v := fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)
		inds[i] = indicator.Indicator{Type: "ip", Value: v, TLP: tlp, Level: "medium"}
		ids[i] = stix.DeterministicID("indicator", "ip:"+v)
	}
	var rep detect.IndicatorReport
	if err := db.Write(context.Background(), func(tx *sql.Tx) error {
		return detect.StoreIndicators(context.Background(), tx, system, "test", inds, 0, &rep)
	}); err != nil {
		t.Fatal(err)
	}
	if rep.Added != n {
		t.Fatalf("StoreIndicators(%d from %d) = %v; want all added", n, first, rep)
	}
	return ids
}

// TestObjectsPaging pages a GREEN collection of 2,500 indicators, two
// reports and two advisories, added in turns, 1,000 at a time: every
// object comes exactly once, in the order added; added_after, type and id
// filters select what they say.
func TestObjectsPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		c := cert.New(db)
		certSc := w.Scope(t, "demo-cert")
		// Each step is published (as the server does every two seconds)
		// before the next is stored, in a later microsecond.
		tick := func() {
			if _, err := svc.Publish(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}

		var order []string // STIX ids in the order added
		var reports, advisories []string
		report := func(title string, inds []indicator.Indicator) {
			tick()
			r, _, err := svc.CreateReport(ctx, certSc, intel.NewReport{Title: title, TLP: "green", Indicators: inds})
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, "report--"+r.UUID)
			reports = append(reports, "report--"+r.UUID)
			for _, in := range inds {
				order = append(order, stix.DeterministicID("indicator", in.Type+":"+in.Value))
			}
		}
		advisory := func(ref string) {
			tick()
			if _, err := c.Publish(ctx, certSc, cert.NewAdvisory{Ref: ref, Title: "Advisory " + ref, Severity: "medium", TLP: "green",
				Products: []cert.Product{{Vendor: "Acme", Product: "Widget"}}}); err != nil {
				t.Fatal(err)
			}
			order = append(order, stix.DeterministicID("vulnerability", "cert:"+ref))
			advisories = append(advisories, stix.DeterministicID("vulnerability", "cert:"+ref))
		}
		order = append(order, storeIndicators(t, db, 0, 1000, "green")...)
		report("First report", nil)
		advisory("PAGE-1")
		tick()
		middle := time.Now()
		tick()
		firstHalf := len(order)
		order = append(order, storeIndicators(t, db, 1000, 1200, "green")...)
		report("Second report", []indicator.Indicator{{Type: "domain", Value: "a.example"}, {Type: "domain", Value: "b.example"}, {Type: "domain", Value: "c.example"}})
		advisory("PAGE-2")
		tick()
		order = append(order, storeIndicators(t, db, 2200, 297, "green")...)
		// Of other collections: never in GREEN's pages.
		amber := storeIndicators(t, db, 5000, 3, "amber")
		if _, _, err := svc.CreateReport(ctx, certSc, intel.NewReport{Title: "An AMBER report", TLP: "amber"}); err != nil {
			t.Fatal(err)
		}
		if len(order) != 2504 {
			t.Fatalf("seeded %d objects; want 2504", len(order))
		}

		reader := w.Scope(t, "ciso-265")
		green, err := svc.CollectionByID(ctx, reader, "tlp-green")
		if err != nil {
			t.Fatal(err)
		}
		// page follows Next from q until More is false.
		page := func(q intel.Query) (ids []string, pages []int) {
			t.Helper()
			var last time.Time
			for i := 0; ; i++ {
				p, err := svc.Objects(ctx, reader, green, q)
				if err != nil {
					t.Fatalf("Objects(%+v) = %v", q, err)
				}
				pages = append(pages, len(p.Entries))
				for _, e := range p.Entries {
					ids = append(ids, e.Object.ID)
					if e.DateAdded.Before(last) {
						t.Errorf("Objects: %s added %v after one added %v", e.Object.ID, e.DateAdded, last)
					}
					last = e.DateAdded
				}
				if len(p.Entries) > 0 && p.Next != p.Entries[len(p.Entries)-1].Cursor {
					t.Errorf("Objects(%+v).Next = %+v; want the last entry's %+v", q, p.Next, p.Entries[len(p.Entries)-1].Cursor)
				}
				if !p.More || i > 10 {
					return ids, pages
				}
				q.After = p.Next
			}
		}

		ids, pages := page(intel.Query{Limit: 1000})
		if !reflect.DeepEqual(pages, []int{1000, 1000, 504}) {
			t.Errorf("pages of 1000 = %v; want [1000 1000 504]", pages)
		}
		if !reflect.DeepEqual(ids, order) {
			t.Errorf("paging the collection gave %d ids; want the %d objects in the order added (first difference at %d)", len(ids), len(order), firstDiff(ids, order))
		}
		// The cursor survives its string form.
		p, err := svc.Objects(ctx, reader, green, intel.Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		cur, err := intel.ParseCursor(p.Next.String())
		if err != nil || cur != p.Next {
			t.Errorf("ParseCursor(%q) = %+v, %v; want %+v", p.Next.String(), cur, err, p.Next)
		}

		cases := []struct {
			name string
			q    intel.Query
			want []string
		}{
			{"added after the middle", intel.Query{After: intel.AddedAfter(middle), Limit: 5000}, order[firstHalf:]},
			{"added after the end", intel.Query{After: intel.AddedAfter(time.Now())}, nil},
			{"added before the middle", intel.Query{Until: middle, Limit: 5000}, order[:firstHalf]},
			{"reports", intel.Query{Types: map[string]bool{"report": true}}, reports},
			{"advisories and reports", intel.Query{Types: map[string]bool{"vulnerability": true, "report": true}},
				[]string{reports[0], advisories[0], reports[1], advisories[1]}},
			{"indicators", intel.Query{Types: map[string]bool{"indicator": true}, Limit: 5000}, without(order, slices.Concat(reports, advisories)...)},
			{"malware", intel.Query{Types: map[string]bool{"malware": true}}, nil},
			{"ids", intel.Query{IDs: []string{advisories[1], order[2], reports[0], amber[0], "indicator--00000000-0000-4000-8000-000000000000"}},
				[]string{order[2], reports[0], advisories[1]}},
			{"ids of one type", intel.Query{IDs: []string{advisories[1], order[2], reports[0]}, Types: map[string]bool{"indicator": true}}, []string{order[2]}},
		}
		for _, c := range cases {
			got, _ := page(c.q)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Objects(%s) = %d ids %q; want %d %q", c.name, len(got), clipIDs(got), len(c.want), clipIDs(c.want))
			}
		}
	})
}

func without(xs []string, drop ...string) []string {
	var out []string
	for _, x := range xs {
		keep := true
		for _, d := range drop {
			keep = keep && x != d
		}
		if keep {
			out = append(out, x)
		}
	}
	return out
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// clipIDs keeps failure messages short.
func clipIDs(ids []string) []string {
	if len(ids) > 6 {
		return append(append(ids[:3:3], "…"), ids[len(ids)-2:]...)
	}
	return ids
}
