package servicedesk_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

type fixture struct {
	*demotest.Env
	sd  *servicedesk.Service
	now time.Time
}

func cph(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Copenhagen)
	if err != nil {
		panic(err)
	}
	return t
}

func setup(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	e := demotest.New(t, db, true)
	e.AddUser(t, "spoc-frb", "147", access.RoleSPOC)
	e.AddUser(t, "desk-nord", "enhed-nordjylland", access.RoleServiceDesk)
	f := &fixture{Env: e, sd: servicedesk.NewService(db, e.Catalog)}
	f.sd.Clock = func() time.Time { return f.now }
	return f
}

func clockOf(t *testing.T, tk servicedesk.Ticket, n servicedesk.ClockName) servicedesk.ClockView {
	t.Helper()
	c, ok := tk.Clock(n)
	if !ok {
		t.Fatalf("ticket %d has no %s clock (clocks %+v)", tk.ID, n, tk.Clocks)
	}
	return c
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Errorf("%s = %v; want %s", what, err, code)
	}
}

func TestEscalationFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, desk, nord := f.Scope(t, "demo-spoc"), f.Scope(t, "demo-servicedesk"), f.Scope(t, "desk-nord")
		cal, _ := calendar.Lookup("dk-weekdays-8-16")

		f.now = cph("2026-11-30 09:00") // a Monday
		if _, err := f.sd.Create(ctx, desk, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Printer", Impact: 2, Urgency: 2}); err == nil {
			t.Error("a unit opened an incident itself; want EFORBIDDEN")
		}
		_, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "x", Impact: 2, Urgency: 2})
		wantCode(t, "Create with a 1-character title", err, errs.Invalid)
		tk, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Printeren på rådhuset skriver ikke ud",
			Description: "Kø står stille", Impact: 2, Urgency: 2, Requester: "Anna Hansen"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Priority != "P3" || tk.Status != servicedesk.Open || tk.Tier != 1 {
			t.Fatalf("new ticket = %s %s tier %d; want P3 open tier 1", tk.Priority, tk.Status, tk.Tier)
		}
		fl := clockOf(t, tk, servicedesk.FirstLine)
		if want := cal.Add(f.now, 8*time.Hour); fl.Deadline == nil || !fl.Deadline.Equal(want) {
			t.Errorf("OLA deadline = %v; want %v (8 business hours)", fl.Deadline, want)
		}

		// Not visible to the unit before escalation.
		_, err = f.sd.Get(ctx, desk, tk.ID)
		wantCode(t, "unit Get before escalation", err, errs.NotFound)

		f.now = cph("2026-11-30 10:00")
		nordUnit := f.Org(t, "enhed-nordjylland")
		_, err = f.sd.Escalate(ctx, spoc, tk.ID, tk.Version, nordUnit.ID, servicedesk.Handover{Tried: "Genstart", Affected: "Rådhuset", Contact: "Anna"})
		wantCode(t, "Escalate to a unit that does not supply København", err, errs.Invalid)
		_, err = f.sd.Escalate(ctx, spoc, tk.ID, tk.Version, 0, servicedesk.Handover{Tried: "Genstart"})
		wantCode(t, "Escalate without who is affected", err, errs.Invalid)
		tk, err = f.sd.Escalate(ctx, spoc, tk.ID, tk.Version, 0, servicedesk.Handover{Tried: "Genstartet printeren", Affected: "Rådhusets 2. sal", Contact: "Anna, 3366 0000"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != servicedesk.Escalated || tk.Tier != 2 || tk.Handover == nil {
			t.Fatalf("escalated ticket = %s tier %d handover %v", tk.Status, tk.Tier, tk.Handover)
		}
		if fl := clockOf(t, tk, servicedesk.FirstLine); fl.State != servicedesk.Stopped || fl.ElapsedMinutes != 60 {
			t.Errorf("OLA after escalation: %s, %d min; want stopped after 60", fl.State, fl.ElapsedMinutes)
		}
		if r := clockOf(t, tk, servicedesk.Response); !r.Deadline.Equal(cal.Add(f.now, 8*time.Hour)) {
			t.Errorf("response deadline = %v; want the basic level's 8 business hours", r.Deadline)
		}
		_, err = f.sd.Escalate(ctx, spoc, tk.ID, tk.Version, 0, servicedesk.Handover{Tried: "a", Affected: "b", Contact: "c"})
		wantCode(t, "Escalate twice", err, errs.Conflict)
		_, err = f.sd.Get(ctx, nord, tk.ID)
		wantCode(t, "Get by a unit that does not supply København", err, errs.NotFound)

		// The unit works it: internal note, assignment, a question.
		f.now = cph("2026-11-30 11:00")
		if _, err := f.sd.Comment(ctx, desk, tk.ID, "Kunden har gammel driver", true); err != nil {
			t.Fatal(err)
		}
		tk, err = f.sd.Assign(ctx, desk, tk.ID, 0, "demo-servicedesk")
		if err != nil {
			t.Fatal(err)
		}
		if r := clockOf(t, tk, servicedesk.Response); tk.Status != servicedesk.InProgress || r.State != servicedesk.Stopped || !r.Met {
			t.Errorf("after assignment: %s, response %s met %v", tk.Status, r.State, r.Met)
		}
		_, err = f.sd.Assign(ctx, desk, tk.ID, 0, "demo-spoc")
		wantCode(t, "Assign to a municipality user", err, errs.Invalid)

		f.now = cph("2026-11-30 12:00")
		tk, err = f.sd.Pend(ctx, desk, tk.ID, tk.Version, "Hvilken printermodel?")
		if err != nil {
			t.Fatal(err)
		}
		if r := clockOf(t, tk, servicedesk.Resolution); r.State != servicedesk.Paused || r.Deadline != nil || r.ElapsedMinutes != 120 {
			t.Errorf("resolution while pending: %s deadline %v elapsed %d; want paused, none, 120", r.State, r.Deadline, r.ElapsedMinutes)
		}
		// Two days later the SPOC answers: the clock runs on from 2 hours.
		f.now = cph("2026-12-02 12:00")
		tk, err = f.sd.Comment(ctx, spoc, tk.ID, "HP LaserJet 4250", false)
		if err != nil {
			t.Fatal(err)
		}
		r := clockOf(t, tk, servicedesk.Resolution)
		if tk.Status != servicedesk.InProgress || r.State != servicedesk.Running || !r.Deadline.Equal(cal.Add(f.now, 38*time.Hour)) {
			t.Errorf("after the answer: %s, %s, deadline %v; want in_progress, running, %v", tk.Status, r.State, r.Deadline, cal.Add(f.now, 38*time.Hour))
		}
		spocView, err := f.sd.Get(ctx, spoc, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range spocView.Entries {
			if e.Internal || e.Body == "Kunden har gammel driver" {
				t.Errorf("the SPOC sees the unit's internal note %+v", e)
			}
		}
		deskView, _ := f.sd.Get(ctx, desk, tk.ID)
		if len(deskView.Entries) != len(spocView.Entries)+1 {
			t.Errorf("unit sees %d entries, SPOC %d; want exactly the internal note more", len(deskView.Entries), len(spocView.Entries))
		}

		// Priority goes up: P1's 8 hours, the 2 hours already used kept.
		f.now = cph("2026-12-02 13:00")
		_, err = f.sd.SetPriority(ctx, spoc, tk.ID, tk.Version, 1, 1, "Hele rådhuset")
		wantCode(t, "SPOC changes priority at the unit", err, errs.Forbidden)
		stale := tk.Version
		tk, err = f.sd.SetPriority(ctx, desk, tk.ID, tk.Version, 1, 1, "Hele rådhuset")
		if err != nil {
			t.Fatal(err)
		}
		r = clockOf(t, tk, servicedesk.Resolution)
		if tk.Priority != "P1" || r.ElapsedMinutes != 180 || !r.Deadline.Equal(cal.Add(f.now, 5*time.Hour)) {
			t.Errorf("after P1: %s elapsed %d deadline %v; want P1, 180, %v", tk.Priority, r.ElapsedMinutes, r.Deadline, cal.Add(f.now, 5*time.Hour))
		}
		if fl := clockOf(t, tk, servicedesk.FirstLine); fl.TargetMinutes != 480 {
			t.Errorf("the stopped OLA was retargeted to %d min; it was measured on P3's 480", fl.TargetMinutes)
		}
		_, err = f.sd.Pend(ctx, desk, tk.ID, stale, "?")
		wantCode(t, "Pend with a stale version", err, errs.Conflict)

		tk, err = f.sd.ScheduleVisit(ctx, desk, tk.ID, 0, servicedesk.NewVisit{Address: "Rådhuspladsen 1", StartsAt: cph("2026-12-02 14:00"),
			EndsAt: cph("2026-12-02 15:00"), Technician: "Bo Tekniker"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tk.Visits) != 1 || tk.Visits[0].Address != "Rådhuspladsen 1" {
			t.Errorf("visits = %+v", tk.Visits)
		}
		_, err = f.sd.SetVisitStatus(ctx, spoc, tk.ID, tk.Visits[0].ID, "done", "")
		wantCode(t, "the SPOC marks the unit's visit done", err, errs.Forbidden)
		if tk, err = f.sd.SetVisitStatus(ctx, desk, tk.ID, tk.Visits[0].ID, "done", "Printer skiftet"); err != nil || tk.Visits[0].Status != "done" {
			t.Fatalf("visit done = %v, %+v", err, tk.Visits)
		}
		_, err = f.sd.SetVisitStatus(ctx, desk, tk.ID, tk.Visits[0].ID, "cancelled", "")
		wantCode(t, "cancelling a visit that is done", err, errs.Conflict)

		f.now = cph("2026-12-02 15:30")
		_, err = f.sd.Resolve(ctx, spoc, tk.ID, 0, "selv løst")
		wantCode(t, "SPOC resolves at the unit", err, errs.Forbidden)
		tk, err = f.sd.Resolve(ctx, desk, tk.ID, 0, "Ny driver installeret")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.sd.Close(ctx, desk, tk.ID, 0, 5, "")
		wantCode(t, "unit closes", err, errs.Forbidden)
		f.now = cph("2026-12-03 09:00")
		tk, err = f.sd.Reopen(ctx, spoc, tk.ID, 0, "Skriver stadig ikke")
		if err != nil {
			t.Fatal(err)
		}
		if r := clockOf(t, tk, servicedesk.Resolution); tk.Status != servicedesk.InProgress || r.State != servicedesk.Running || r.ElapsedMinutes != 330 {
			t.Errorf("reopened: %s, resolution %s after %d min; want in_progress, running, 330", tk.Status, r.State, r.ElapsedMinutes)
		}
		f.now = cph("2026-12-03 10:00")
		if tk, err = f.sd.Resolve(ctx, desk, tk.ID, 0, "Printer udskiftet"); err != nil {
			t.Fatal(err)
		}
		tk, err = f.sd.Close(ctx, spoc, tk.ID, tk.Version, 4, "Hurtig hjælp")
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != servicedesk.Closed || tk.Satisfaction != 4 {
			t.Errorf("closed ticket = %s satisfaction %d", tk.Status, tk.Satisfaction)
		}
		_, err = f.sd.Resolve(ctx, desk, tk.ID, 0, "igen")
		wantCode(t, "Resolve a closed ticket", err, errs.Conflict)

		var audited int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE target_type = 'ticket' AND target_id = $1`,
			strconv.FormatInt(tk.ID, 10)).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited < 12 {
			t.Errorf("%d audit records for the ticket; want one per step (≥ 12)", audited)
		}
	})
}

func TestSweepWarnsAndBreachesWithinServiceHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc := f.Scope(t, "demo-spoc")
		f.now = cph("2026-11-27 15:00") // a Friday; P1's OLA is 1 hour on 8–16
		tk, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Netværket er nede", Impact: 1, Urgency: 1})
		if err != nil {
			t.Fatal(err)
		}
		held, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Request, Title: "Ny bruger", Impact: 1, Urgency: 1})
		if err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-27 15:10")
		if _, err := f.sd.Pend(ctx, spoc, held.ID, 0, "Venter på leder"); err != nil {
			t.Fatal(err)
		}
		res, err := f.sd.Sweep(ctx, cph("2026-11-27 15:40"))
		if err != nil || res != (servicedesk.SweepResult{}) {
			t.Fatalf("Sweep at 67%% = %+v, %v; want nothing", res, err)
		}
		res, err = f.sd.Sweep(ctx, cph("2026-11-27 15:50"))
		if err != nil || res != (servicedesk.SweepResult{Warnings: 1}) {
			t.Fatalf("Sweep at 83%% = %+v, %v; want one warning", res, err)
		}
		res, err = f.sd.Sweep(ctx, cph("2026-11-27 20:00"))
		if err != nil || res != (servicedesk.SweepResult{Breaches: 1}) {
			t.Fatalf("Sweep after the deadline = %+v, %v; want one breach (the paused ticket never breaches)", res, err)
		}
		if res, _ := f.sd.Sweep(ctx, cph("2027-03-01 12:00")); res != (servicedesk.SweepResult{}) {
			t.Errorf("a later Sweep raised %+v again", res)
		}
		f.now = cph("2026-11-27 20:00")
		got, _ := f.sd.Get(ctx, spoc, tk.ID)
		if c := clockOf(t, got, servicedesk.FirstLine); c.WarnedAt == nil || c.BreachedAt == nil || c.Met {
			t.Errorf("clock after sweeps: warned %v breached %v met %v", c.WarnedAt, c.BreachedAt, c.Met)
		}
		// The breach at 20:00 on a Friday reaches the SPOC on Monday 08:00.
		inbox := notify.NewInbox(db)
		kinds := func(at string) []string {
			ms, _, err := inbox.List(ctx, spoc, cph(at), 50)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				if m.TicketID == tk.ID {
					out = append(out, m.Kind)
				}
			}
			return out
		}
		if k := kinds("2026-11-28 10:00"); len(k) != 1 || k[0] != "sla.warning.first_line" {
			t.Errorf("Saturday inbox = %v; want only the warning", k)
		}
		if k := kinds("2026-11-30 08:00"); len(k) != 2 || k[0] != "sla.breach.first_line" {
			t.Errorf("Monday inbox = %v; want the breach on top of the warning", k)
		}
	})
}

func TestTicketScopingAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, frb, desk := f.Scope(t, "demo-spoc"), f.Scope(t, "spoc-frb"), f.Scope(t, "demo-servicedesk")
		f.now = cph("2026-11-30 09:00")
		mk := func(sc access.Scope, title string) servicedesk.Ticket {
			tk, err := f.sd.Create(ctx, sc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: title, Impact: 3, Urgency: 3})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		kk := mk(spoc, "VPN-forbindelsen afbryder hvert kvarter")
		mk(frb, "VPN virker ikke på Frederiksberg")
		_, err := f.sd.Get(ctx, frb, kk.ID)
		wantCode(t, "Frederiksberg reads København's ticket", err, errs.NotFound)
		_, err = f.sd.Comment(ctx, frb, kk.ID, "hej", false)
		wantCode(t, "Frederiksberg comments on København's ticket", err, errs.NotFound)

		search := func(sc access.Scope, q string) int {
			p, err := f.sd.List(ctx, sc, servicedesk.Filter{Query: q})
			if err != nil {
				t.Fatalf("List(%q): %v", q, err)
			}
			return len(p.Tickets)
		}
		if n := search(spoc, "vpn"); n != 1 {
			t.Errorf("København searching vpn sees %d tickets; want its own 1", n)
		}
		if n := search(spoc, "forbind* kvarter"); n != 1 {
			t.Errorf("prefix search 'forbind* kvarter' found %d; want 1", n)
		}
		if n := search(spoc, "forbind kvarter"); n != 0 {
			t.Errorf("'forbind' without * found %d; want 0 (whole words unless a prefix is asked for)", n)
		}
		if n := search(frb, "kvarter"); n != 0 {
			t.Errorf("Frederiksberg finds København's ticket by text (%d)", n)
		}
		if n := search(desk, "vpn"); n != 0 {
			t.Errorf("the unit finds %d tickets before escalation; want 0", n)
		}
		if _, err := f.sd.Escalate(ctx, spoc, kk.ID, 0, 0, servicedesk.Handover{Tried: "a", Affected: "b", Contact: "c"}); err != nil {
			t.Fatal(err)
		}
		if n := search(desk, "vpn"); n != 1 {
			t.Errorf("the unit finds %d tickets after escalation; want 1", n)
		}
		_, err = f.sd.List(ctx, spoc, servicedesk.Filter{Query: "***"})
		wantCode(t, "List with a query of no words", err, errs.Invalid)

		// Paging with the cursor walks every visible ticket once.
		for i := 0; i < 5; i++ {
			mk(spoc, "Ticket nummer "+string(rune('A'+i)))
		}
		seen := map[int64]bool{}
		for cur := int64(0); ; {
			p, err := f.sd.List(ctx, spoc, servicedesk.Filter{Limit: 2, Before: cur})
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range p.Tickets {
				if seen[tk.ID] {
					t.Fatalf("ticket %d on two pages", tk.ID)
				}
				seen[tk.ID] = true
			}
			if p.Next == 0 {
				break
			}
			cur = p.Next
		}
		if len(seen) != 6 {
			t.Errorf("paging saw %d tickets; want 6", len(seen))
		}
	})
}

func TestDemoTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.now = time.Now()
		n, err := demo.LoadTickets(ctx, f.Orgs, f.Orders, f.sd)
		if err != nil || n < 10 {
			t.Fatalf("LoadTickets = %d, %v", n, err)
		}
		if again, err := demo.LoadTickets(ctx, f.Orgs, f.Orders, f.sd); err != nil || again != 0 {
			t.Errorf("a second LoadTickets = %d, %v; want 0 (loaded once)", again, err)
		}
		p, err := f.sd.List(ctx, access.System("t"), servicedesk.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		states, munis := map[servicedesk.Status]int{}, map[int64]bool{}
		for _, tk := range p.Tickets {
			states[tk.Status]++
			munis[tk.MunicipalityID] = true
		}
		for _, st := range servicedesk.Statuses() {
			if states[st] == 0 {
				t.Errorf("the demo has no %s ticket (%v)", st, states)
			}
		}
		if len(munis) < 4 {
			t.Errorf("demo tickets in %d municipalities; want at least 4", len(munis))
		}
		awaiting := false
		for _, tk := range p.Tickets {
			if tk.Kind != servicedesk.Change {
				continue
			}
			full, err := f.sd.Get(ctx, access.System("t"), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			pending := 0
			for _, a := range full.Change.Acks {
				if a.State == "pending" {
					pending++
				}
			}
			awaiting = awaiting || (len(full.Change.Acks) == 3 && pending == 3)
		}
		past, err := f.sd.Report(ctx, access.System("t"), servicedesk.ReportFilter{Month: time.Now().AddDate(0, -2, 0)})
		if err != nil || past.Opened != 10 || past.Resolution.Measured == 0 || past.Satisfaction.Answers < 5 {
			t.Errorf("the demo's report two months back = %+v, %v; want 10 tickets with measured SLAs and answers", past, err)
		}
		if !awaiting {
			t.Error("the demo has no change touching three municipalities awaiting their acknowledgements")
		}
	})
}

// TestLevelChangeKeepsPausedTime: a ticket waiting for the customer moves
// to another subscription's level; its paused resolution clock takes the
// new target and calendar without losing (or counting) the wait.
func TestLevelChangeKeepsPausedTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, desk, it := f.Scope(t, "demo-spoc"), f.Scope(t, "demo-servicedesk"), f.Scope(t, "demo-kommune-it")
		f.Orders.Clock = func() time.Time { return cph("2026-11-01 10:00") }
		o, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "server-virtual-windows", Level: "standard", Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
			if _, err := f.Orders.Move(ctx, desk, o.ID, st, ""); err != nil {
				t.Fatal(err)
			}
		}
		f.now = cph("2026-11-30 09:00")
		tk, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Server svarer ikke", Impact: 2, Urgency: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.sd.Escalate(ctx, spoc, tk.ID, 0, 0, servicedesk.Handover{Tried: "a", Affected: "b", Contact: "c"}); err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-30 14:00") // 5 business hours of the basic level's 40
		if _, err := f.sd.Pend(ctx, desk, tk.ID, 0, "Hvilken server?"); err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-12-01 10:00")
		_, err = f.sd.SetSubscription(ctx, spoc, tk.ID, 0, o.ID, "Det er en standardserver")
		wantCode(t, "the SPOC changes the level at the unit", err, errs.Forbidden)
		_, err = f.sd.SetSubscription(ctx, desk, tk.ID, 0, 999999, "x")
		wantCode(t, "an unknown subscription", err, errs.Invalid)
		tk, err = f.sd.SetSubscription(ctx, desk, tk.ID, 0, o.ID, "Det er en standardserver")
		if err != nil {
			t.Fatal(err)
		}
		r := clockOf(t, tk, servicedesk.Resolution)
		if r.State != servicedesk.Paused || r.TargetMinutes != 24*60 || r.ElapsedMinutes != 300 || r.Calendar != "dk-weekdays-7-22" {
			t.Fatalf("resolution after the level change = %s, target %d, elapsed %d, %s; want paused, 1440, 300, dk-weekdays-7-22",
				r.State, r.TargetMinutes, r.ElapsedMinutes, r.Calendar)
		}
		f.now = cph("2026-12-02 07:30")
		tk, err = f.sd.Comment(ctx, spoc, tk.ID, "SRV-FIL-02", false)
		if err != nil {
			t.Fatal(err)
		}
		cal, _ := calendar.Lookup("dk-weekdays-7-22")
		if r := clockOf(t, tk, servicedesk.Resolution); r.State != servicedesk.Running || !r.Deadline.Equal(cal.Add(f.now, 19*time.Hour)) {
			t.Errorf("resumed deadline = %v; want %v (19 of 24 hours left on 7–22)", r.Deadline, cal.Add(f.now, 19*time.Hour))
		}
	})
}
