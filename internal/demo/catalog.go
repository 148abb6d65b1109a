package demo

import (
	"context"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/org"
)

// demoShortfall says which demo units fall short of the minimum, so that
// conformance has something to show: Nordjylland lacks its last three
// mandatory levels (two of them planned), Sjælland lacks the security
// services.
func demoShortfall(unit string, req catalog.Requirement, i, n int) (skip bool, planned bool) {
	switch unit {
	case UnitSlug("Region Nordjylland"):
		switch {
		case i >= n-3 && i < n-1:
			return false, true
		case i == n-1:
			return true, false
		}
	case UnitSlug("Region Sjælland"):
		return strings.HasPrefix(req.Service, "security-"), false
	}
	return false, false
}

// LoadCatalog publishes the standard catalog (if missing) and, when no
// offering exists yet, gives the five demo units their offerings: three
// meet the minimum, two fall short. It returns how many offerings it made.
func LoadCatalog(ctx context.Context, cat *catalog.Store, orgs *org.Service) (int, error) {
	if _, err := cat.EnsureStandard(ctx); err != nil {
		return 0, err
	}
	sc := access.System("demo")
	existing, err := cat.Offerings(ctx, sc, catalog.OfferingFilter{})
	if err != nil || len(existing) > 0 {
		return 0, err
	}
	c, _, err := cat.Get(ctx, sc, "current")
	if err != nil {
		return 0, err
	}
	units, _, err := orgs.List(ctx, sc, org.Filter{Kind: org.KindUnit, Limit: 100})
	if err != nil {
		return 0, err
	}
	min := c.Minimum()
	made := 0
	for ui, u := range units {
		if !strings.HasPrefix(u.Slug, "enhed-") {
			continue
		}
		start := time.Now().AddDate(0, -14+2*ui, 0)
		for i, req := range min {
			skip, planned := demoShortfall(u.Slug, req, i, len(min))
			if skip {
				continue
			}
			from := start.AddDate(0, 0, i*3)
			if planned {
				from = time.Now().AddDate(0, 2+i%3, 0)
			}
			n := catalog.NewOffering{UnitID: u.ID, Service: req.Service, Level: req.Level, ValidFrom: from.Format(time.DateOnly),
				PriceDKK: demoPrice(req), Delivery: catalog.InHouse, Attest: true}
			if strings.HasPrefix(req.Service, "network-wan") || (req.Service == "security-endpoint-protection" && ui%2 == 0) {
				n.Delivery, n.SubSupplier = catalog.SubSupplier, "Nordisk Netværk A/S"
			}
			if _, err := cat.Offer(ctx, sc, n); err != nil {
				return made, err
			}
			made++
		}
		// The optional levels of a few services too, so that orders can pick them.
		for _, s := range c.Services {
			for _, l := range s.Levels {
				if l.Mandatory || (s.Category != "server" && s.Category != "storage") || ui%2 == 1 {
					continue
				}
				if _, err := cat.Offer(ctx, sc, catalog.NewOffering{UnitID: u.ID, Service: s.ID, Level: l.ID,
					ValidFrom: start.Format(time.DateOnly), PriceDKK: demoPrice(catalog.Requirement{Service: s.ID, Level: l.ID}) * 1.6,
					Delivery: catalog.InHouse, Attest: true}); err != nil {
					return made, err
				}
				made++
			}
		}
	}
	return made, nil
}

// demoPrice is a plausible monthly price per unit of measure.
func demoPrice(r catalog.Requirement) float64 {
	base := map[string]float64{"server": 450, "storage": 900, "backup": 650, "redundancy": 1200, "network": 1500, "security": 85}
	cat := r.Service[:strings.Index(r.Service, "-")]
	p := base[cat]
	if p == 0 {
		p = 500
	}
	switch r.Level {
	case "standard":
		p *= 1.3
	case "udvidet":
		p *= 1.8
	}
	return p
}
