package detect_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// storeAlert writes an alert as detection would, with the fields the
// list sorts by.
func storeAlert(t *testing.T, db *store.DB, tenant int64, title, level, status string, count int64, first, last time.Time, assignee int64) int64 {
	t.Helper()
	var id int64
	var who any
	if assignee != 0 {
		who = assignee
	}
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO alerts (tenant, rule_id, kind, title, level, group_key, count, first_seen, last_seen, status,
			assignee_id, created_at) VALUES ($1, $2, 'rule', $3, $4, 'web01', $5, $6, $7, $8, $9, $6) RETURNING id`,
			tenant, "r-"+strings.ToLower(title[:1]), title, level, count, first.UnixMicro(), last.UnixMicro(), status, who).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAlertsSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		d := detect.New(db, nil)
		sc := env.Scope(t, "demo-soc-analyst")
		kk, fb, od := env.Org(t, "101").ID, env.Org(t, "147").ID, env.Org(t, "461").ID
		cert, ciso := env.Scope(t, "demo-cert").UserID, env.Scope(t, "demo-ciso").UserID
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		for i, a := range []struct {
			tenant        int64
			title, level  string
			status        string
			count         int64
			assignee      int64
			first, lastIn int
		}{
			{kk, "Brute force", "high", "new", 10, 0, 0, 5},
			{fb, "Root shell", "critical", "acknowledged", 1, cert, 1, 1},
			{od, "beacon", "informational", "closed", 3, ciso, 2, 9},
			{0, "Unknown sender", "low", "new", 7, 0, 3, 4},
			{kk, "Mimikatz", "medium", "acknowledged", 2, ciso, 4, 2},
			{fb, "Brute force", "high", "new", 10, 0, 5, 7},
			{od, "Ransomware", "critical", "closed", 4, cert, 6, 3},
		} {
			storeAlert(t, db, a.tenant, a.title, a.level, a.status, a.count, t0.Add(time.Duration(a.first)*time.Minute),
				t0.Add(time.Duration(a.lastIn)*time.Hour+time.Duration(i)*time.Second), a.assignee)
		}
		all, total, err := d.Alerts(ctx, sc, detect.Filter{Limit: 500})
		if err != nil || total != 7 {
			t.Fatalf("Alerts = %d, %v; want 7", total, err)
		}
		for i := 1; i < len(all); i++ {
			if all[i].LastSeen.After(all[i-1].LastSeen) {
				t.Errorf("default order: %v after %v; want the latest match first", all[i].LastSeen, all[i-1].LastSeen)
			}
		}
		names := map[int64]string{0: ""}
		for _, ref := range []string{"101", "147", "461"} {
			o := env.Org(t, ref)
			names[o.ID] = strings.ToLower(o.Name)
		}
		level := map[string]string{"critical": "1", "high": "2", "medium": "3", "low": "4", "informational": "5"}
		status := map[string]string{"new": "1", "acknowledged": "2", "closed": "3"}
		keyOf := map[string]func(a detect.Alert) [2]string{
			"time":   func(a detect.Alert) [2]string { return [2]string{"0", fmt.Sprintf("%020d", a.LastSeen.UnixMicro())} },
			"first":  func(a detect.Alert) [2]string { return [2]string{"0", fmt.Sprintf("%020d", a.FirstSeen.UnixMicro())} },
			"level":  func(a detect.Alert) [2]string { return [2]string{"0", level[a.Level]} },
			"rule":   func(a detect.Alert) [2]string { return [2]string{"0", strings.ToLower(a.Title)} },
			"org":    func(a detect.Alert) [2]string { return [2]string{"0", names[a.Tenant]} },
			"count":  func(a detect.Alert) [2]string { return [2]string{"0", fmt.Sprintf("%09d", a.Count)} },
			"status": func(a detect.Alert) [2]string { return [2]string{"0", status[a.Status]} },
			"assignee": func(a detect.Alert) [2]string {
				if a.Assignee == "" {
					return [2]string{"1", ""}
				}
				return [2]string{"0", a.Assignee}
			},
		}
		if len(keyOf) != len(detect.AlertSorts) {
			t.Fatalf("the test knows %d orders; detect.AlertSorts has %d", len(keyOf), len(detect.AlertSorts))
		}
		for _, key := range detect.AlertSorts {
			for _, desc := range []bool{false, true} {
				s := store.Sort{Key: key, Desc: desc}
				whole, _, err := d.Alerts(ctx, sc, detect.Filter{Sort: s, Limit: 500})
				if err != nil || len(whole) != 7 {
					t.Fatalf("Alerts(%s) = %d, %v", s, len(whole), err)
				}
				var ids, paged []int64
				for _, a := range whole {
					ids = append(ids, a.ID)
				}
				for off := 0; off < 7; off += 2 {
					page, _, err := d.Alerts(ctx, sc, detect.Filter{Sort: s, Limit: 2, Offset: off})
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range page {
						paged = append(paged, a.ID)
					}
				}
				if !slices.Equal(paged, ids) {
					t.Errorf("Alerts(%s) by pages of 2 = %v; want %v", s, paged, ids)
				}
				for i := 1; i < len(whole); i++ {
					a, b := keyOf[key](whole[i-1]), keyOf[key](whole[i])
					if !(a[0] < b[0] || (a[0] == b[0] && (a[1] == b[1] || (a[1] < b[1]) != desc))) {
						t.Errorf("Alerts(%s): %d (%v) before %d (%v)", s, whole[i-1].ID, a, whole[i].ID, b)
						break
					}
				}
			}
		}
		// Level by severity, not by name: critical, high, medium, low, informational.
		byLevel, _, _ := d.Alerts(ctx, sc, detect.Filter{Sort: store.Sort{Key: "level"}})
		var levels []string
		for _, a := range byLevel {
			levels = slices.Compact(append(levels, a.Level))
		}
		if want := []string{"critical", "high", "medium", "low", "informational"}; !slices.Equal(levels, want) {
			t.Errorf("alerts by level = %v; want %v", levels, want)
		}
		if _, _, err := d.Alerts(ctx, sc, detect.Filter{Sort: store.Sort{Key: "key"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Alerts sorted by an unknown key = %v; want Invalid", err)
		}
	})
}

func TestTriagers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		env.AddUser(t, "ciso2-101", "101", access.RoleCISO)
		env.AddUser(t, "soc-unit", demo.UnitSlug("Region Hovedstaden"), access.RoleSOCAnalyst) // supplies 101 and 147
		gone := env.AddUser(t, "gone-101", "101", access.RoleCISO)
		if _, err := env.Access.UpdateUser(ctx, access.System("test"), gone.ID, access.UserChange{Disabled: new(true)}); err != nil {
			t.Fatal(err)
		}
		d := detect.New(db, nil)
		t0 := time.Now().Add(-time.Hour)
		kk := storeAlert(t, db, env.Org(t, "101").ID, "Brute force", "high", "new", 1, t0, t0, 0)
		od := storeAlert(t, db, env.Org(t, "461").ID, "Beacon", "high", "new", 1, t0, t0, 0)
		names := func(ts []detect.Triager) []string {
			var out []string
			for _, x := range ts {
				out = append(out, x.Username)
			}
			return out
		}
		for _, c := range []struct {
			who  string
			ids  []int64
			want []string
		}{
			// The administrator reaches every user: those whose reach holds
			// København's alert, not Frederiksberg's CISO.
			{"demo-admin", []int64{kk}, []string{"ciso2-101", "demo-cert", "demo-ciso", "demo-soc-analyst", "soc-unit"}},
			{"demo-admin", []int64{od}, []string{"demo-cert", "demo-soc-analyst"}},
			{"demo-admin", []int64{kk, od}, []string{"ciso2-101", "demo-cert", "demo-ciso", "demo-soc-analyst", "soc-unit"}},
			// A CISO reaches her own organisation's users only (not the
			// disabled one, not herself).
			{"demo-ciso", []int64{kk}, []string{"ciso2-101"}},
			{"demo-soc-analyst", []int64{kk}, []string{"demo-cert"}},
			// An alert the caller does not see gives no one.
			{"soc-unit", []int64{od}, nil},
			{"demo-unit-manager", []int64{kk}, nil},
		} {
			got, err := d.Triagers(ctx, env.Scope(t, c.who), c.ids)
			if err != nil || !slices.Equal(names(got), c.want) {
				t.Errorf("Triagers(%s, %v) = %v, %v; want %v", c.who, c.ids, names(got), err, c.want)
			}
		}
		got, _ := d.Triagers(ctx, env.Scope(t, "demo-admin"), []int64{kk})
		if got[1].Name != "Demo CERT" || got[0].Name != "ciso2-101" {
			t.Errorf("Triagers names = %+v; want the display name, else the username", got)
		}
	})
}
