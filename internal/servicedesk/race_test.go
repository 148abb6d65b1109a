package servicedesk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// interleave runs other in a goroutine at the first call of the hook it
// is installed as and waits for it to finish, or for a short while when
// other is (rightly) blocked behind the caller's transaction; it returns
// the wait for other's end.
func interleave(other func()) (hook func(), wait func()) {
	var once sync.Once
	done := make(chan struct{})
	hook = func() {
		once.Do(func() {
			go func() {
				defer close(done)
				other()
			}()
			select {
			case <-done:
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
	return hook, func() { <-done }
}

func slaEntries(t *testing.T, db *store.DB, id int64, kind string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM ticket_entries WHERE ticket_id = $1 AND kind = $2`, id, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSweepDoesNotLoseAPause: a SPOC puts a ticket on hold while the
// sweep is raising its warning; the hold must survive (before the fix the
// sweep wrote the clock back as running, and a false breach followed).
func TestSweepDoesNotLoseAPause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc := f.Scope(t, "demo-spoc")
		f.now = cph("2026-11-27 15:00") // Friday; P1's first-line OLA is one hour on 8–16
		tk, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Request, Title: "Ny bruger til hjemmeplejen", Impact: 1, Urgency: 1})
		if err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-27 15:50")
		hook, wait := interleave(func() {
			if _, err := f.sd.Pend(ctx, spoc, tk.ID, 0, "Venter på lederens underskrift"); err != nil {
				t.Error(err)
			}
		})
		servicedesk.SetHooks(hook, nil)
		defer servicedesk.SetHooks(nil, nil)
		res, err := f.sd.Sweep(ctx, f.now)
		wait()
		servicedesk.SetHooks(nil, nil)
		if err != nil || res.Warnings != 1 {
			t.Fatalf("Sweep = %+v, %v; want one warning", res, err)
		}
		got, err := f.sd.Get(ctx, spoc, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := clockOf(t, got, servicedesk.FirstLine)
		if got.Status != servicedesk.Pending || c.State != servicedesk.Paused || c.WarnedAt == nil {
			t.Fatalf("after a hold during the sweep: status %s, clock %s, warned %v; want pending, paused and warned", got.Status, c.State, c.WarnedAt)
		}
		if res, _ := f.sd.Sweep(ctx, cph("2026-11-27 20:00")); res.Breaches != 0 {
			t.Fatalf("a ticket on hold breached: %+v", res)
		}
	})
}

// TestChangeDoesNotLoseAWarning: the sweep warns while a ticket is being
// changed; the change must not write the clock back unwarned (before the
// fix the warning was lost and raised a second time at the next sweep).
func TestChangeDoesNotLoseAWarning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc := f.Scope(t, "demo-spoc")
		f.now = cph("2026-11-27 15:00")
		tk, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Netværket er nede på skolen", Impact: 1, Urgency: 1})
		if err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-27 15:50")
		var res servicedesk.SweepResult
		hook, wait := interleave(func() {
			var err error
			if res, err = f.sd.Sweep(ctx, f.now); err != nil {
				t.Error(err)
			}
		})
		servicedesk.SetHooks(nil, hook)
		defer servicedesk.SetHooks(nil, nil)
		if _, err := f.sd.Comment(ctx, spoc, tk.ID, "Det gælder også gymnastiksalen", false); err != nil {
			t.Fatal(err)
		}
		wait()
		servicedesk.SetHooks(nil, nil)
		if res.Warnings != 1 {
			t.Fatalf("the sweep during the change raised %+v; want one warning", res)
		}
		again, err := f.sd.Sweep(ctx, cph("2026-11-27 15:55"))
		if err != nil || again.Warnings != 0 {
			t.Fatalf("the next sweep raised %+v, %v; want no second warning", again, err)
		}
		if n := slaEntries(t, db, tk.ID, "sla_warning"); n != 1 {
			t.Fatalf("%d warnings in the ticket's timeline; want exactly 1", n)
		}
	})
}

// TestSweepsOnTwoNodes: two nodes sweeping the same clocks at once (as
// before the jobs lease, or during a takeover) raise each warning and
// breach exactly once.
func TestSweepsOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc := f.Scope(t, "demo-spoc")
		f.now = cph("2026-11-27 15:00")
		var ids []int64
		for range 12 {
			tk, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Printeren skriver ikke ud", Impact: 1, Urgency: 1})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		other := servicedesk.NewService(db, f.Catalog)
		var wg sync.WaitGroup
		var total [2]servicedesk.SweepResult
		for i, sd := range []*servicedesk.Service{f.sd, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := sd.Sweep(ctx, cph("2026-11-27 20:00"))
				if err != nil {
					t.Error(err)
				}
				total[i] = r
			}()
		}
		wg.Wait()
		if w, b := total[0].Warnings+total[1].Warnings, total[0].Breaches+total[1].Breaches; w != 12 || b != 12 {
			t.Fatalf("two sweeps raised %d warnings and %d breaches (%+v); want 12 and 12", w, b, total)
		}
		for _, id := range ids {
			if w, b := slaEntries(t, db, id, "sla_warning"), slaEntries(t, db, id, "sla_breach"); w != 1 || b != 1 {
				t.Errorf("ticket %d: %d warnings, %d breaches in its timeline; want 1 and 1", id, w, b)
			}
		}
	})
}
