package orders_test

import (
	"context"
	"sync"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func setup(t testing.TB, db *store.DB) *demotest.Env {
	t.Helper()
	e := demotest.New(t, db, true)
	e.AddUser(t, "it-frb", "147", access.RoleKommuneIT)
	e.AddUser(t, "it-aal", "851", access.RoleKommuneIT)
	e.AddUser(t, "desk-nord", "enhed-nordjylland", access.RoleServiceDesk)
	return e
}

func TestOrderLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		it := f.Scope(t, "demo-kommune-it") // København, supplied by enhed-hovedstaden
		desk := f.Scope(t, "demo-servicedesk")
		mgr := f.Scope(t, "demo-unit-manager")

		// Refusals.
		if _, err := f.Orders.Place(ctx, f.Scope(t, "demo-spoc"), orders.NewOrder{Service: "network-lan", Level: "basis", Quantity: 1}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("spoc Place = %v; want EFORBIDDEN", err)
		}
		frb, _ := f.Orgs.Get(ctx, access.System("t"), "147")
		if _, err := f.Orders.Place(ctx, it, orders.NewOrder{Municipality: frb.ID, Service: "network-lan", Level: "basis", Quantity: 1}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Place for another municipality = %v; want EFORBIDDEN", err)
		}
		nord, _ := f.Orgs.Get(ctx, access.System("t"), "enhed-nordjylland")
		if _, err := f.Orders.Place(ctx, it, orders.NewOrder{Unit: nord.ID, Service: "network-lan", Level: "basis", Quantity: 1}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Place from a unit that is not the supplier = %v; want EFORBIDDEN", err)
		}
		if _, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "network-wifi", Level: "standard", Quantity: 1}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("Place of a level not offered = %v; want ECONFLICT", err)
		}
		if _, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "network-lan", Level: "basis", Quantity: 0}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Place with quantity 0 = %v; want EINVALID", err)
		}
		// Aalborg's unit (Nordjylland) plans its last mandatory levels: ordering one says from when.
		cur, _, _ := f.Catalog.Get(ctx, access.System("t"), "current")
		min := cur.Minimum()
		planned := min[len(min)-2]
		if _, err := f.Orders.Place(ctx, f.Scope(t, "it-aal"), orders.NewOrder{Service: planned.Service, Level: planned.Level, Quantity: 1}); errs.CodeOf(err) != errs.Conflict || errs.As(err).Message == "" {
			t.Errorf("Place of a planned level = %v; want ECONFLICT saying from when", err)
		}

		o, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "server-virtual-linux", Level: "standard", Quantity: 12, Requirements: "RHEL 9"})
		if err != nil || o.Status != orders.Requested || o.UnitSlug != "enhed-hovedstaden" {
			t.Fatalf("Place = %+v, %v", o, err)
		}
		// The municipality cannot accept; the unit cannot cancel; reject needs a reason.
		if _, err := f.Orders.Move(ctx, it, o.ID, orders.Accepted, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("municipality accepts = %v; want EFORBIDDEN", err)
		}
		if _, err := f.Orders.Move(ctx, desk, o.ID, orders.Cancelled, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unit cancels = %v; want EFORBIDDEN", err)
		}
		if _, err := f.Orders.Move(ctx, desk, o.ID, orders.Rejected, ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("reject without reason = %v; want EINVALID", err)
		}
		if _, err := f.Orders.Move(ctx, desk, o.ID, orders.Active, ""); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("requested → active = %v; want ECONFLICT", err)
		}
		// Another unit does not even see it.
		if _, err := f.Orders.Move(ctx, f.Scope(t, "desk-nord"), o.ID, orders.Accepted, ""); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("other unit accepts = %v; want ENOTFOUND", err)
		}
		for _, step := range []struct {
			sc access.Scope
			to orders.Status
		}{{desk, orders.Accepted}, {desk, orders.InDelivery}, {mgr, orders.Active}, {it, orders.TerminationRequested}, {desk, orders.Terminated}} {
			if o, err = f.Orders.Move(ctx, step.sc, o.ID, step.to, "step"); err != nil || o.Status != step.to {
				t.Fatalf("Move(%s) = %s, %v", step.to, o.Status, err)
			}
		}
		if o.ActivatedAt == nil || o.TerminatedAt == nil || len(o.Events) != 6 {
			t.Errorf("terminated order: activated %v, terminated %v, %d events; want both set and 6 events", o.ActivatedAt, o.TerminatedAt, len(o.Events))
		}
		// Cancellation before acceptance.
		c, _ := f.Orders.Place(ctx, it, orders.NewOrder{Service: "network-lan", Level: "basis", Quantity: 3})
		if c, err = f.Orders.Move(ctx, it, c.ID, orders.Cancelled, "changed our minds"); err != nil || c.Status != orders.Cancelled {
			t.Errorf("cancel = %v, %v", c.Status, err)
		}

		// Scoping: another municipality gets 404, lists nothing of ours.
		other := f.Scope(t, "it-frb")
		if _, err := f.Orders.Get(ctx, other, o.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Frederiksberg Get(København's order) = %v; want ENOTFOUND", err)
		}
		if list, n, _ := f.Orders.List(ctx, other, orders.Filter{}); n != 0 || len(list) != 0 {
			t.Errorf("Frederiksberg lists %d orders; want 0", n)
		}
		if _, n, _ := f.Orders.List(ctx, desk, orders.Filter{}); n != 2 {
			t.Errorf("the unit lists %d orders; want 2", n)
		}
		if _, n, _ := f.Orders.List(ctx, f.Scope(t, "demo-governance"), orders.Filter{Statuses: orders.SubscriptionStatuses}); n != 1 {
			t.Errorf("governance lists %d subscriptions; want 1", n)
		}
	})
}

func TestConcurrentDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		it, desk, mgr := f.Scope(t, "demo-kommune-it"), f.Scope(t, "demo-servicedesk"), f.Scope(t, "demo-unit-manager")
		for round := 0; round < 5; round++ {
			o, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "storage-block", Level: "basis", Quantity: 2})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			results := make([]error, 2)
			start := make(chan struct{})
			for i, d := range []struct {
				sc access.Scope
				to orders.Status
			}{{desk, orders.Accepted}, {mgr, orders.Rejected}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, results[i] = f.Orders.Move(ctx, d.sc, o.ID, d.to, "decision")
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, err := range results {
				switch errs.CodeOf(err) {
				case "":
					wins++
				case errs.Conflict:
				default:
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			}
			final, _ := f.Orders.Get(ctx, desk, o.ID)
			if wins != 1 || (final.Status != orders.Accepted && final.Status != orders.Rejected) || len(final.Events) != 2 {
				t.Errorf("round %d: %d winners, status %s, %d events; want exactly one decision", round, wins, final.Status, len(final.Events))
			}
		}
	})
}

func TestWithdrawKeepsSubscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		it, desk, mgr := f.Scope(t, "demo-kommune-it"), f.Scope(t, "demo-servicedesk"), f.Scope(t, "demo-unit-manager")
		o, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "network-wan", Level: "basis", Quantity: 4})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
			if _, err := f.Orders.Move(ctx, desk, o.ID, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.Catalog.Withdraw(ctx, mgr, o.OfferingID, ""); err != nil {
			t.Fatal(err)
		}
		n, err := f.Orders.ActiveOnOffering(ctx, mgr, o.OfferingID)
		if err != nil || n != 1 {
			t.Errorf("ActiveOnOffering after withdrawal = %d, %v; want 1", n, err)
		}
		still, _ := f.Orders.Get(ctx, it, o.ID)
		if still.Status != orders.Active {
			t.Errorf("subscription after withdrawal = %s; want active", still.Status)
		}
		if _, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "network-wan", Level: "basis", Quantity: 1}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("ordering a withdrawn offering = %v; want ECONFLICT", err)
		}
		if _, err := f.Orders.Move(ctx, it, o.ID, orders.TerminationRequested, ""); err != nil {
			t.Errorf("the subscription cannot be terminated after withdrawal: %v", err)
		}
	})
}
