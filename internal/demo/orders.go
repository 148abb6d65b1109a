package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/transition"
)

// LoadOrders gives the demo a year of consolidation history (municipalities
// moving basic services to their unit month by month), one order in every
// state for København, and a transition plan with a mix of sources for the
// rest. It does nothing when orders exist already. It returns how many
// orders it placed.
func LoadOrders(ctx context.Context, orgs *org.Service, cat *catalog.Store, ord *orders.Service, plan *transition.Service, progress func(string)) (int, error) {
	sc := access.System("demo")
	if _, n, err := ord.List(ctx, sc, orders.Filter{Limit: 1}); err != nil || n > 0 {
		return 0, err
	}
	c, _, err := cat.Get(ctx, sc, "current")
	if err != nil {
		return 0, err
	}
	ms, _, err := orgs.List(ctx, sc, org.Filter{Kind: org.KindMunicipality, Limit: 200})
	if err != nil {
		return 0, err
	}
	min := c.Minimum()
	// One mandatory level per basic service.
	var basic []catalog.Requirement
	seen := map[string]bool{}
	for _, r := range min {
		if !seen[r.Service] {
			seen[r.Service] = true
			basic = append(basic, r)
		}
	}
	defer func(old func() time.Time) { ord.Clock = old }(ord.Clock)
	now := time.Now()
	placed := 0
	step := func(o orders.Order, to orders.Status, at time.Time, note string) (orders.Order, error) {
		ord.Clock = func() time.Time { return at }
		return ord.Move(ctx, sc, o.ID, to, note)
	}
	for i, m := range ms {
		if progress != nil && i%20 == 0 {
			progress(fmt.Sprintf("orders: municipality %d of %d", i+1, len(ms)))
		}
		if m.Code == "101" {
			continue // København gets the showcase below
		}
		// Each municipality has moved a different share, one service a month.
		moved := (i*5)%9 + 1
		if moved > len(basic) {
			moved = len(basic)
		}
		if i%9 == 0 {
			moved = 0
		}
		for j := 0; j < moved; j++ {
			at := now.AddDate(0, -(moved - j), -(i % 20))
			ord.Clock = func() time.Time { return at.Add(-72 * time.Hour) }
			o, err := ord.Place(ctx, sc, orders.NewOrder{Municipality: m.ID, Service: basic[j].Service, Level: basic[j].Level, Quantity: 1 + (i+j)%20})
			if errs.CodeOf(err) == errs.Conflict {
				continue // the unit does not offer it (a unit short of the minimum)
			}
			if err != nil {
				return placed, err
			}
			placed++
			for k, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
				if o, err = step(o, to, at.Add(time.Duration(k-2)*24*time.Hour), ""); err != nil {
					return placed, err
				}
			}
		}
		// The rest of the plan: a mix of sources and dates.
		for j := moved; j < len(basic); j++ {
			ch := transition.Change{Source: transition.SelfRun, Status: transition.NotStarted}
			switch (i + j) % 4 {
			case 0:
				ch = transition.Change{Source: transition.SelfRun, Status: transition.Planned,
					PlannedDate: now.AddDate(0, 1+(i+j)%10, 0).Format(time.DateOnly)}
			case 1:
				ch = transition.Change{Source: transition.External, Supplier: "Lokal IT-partner A/S", Status: transition.Planned,
					PlannedDate: now.AddDate(0, 3+(i+j)%12, 0).Format(time.DateOnly), Note: "Kontrakt udløber"}
			case 2:
				ch = transition.Change{Source: transition.NotUsed, Status: transition.NotStarted}
			}
			if _, err := plan.Set(ctx, sc, m.ID, basic[j].Service, ch); err != nil {
				return placed, err
			}
		}
	}
	// København: one order in every state.
	cph, err := orgs.Get(ctx, sc, "101")
	if err != nil {
		return placed, err
	}
	showcase := []struct {
		req   catalog.Requirement
		steps []orders.Status
		note  string
	}{
		{basic[0], nil, ""},
		{basic[1], []orders.Status{orders.Accepted}, ""},
		{basic[2], []orders.Status{orders.Rejected}, "Kapaciteten er opbrugt til nytår; bestil igen i januar"},
		{basic[3], []orders.Status{orders.Cancelled}, "Bestilt ved en fejl"},
		{basic[4], []orders.Status{orders.Accepted, orders.InDelivery}, ""},
		{basic[5], []orders.Status{orders.Accepted, orders.InDelivery, orders.Active}, ""},
		{basic[6], []orders.Status{orders.Accepted, orders.InDelivery, orders.Active, orders.TerminationRequested}, ""},
		{basic[7], []orders.Status{orders.Accepted, orders.InDelivery, orders.Active, orders.TerminationRequested, orders.Terminated}, ""},
	}
	for i, s := range showcase {
		at := now.AddDate(0, -len(showcase)+i, 0)
		ord.Clock = func() time.Time { return at }
		o, err := ord.Place(ctx, sc, orders.NewOrder{Municipality: cph.ID, Service: s.req.Service, Level: s.req.Level, Quantity: 2 + i,
			Requirements: showcaseNeeds[i%len(showcaseNeeds)]})
		if err != nil {
			return placed, err
		}
		placed++
		for k, to := range s.steps {
			note := ""
			if to == orders.Rejected || to == orders.Cancelled {
				note = s.note
			}
			if o, err = step(o, to, at.AddDate(0, 0, 3*(k+1)), note); err != nil {
				return placed, err
			}
		}
	}
	// København's plan for the basic services it does not buy yet.
	for j, b := range basic {
		ch := transition.Change{Source: transition.SelfRun, Status: transition.Planned, PlannedDate: now.AddDate(0, 2+j%6, 0).Format(time.DateOnly)}
		if j%3 == 1 {
			ch = transition.Change{Source: transition.External, Supplier: "Storby Hosting A/S", Status: transition.InProgress,
				PlannedDate: now.AddDate(0, 1, 0).Format(time.DateOnly), Note: "Udfasning aftalt med leverandøren"}
		}
		if _, err := plan.Set(ctx, sc, cph.ID, b.Service, ch); err != nil && errs.CodeOf(err) != errs.Conflict {
			return placed, err
		}
	}
	return placed, nil
}

// showcaseNeeds are plausible requirements on the demo's orders.
var showcaseNeeds = []string{
	"Til det nye ESDH-system; skal stå i begge datacentre.",
	"Erstatter egen løsning på rådhuset, der udløber til marts.",
	"Kapacitet til sagsarkiv og scannede dokumenter.",
	"Ønsker opstart efter budgetvedtagelsen.",
}
