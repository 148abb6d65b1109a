package servicedesk_test

import (
	"context"
	"testing"

	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestFigures: the start page's counts follow the clocks (breached, close
// to the deadline), the states and the assignee, each within the
// caller's reach and filter.
func TestFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, desk := f.Scope(t, "demo-spoc"), f.Scope(t, "demo-servicedesk")
		f.now = cph("2026-11-30 09:00")                    // a Monday; OLA 8–16: P1 1 h, P3 8 h
		burning := f.open(t, spoc, "P1 der brænder", 1, 1) // due 10:00
		f.open(t, spoc, "P3 fra morgenstunden", 2, 2)      // due Tuesday 09:00
		later := f.escalate(t, spoc, f.open(t, spoc, "P3 til enheden", 2, 2))
		if _, err := f.sd.Assign(ctx, desk, later.ID, later.Version, "demo-servicedesk"); err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-30 09:50") // the P1 is past its warning, not yet its deadline
		got, err := f.sd.Figures(ctx, spoc, servicedesk.FigureFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Open != 3 || got.Breached != 0 || got.DueSoon != 1 {
			t.Errorf("SPOC at 09:50 = %+v; want 3 open, 1 close to its deadline", got)
		}
		f.now = cph("2026-11-30 10:30")
		if got, err = f.sd.Figures(ctx, spoc, servicedesk.FigureFilter{}); err != nil {
			t.Fatal(err)
		}
		if got.Breached != 1 || got.DueSoon != 0 {
			t.Errorf("SPOC at 10:30 = %+v; want ticket %d breached", got, burning.ID)
		}
		// The unit sees only what reached it, and what is its own.
		d, err := f.sd.Figures(ctx, desk, servicedesk.FigureFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Open != 1 || d.Mine != 1 || d.Unassigned != 0 || d.Breached != 0 {
			t.Errorf("service desk = %+v; want its 1 ticket, assigned to it", d)
		}
		other, err := f.sd.Figures(ctx, spoc, servicedesk.FigureFilter{Municipality: f.Org(t, "147").ID})
		if err != nil {
			t.Fatal(err)
		}
		if other.Open != 0 {
			t.Errorf("SPOC of København counting Frederiksberg = %+v; want nothing", other)
		}
	})
}
