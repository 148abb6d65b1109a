package catalog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func setup(t *testing.T, db *store.DB) *demotest.Env {
	t.Helper()
	e := demotest.New(t, db, false)
	if _, err := e.Catalog.EnsureStandard(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPublishVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sys := access.System("t")
		again, err := f.Catalog.EnsureStandard(ctx)
		if err != nil || again {
			t.Fatalf("second EnsureStandard = %v, %v; want no new version", again, err)
		}
		src := strings.Replace(string(catalog.StandardYAML()), `version: "2026.1"`, `version: "2026.2"`, 1)
		src = strings.Replace(src, "  - id: storage-object\n", "  - id: storage-archive\n", 1)
		admin := f.Scope(t, "demo-governance")
		if _, _, err := f.Catalog.Publish(ctx, admin, "x.yaml", []byte(src)); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("governance Publish = %v; want EFORBIDDEN (read-only)", err)
		}
		info, created, err := f.Catalog.Publish(ctx, sys, "new.yaml", []byte(src))
		if err != nil || !created || info.Version != "2026.2" {
			t.Fatalf("Publish(2026.2) = %+v, %v, %v", info, created, err)
		}
		// Same version, other content: refused.
		other := strings.Replace(src, "availability: 99.5", "availability: 99.6", 1)
		if _, _, err := f.Catalog.Publish(ctx, sys, "other.yaml", []byte(other)); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("Publish(changed 2026.2) = %v; want ECONFLICT", err)
		}
		// A file with problems is refused with its lines.
		_, _, err = f.Catalog.Publish(ctx, sys, "broken.yaml", []byte("version: \"9\"\ntitle: {da: a, en: b}\nservices: []\nextra: 1\n"))
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "broken.yaml:4: unknown key") {
			t.Errorf("Publish(broken) = %v; want EINVALID naming broken.yaml:4", err)
		}
		vs, err := f.Catalog.Versions(ctx, sys)
		if err != nil || len(vs) != 2 || vs[0].Version != "2026.2" || vs[1].Version != "2026.1" {
			t.Fatalf("Versions = %+v, %v; want 2026.2 then 2026.1", vs, err)
		}
		cur, _, err := f.Catalog.Get(ctx, sys, "current")
		if err != nil || cur.Version != "2026.2" {
			t.Errorf("current = %v, %v", cur, err)
		}
		old, _, err := f.Catalog.Get(ctx, sys, "2026.1")
		if _, ok := old.Service("storage-object"); err != nil || !ok {
			t.Errorf("the old version lost storage-object")
		}
		changes, err := f.Catalog.Compare(ctx, sys, "2026.1", "2026.2")
		if err != nil || catalog.Summary(changes) != "1 added, 1 removed" {
			t.Errorf("Compare = %v (%s), %v", changes, catalog.Summary(changes), err)
		}
		if _, err := f.Catalog.Compare(ctx, sys, "2026.1", "1999"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Compare with an unknown version = %v; want EINVALID on to", err)
		}
	})
}

