package orders_test

import (
	"cmp"
	"context"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// orderKey compares two orders on one sort key, as the list must.
var orderKey = map[string]func(a, b orders.Order) int{
	orders.SortID:      func(a, b orders.Order) int { return cmp.Compare(a.ID, b.ID) },
	orders.SortCreated: func(a, b orders.Order) int { return a.CreatedAt.Compare(b.CreatedAt) },
	orders.SortUpdated: func(a, b orders.Order) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
	orders.SortStatus: func(a, b orders.Order) int {
		rank := func(s orders.Status) int {
			for i, x := range orders.Statuses() {
				if x == s {
					return i
				}
			}
			return 99
		}
		return cmp.Compare(rank(a.Status), rank(b.Status))
	},
	orders.SortService: func(a, b orders.Order) int { return cmp.Compare(a.Service+"/"+a.Level, b.Service+"/"+b.Level) },
	orders.SortMunicipality: func(a, b orders.Order) int {
		return cmp.Compare(strings.ToLower(a.MunicipalityName), strings.ToLower(b.MunicipalityName))
	},
	orders.SortUnit: func(a, b orders.Order) int {
		return cmp.Compare(strings.ToLower(a.UnitName), strings.ToLower(b.UnitName))
	},
	orders.SortQuantity: func(a, b orders.Order) int { return cmp.Compare(a.Quantity, b.Quantity) },
}

// TestListSorted: every sort key orders the list in both directions,
// equal keys by number in the same direction, and paging through a
// sorted list returns every order once, in the same order.
func TestListSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		desk := f.Scope(t, "demo-servicedesk")
		for _, p := range []struct {
			user, service, level string
			qty                  int
			moves                []orders.Status
		}{
			{"demo-kommune-it", "storage-block", "basis", 7, []orders.Status{orders.Accepted}},
			{"it-aal", "network-lan", "basis", 3, nil},
			{"demo-kommune-it", "network-lan", "basis", 12, []orders.Status{orders.Accepted, orders.InDelivery, orders.Active}},
			{"it-frb", "storage-block", "basis", 3, nil},
			{"demo-kommune-it", "storage-file", "basis", 1, []orders.Status{orders.Cancelled}},
			{"it-aal", "storage-block", "basis", 40, nil},
			{"demo-kommune-it", "network-wan", "basis", 3, []orders.Status{orders.Rejected}},
		} {
			o, err := f.Orders.Place(ctx, f.Scope(t, p.user), orders.NewOrder{Service: p.service, Level: p.level, Quantity: p.qty})
			if err != nil {
				t.Fatalf("Place(%s, %s) = %v", p.user, p.service, err)
			}
			for _, to := range p.moves {
				sc := desk
				if to == orders.Cancelled {
					sc = f.Scope(t, p.user)
				}
				if _, err := f.Orders.Move(ctx, sc, o.ID, to, "because"); err != nil {
					t.Fatalf("Move(%d, %s) = %v", o.ID, to, err)
				}
			}
		}
		sys := access.System("test")
		all, n, err := f.Orders.List(ctx, sys, orders.Filter{})
		if err != nil || n != 7 || len(all) != 7 {
			t.Fatalf("List() = %d of %d, %v; want 7", len(all), n, err)
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].ID < all[i].ID {
				t.Errorf("default order: %d before %d; want newest first", all[i-1].ID, all[i].ID)
			}
		}
		for _, key := range orders.Sorts() {
			for _, desc := range []bool{false, true} {
				s := store.Sort{Key: key, Desc: desc}
				got, _, err := f.Orders.List(ctx, sys, orders.Filter{Sort: s})
				if err != nil || len(got) != 7 {
					t.Fatalf("List(sort %s) = %d, %v", s, len(got), err)
				}
				distinct := false
				for i := 1; i < len(got); i++ {
					c := orderKey[key](got[i-1], got[i])
					if c != 0 {
						distinct = true
					}
					if desc {
						c = -c
					}
					if c > 0 || (c == 0 && (got[i-1].ID < got[i].ID) == desc) {
						t.Errorf("List(sort %s): order %d before %d", s, got[i-1].ID, got[i].ID)
					}
				}
				if !distinct {
					t.Errorf("List(sort %s): every order has the same key; the test proves nothing", s)
				}
				var paged []int64
				for off := 0; off < 10; off += 2 {
					page, total, err := f.Orders.List(ctx, sys, orders.Filter{Sort: s, Limit: 2, Offset: off})
					if err != nil || total != 7 {
						t.Fatalf("List(sort %s, offset %d) = %d, %v", s, off, total, err)
					}
					for _, o := range page {
						paged = append(paged, o.ID)
					}
				}
				for i, o := range got {
					if i >= len(paged) || paged[i] != o.ID {
						t.Fatalf("List(sort %s) paged by 2 = %v; want the order of one page, %d first", s, paged, got[0].ID)
					}
				}
				if len(paged) != len(got) {
					t.Errorf("List(sort %s) paged by 2 = %d orders; want %d", s, len(paged), len(got))
				}
			}
		}
		if _, _, err := f.Orders.List(ctx, sys, orders.Filter{Sort: store.Sort{Key: "colour"}}); errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != "sort" {
			t.Errorf("List(sort colour) = %v; want EINVALID on sort", err)
		}
		if _, err := orders.ParseSort("sort", "-quantity"); err != nil {
			t.Errorf("ParseSort(-quantity) = %v", err)
		}
	})
}
