package soc_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/soc"
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

// checkOrder reports the first pair of rows of ids (with keys) out of
// order for desc.
func checkOrder(t *testing.T, name string, ids []int64, keys map[int64]sortKey, desc bool) {
	t.Helper()
	for i := 1; i < len(ids); i++ {
		a, b := keys[ids[i-1]], keys[ids[i]]
		ok := a.group < b.group || (a.group == b.group && (a.value == b.value || (a.value < b.value) != desc))
		if !ok {
			t.Errorf("%s: %d (%+v) before %d (%+v)", name, ids[i-1], a, ids[i], b)
			return
		}
	}
}

func TestListSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := soc.New(db)
		at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		svc.Clock = func() time.Time { at = at.Add(time.Minute); return at }
		sc := env.Scope(t, "demo-soc-analyst")
		for i, c := range []struct{ org, sev, owner, status string }{
			{"101", "high", "me", "in_progress"}, {"147", "critical", "", ""}, {"461", "low", "demo-cert", "contained"},
			{"101", "medium", "", "closed"}, {"147", "high", "demo-cert", ""}, {"461", "critical", "me", "in_progress"}, {"101", "low", "", ""},
		} {
			k, err := svc.Create(ctx, sc, soc.NewCase{Org: c.org, Title: fmt.Sprintf("Case %d", i), Severity: c.sev, Owner: c.owner})
			if err != nil {
				t.Fatal(err)
			}
			if c.status != "" {
				u := soc.Update{Version: k.Version, Status: &c.status}
				if c.status == "closed" {
					res := "resolved"
					u.Resolution = &res
				}
				if _, err := svc.Update(ctx, sc, k.ID, u); err != nil {
					t.Fatal(err)
				}
			}
		}
		all, total, err := svc.List(ctx, sc, soc.Filter{Limit: 500})
		if err != nil || total != 7 || len(all) != 7 {
			t.Fatalf("List = %d of %d, %v; want 7", len(all), total, err)
		}
		sev := map[string]int{"critical": 1, "high": 2, "medium": 3, "low": 4}
		keyOf := map[string]func(c soc.Case) sortKey{
			"id":       func(c soc.Case) sortKey { return sortKey{0, fmt.Sprintf("%09d", c.ID)} },
			"opened":   func(c soc.Case) sortKey { return sortKey{0, c.CreatedAt.Format(time.RFC3339Nano)} },
			"severity": func(c soc.Case) sortKey { return sortKey{0, fmt.Sprint(sev[c.Severity])} },
			"status":   func(c soc.Case) sortKey { return sortKey{0, fmt.Sprint(slices.Index(soc.Statuses, c.Status))} },
			"org":      func(c soc.Case) sortKey { return sortKey{0, strings.ToLower(c.OrgName)} },
			"owner": func(c soc.Case) sortKey {
				if c.Owner == "" {
					return sortKey{1, ""}
				}
				return sortKey{0, c.Owner}
			},
			"updated": func(c soc.Case) sortKey { return sortKey{0, c.UpdatedAt.Format(time.RFC3339Nano)} },
		}
		if len(keyOf) != len(soc.Sorts) {
			t.Fatalf("the test knows %d orders; soc.Sorts has %d", len(keyOf), len(soc.Sorts))
		}
		keys := map[string]map[int64]sortKey{}
		for name, fn := range keyOf {
			keys[name] = map[int64]sortKey{}
			for _, c := range all {
				keys[name][c.ID] = fn(c)
			}
		}
		for _, key := range soc.Sorts {
			for _, desc := range []bool{false, true} {
				s := store.Sort{Key: key, Desc: desc}
				whole, _, err := svc.List(ctx, sc, soc.Filter{Sort: s, Limit: 500})
				if err != nil {
					t.Fatalf("List(%s) = %v", s, err)
				}
				var want, paged []int64
				for _, c := range whole {
					want = append(want, c.ID)
				}
				for off := 0; off < 10; off += 3 {
					page, n, err := svc.List(ctx, sc, soc.Filter{Sort: s, Limit: 3, Offset: off})
					if err != nil || n != 7 {
						t.Fatalf("List(%s, offset %d) = %d, %v", s, off, n, err)
					}
					for _, c := range page {
						paged = append(paged, c.ID)
					}
				}
				if !slices.Equal(paged, want) || len(want) != 7 {
					t.Errorf("List(%s) by pages of 3 = %v; want %v, all 7 once", s, paged, want)
				}
				checkOrder(t, "List("+s.String()+")", want, keys[key], desc)
			}
		}
		// The default: open cases by severity, then closed ones.
		if all[0].Severity != "critical" || all[len(all)-1].Status != "closed" {
			t.Errorf("default order starts with %s and ends with %s; want critical first, closed last", all[0].Severity, all[len(all)-1].Status)
		}
		if _, _, err := svc.List(ctx, sc, soc.Filter{Sort: store.Sort{Key: "title"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("List sorted by an unknown key = %v; want Invalid", err)
		}
	})
}
