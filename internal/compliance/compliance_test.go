package compliance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// TestBuiltinFrameworks installs the shipped libraries (twice: the
// second time changes nothing) and reads them back.
func TestBuiltinFrameworks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := compliance.New(db)
		res, err := svc.InstallBuiltin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) < 8 {
			t.Fatalf("InstallBuiltin = %+v; want 8 libraries", res)
		}
		again, err := svc.InstallBuiltin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range again {
			if !r.Unchanged {
				t.Errorf("installing %s again changed it: %+v", r.Library, r)
			}
		}
		sc := env.Scope(t, "demo-ciso")
		fws, err := svc.Frameworks(ctx, sc, "da")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"iso27001": 93, "nis2": 0, "gdpr": 0, "tmk": 0}
		for _, f := range fws {
			for k, n := range want {
				if strings.Contains(f.ID, k) {
					if n > 0 && f.Requirements != n {
						t.Errorf("framework %s has %d requirements; want %d", f.ID, f.Requirements, n)
					}
					if f.Requirements == 0 || f.Name == "" {
						t.Errorf("framework %+v: want a name and requirements", f)
					}
					delete(want, k)
				}
			}
		}
		if len(want) > 0 {
			t.Errorf("frameworks %v missing from %+v", want, fws)
		}
		reqs, err := svc.Requirements(ctx, sc, "iso27001-2022", "en", compliance.RequirementFilter{Query: "8.15"})
		if err != nil || len(reqs) != 1 || len(reqs[0].Mappings) == 0 {
			t.Fatalf("Requirements(iso, 8.15) = %+v, %v; want one, with mappings", reqs, err)
		}
		if _, err := svc.Requirements(ctx, sc, "nope", "en", compliance.RequirementFilter{}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Requirements(unknown framework) = %v; want NotFound", err)
		}
	})
}

// TestAnswersDerive answers ISO A.8.15 for København and finds the
// requirements it maps to answered in the other frameworks, derived; an
// answer of one's own wins; versions guard against lost updates; other
// municipalities neither see nor change it.
func TestAnswersDerive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		svc := compliance.New(db)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		ciso, other := env.Scope(t, "demo-ciso"), env.Scope(t, "ciso-147")
		reqs, err := svc.Requirements(ctx, ciso, "iso27001-2022", "en", compliance.RequirementFilter{Query: "8.15"})
		if err != nil || len(reqs) != 1 {
			t.Fatal(reqs, err)
		}
		a, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", reqs[0].RefID, compliance.AnswerChange{Status: ptr("met"), Maturity: ptr(3), Owner: ptr("IT-sikkerhed")})
		if err != nil || a.Status != "met" || a.Version != 1 || *a.Maturity != 3 {
			t.Fatalf("SetAnswer = %+v, %v", a, err)
		}
		if _, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", reqs[0].RefID, compliance.AnswerChange{Status: ptr("partial")}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("SetAnswer with a stale version = %v; want Conflict", err)
		}
		if _, err := svc.SetAnswer(ctx, other, "101", "iso27001-2022", reqs[0].RefID, compliance.AnswerChange{Status: ptr("not_met"), Version: 1}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Frederiksberg answering for København = %v; want refused as unknown", err)
		}
		if _, err := svc.SetAnswer(ctx, ciso, "101", "iso27001-2022", reqs[0].RefID, compliance.AnswerChange{Status: ptr("not_applicable"), Version: 1}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("not applicable without a reason = %v; want Invalid", err)
		}
		derived := 0
		for _, m := range reqs[0].Mappings {
			as, err := svc.Assessment(ctx, ciso, "101", m.Framework, "da")
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range as.Items {
				if x.ID == m.RequirementID {
					if x.Derived == nil || x.Derived.RefID != reqs[0].RefID || x.Status == "not_assessed" {
						t.Errorf("%s %s (%s of ISO 8.15): %+v; want derived from ISO 8.15", m.Framework, x.RefID, m.Relationship, x)
					}
					derived++
				}
			}
		}
		if derived == 0 {
			t.Fatal("ISO 8.15 maps to nothing")
		}
		as, err := svc.Assessment(ctx, other, "147", "iso27001-2022", "da")
		if err != nil || as.Counts.Met != 0 || as.Counts.NotAssessed != 93 {
			t.Errorf("Frederiksberg's own assessment = %+v, %v; want nothing assessed", as.Counts, err)
		}
		if _, err := svc.Assessment(ctx, other, "101", "iso27001-2022", "da"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Frederiksberg reading København's assessment = %v; want refused as unknown", err)
		}
	})
}

// TestTrendAndReminders: each evaluation records the quarter's figures,
// a past quarter keeps how it ended, and evidence about to expire is
// reminded once.
func TestTrendAndReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := compliance.New(db)
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		svc.Clock = func() time.Time { return clock }
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		ciso := env.Scope(t, "demo-ciso")
		if _, err := svc.ImportAnswers(ctx, ciso, "101", "iso27001-2022", []compliance.AnswerRow{{Requirement: "A.5.1", Status: "met"}, {Requirement: "A.5.2", Status: "not_met"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddEvidence(ctx, ciso, "101", compliance.NewEvidence{Title: "Beredskabsplan", URL: "https://intra.kk.dk/beredskab", ExpiresAt: "2026-12-11"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Evaluate(ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Evaluate(ctx, true); err != nil {
			t.Fatal(err)
		}
		ms, _, err := notify.NewInbox(db).List(ctx, ciso, clock.Add(time.Hour), 50)
		if err != nil {
			t.Fatal(err)
		}
		reminded := 0
		for _, m := range ms {
			if m.Kind == "evidence.expiring" && m.Subject == "Beredskabsplan" {
				reminded++
			}
		}
		if reminded != 1 {
			t.Errorf("the CISO was reminded %d times of the expiring plan; want once", reminded)
		}
		// Next quarter: A.5.2 is met now.
		clock = time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC)
		if _, err := svc.ImportAnswers(ctx, ciso, "101", "iso27001-2022", []compliance.AnswerRow{{Requirement: "A.5.2", Status: "met"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Evaluate(ctx, true); err != nil {
			t.Fatal(err)
		}
		tr, err := svc.Trends(ctx, ciso, "101", "da")
		if err != nil {
			t.Fatal(err)
		}
		var iso *compliance.Trend
		for i := range tr {
			if tr[i].Framework == "iso27001-2022" {
				iso = &tr[i]
			}
		}
		if iso == nil || len(iso.Points) != 2 || iso.Points[0].Period != "2026-Q4" || iso.Points[1].Period != "2027-Q1" ||
			iso.Points[0].Score == nil || iso.Points[1].Score == nil || *iso.Points[1].Score <= *iso.Points[0].Score {
			t.Fatalf("ISO trend = %+v; want two quarters, the second higher", iso)
		}
		if _, err := svc.Trends(ctx, env.Scope(t, "demo-governance"), "", "da"); err != nil {
			t.Errorf("governance's trend over all = %v", err)
		}
	})
}
