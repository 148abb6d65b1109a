package transition_test

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/transition"
)

func TestPlanAndOverview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, true)
		orgs, cat, ord, plan := e.Orgs, e.Catalog, e.Orders, e.Plan
		sys := access.System("t")
		scopeOf := func(name string) access.Scope { return e.Scope(t, name) }
		cph, _ := orgs.Get(ctx, sys, "101")
		frb, _ := orgs.Get(ctx, sys, "147")
		it := scopeOf("demo-kommune-it")
		c, _, _ := cat.Get(ctx, sys, "current")
		basic := 0
		for _, s := range c.Services {
			if s.Mandatory {
				basic++
			}
		}

		entries, err := plan.Plan(ctx, it, cph.ID)
		if err != nil || len(entries) != basic {
			t.Fatalf("Plan = %d entries, %v; want %d", len(entries), err, basic)
		}
		if entries[0].Source != transition.SelfRun || entries[0].Derived {
			t.Errorf("default entry = %+v; want self-run, not derived", entries[0])
		}
		// A subscription activated three months ago derives the entry.
		ord.Clock = func() time.Time { return time.Now().AddDate(0, -3, 0) }
		o, err := ord.Place(ctx, it, orders.NewOrder{Service: "network-lan", Level: "basis", Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		desk := scopeOf("demo-servicedesk")
		for _, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
			if _, err := ord.Move(ctx, desk, o.ID, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		entries, _ = plan.Plan(ctx, it, cph.ID)
		var lan transition.Entry
		for _, e := range entries {
			if e.Service == "network-lan" {
				lan = e
			}
		}
		if !lan.Derived || lan.Source != transition.FromUnit || lan.Status != transition.Done || lan.SubscriptionID != o.ID {
			t.Errorf("network-lan entry = %+v; want derived from subscription %d", lan, o.ID)
		}
		if _, err := plan.Set(ctx, it, cph.ID, "network-lan", transition.Change{Source: transition.SelfRun, Status: transition.NotStarted}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("editing a derived entry = %v; want ECONFLICT", err)
		}
		// Edits: validated, own municipality only.
		bad := []struct {
			ch    transition.Change
			field string
		}{
			{transition.Change{Source: "cloud", Status: transition.Planned, PlannedDate: "2027-01-01"}, "source"},
			{transition.Change{Source: transition.External, Status: transition.Planned, PlannedDate: "2027-01-01"}, "supplier"},
			{transition.Change{Source: transition.SelfRun, Status: transition.Planned}, "planned_date"},
			{transition.Change{Source: transition.SelfRun, Status: "soon"}, "status"},
		}
		for _, b := range bad {
			if _, err := plan.Set(ctx, it, cph.ID, "storage-block", b.ch); errs.As(err) == nil || errs.As(err).Field != b.field {
				t.Errorf("Set(%+v) = %v; want EINVALID on %s", b.ch, err, b.field)
			}
		}
		if _, err := plan.Set(ctx, it, cph.ID, "server-physical-hosting", transition.Change{Source: transition.SelfRun, Status: transition.NotStarted}); errs.As(err) == nil || errs.As(err).Field != "service" {
			t.Errorf("Set(non-basic service) = %v; want EINVALID on service", err)
		}
		ent, err := plan.Set(ctx, it, cph.ID, "storage-block", transition.Change{Source: transition.External, Supplier: "Lager A/S", Status: transition.Planned, PlannedDate: "2027-03-01"})
		if err != nil || ent.PlannedDate != "2027-03-01" {
			t.Fatalf("Set = %+v, %v", ent, err)
		}
		if _, err := plan.Set(ctx, it, frb.ID, "storage-block", transition.Change{Source: transition.SelfRun, Status: transition.NotStarted}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Set on another municipality = %v; want EFORBIDDEN", err)
		}
		if _, err := plan.Plan(ctx, it, frb.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Plan of another municipality = %v; want ENOTFOUND", err)
		}

		// Overview: one of 98 × basic services is bought from a unit.
		ov, err := plan.Overview(ctx, scopeOf("demo-governance"), 6)
		if err != nil {
			t.Fatal(err)
		}
		wantTotal := float64(int(1000.0/float64(98*basic)+0.5)) / 10
		if ov.Total.FromUnit != 1 || ov.Total.Percent != wantTotal || len(ov.Municipalities) != 98 || len(ov.Regions) != 5 {
			t.Errorf("overview total %+v, %d municipalities, %d regions; want 1 (%.1f%%), 98, 5", ov.Total, len(ov.Municipalities), len(ov.Regions), wantTotal)
		}
		if len(ov.History) != 6 || ov.History[0].Total != 0 || ov.History[5].Total != wantTotal {
			t.Errorf("history = %+v; want 6 months rising from 0 to %.1f", ov.History, wantTotal)
		}
		// A municipality sees aggregates, and only its own row.
		own, _ := plan.Overview(ctx, it, 1)
		if len(own.Municipalities) != 1 || own.Municipalities[0].Key != "101" || own.Total.FromUnit != 1 {
			t.Errorf("kommune-it overview = %+v", own.Municipalities)
		}
	})
}
