package live_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/compliance/live"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/logstd"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// TestSilentSourceTurnsLoggingRed: København sends every source type the
// logging standard requires, and its CISO rests ISO A.8.15 (logging) on
// the live check. When one source falls silent, the next evaluation fails
// the check and the requirement turns not met — in ISO and, through the
// mappings, wherever it is derived — and the evidence list says why.
func TestSilentSourceTurnsLoggingRed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, true)
		reg := sources.New(db)
		clock := time.Now().UTC().Truncate(time.Second)
		svc := compliance.New(db)
		svc.Clock = func() time.Time { return clock }
		svc.Register(live.Checks(live.Platform{Sources: reg, Access: env.Access, CERT: cert.New(db), Cases: soc.New(db), Orgs: env.Orgs,
			Desk: servicedesk.NewService(db, env.Catalog), Orders: env.Orders, Catalog: env.Catalog})...)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		cph := env.Org(t, "101")
		seen := map[int64]sources.Seen{}
		var last sources.Source
		for i, typ := range logstd.Default().SourceTypes {
			if !typ.Required(string(cph.Kind)) {
				continue
			}
			s, _, err := reg.Add(ctx, access.System("t"), sources.NewSource{OrgID: cph.ID, Name: typ.ID, Kind: sources.KindCIDR, Value: fmt.Sprintf("10.9.%d.0/24", i),
				Type: typ.ID, SilentAfter: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			seen[s.ID], last = sources.Seen{Last: clock.Add(-time.Minute), Events: 5}, s
		}
		if len(seen) == 0 {
			t.Fatal("the logging standard requires nothing of a municipality")
		}
		if err := reg.RecordSeen(ctx, seen); err != nil {
			t.Fatal(err)
		}
		ciso := env.Scope(t, "demo-ciso")
		if _, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", "A.8.15", compliance.AnswerChange{Status: ptr("met"), LiveCheck: ptr(live.LogCoverage)}); err != nil {
			t.Fatal(err)
		}
		status := func(fw, ref string) compliance.Answer {
			t.Helper()
			as, err := svc.Assessment(ctx, ciso, "101", fw, "da")
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as.Items {
				if a.RefID == ref {
					return a
				}
			}
			t.Fatalf("%s has no requirement %s", fw, ref)
			return compliance.Answer{}
		}
		if n, err := svc.Evaluate(ctx, false); err != nil || n == 0 {
			t.Fatalf("Evaluate = %d, %v", n, err)
		}
		if a := status("iso27001-2022", "A.8.15"); a.Status != compliance.Met || a.Live == nil || a.Live.Result != "pass" {
			t.Fatalf("A.8.15 while every source sends = %+v (live %+v); want met, passing", a, a.Live)
		}
		// Evaluated again with nothing changed: the results move on in
		// time, they do not pile up.
		rows := func() int {
			var n int
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM compliance_check_results`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := rows()
		clock = clock.Add(time.Minute)
		if _, err := svc.Evaluate(ctx, true); err != nil {
			t.Fatal(err)
		}
		if after := rows(); after != before {
			t.Errorf("an evaluation that changed nothing went from %d to %d result rows", before, after)
		}
		if a := status("iso27001-2022", "A.8.15"); a.Live == nil || !a.Live.EvaluatedAt.Equal(clock) {
			t.Errorf("the latest result after the second evaluation = %+v; want it evaluated at %v", a.Live, clock)
		}
		// Not due again yet: another node's tick does nothing.
		if n, err := svc.Evaluate(ctx, false); n != 0 || err != nil {
			t.Errorf("Evaluate again at once = %d, %v; want nothing (claimed for 15 minutes)", n, err)
		}

		// The last source falls silent; 20 minutes later the check runs.
		clock = clock.Add(2 * time.Hour)
		delete(seen, last.ID)
		for id := range seen {
			seen[id] = sources.Seen{Last: clock.Add(-time.Minute), Events: 1}
		}
		if err := reg.RecordSeen(ctx, seen); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Evaluate(ctx, false); err != nil || n == 0 {
			t.Fatalf("Evaluate after 2 hours = %d, %v", n, err)
		}
		a := status("iso27001-2022", "A.8.15")
		if a.Status != compliance.NotMet || a.Answered != compliance.Met || a.Live == nil || a.Live.Result != "fail" || a.Live.DetailDA == "" {
			t.Errorf("A.8.15 with a silent source = %+v (live %+v); want not met by the failing check, answered met", a, a.Live)
		}
		// The check is evidence for these too: red without being linked.
		for _, r := range [][2]string{{"tmk", "16"}, {"iso27001-2022", "A.8.16"}} {
			if d := status(r[0], r[1]); d.Status != compliance.NotMet || d.Live == nil || d.Live.Check != live.LogCoverage {
				t.Errorf("%s %s with a silent source = %+v; want not met by the failing log-coverage check", r[0], r[1], d)
			}
		}
		// Unlinking the answer does not turn it green.
		cur := status("iso27001-2022", "A.8.15")
		if a, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", "A.8.15", compliance.AnswerChange{LiveCheck: ptr(""), Version: cur.Version}); err != nil || a.Status != compliance.NotMet {
			t.Errorf("A.8.15 unlinked from its failing check = %+v, %v; want still not met", a, err)
		}
		ev, err := svc.EvidenceList(ctx, ciso, "101")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range ev {
			if e.Live && e.Check == live.LogCoverage {
				found = true
				if e.Result != "fail" || len(e.Requirements) < 3 {
					t.Errorf("live evidence %+v; want failing, for ISO, TMK and NIS2 requirements", e)
				}
			}
		}
		if !found {
			t.Errorf("no live log-coverage evidence in %+v", ev)
		}

		// A second factor for every privileged user of København turns
		// mfa-privileged green; Frederiksberg without users has nothing
		// to fail.
		mfa := map[string]string{}
		if _, err := svc.Evaluate(ctx, true); err != nil {
			t.Fatal(err)
		}
		ev, _ = svc.EvidenceList(ctx, ciso, "101")
		for _, e := range ev {
			mfa[e.Check] = e.Result
		}
		if mfa[live.VulnsPatched] != "pass" || mfa[live.IncidentReporting] != "pass" || mfa[live.MFAPrivileged] == "" ||
			mfa[live.BackupSubscribed] != "fail" || mfa[live.ServiceLevels] != "unknown" {
			t.Errorf("live results for København = %v; want vulnerabilities and reporting passing, MFA evaluated, backup failing (no subscription), service levels unknown (no tickets)", mfa)
		}
	})
}
