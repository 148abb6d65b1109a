package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func load(t *testing.T, db *store.DB) *demotest.Env { return demotest.New(t, db, false) }

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string
		wantSeq int64
		reason  string
	}{
		{"altered", `UPDATE audit_log SET actor = 'mallory' WHERE seq = 5`, 5, "altered"},
		{"altered detail", `UPDATE audit_log SET detail = '{}' WHERE seq = 7`, 7, "altered"},
		{"removed", `DELETE FROM audit_log WHERE seq = 9`, 9, "missing"},
		{"removed last", `DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`, -1, "removed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				load(t, db)
				n, err := audit.Verify(ctx, db.Reader(), nil)
				if err != nil || n < 100 {
					t.Fatalf("Verify(intact) = %d, %v; want >= 100 records and no error", n, err)
				}
				if _, err := db.Reader().ExecContext(ctx, c.tamper); err != nil {
					t.Fatal(err)
				}
				_, err = audit.Verify(ctx, db.Reader(), nil)
				var b *audit.Broken
				if !errors.As(err, &b) {
					t.Fatalf("Verify(after %s) = %v; want *Broken", c.name, err)
				}
				want := c.wantSeq
				if want < 0 {
					want = n
				}
				if b.Seq != want || !strings.Contains(b.Reason, c.reason) {
					t.Errorf("Verify(after %s) = %v; want record %d, reason containing %q", c.name, b, want, c.reason)
				}
			})
		})
	}
}

func TestListScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := load(t, db)
		for _, code := range []string{"101", "147"} {
			e.AddUser(t, "ciso-"+code, code, access.RoleCISO)
		}
		scopeOf := func(name string) access.Scope { return e.Scope(t, name) }
		ciso := scopeOf("ciso-101")
		recs, total, err := audit.List(ctx, db.Reader(), ciso, audit.Filter{Limit: 500})
		if err != nil || total == 0 {
			t.Fatalf("ciso-101 List = %d, %v; want its organisation's records", total, err)
		}
		for _, r := range recs {
			if r.OrgID != ciso.OrgID && r.ActorOrgID != ciso.OrgID {
				t.Errorf("ciso-101 sees record %d about org %d by %s", r.Seq, r.OrgID, r.Actor)
			}
		}
		if _, _, err := audit.List(ctx, db.Reader(), scopeOf("demo-spoc"), audit.Filter{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("spoc List = %v; want EFORBIDDEN", err)
		}
		gov := scopeOf("demo-governance")
		_, all, err := audit.List(ctx, db.Reader(), gov, audit.Filter{})
		if err != nil || all <= total {
			t.Errorf("governance sees %d records, ciso %d; want more", all, total)
		}
		page, _, err := audit.List(ctx, db.Reader(), gov, audit.Filter{Action: "user.", Limit: 3})
		if err != nil || len(page) != 3 {
			t.Fatalf("List(user., 3) = %d, %v", len(page), err)
		}
		next, _, _ := audit.List(ctx, db.Reader(), gov, audit.Filter{Action: "user.", Limit: 3, Before: page[2].Seq})
		if len(next) == 0 || next[0].Seq >= page[2].Seq {
			t.Errorf("next page starts at %v; want below %d", next, page[2].Seq)
		}
		for _, r := range append(page, next...) {
			if !strings.HasPrefix(r.Action, "user.") || strings.Contains(string(r.Detail), "password\":") {
				t.Errorf("record %d: action %s detail %s", r.Seq, r.Action, r.Detail)
			}
		}
	})
}
