package servicedesk_test

import (
	"context"
	"slices"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func ids(p servicedesk.Page) []int64 {
	out := make([]int64, len(p.Tickets))
	for i, t := range p.Tickets {
		out[i] = t.ID
	}
	return out
}

// open creates an incident for sc at f.now.
func (f *fixture) open(t *testing.T, sc access.Scope, title string, impact, urgency int) servicedesk.Ticket {
	t.Helper()
	tk, err := f.sd.Create(context.Background(), sc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: title, Impact: impact, Urgency: urgency})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) escalate(t *testing.T, sc access.Scope, tk servicedesk.Ticket) servicedesk.Ticket {
	t.Helper()
	tk, err := f.sd.Escalate(context.Background(), sc, tk.ID, tk.Version, 0, servicedesk.Handover{Tried: "Genstart", Affected: "Alle", Contact: "Anna"})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestTriageOrder: the queue's default order puts the breached P1 first,
// then the nearest deadlines, and tickets on hold last; every column sorts
// both ways and the page counts all matches.
func TestTriageOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc := f.Scope(t, "demo-spoc")
		// OLA targets on weekdays 8–16: P1 1 h, P2 2 h, P3 8 h, P4 16 h.
		f.now = cph("2026-11-30 09:00")                    // a Monday
		a := f.open(t, spoc, "P3 fra morgenstunden", 2, 2) // due Tuesday 09:00
		f.now = cph("2026-11-30 09:10")
		b := f.open(t, spoc, "P1 der brænder", 1, 1) // due 10:10: breached at 10:30
		f.now = cph("2026-11-30 09:20")
		c := f.open(t, spoc, "P4 uden hast", 3, 3) // due Wednesday 09:20
		f.now = cph("2026-11-30 09:30")
		d := f.open(t, spoc, "P2 til formiddagen", 1, 2) // due 11:30
		onHold := f.open(t, spoc, "P2 der venter på svar", 2, 1)
		if _, err := f.sd.Pend(ctx, spoc, onHold.ID, 0, "Hvilken printer?"); err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-30 10:20")
		e := f.open(t, spoc, "P1 lige nu", 1, 1) // due 11:20
		f.now = cph("2026-11-30 10:30")

		page, err := f.sd.List(ctx, spoc, servicedesk.Filter{Sort: servicedesk.SortTriage})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{b.ID, e.ID, d.ID, a.ID, c.ID, onHold.ID}; !slices.Equal(ids(page), want) {
			t.Errorf("triage order = %v; want %v (breached P1, then by deadline, on hold last)", ids(page), want)
		}
		if page.Total == nil || *page.Total != 6 || page.NextOffset != 0 {
			t.Errorf("total = %v, next offset %d; want 6 and none", page.Total, page.NextOffset)
		}
		if !page.Tickets[0].Breached(f.now) || page.Tickets[1].Breached(f.now) {
			t.Errorf("Breached: first %v, second %v; want only the first", page.Tickets[0].Breached(f.now), page.Tickets[1].Breached(f.now))
		}
		if due, ok := page.Tickets[0].Due(); !ok || due.Name != servicedesk.FirstLine || !due.Deadline.Equal(cph("2026-11-30 10:10")) {
			t.Errorf("Due of the breached P1 = %+v, %v; want the OLA at 10:10", due, ok)
		}
		if _, ok := page.Tickets[5].Due(); ok {
			t.Error("a ticket on hold has a running deadline")
		}

		cases := []struct {
			sort servicedesk.Sort
			want []int64
		}{
			{"priority", []int64{b.ID, e.ID, d.ID, onHold.ID, a.ID, c.ID}},
			{"-priority", []int64{c.ID, a.ID, d.ID, onHold.ID, b.ID, e.ID}},
			{"id", []int64{a.ID, b.ID, c.ID, d.ID, onHold.ID, e.ID}},
			{"-id", []int64{e.ID, onHold.ID, d.ID, c.ID, b.ID, a.ID}},
			{"due", []int64{b.ID, e.ID, d.ID, a.ID, c.ID, onHold.ID}},
			{"-due", []int64{c.ID, a.ID, d.ID, e.ID, b.ID, onHold.ID}},
			{"status", []int64{b.ID, e.ID, d.ID, a.ID, c.ID, onHold.ID}},
			{"-status", []int64{onHold.ID, b.ID, e.ID, d.ID, a.ID, c.ID}},
			{"-updated", []int64{e.ID, onHold.ID, d.ID, c.ID, b.ID, a.ID}},
		}
		for _, tc := range cases {
			p, err := f.sd.List(ctx, spoc, servicedesk.Filter{Sort: tc.sort})
			if err != nil {
				t.Fatalf("List(sort %s): %v", tc.sort, err)
			}
			if !slices.Equal(ids(p), tc.want) {
				t.Errorf("List(sort %s) = %v; want %v", tc.sort, ids(p), tc.want)
			}
		}

		// Breached and due soon, as the start page counts them. At 10:30 the
		// P1 opened 10:20 has used 10 of its 60 minutes; at 11:10, 50.
		if p, err := f.sd.List(ctx, spoc, servicedesk.Filter{Sort: servicedesk.SortTriage, Due: servicedesk.DueBreached}); err != nil || !slices.Equal(ids(p), []int64{b.ID}) {
			t.Errorf("due breached = %v, %v; want %d", ids(p), err, b.ID)
		}
		f.now = cph("2026-11-30 11:10")
		if p, err := f.sd.List(ctx, spoc, servicedesk.Filter{Sort: servicedesk.SortTriage, Due: servicedesk.DueSoon}); err != nil || !slices.Equal(ids(p), []int64{e.ID, d.ID}) {
			t.Errorf("due soon at 11:10 = %v, %v; want %d and %d (past 75%%, not breached)", ids(p), err, e.ID, d.ID)
		}
		if fg, err := f.sd.Figures(ctx, spoc, servicedesk.FigureFilter{}); err != nil || fg.Breached != 1 || fg.DueSoon != 2 {
			t.Errorf("Figures = %+v, %v; want 1 breached and 2 due soon, as the filters list", fg, err)
		}
		f.now = cph("2026-11-30 10:30")

		// Offset pages with the total.
		p1, err := f.sd.List(ctx, spoc, servicedesk.Filter{Sort: servicedesk.SortTriage, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := f.sd.List(ctx, spoc, servicedesk.Filter{Sort: servicedesk.SortTriage, Limit: 4, Offset: p1.NextOffset})
		if err != nil {
			t.Fatal(err)
		}
		if got := append(ids(p1), ids(p2)...); p1.NextOffset != 4 || p2.NextOffset != 0 || !slices.Equal(got, ids(page)) || *p2.Total != 6 {
			t.Errorf("two pages of 4 = %v (next %d, %d); want %v", got, p1.NextOffset, p2.NextOffset, ids(page))
		}
		// Newest first stays the default with its cursor.
		if p, err := f.sd.List(ctx, spoc, servicedesk.Filter{Limit: 2}); err != nil || !slices.Equal(ids(p), []int64{e.ID, onHold.ID}) || p.Next != onHold.ID || p.Total != nil {
			t.Errorf("newest first = %v next %d total %v, %v", ids(p), p.Next, p.Total, err)
		}

		for _, bad := range []servicedesk.Filter{
			{Sort: "colour"}, {Sort: "-triage"}, {Sort: "due", Before: 5}, {Offset: 5}, {Sort: "id", Offset: -1},
			{Assignee: "anna", Unassigned: true}, {Due: "late"},
		} {
			if _, err := f.sd.List(ctx, spoc, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("List(%+v) = %v; want EINVALID", bad, err)
			}
		}
		for _, s := range []string{"", "triage", "due", "-due", "org", "-assignee"} {
			if _, err := servicedesk.ParseSort("sort", s); err != nil {
				t.Errorf("ParseSort(%q) = %v", s, err)
			}
		}
	})
}