func TestOfferingsAndConformance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		mgr := f.Scope(t, "demo-unit-manager") // IT-enhed Hovedstaden
		hov, nord := f.Org(t, "enhed-hovedstaden").ID, f.Org(t, "enhed-nordjylland").ID
		past := time.Now().AddDate(0, -2, 0).Format(time.DateOnly)
		future := time.Now().AddDate(0, 3, 0).Format(time.DateOnly)

		bad := []struct {
			n     catalog.NewOffering
			field string
			code  errs.Code
		}{
			{catalog.NewOffering{UnitID: nord, Service: "network-lan", Level: "basis", ValidFrom: past, Delivery: catalog.InHouse, Attest: true}, "", errs.Forbidden},
			{catalog.NewOffering{UnitID: hov, Service: "teleport", Level: "basis", ValidFrom: past, Delivery: catalog.InHouse, Attest: true}, "service", errs.Invalid},
			{catalog.NewOffering{UnitID: hov, Service: "network-lan", Level: "gold", ValidFrom: past, Delivery: catalog.InHouse, Attest: true}, "level", errs.Invalid},
			{catalog.NewOffering{UnitID: hov, Service: "network-lan", Level: "basis", ValidFrom: "2026-02-30", Delivery: catalog.InHouse, Attest: true}, "valid_from", errs.Invalid},
			{catalog.NewOffering{UnitID: hov, Service: "network-lan", Level: "basis", ValidFrom: past, Delivery: catalog.SubSupplier, Attest: true}, "sub_supplier", errs.Invalid},
			{catalog.NewOffering{UnitID: hov, Service: "network-lan", Level: "basis", ValidFrom: past, Delivery: catalog.InHouse}, "attest", errs.Invalid},
			{catalog.NewOffering{UnitID: hov, Service: "network-lan", Level: "basis", ValidFrom: past, Delivery: catalog.InHouse, PriceDKK: -1, Attest: true}, "price_dkk", errs.Invalid},
		}
		for i, b := range bad {
			_, err := f.Catalog.Offer(ctx, mgr, b.n)
			if e := errs.As(err); e == nil || e.Code != b.code || e.Field != b.field {
				t.Errorf("bad offering %d: %v; want %s on %q", i, err, b.code, b.field)
			}
		}
		sys := access.System("t")
		cur, _, _ := f.Catalog.Get(ctx, sys, "current")
		min := cur.Minimum()
		// Hovedstaden offers all but the last mandatory level, which it plans.
		var lan catalog.Offering
		for i, req := range min {
			from := past
			if i == len(min)-1 {
				from = future
			}
			o, err := f.Catalog.Offer(ctx, mgr, catalog.NewOffering{UnitID: hov, Service: req.Service, Level: req.Level, ValidFrom: from,
				PriceDKK: 100.5, Delivery: catalog.InHouse, Attest: true})
			if err != nil {
				t.Fatalf("Offer(%v) = %v", req, err)
			}
			if req.Service == "network-lan" && req.Level == "basis" {
				lan = o
			}
		}
		if _, err := f.Catalog.Offer(ctx, mgr, catalog.NewOffering{UnitID: hov, Service: "network-lan", Level: "basis", ValidFrom: past,
			Delivery: catalog.SubSupplier, SubSupplier: "NetCo A/S", Attest: true}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a second offering of the same level = %v; want ECONFLICT", err)
		}
		rep, err := f.Catalog.Conformance(ctx, sys, "")
		if err != nil {
			t.Fatal(err)
		}
		var h, n catalog.UnitConformance
		for _, u := range rep.Units {
			switch u.UnitID {
			case hov:
				h = u
			case nord:
				n = u
			}
		}
		if h.Offered != len(min)-1 || h.Planned != 1 || h.Missing != 0 || h.MeetsMinimum {
			t.Errorf("Hovedstaden = %d offered, %d planned, %d missing, meets=%v; want %d/1/0/false", h.Offered, h.Planned, h.Missing, h.MeetsMinimum, len(min)-1)
		}
		if n.Missing != len(min) || n.MeetsMinimum {
			t.Errorf("Nordjylland = %d missing; want all %d", n.Missing, len(min))
		}
		// On the planned day Hovedstaden meets the minimum, since that day.
		later, _ := f.Catalog.Conformance(ctx, sys, time.Now().AddDate(0, 4, 0).Format(time.DateOnly))
		for _, u := range later.Units {
			if u.UnitID == hov && (!u.MeetsMinimum || u.MetSince != future) {
				t.Errorf("in four months Hovedstaden meets=%v since %q; want true since %s", u.MeetsMinimum, u.MetSince, future)
			}
		}
		var csv strings.Builder
		if err := rep.WriteCSV(&csv); err != nil || strings.Count(csv.String(), "\n") != 1+len(rep.Units)*len(min) {
			t.Errorf("CSV has %d lines; want header + %d", strings.Count(csv.String(), "\n"), len(rep.Units)*len(min))
		}
		// Withdrawing makes the level missing again.
		if _, err := f.Catalog.Withdraw(ctx, f.Scope(t, "demo-servicedesk"), lan.ID, ""); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("servicedesk Withdraw = %v; want EFORBIDDEN", err)
		}
		w, err := f.Catalog.Withdraw(ctx, mgr, lan.ID, "")
		if err != nil || w.Status != catalog.StatusWithdrawn {
			t.Fatalf("Withdraw = %+v, %v", w, err)
		}
		rep, _ = f.Catalog.Conformance(ctx, sys, "")
		for _, u := range rep.Units {
			if u.UnitID == hov && u.Missing != 1 {
				t.Errorf("after withdrawal Hovedstaden misses %d; want 1", u.Missing)
			}
		}
		if _, err := f.Catalog.Withdraw(ctx, mgr, lan.ID, ""); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("second Withdraw = %v; want ECONFLICT", err)
		}
	})
}
