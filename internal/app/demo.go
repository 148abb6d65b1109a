package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
)

// LoadDemo loads whatever of the demo data is missing (serve --demo, and
// tests that want the whole demo): the municipalities and units, one user
// per role, the catalog and offerings, log sources and detection rules,
// orders, on-call, the CERT's assets and advisory, threat intelligence,
// compliance, needs and tickets. It returns the users it made this time,
// with their passwords, which exist nowhere else.
func (a *App) LoadDemo(ctx context.Context, log *slog.Logger) ([]demo.Account, error) {
	if _, err := a.Catalog.EnsureStandard(ctx); err != nil {
		return nil, fmt.Errorf("cannot load the standard catalog: %w", err)
	}
	accounts, err := demo.Load(ctx, a.Orgs, a.Access, func(s string) { log.Info("demo data", "step", s) })
	if err != nil {
		return nil, fmt.Errorf("cannot load demo data: %w", err)
	}
	if n, err := demo.LoadCatalog(ctx, a.Catalog, a.Orgs); err != nil {
		return accounts, fmt.Errorf("cannot load demo offerings: %w", err)
	} else if n > 0 {
		log.Info("demo data", "step", fmt.Sprintf("offerings: %d", n))
	}
	if err := demo.LoadSources(ctx, a.Orgs, a.Sources); err != nil {
		return accounts, fmt.Errorf("cannot register demo log sources: %w", err)
	}
	if rep, err := a.Detect.Library().ImportOwn(ctx, access.System("demo")); err != nil {
		return accounts, fmt.Errorf("cannot import samdrift's detection rules: %w", err)
	} else if rep.Added+rep.Updated > 0 {
		log.Info("demo data", "step", "detection rules: "+rep.String())
	}
	if n, err := demo.LoadOrders(ctx, a.Orgs, a.Catalog, a.Orders, a.Plan, func(s string) { log.Info("demo data", "step", s) }); err != nil {
		return accounts, fmt.Errorf("cannot load demo orders: %w", err)
	} else if n > 0 {
		log.Info("demo data", "step", fmt.Sprintf("orders: %d", n))
	}
	if made, err := demo.LoadOnCall(ctx, a.Orgs, a.OnCall); err != nil {
		return accounts, fmt.Errorf("cannot make the demo on-call team: %w", err)
	} else if made {
		log.Info("demo data", "step", "on-call team "+demo.OnCallTeam)
	}
	if made, err := demo.LoadCert(ctx, a.Cert); err != nil {
		return accounts, fmt.Errorf("cannot load the demo's assets and advisory: %w", err)
	} else if made {
		log.Info("demo data", "step", "assets and a CERT advisory")
	}
	if kbh, err := a.Orgs.Get(ctx, access.System("demo"), "101"); err != nil {
		return accounts, fmt.Errorf("cannot find København for the demo's threat intelligence: %w", err)
	} else if made, err := demo.LoadIntel(ctx, a.Intel, kbh.ID); err != nil {
		return accounts, fmt.Errorf("cannot load the demo's threat intelligence: %w", err)
	} else if made {
		log.Info("demo data", "step", "exchanged threat intelligence (a partner's STIX bundle, a CERT report)")
	}
	if made, err := demo.LoadCompliance(ctx, a.Compliance, a.Orgs); err != nil {
		return accounts, fmt.Errorf("cannot load the demo's compliance assessments: %w", err)
	} else if made {
		log.Info("demo data", "step", "compliance: partial assessments, live evidence, the register of standards")
	}
	if n, err := demo.LoadNeeds(ctx, a.Needs, a.Access); err != nil {
		return accounts, fmt.Errorf("cannot load the demo's needs and feedback: %w", err)
	} else if n > 0 {
		log.Info("demo data", "step", fmt.Sprintf("needs and feedback: %d", n))
	}
	if n, err := demo.LoadTickets(ctx, a.Orgs, a.Orders, a.ServiceDesk); err != nil {
		return accounts, fmt.Errorf("cannot load demo tickets: %w", err)
	} else if n > 0 {
		log.Info("demo data", "step", fmt.Sprintf("tickets: %d", n))
	}
	return accounts, nil
}