// TestQueueFilters: mine, unassigned and one organisation, on the unit's
// queue.
func TestQueueFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, frb, desk := f.Scope(t, "demo-spoc"), f.Scope(t, "spoc-frb"), f.Scope(t, "demo-servicedesk")
		f.now = cph("2026-11-30 09:00")
		kbh1 := f.escalate(t, spoc, f.open(t, spoc, "København 1", 2, 2))
		kbh2 := f.escalate(t, spoc, f.open(t, spoc, "København 2", 1, 2))
		fb := f.escalate(t, frb, f.open(t, frb, "Frederiksberg", 2, 2))
		f.open(t, spoc, "Endnu hos 1. linje", 2, 2)
		if _, err := f.sd.Assign(ctx, desk, kbh2.ID, 0, "demo-servicedesk"); err != nil {
			t.Fatal(err)
		}
		kbh := f.Org(t, "101")
		for name, tc := range map[string]struct {
			f    servicedesk.Filter
			want []int64
		}{
			"all":        {servicedesk.Filter{Sort: "id"}, []int64{kbh1.ID, kbh2.ID, fb.ID}},
			"mine":       {servicedesk.Filter{Sort: "id", Assignee: "demo-servicedesk"}, []int64{kbh2.ID}},
			"unassigned": {servicedesk.Filter{Sort: "id", Unassigned: true}, []int64{kbh1.ID, fb.ID}},
			"københavn":  {servicedesk.Filter{Sort: "id", Org: kbh.ID}, []int64{kbh1.ID, kbh2.ID}},
			"p2":         {servicedesk.Filter{Sort: "id", Priority: "P2"}, []int64{kbh2.ID}},
			"assignee":   {servicedesk.Filter{Sort: "assignee"}, []int64{kbh2.ID, kbh1.ID, fb.ID}},
		} {
			p, err := f.sd.List(ctx, desk, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !slices.Equal(ids(p), tc.want) || *p.Total != len(tc.want) {
				t.Errorf("%s = %v (total %d); want %v", name, ids(p), *p.Total, tc.want)
			}
		}
	})
}

