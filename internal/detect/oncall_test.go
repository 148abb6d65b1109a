package detect_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestHighAlertPagesOnCall: with an on-call team, a high alert pages the
// person on call (level 1) instead of notifying every analyst; not
// acknowledged within five minutes it pages level 2 — once, though two
// nodes sweep at the same moment; taking the alert stops the paging.
func TestHighAlertPagesOnCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		for _, n := range []string{"anna", "bo"} {
			env.AddUser(t, n, demo.SOCSlug, access.RoleSOCAnalyst)
		}
		soc := env.Scope(t, "demo-soc-analyst")
		oc := oncall.New(db)
		if _, err := oc.CreateTeam(ctx, soc, oncall.NewTeam{OrgID: env.Org(t, demo.SOCSlug).ID, Slug: "soc", Name: "SOC-vagt", Default: true,
			Members: []string{"anna", "bo"}}); err != nil {
			t.Fatal(err)
		}
		for level, who := range map[int]string{1: "anna", 2: "bo"} {
			if _, err := oc.AddRotation(ctx, soc, "soc", oncall.NewRotation{Level: level, Members: []string{who}, Period: oncall.Weekly,
				Start: time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := oc.SetPolicy(ctx, soc, "soc", oncall.Policy{Severity: "high", Steps: []oncall.Step{{Level: 1, WaitMinutes: 5}, {Level: 2, WaitMinutes: 5}}}); err != nil {
			t.Fatal(err)
		}
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		kk := env.Org(t, "101").ID
		now := time.Now().UTC().Truncate(time.Second)
		if err := d.Handle(ctx, []detect.Batch{{ID: "bf", Events: failedLogins(t, kk, "p", now.Add(-time.Minute))}}); err != nil {
			t.Fatal(err)
		}
		as, _, err := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil || len(as) != 1 || as[0].Level != "high" {
			t.Fatalf("brute-force alerts = %+v, %v", as, err)
		}
		inbox := notify.NewInbox(db)
		count := func(user string) int {
			t.Helper()
			msgs, _, err := inbox.List(ctx, env.Scope(t, user), time.Now().Add(time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range msgs {
				if m.AlertID == as[0].ID || m.Kind == oncall.NoticeKind {
					n++
				}
			}
			return n
		}
		if count("anna") != 1 || count("bo") != 0 || count("demo-soc-analyst") != 0 || count("demo-ciso") != 1 {
			t.Errorf("after the alert: anna %d, bo %d, other analysts %d, København's CISO %d; want anna paged, the CISO told, no one else",
				count("anna"), count("bo"), count("demo-soc-analyst"), count("demo-ciso"))
		}
		// Two nodes sweep after the timeout.
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := oncall.New(db).Sweep(ctx, now.Add(6*time.Minute)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if count("bo") != 1 {
			t.Errorf("bo was paged %d times after the timeout; want once", count("bo"))
		}
		// Anna takes the alert: the escalation ends.
		if _, err := d.Triage(ctx, env.Scope(t, "anna"), as[0].ID, detect.TriageRequest{Status: detect.StatusAcknowledged}, now.Add(7*time.Minute)); err != nil {
			t.Fatal(err)
		}
		es, err := oc.Escalations(ctx, soc, oncall.Filter{})
		if err != nil || len(es) != 1 || es[0].State != oncall.StateResolved {
			t.Errorf("escalations after the alert was taken = %+v, %v; want it resolved", es, err)
		}
		if _, err := oc.Sweep(ctx, now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if count("anna") != 1 || count("bo") != 1 {
			t.Errorf("pages after the alert was taken: anna %d, bo %d", count("anna"), count("bo"))
		}
	})
}

// TestDashboardCountersMatchAlerts: the counters the dashboard reads (open
// alerts per tenant and level; alerts, closed and false positives per
// rule) agree with the alerts themselves after closing, reopening and
// changing a resolution.
func TestDashboardCountersMatchAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		soc := env.Scope(t, "demo-soc-analyst")
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		for i, org := range []string{"101", "147", "265"} {
			if err := d.Handle(ctx, []detect.Batch{{ID: "b" + org, Events: failedLogins(t, env.Org(t, org).ID, "x"+org, now.Add(time.Duration(i)*time.Minute))}}); err != nil {
				t.Fatal(err)
			}
		}
		as, _, err := d.Alerts(ctx, soc, detect.Filter{})
		if err != nil || len(as) != 3 {
			t.Fatalf("alerts = %d, %v", len(as), err)
		}
		steps := []detect.TriageRequest{
			{Status: detect.StatusClosed, Resolution: "false-positive"},
			{Status: detect.StatusClosed, Resolution: "true-positive"},
			{Status: detect.StatusNew, Comment: "reopened"},
			{Status: detect.StatusClosed, Resolution: "false-positive"},
		}
		for i, st := range steps {
			if _, err := d.Triage(ctx, soc, as[i%2].ID, st, now); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		check := func(what, counted, actual string) {
			t.Helper()
			var c, a string
			if err := db.Reader().QueryRowContext(ctx, counted).Scan(&c); err != nil {
				t.Fatal(err)
			}
			if err := db.Reader().QueryRowContext(ctx, actual).Scan(&a); err != nil {
				t.Fatal(err)
			}
			if c != a {
				t.Errorf("%s: counted %s, the alerts say %s", what, c, a)
			}
		}
		check("open alerts", `SELECT COALESCE(SUM(n), 0) FROM alert_open_counts`, `SELECT COUNT(*) FROM alerts WHERE status <> 'closed'`)
		check("closed", `SELECT COALESCE(SUM(closed), 0) FROM alert_rule_stats WHERE tenant = -1`, `SELECT COUNT(*) FROM alerts WHERE status = 'closed'`)
		check("false positives", `SELECT COALESCE(SUM(false_positive), 0) FROM alert_rule_stats WHERE tenant <> -1`,
			`SELECT COUNT(*) FROM alerts WHERE status = 'closed' AND resolution = 'false-positive'`)
		check("alerts", `SELECT COALESCE(SUM(alerts), 0) FROM alert_rule_stats WHERE tenant = -1`, `SELECT COUNT(*) FROM alerts`)
		st, err := d.Stats(ctx, env.Scope(t, "demo-ciso"), now.AddDate(0, -1, 0))
		if err != nil || len(st.Open) != 1 || st.Open[0].Tenant != env.Org(t, "101").ID {
			t.Errorf("København's CISO's open alerts = %+v, %v", st.Open, err)
		}
	})
}

// TestIndicatorTLP: every TLP level's reach on the indicator list (and on
// marking a case's observables, which reads through the same predicate).
func TestIndicatorTLP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		d := detect.New(db, nil)
		kk := env.Org(t, "101").ID
		rep, err := d.AddIndicators(ctx, env.Scope(t, "demo-cert"), "test", []indicator.Indicator{
			{Type: "ip", Value: "192.0.2.1", TLP: "clear"},
			{Type: "ip", Value: "192.0.2.2", TLP: "amber", OrgID: kk},
			{Type: "ip", Value: "192.0.2.3", TLP: "amber+strict", OrgID: kk},
			{Type: "ip", Value: "192.0.2.4", TLP: "red"},
			{Type: "ip", Value: "192.0.2.5", TLP: "amber"}, // the CERT's own AMBER: nobody outside
			{Type: "ip", Value: "192.0.2.6", TLP: "purple"},
		}, nil)
		if err != nil || rep.Added != 5 || len(rep.Rejected) != 1 {
			t.Fatalf("add = %+v, %v; want 5 added and the unknown TLP refused", rep, err)
		}
		for _, c := range []struct {
			user string
			want string
		}{
			{"demo-ciso", "192.0.2.1 192.0.2.2 192.0.2.3"},
			{"demo-unit-manager", "192.0.2.1 192.0.2.2"},
			{"ciso-147", "192.0.2.1"},
			{"demo-governance", "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.5"},
			{"demo-soc-analyst", "192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5"},
		} {
			sc := env.Scope(t, c.user)
			items, total, err := d.Indicators(ctx, sc, detect.IndicatorFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := len(items) - 1; i >= 0; i-- {
				got = append(got, items[i].Value)
			}
			if strings.Join(got, " ") != c.want || total != len(items) {
				t.Errorf("%s reads %v (total %d); want %s", c.user, got, total, c.want)
			}
			known, err := detect.IndicatorsFor(ctx, db.Reader(), sc, []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"})
			if err != nil || len(known) != len(strings.Fields(c.want)) {
				t.Errorf("%s: known indicators among observables = %v, %v; want %s", c.user, known, err, c.want)
			}
		}
	})
}
