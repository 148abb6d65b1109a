package org_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestReferenceData(t *testing.T) {
	ms, err := org.Municipalities()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 98 {
		t.Fatalf("Municipalities() = %d rows; want 98", len(ms))
	}
	if ms[0].Code != "101" || ms[0].Name != "København" {
		t.Errorf("first municipality = %+v; want 101 København", ms[0])
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Høje-Taastrup": "hoeje-taastrup", "Ærø": "aeroe", "Aabenraa": "aabenraa",
		"Lyngby-Taarbæk": "lyngby-taarbaek", "  Fælles SOC/CERT ": "faelles-soc-cert",
	} {
		if got := org.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestDemoOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		orgs := org.NewService(db)
		acc := access.NewService(db, access.DefaultMFARoles())
		made, err := demo.Load(ctx, orgs, acc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(made) != len(access.Roles()) {
			t.Errorf("demo users = %d; want one per role (%d)", len(made), len(access.Roles()))
		}
		// Loading again changes nothing and creates no users.
		again, err := demo.Load(ctx, orgs, acc, nil)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Load() = %d users, %v; want 0, nil", len(again), err)
		}
		sc := access.System("test")
		_, nm, err := orgs.List(ctx, sc, org.Filter{Kind: org.KindMunicipality, Limit: 1})
		if err != nil || nm != 98 {
			t.Fatalf("municipalities = %d, %v; want 98", nm, err)
		}
		units, nu, err := orgs.List(ctx, sc, org.Filter{Kind: org.KindUnit, Limit: 200})
		if err != nil || nu != 5 || len(units) != 5 {
			t.Fatalf("units = %d, %v; want 5", nu, err)
		}
		ms, _ := org.Municipalities()
		perRegion := map[string]int{}
		for _, m := range ms {
			perRegion[m.Region]++
		}
		for _, u := range units {
			full, err := orgs.Get(ctx, sc, u.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Owners) != perRegion[u.Region] || len(full.Supplies) != perRegion[u.Region] {
				t.Errorf("%s: %d owners, %d supplied; want %d each", u.Slug, len(full.Owners), len(full.Supplies), perRegion[u.Region])
			}
		}
		cph, err := orgs.Get(ctx, sc, "101")
		if err != nil {
			t.Fatal(err)
		}
		if cph.Name != "København Kommune" || cph.Supplier == nil || cph.Supplier.Slug != "enhed-hovedstaden" || len(cph.OwnerOf) != 1 {
			t.Errorf("Get(101) = %+v; want København supplied and owned by enhed-hovedstaden", cph)
		}
		if cph.ID < 1000 {
			t.Errorf("organisation id %d; want ids from 1000 (never a three-digit code)", cph.ID)
		}
		byID, err := orgs.Get(ctx, sc, strconv.FormatInt(cph.ID, 10))
		if err != nil || byID.Code != "101" {
			t.Errorf("Get(%d) = %+v, %v; want København", cph.ID, byID, err)
		}
		for _, bad := range []string{"999", "no-such-org", ""} {
			if _, err := orgs.Get(ctx, sc, bad); errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Invalid {
				t.Errorf("Get(%q) = %v; want ENOTFOUND or EINVALID", bad, err)
			}
		}
		if _, _, err := orgs.List(ctx, sc, org.Filter{Kind: "planet"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("List(kind=planet) = %v; want EINVALID", err)
		}
		if _, _, err := orgs.List(ctx, access.Scope{}, org.Filter{}); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("List with zero scope = %v; want EUNAUTHORIZED", err)
		}
		// Creating a municipality with a bad code is refused and writes nothing.
		_, err = orgs.Create(ctx, sc, org.NewOrganization{Kind: org.KindMunicipality, Name: "Atlantis", Code: "12"})
		if e := errs.As(err); e == nil || e.Field != "code" {
			t.Errorf("Create(code 12) = %v; want EINVALID on code", err)
		}
		_, err = orgs.Create(ctx, sc, org.NewOrganization{Kind: org.KindMunicipality, Name: "Dublet", Code: "101"})
		if errs.CodeOf(err) != errs.Conflict {
			t.Errorf("Create(duplicate code 101) = %v; want ECONFLICT", err)
		}
	})
}