// TestBulk: a bulk change goes through each ticket's own step within the
// caller's reach: tickets the caller cannot see are reported unknown and
// left alone, a stale version is a conflict, the rest are done.
func TestBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.AddUser(t, "spoc-aal", "851", access.RoleSPOC)
		spoc, frb, aal := f.Scope(t, "demo-spoc"), f.Scope(t, "spoc-frb"), f.Scope(t, "spoc-aal")
		desk, nord := f.Scope(t, "demo-servicedesk"), f.Scope(t, "desk-nord")
		f.now = cph("2026-11-30 09:00")
		kbh := f.escalate(t, spoc, f.open(t, spoc, "København", 2, 2))
		fb := f.escalate(t, frb, f.open(t, frb, "Frederiksberg", 2, 2))
		notYet := f.open(t, spoc, "Endnu hos 1. linje", 2, 2)
		other := f.escalate(t, aal, f.open(t, aal, "Aalborg", 2, 2))

		// The choices of assignee are the unit's own desk.
		us, err := f.sd.Assignees(ctx, desk, 0)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range us {
			names = append(names, u.Username)
		}
		if !slices.Contains(names, "demo-servicedesk") || !slices.Contains(names, "demo-unit-manager") || slices.Contains(names, "desk-nord") {
			t.Errorf("Assignees(desk, 0) = %v; want Hovedstaden's desk and manager only", names)
		}
		if us, err := f.sd.Assignees(ctx, spoc, kbh.ID); err != nil || len(us) != 0 {
			t.Errorf("Assignees for the SPOC = %v, %v; want none (the unit assigns)", us, err)
		}
		_, err = f.sd.Assignees(ctx, desk, other.ID)
		wantCode(t, "Assignees of another unit's ticket", err, errs.NotFound)

		res, err := f.sd.Bulk(ctx, desk, []servicedesk.BulkTarget{{ID: kbh.ID, Version: kbh.Version}, {ID: fb.ID}, {ID: notYet.ID}, {ID: other.ID}, {ID: 999999}, {ID: kbh.ID}},
			servicedesk.BulkChange{Assignee: "demo-unit-manager"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Done != 2 || res.Refused != 3 || len(res.Outcomes) != 5 {
			t.Fatalf("bulk assign = %d done, %d refused, %d outcomes; want 2, 3, 5", res.Done, res.Refused, len(res.Outcomes))
		}
		for _, o := range res.Outcomes {
			switch o.ID {
			case kbh.ID, fb.ID:
				if !o.Done || o.Ticket.Assignee != "demo-unit-manager" || o.Ticket.Status != servicedesk.InProgress {
					t.Errorf("ticket %d: %+v; want assigned and in progress", o.ID, o)
				}
			default:
				wantCode(t, "bulk assign of a ticket out of reach", o.Err, errs.NotFound)
			}
		}
		for _, sc := range []access.Scope{spoc, nord} {
			for _, id := range []int64{notYet.ID, other.ID} {
				if tk, err := f.sd.Get(ctx, sc, id); err == nil && tk.Assignee != "" {
					t.Errorf("ticket %d out of reach was assigned to %q", id, tk.Assignee)
				}
			}
		}

		// A stale version refuses that ticket only.
		res, err = f.sd.Bulk(ctx, desk, []servicedesk.BulkTarget{{ID: kbh.ID, Version: kbh.Version}, {ID: fb.ID}},
			servicedesk.BulkChange{Impact: 1, Urgency: 1, Note: "Hele rådhuset"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Done != 1 || res.Outcomes[1].Ticket.Priority != "P1" {
			t.Errorf("bulk priority = %+v; want Frederiksberg done as P1", res)
		}
		wantCode(t, "bulk change with a stale version", res.Outcomes[0].Err, errs.Conflict)

		// Status: resolved needs a resolution; the SPOC then closes both.
		_, err = f.sd.Bulk(ctx, desk, []servicedesk.BulkTarget{{ID: kbh.ID}}, servicedesk.BulkChange{Status: servicedesk.Resolved})
		wantCode(t, "bulk resolve without a resolution", err, errs.Invalid)
		_, err = f.sd.Bulk(ctx, desk, []servicedesk.BulkTarget{{ID: kbh.ID}}, servicedesk.BulkChange{Status: servicedesk.InProgress, Note: "x"})
		wantCode(t, "bulk move to in progress", err, errs.Invalid)
		_, err = f.sd.Bulk(ctx, desk, []servicedesk.BulkTarget{{ID: kbh.ID}}, servicedesk.BulkChange{Assignee: "demo-servicedesk", Status: servicedesk.Pending, Note: "x"})
		wantCode(t, "bulk with two changes", err, errs.Invalid)
		_, err = f.sd.Bulk(ctx, desk, nil, servicedesk.BulkChange{Assignee: "demo-servicedesk"})
		wantCode(t, "bulk without tickets", err, errs.Invalid)
		if res, err = f.sd.Bulk(ctx, desk, []servicedesk.BulkTarget{{ID: kbh.ID}, {ID: fb.ID}}, servicedesk.BulkChange{Status: servicedesk.Resolved, Note: "Genstartet"}); err != nil || res.Done != 2 {
			t.Fatalf("bulk resolve = %+v, %v", res, err)
		}
		res, err = f.sd.Bulk(ctx, spoc, []servicedesk.BulkTarget{{ID: kbh.ID}, {ID: fb.ID}}, servicedesk.BulkChange{Status: servicedesk.Closed})
		if err != nil || res.Done != 1 || res.Outcomes[0].Ticket.Status != servicedesk.Closed {
			t.Fatalf("the SPOC closes in bulk = %+v, %v; want København closed", res, err)
		}
		wantCode(t, "the SPOC closes Frederiksberg's ticket", res.Outcomes[1].Err, errs.NotFound)
	})
}
