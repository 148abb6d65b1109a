package audit_test

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestListSorted: every sort key orders the audit listing in both
// directions, equal keys by sequence in the same direction; the default
// stays newest first; a sorted listing pages by offset without repeats,
// and refuses the newest-first cursor.
func TestListSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := load(t, db)
		orgName := map[int64]string{0: ""}
		for _, ref := range []string{"101", "147", "851"} {
			o := e.Org(t, ref)
			orgName[o.ID] = o.Name
		}
		var ids []int64
		for id := range orgName {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for i, r := range []struct {
			actor, action string
		}{
			{"Carl", "sortx.beta"}, {"anna", "sortx.alpha"}, {"Bo", "sortx.gamma"}, {"anna", "sortx.beta"},
			{"Dan", "sortx.alpha"}, {"Carl", "sortx.delta"}, {"bo", "sortx.alpha"},
		} {
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				return audit.Append(ctx, tx, audit.Actor{Name: r.actor}, audit.Entry{Action: r.action, OrgID: ids[i%len(ids)]})
			}); err != nil {
				t.Fatal(err)
			}
		}
		key := map[string]func(a, b audit.Record) int{
			audit.SortTime:   func(a, b audit.Record) int { return a.At.Compare(b.At) },
			audit.SortActor:  func(a, b audit.Record) int { return cmp.Compare(strings.ToLower(a.Actor), strings.ToLower(b.Actor)) },
			audit.SortAction: func(a, b audit.Record) int { return cmp.Compare(a.Action, b.Action) },
			audit.SortOrg: func(a, b audit.Record) int {
				return cmp.Compare(strings.ToLower(orgName[a.OrgID]), strings.ToLower(orgName[b.OrgID]))
			},
		}
		sys := access.System("test")
		f := audit.Filter{Action: "sortx."}
		def, n, err := audit.List(ctx, db.Reader(), sys, f)
		if err != nil || n != 7 || len(def) != 7 || def[0].Action != "sortx.alpha" || def[0].Actor != "bo" {
			t.Fatalf("List(sortx.) = %d of %d, %v; want 7, newest first", len(def), n, err)
		}
		for _, k := range audit.Sorts() {
			for _, desc := range []bool{false, true} {
				f.Sort = store.Sort{Key: k, Desc: desc}
				got, _, err := audit.List(ctx, db.Reader(), sys, f)
				if err != nil || len(got) != 7 {
					t.Fatalf("List(sort %s) = %d, %v", f.Sort, len(got), err)
				}
				distinct := false
				for i := 1; i < len(got); i++ {
					c := key[k](got[i-1], got[i])
					distinct = distinct || c != 0
					if desc {
						c = -c
					}
					if c > 0 || (c == 0 && (got[i-1].Seq < got[i].Seq) == desc) {
						t.Errorf("List(sort %s): record %d before %d", f.Sort, got[i-1].Seq, got[i].Seq)
					}
				}
				if !distinct {
					t.Errorf("List(sort %s): every record has the same key; the test proves nothing", f.Sort)
				}
				var paged, want []int64
				for off := 0; off < 8; off += 3 {
					pf := f
					pf.Limit, pf.Offset = 3, off
					page, total, err := audit.List(ctx, db.Reader(), sys, pf)
					if err != nil || total != 7 {
						t.Fatalf("List(sort %s, offset %d) = %d, %v", f.Sort, off, total, err)
					}
					for _, r := range page {
						paged = append(paged, r.Seq)
					}
				}
				for _, r := range got {
					want = append(want, r.Seq)
				}
				if !slices.Equal(paged, want) {
					t.Errorf("List(sort %s) paged by 3 = %v; want %v", f.Sort, paged, want)
				}
			}
		}
		f.Sort, f.Before = store.Sort{Key: audit.SortActor}, def[2].Seq
		if _, _, err := audit.List(ctx, db.Reader(), sys, f); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("List(sort actor, before) = %v; want EINVALID", err)
		}
		if _, _, err := audit.List(ctx, db.Reader(), sys, audit.Filter{Sort: store.Sort{Key: "seq"}}); errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != "sort" {
			t.Errorf("List(sort seq) = %v; want EINVALID on sort", err)
		}
	})
}
