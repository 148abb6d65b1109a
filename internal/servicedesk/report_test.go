package servicedesk_test

import (
	"context"
	"testing"

	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestMonthlyReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, desk, frb := f.Scope(t, "demo-spoc"), f.Scope(t, "demo-servicedesk"), f.Scope(t, "spoc-frb")
		must := func(tk servicedesk.Ticket, err error) servicedesk.Ticket {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		open := func(at, title string, impact, urgency int) servicedesk.Ticket {
			f.now = cph(at)
			return must(f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: title, Impact: impact, Urgency: urgency}))
		}
		h := servicedesk.Handover{Tried: "a", Affected: "b", Contact: "c"}
		a := open("2026-11-02 09:00", "Printer", 2, 2)
		f.now = cph("2026-11-02 10:00")
		must(f.sd.Escalate(ctx, spoc, a.ID, 0, 0, h))
		f.now = cph("2026-11-02 11:00")
		must(f.sd.Assign(ctx, desk, a.ID, 0, "demo-servicedesk"))
		must(f.sd.ScheduleVisit(ctx, desk, a.ID, 0, servicedesk.NewVisit{Address: "Rådhuspladsen 1", StartsAt: cph("2026-11-02 14:00"),
			EndsAt: cph("2026-11-02 15:00"), Technician: "Bo"}))
		f.now = cph("2026-11-02 15:00")
		must(f.sd.Resolve(ctx, desk, a.ID, 0, "Toner"))
		must(f.sd.Close(ctx, spoc, a.ID, 0, 4, ""))

		b := open("2026-11-03 09:00", "Netværket nede", 1, 1)
		f.now = cph("2026-11-03 09:10")
		must(f.sd.Escalate(ctx, spoc, b.ID, 0, 0, h))
		if _, err := f.sd.Sweep(ctx, cph("2026-11-05 12:00")); err != nil {
			t.Fatal(err)
		}
		f.now = cph("2026-11-05 12:30")
		must(f.sd.SetBreachReason(ctx, desk, b.ID, 0, "Reservedel manglede"))
		f.now = cph("2026-11-05 13:00")
		must(f.sd.Resolve(ctx, desk, b.ID, 0, "Switch skiftet"))

		open("2026-11-20 10:00", "Stadig åben", 3, 3)
		open("2026-12-01 10:00", "Næste måned", 3, 3)

		r, err := f.sd.Report(ctx, spoc, servicedesk.ReportFilter{Month: cph("2026-11-15 12:00")})
		if err != nil {
			t.Fatal(err)
		}
		if r.Month != "2026-11" || r.Opened != 3 || r.ByPriority["P1"] != 1 || r.Escalated != 2 || r.Resolved != 2 || r.Backlog != 1 || r.Visits != 1 {
			t.Errorf("report = %+v; want 3 opened (1 P1), 2 escalated, 2 resolved, backlog 1, 1 visit", r)
		}
		if r.Resolution != (servicedesk.Share{Measured: 2, Met: 1, Percent: 50}) || r.Response.Measured != 2 || r.Response.Met != 1 ||
			r.FirstLine != (servicedesk.Share{Measured: 2, Met: 2, Percent: 100}) {
			t.Errorf("shares: first line %+v, response %+v, resolution %+v", r.FirstLine, r.Response, r.Resolution)
		}
		if len(r.Breaches) != 2 || r.Breaches[0].TicketID != b.ID || r.Breaches[0].Reason != "Reservedel manglede" {
			t.Errorf("breaches = %+v; want the P1 ticket's response and resolution, with the reason", r.Breaches)
		}
		if r.Satisfaction.Answers != 1 || r.Satisfaction.Average != 4 || r.Satisfaction.Scores[3] != 1 {
			t.Errorf("satisfaction = %+v", r.Satisfaction)
		}
		// The unit sees only what was escalated to it; Frederiksberg nothing.
		ru, _ := f.sd.Report(ctx, desk, servicedesk.ReportFilter{Month: cph("2026-11-15 12:00")})
		if ru.Opened != 2 || ru.Backlog != 0 {
			t.Errorf("unit report: %d opened, backlog %d; want 2 and 0 (the open ticket is not escalated)", ru.Opened, ru.Backlog)
		}
		rf, _ := f.sd.Report(ctx, frb, servicedesk.ReportFilter{Month: cph("2026-11-15 12:00")})
		if rf.Opened != 0 || len(rf.Breaches) != 0 {
			t.Errorf("Frederiksberg sees København's month: %+v", rf)
		}
		tr, err := f.sd.Trend(ctx, spoc, servicedesk.ReportFilter{Month: cph("2026-12-10 12:00")}, 3)
		if err != nil || len(tr) != 3 || tr[1].Month != "2026-11" || tr[2].Opened != 1 {
			t.Errorf("trend = %+v, %v", tr, err)
		}
	})
}
