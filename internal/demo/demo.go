// Package demo loads demonstration data into an empty (or partly loaded)
// samdrift: the 98 real municipalities, five demo units (one per region, each
// owned by and supplying the municipalities of its region), the shared
// SOC/CERT, the governance secretariat, and one demo user per role. Every
// step is idempotent, so an interrupted load completes on the next start.
package demo

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/sources"
)

// Slugs of the demo's fixed organisations.
const (
	SOCSlug         = "faelles-soc-cert"
	SecretariatSlug = "sekretariatet"
)

// UnitSlug returns the slug of the demo unit for region ("Region Hovedstaden"
// → "enhed-hovedstaden").
func UnitSlug(region string) string {
	return "enhed-" + org.Slugify(strings.TrimPrefix(region, "Region "))
}

// Account is a demo user created by Load, with its generated password.
type Account struct {
	Username string
	Password string
	Role     access.Role
	Org      string
}

// Load creates whatever of the demo data is missing and returns the demo
// users it created (with their passwords, which are shown only now).
// progress, when non-nil, is told what is happening.
func Load(ctx context.Context, orgs *org.Service, acc *access.Service, progress func(string)) ([]Account, error) {
	say := func(format string, args ...any) {
		if progress != nil {
			progress(fmt.Sprintf(format, args...))
		}
	}
	sc := access.System("demo")
	ms, err := org.Municipalities()
	if err != nil {
		return nil, err
	}
	ensure := func(n org.NewOrganization) (org.Organization, error) {
		o, err := orgs.Get(ctx, sc, n.Slug)
		if errs.CodeOf(err) == errs.NotFound {
			return orgs.Create(ctx, sc, n)
		}
		return o, err
	}
	byRegion := map[string][]org.Municipality{}
	for _, m := range ms {
		byRegion[m.Region] = append(byRegion[m.Region], m)
	}
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	say("organisations: %d units, %d municipalities, the shared SOC/CERT and the secretariat", len(regions), len(ms))
	for _, r := range regions {
		if _, err := ensure(org.NewOrganization{Kind: org.KindUnit, Slug: UnitSlug(r),
			Name: "IT-enhed " + strings.TrimPrefix(r, "Region "), Region: r}); err != nil {
			return nil, err
		}
	}
	if _, err := ensure(org.NewOrganization{Kind: org.KindSOC, Slug: SOCSlug, Name: "Fælles SOC og CERT"}); err != nil {
		return nil, err
	}
	if _, err := ensure(org.NewOrganization{Kind: org.KindSecretariat, Slug: SecretariatSlug, Name: "Sekretariatet for fælles IT-drift"}); err != nil {
		return nil, err
	}
	if _, err := orgs.ImportMunicipalities(ctx, sc, nil); err != nil {
		return nil, err
	}
	for _, m := range ms {
		o, err := orgs.Get(ctx, sc, m.Code)
		if err != nil {
			return nil, err
		}
		if o.Supplier == nil {
			if err := orgs.SetSupplier(ctx, sc, m.Code, UnitSlug(m.Region)); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range regions {
		u, err := orgs.Get(ctx, sc, UnitSlug(r))
		if err != nil {
			return nil, err
		}
		if len(u.Owners) > 0 {
			continue
		}
		codes := make([]string, 0, len(byRegion[r]))
		for _, m := range byRegion[r] {
			codes = append(codes, m.Code)
		}
		if err := orgs.SetOwners(ctx, sc, UnitSlug(r), codes); err != nil {
			return nil, err
		}
	}
	users := []struct {
		role access.Role
		org  string
		name string
	}{
		{access.RoleAdmin, SecretariatSlug, "Demo administrator"},
		{access.RoleGovernance, SecretariatSlug, "Demo sekretariat"},
		{access.RoleCERT, SOCSlug, "Demo CERT"},
		{access.RoleSOCAnalyst, SOCSlug, "Demo SOC-analytiker"},
		{access.RoleUnitManager, UnitSlug("Region Hovedstaden"), "Demo enhedschef"},
		{access.RoleServiceDesk, UnitSlug("Region Hovedstaden"), "Demo servicedesk"},
		{access.RoleSPOC, "101", "Demo SPOC København"},
		{access.RoleKommuneIT, "101", "Demo kommune-IT København"},
		{access.RoleCISO, "101", "Demo CISO København"},
	}
	var made []Account
	for _, u := range users {
		username := "demo-" + string(u.role)
		if _, err := acc.UserByName(ctx, sc, username); err == nil {
			continue
		} else if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
		o, err := orgs.Get(ctx, sc, u.org)
		if err != nil {
			return nil, err
		}
		pw := access.GeneratePassword()
		if _, err := acc.CreateUser(ctx, sc, access.NewUser{Username: username, DisplayName: u.name, OrgID: o.ID, Role: u.role, Password: pw}); err != nil {
			return nil, fmt.Errorf("cannot create demo user %s: %w", username, err)
		}
		made = append(made, Account{Username: username, Password: pw, Role: u.role, Org: o.Name})
	}
	say("demo users: %d created", len(made))
	return made, nil
}

// LoadSources registers demo log sources when none exist: senders on this
// machine (127.0.0.1) count as København, host names under
// frederiksberg.local as Frederiksberg. Everything else lands in the
// quarantine, which the SOC sees.
func LoadSources(ctx context.Context, orgs *org.Service, reg *sources.Registry) error {
	sc := access.System("demo")
	existing, err := reg.List(ctx, sc)
	if err != nil || len(existing) > 0 {
		return err
	}
	// 127.0.0.1 is København's so that loadgen and logger on this machine
	// feed a municipality; the rest show the coverage page's states.
	for _, s := range []struct{ org, name, kind, value, typ string }{
		{"101", "Lokale afsendere (demo)", sources.KindCIDR, "127.0.0.1/32", "linux-server"},
		{"101", "Domænecontrollere", sources.KindHostname, "dc*.kk.local", "domain-controller"},
		{"101", "Firewall Rådhuset", sources.KindCIDR, "10.101.1.0/24", "firewall"},
		{"101", "VPN-koncentrator", sources.KindCIDR, "10.101.2.10/32", "vpn"},
		{"147", "Frederiksbergs servere (demo)", sources.KindHostname, "*.frederiksberg.local", "windows-server"},
		{"147", "Firewall", sources.KindCIDR, "10.147.1.0/24", "firewall"},
		{"enhed-hovedstaden", "Netværksudstyr", sources.KindCIDR, "10.200.0.0/16", "network-device"},
	} {
		o, err := orgs.Get(ctx, sc, s.org)
		if err != nil {
			return err
		}
		// This machine's loadgen and curl may send over HTTP without a
		// token, as the README's examples do.
		open := s.value == "127.0.0.1/32"
		if _, _, err := reg.Add(ctx, sc, sources.NewSource{OrgID: o.ID, Name: s.name, Kind: s.kind, Value: s.value, Type: s.typ, HTTPWithoutToken: open}); err != nil {
			return err
		}
	}
	return nil
}
