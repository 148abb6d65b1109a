package cert_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// sortKey is what a list is ordered by for one row: a group that keeps
// its place whichever the direction (nothing set goes last), then the
// value that is turned around.
type sortKey struct {
	group int
	value string
}

// checkOrder reports the first pair of ids out of order for desc.
func checkOrder(t *testing.T, name string, ids []int64, keys map[int64]sortKey, desc bool) {
	t.Helper()
	for i := 1; i < len(ids); i++ {
		a, b := keys[ids[i-1]], keys[ids[i]]
		if !(a.group < b.group || (a.group == b.group && (a.value == b.value || (a.value < b.value) != desc))) {
			t.Errorf("%s: %d (%+v) before %d (%+v)", name, ids[i-1], a, ids[i], b)
			return
		}
	}
}

// checkPaged lists with list(sort, limit, offset) whole and by pages of
// 2 in both directions of every key, and checks the pages hold the whole
// list once, in the order keyOf gives.
func checkPaged[T any](t *testing.T, keys []string, want int, id func(T) int64, keyOf map[string]func(T) sortKey,
	list func(s store.Sort, limit, offset int) ([]T, int, error)) {
	t.Helper()
	if len(keyOf) != len(keys) {
		t.Fatalf("the test knows %d orders; the list has %d", len(keyOf), len(keys))
	}
	for _, key := range keys {
		for _, desc := range []bool{false, true} {
			s := store.Sort{Key: key, Desc: desc}
			whole, n, err := list(s, 500, 0)
			if err != nil || n != want || len(whole) != want {
				t.Fatalf("list(%s) = %d of %d, %v; want %d", s, len(whole), n, err, want)
			}
			var ids, paged []int64
			k := map[int64]sortKey{}
			for _, x := range whole {
				ids = append(ids, id(x))
				k[id(x)] = keyOf[key](x)
			}
			for off := 0; off < want; off += 2 {
				page, _, err := list(s, 2, off)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range page {
					paged = append(paged, id(x))
				}
			}
			if !slices.Equal(paged, ids) {
				t.Errorf("list(%s) by pages of 2 = %v; want %v", s, paged, ids)
			}
			checkOrder(t, "list("+s.String()+")", ids, k, desc)
		}
	}
}

var severityRank = map[string]string{"critical": "1", "high": "2", "medium": "3", "low": "4"}

func timeKey(t *time.Time) sortKey {
	if t == nil {
		return sortKey{1, ""}
	}
	return sortKey{0, t.UTC().Format("2006-01-02T15:04:05.000000")}
}

func TestListsSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := cert.New(db)
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		svc.Clock = func() time.Time { at = at.Add(time.Minute); return at }
		certSc := env.Scope(t, "demo-cert")
		for _, a := range []cert.NewAsset{{Org: "101", Vendor: "Microsoft", Product: "Exchange Server", Version: "15.2"},
			{Org: "101", Vendor: "Apache", Product: "HTTP Server", Version: "2.4.57"}, {Org: "147", Vendor: "Apache", Product: "HTTP Server", Version: "2.4.50"},
			{Org: "461", Vendor: "Microsoft", Product: "Exchange Server", Version: "15.1"}} {
			if _, err := svc.AddAsset(ctx, certSc, a); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.ImportKEV(ctx, certSc, []byte(kev)); err != nil {
			t.Fatal(err)
		}
		apache := []cert.Product{{Vendor: "Apache", Product: "HTTP Server", Versions: "vers:generic/>=2.4.0|<2.4.58"}}
		for _, n := range []cert.NewAdvisory{
			{Title: "Alpha i Apache", Severity: "high", TLP: "green", Action: "Opdatér.", CVEs: []string{"CVE-2026-20001"}, Products: apache},
			{Title: "beta i Apache", Severity: "low", TLP: "clear", Action: "Opdatér.", CVEs: []string{"CVE-2026-20002"}, Products: apache},
			{Title: "Gamma i Apache", Severity: "critical", TLP: "amber", Action: "Opdatér.", Products: apache},
		} {
			if _, err := svc.Publish(ctx, certSc, n); err != nil {
				t.Fatal(err)
			}
		}
		vs, total, err := svc.Vulnerabilities(ctx, certSc, cert.VulnFilter{Limit: 500})
		if err != nil || total != 8 {
			t.Fatalf("vulnerabilities = %d, %v; want 8 (Exchange twice from KEV, Apache twice from each of 3)", total, err)
		}
		// Settle some, and take one's due date away (the default order
		// and "due" put it last on both databases).
		for i, st := range []string{"patched", "mitigated"} {
			if _, err := svc.SetStatus(ctx, certSc, vs[i*3].ID, cert.StatusChange{Status: st}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE vulnerabilities SET due = NULL WHERE id = $1`, vs[1].ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		def, _, err := svc.Vulnerabilities(ctx, certSc, cert.VulnFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var open []cert.Vulnerability
		for _, v := range def {
			if v.Status == "open" {
				open = append(open, v)
			}
		}
		if len(open) != 6 || def[6].Status == "open" || open[len(open)-1].ID != vs[1].ID {
			t.Errorf("default order: want the 6 open first, the one without a due date last among them; got %+v", def)
		}
		status := map[string]string{}
		for i, s := range cert.Statuses {
			status[s] = fmt.Sprint(i)
		}
		checkPaged(t, cert.VulnSorts, 8, func(v cert.Vulnerability) int64 { return v.ID }, map[string]func(cert.Vulnerability) sortKey{
			"id":       func(v cert.Vulnerability) sortKey { return sortKey{0, fmt.Sprintf("%09d", v.ID)} },
			"advisory": func(v cert.Vulnerability) sortKey { return sortKey{0, strings.ToLower(v.AdvisoryRef)} },
			"severity": func(v cert.Vulnerability) sortKey { return sortKey{0, severityRank[v.Severity]} },
			"kev": func(v cert.Vulnerability) sortKey {
				if v.KEV {
					return sortKey{0, "0"}
				}
				return sortKey{0, "1"}
			},
			"status": func(v cert.Vulnerability) sortKey { return sortKey{0, status[v.Status]} },
			"org":    func(v cert.Vulnerability) sortKey { return sortKey{0, strings.ToLower(v.OrgName)} },
			"due":    func(v cert.Vulnerability) sortKey { return timeKey(v.Due) },
			"found":  func(v cert.Vulnerability) sortKey { return timeKey(&v.CreatedAt) },
		}, func(s store.Sort, limit, offset int) ([]cert.Vulnerability, int, error) {
			return svc.Vulnerabilities(ctx, certSc, cert.VulnFilter{Sort: s, Limit: limit, Offset: offset})
		})

		advs, total, err := svc.Advisories(ctx, certSc, cert.AdvisoryFilter{Limit: 500})
		if err != nil || total != 5 || advs[0].Title != "Gamma i Apache" {
			t.Fatalf("advisories = %d, %v; want 5, the newest first", total, err)
		}
		tlpRank := map[string]string{}
		for i, l := range cert.TLPs {
			tlpRank[l] = fmt.Sprint(i)
		}
		checkPaged(t, cert.AdvisorySorts, 5, func(a cert.Advisory) int64 { return a.ID }, map[string]func(cert.Advisory) sortKey{
			"published": func(a cert.Advisory) sortKey { return timeKey(&a.PublishedAt) },
			"ref":       func(a cert.Advisory) sortKey { return sortKey{0, strings.ToLower(a.Ref)} },
			"title":     func(a cert.Advisory) sortKey { return sortKey{0, strings.ToLower(a.Title)} },
			"severity":  func(a cert.Advisory) sortKey { return sortKey{0, severityRank[a.Severity]} },
			"tlp":       func(a cert.Advisory) sortKey { return sortKey{0, tlpRank[a.TLP]} },
			"due":       func(a cert.Advisory) sortKey { return timeKey(a.DueAt) },
		}, func(s store.Sort, limit, offset int) ([]cert.Advisory, int, error) {
			return svc.Advisories(ctx, certSc, cert.AdvisoryFilter{Sort: s, Limit: limit, Offset: offset})
		})
		if _, _, err := svc.Vulnerabilities(ctx, certSc, cert.VulnFilter{Sort: store.Sort{Key: "asset"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("vulnerabilities sorted by an unknown key = %v; want Invalid", err)
		}
		if _, _, err := svc.Advisories(ctx, certSc, cert.AdvisoryFilter{Sort: store.Sort{Key: "source"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("advisories sorted by an unknown key = %v; want Invalid", err)
		}
	})
}
