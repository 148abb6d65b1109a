package compliance_test

import (
	"context"
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

// TestStandardLifecycle runs a document from draft through consultation
// to the council's approval and each unit's acknowledgement, then a
// revision that asks for acknowledgement again.
func TestStandardLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		svc := compliance.New(db)
		if _, err := svc.InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		gov, ciso, unit := env.Scope(t, "demo-governance"), env.Scope(t, "demo-ciso"), env.Scope(t, "demo-unit-manager")
		if _, err := svc.AddStandard(ctx, ciso, compliance.NewStandard{Ref: "FS-01", Title: "x"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a CISO adding a standard = %v; want Forbidden", err)
		}
		st, err := svc.AddStandard(ctx, gov, compliance.NewStandard{Ref: "FS-LOG-01", Title: "Fælles logningsstandard", Summary: "Hvad der logges, hvor længe.",
			Owner: "Sekretariatet", URL: "https://samdrift.example/standarder/log", Requirements: []compliance.RequirementRef{{Framework: "iso27001-2022", RefID: "A.8.15"}, {Framework: "tmk", RefID: "16"}}})
		if err != nil || st.Status != "draft" || len(st.Requirements) != 2 || st.Revision != 1 {
			t.Fatalf("AddStandard = %+v, %v", st, err)
		}
		if _, err := svc.AddStandard(ctx, gov, compliance.NewStandard{Ref: "FS-LOG-01", Title: "Igen"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a second FS-LOG-01 = %v; want Conflict", err)
		}
		if _, err := svc.AddStandard(ctx, gov, compliance.NewStandard{Ref: "FS-X", Title: "x", Requirements: []compliance.RequirementRef{{Framework: "iso27001-2022", RefID: "A.99.1"}}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a standard serving an unknown requirement = %v; want Invalid", err)
		}
		// Drafts are governance's.
		if _, err := svc.StandardByID(ctx, unit, st.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("the unit reading a draft = %v; want NotFound", err)
		}
		set := func(sc access.Scope, c compliance.StandardChange) (compliance.Standard, error) {
			return svc.ChangeStandard(ctx, sc, st.ID, c)
		}
		s := func(v string) *string { return &v }
		if _, err := set(gov, compliance.StandardChange{Status: s("consultation"), Revision: st.Revision}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("consultation without an end date = %v; want Invalid", err)
		}
		if st, err = set(gov, compliance.StandardChange{Status: s("consultation"), ConsultationUntil: s("2027-01-15"), Revision: st.Revision}); err != nil || st.Status != "consultation" {
			t.Fatalf("to consultation = %+v, %v", st, err)
		}
		if _, err := set(gov, compliance.StandardChange{Status: s("approved"), Revision: st.Revision}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("approved without the council's decision = %v; want Invalid", err)
		}
		if _, err := set(gov, compliance.StandardChange{Title: s("Stale"), Revision: st.Revision - 1}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a change on a stale revision = %v; want Conflict", err)
		}
		if st, err = set(gov, compliance.StandardChange{Status: s("approved"), ApprovalRecord: s("IT-arkitekturrådet 2027-01-20, pkt. 3"), Revision: st.Revision}); err != nil ||
			st.Status != "approved" || st.ApprovedAt == nil || st.Pending == 0 {
			t.Fatalf("approved = %+v, %v", st, err)
		}
		if _, err := set(gov, compliance.StandardChange{Summary: s("ændret"), Revision: st.Revision}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("changing an approved standard's content = %v; want Invalid", err)
		}
		for _, c := range []compliance.StandardChange{{Version: s("9.9"), Revision: st.Revision}, {ApprovalRecord: s("forged"), Revision: st.Revision}} {
			if _, err := set(gov, c); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("rewriting an approved standard's version or decision (%+v) = %v; want Invalid", c, err)
			}
		}
		ms, _, _ := notify.NewInbox(db).List(ctx, unit, time.Now().Add(time.Hour), 50)
		told := false
		for _, m := range ms {
			told = told || m.Kind == "standard.approved"
		}
		if !told {
			t.Errorf("the unit's manager was not told of the approval: %+v", ms)
		}
		pending := st.Pending
		if _, err := svc.Acknowledge(ctx, unit, st.ID, compliance.AckChange{Org: "101", Status: "implemented"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("the unit acknowledging for København = %v; want Forbidden (the municipality's CISO does)", err)
		}
		ack, err := svc.Acknowledge(ctx, unit, st.ID, compliance.AckChange{Status: "implementing", Note: "Udrulles i Q1"})
		if err != nil || !ack.Current || ack.OrgKind != "unit" {
			t.Fatalf("the unit's acknowledgement = %+v, %v", ack, err)
		}
		if _, err := svc.Acknowledge(ctx, ciso, st.ID, compliance.AckChange{Org: ack.OrgName, Status: "implemented"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("København's CISO acknowledging for the unit = %v; want refused as unknown", err)
		}
		if st, _ = svc.StandardByID(ctx, unit, st.ID); st.Pending != pending-1 || st.Acks["implementing"] != 1 || st.Mine == nil {
			t.Errorf("after the unit's acknowledgement = %+v; want one fewer pending, one implementing, the unit's own", st)
		}
		// A revision: back to draft with a new version; the old
		// acknowledgement no longer counts once the new one is approved.
		if _, err := set(gov, compliance.StandardChange{Status: s("draft"), Revision: st.Revision}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a revision without a new version = %v; want Invalid", err)
		}
		if st, err = set(gov, compliance.StandardChange{Status: s("draft"), Version: s("1.1"), Revision: st.Revision}); err != nil || st.ApprovedAt != nil {
			t.Fatalf("revised = %+v, %v", st, err)
		}
		if st, err = set(gov, compliance.StandardChange{Status: s("approved"), ApprovalRecord: s("IT-arkitekturrådet 2027-03-10, pkt. 2"), Revision: st.Revision}); err != nil || st.Pending != pending {
			t.Errorf("the revision approved = %+v, %v; want every unit pending again", st, err)
		}
		acks, err := svc.Acks(ctx, gov, st.ID)
		if err != nil || len(acks) == 0 {
			t.Fatalf("Acks = %+v, %v", acks, err)
		}
		for _, a := range acks {
			if a.Current {
				t.Errorf("acknowledgement %+v counts for version 1.1", a)
			}
		}
	})
}
