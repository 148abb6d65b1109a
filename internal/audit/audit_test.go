package audit_test

import (
	"context"
	"errors"
	"os"
	"strconv"
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

// TestAnchorsCatchARewoundHead: the last records deleted together with a
// head rewound to the record before them pass Verify (the chain is
// consistent), but not the anchor written before the deletion; an
// anchor taken after it, of a rewritten chain, fails too.
func TestAnchorsCatchARewoundHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		load(t, db)
		path := t.TempDir() + "/anchors.jsonl"
		head, err := audit.Head(ctx, db.Reader())
		if err != nil || head.Seq < 100 {
			t.Fatalf("Head = %+v, %v", head, err)
		}
		if err := audit.AppendAnchor(path, head); err != nil {
			t.Fatal(err)
		}
		check := func() error {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			anchors, err := audit.ReadAnchors(f)
			if err != nil || len(anchors) == 0 {
				t.Fatalf("ReadAnchors = %d, %v", len(anchors), err)
			}
			return audit.VerifyAnchors(ctx, db.Reader(), anchors)
		}
		if err := check(); err != nil {
			t.Fatalf("VerifyAnchors(intact) = %v", err)
		}
		// Remove the last three records and rewind the head consistently.
		var prevHash string
		if err := db.Reader().QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, head.Seq-3).Scan(&prevHash); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DELETE FROM audit_log WHERE seq > ` + itoa(head.Seq-3), `UPDATE audit_head SET seq = ` + itoa(head.Seq-3) + `, hash = '` + prevHash + `' WHERE id = 1`} {
			if _, err := db.Reader().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := audit.Verify(ctx, db.Reader(), nil); err != nil {
			t.Fatalf("Verify after a consistent truncation = %v; the chain alone cannot tell (that is why anchors exist)", err)
		}
		var b *audit.Broken
		if err := check(); !errors.As(err, &b) || b.Seq != head.Seq-2 || !strings.Contains(b.Reason, "removed from the end") {
			t.Errorf("VerifyAnchors after the truncation = %v; want record %d named as removed", err, head.Seq-2)
		}
		// A rewritten record under an anchor.
		if _, err := db.Reader().ExecContext(ctx, `UPDATE audit_log SET hash = '`+strings.Repeat("0", 64)+`' WHERE seq = 10`); err != nil {
			t.Fatal(err)
		}
		if err := audit.AppendAnchor(path, audit.Anchor{Seq: 10, Hash: strings.Repeat("a", 64)}); err != nil {
			t.Fatal(err)
		}
		if err := check(); !errors.As(err, &b) {
			t.Errorf("VerifyAnchors with a rewritten record = %v; want *Broken", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
