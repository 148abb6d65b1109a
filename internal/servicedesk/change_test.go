package servicedesk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/network"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestChangeAcrossThreeMunicipalities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.AddUser(t, "spoc-bal", "151", access.RoleSPOC)
		f.AddUser(t, "spoc-ode", "461", access.RoleSPOC)
		spoc, frb, bal, ode := f.Scope(t, "demo-spoc"), f.Scope(t, "spoc-frb"), f.Scope(t, "spoc-bal"), f.Scope(t, "spoc-ode")
		desk, mgr := f.Scope(t, "demo-servicedesk"), f.Scope(t, "demo-unit-manager")
		reg := network.New(db)
		site := func(sc access.Scope, code, name string) network.Site {
			s, err := reg.AddSite(ctx, sc, f.Org(t, code).ID, name, name+", 1000 By")
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		kk, fb := site(spoc, "101", "Rådhuset"), site(desk, "147", "Frederiksberg Rådhus")
		bl := site(bal, "151", "Ballerup Rådhus")
		if _, err := reg.AddSite(ctx, ode, f.Org(t, "101").ID, "Falsk", "Vej 1"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Odense registers a site in København: %v; want EFORBIDDEN", err)
		}
		ring, err := reg.AddConnection(ctx, desk, network.NewConnection{Name: "Ring Nord", Kind: "fiber", BandwidthMbps: 10000, Provider: "GlobalConnect",
			SiteA: kk.ID, SiteB: fb.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = reg.AddConnection(ctx, spoc, network.NewConnection{Name: "Egen linje", Kind: "fiber", BandwidthMbps: 1, SiteA: kk.ID})
		wantCode(t, "a SPOC registers a connection", err, errs.Forbidden)

		f.now = cph("2026-12-01 10:00")
		win := cph("2026-12-08 22:00")
		n := servicedesk.NewChange{Title: "Opgradering af Ring Nord", Type: servicedesk.NormalChange, Risk: "medium", Plan: "Skift optik",
			Rollback: "Gammel optik sættes i", WindowStart: win, WindowEnd: win.Add(4 * time.Hour), Connections: []int64{ring.ID}, Sites: []int64{bl.ID}}
		_, err = f.sd.CreateChange(ctx, spoc, n)
		wantCode(t, "a SPOC registers a change", err, errs.Forbidden)
		bad := n
		bad.Rollback = ""
		_, err = f.sd.CreateChange(ctx, desk, bad)
		wantCode(t, "a change without rollback", err, errs.Invalid)
		ch, err := f.sd.CreateChange(ctx, desk, n)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Change == nil || len(ch.Change.Acks) != 3 || !ch.Change.AcksRequired || ch.Change.Approval != "pending" {
			t.Fatalf("change = %+v; want three pending acknowledgements and approval pending", ch.Change)
		}
		// Each affected municipality sees it; Odense does not.
		for name, sc := range map[string]access.Scope{"København": spoc, "Frederiksberg": frb, "Ballerup": bal} {
			if _, err := f.sd.Get(ctx, sc, ch.ID); err != nil {
				t.Errorf("%s cannot see the change touching it: %v", name, err)
			}
		}
		_, err = f.sd.Get(ctx, ode, ch.ID)
		wantCode(t, "Odense reads the change", err, errs.NotFound)
		_, err = f.sd.Acknowledge(ctx, ode, ch.ID, false, "")
		wantCode(t, "Odense acknowledges", err, errs.NotFound)

		_, err = f.sd.Resolve(ctx, desk, ch.ID, 0, "Udført")
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "approval") {
			t.Errorf("implementing an unapproved change = %v; want a conflict naming the approval", err)
		}
		_, err = f.sd.Decide(ctx, desk, ch.ID, 0, true, "")
		wantCode(t, "the service desk approves", err, errs.Forbidden)
		if _, err := f.sd.Acknowledge(ctx, spoc, ch.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.sd.Acknowledge(ctx, frb, ch.ID, true, "")
		wantCode(t, "an objection without a reason", err, errs.Invalid)
		if _, err := f.sd.Acknowledge(ctx, frb, ch.ID, true, "Borgerservice har åbent om aftenen"); err != nil {
			t.Fatal(err)
		}
		_, err = f.sd.Decide(ctx, mgr, ch.ID, 0, true, "")
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "Frederiksberg") {
			t.Errorf("approving over an objection = %v; want a conflict naming Frederiksberg", err)
		}
		// Frederiksberg changes its mind; Ballerup acknowledges; the board approves.
		if _, err := f.sd.Acknowledge(ctx, frb, ch.ID, false, "OK efter aftale"); err != nil {
			t.Fatal(err)
		}
		_, err = f.sd.Resolve(ctx, desk, ch.ID, 0, "Udført")
		if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "Ballerup") {
			t.Errorf("implementing before Ballerup acknowledged = %v; want a conflict naming Ballerup", err)
		}
		if _, err := f.sd.Acknowledge(ctx, bal, ch.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sd.Decide(ctx, mgr, ch.ID, 0, true, "CAB 1/12"); err != nil {
			t.Fatal(err)
		}

		// A second change on København's end of the ring in an overlapping window.
		other := n
		other.Title, other.Type, other.Connections, other.Sites = "Ny switch på Rådhuset", servicedesk.StandardChange, nil, []int64{kk.ID}
		other.WindowStart, other.WindowEnd = win.Add(2*time.Hour), win.Add(3*time.Hour)
		ch2, err := f.sd.CreateChange(ctx, desk, other)
		if err != nil {
			t.Fatal(err)
		}
		if ch2.Change.Approval != "approved" || ch2.Change.AcksRequired {
			t.Errorf("standard change on one municipality: approval %s, acks required %v", ch2.Change.Approval, ch2.Change.AcksRequired)
		}
		cal, err := f.sd.ChangeCalendar(ctx, frb, servicedesk.CalendarFilter{From: cph("2026-12-07 00:00"), To: cph("2026-12-14 00:00")})
		if err != nil {
			t.Fatal(err)
		}
		if len(cal) != 1 || cal[0].ID != ch.ID || len(cal[0].Conflicts) != 1 || cal[0].Conflicts[0].ID != 0 || cal[0].Conflicts[0].Shared[0] != "Rådhuset" {
			t.Fatalf("Frederiksberg's calendar = %+v; want the ring change with one conflict on Rådhuset, not naming København's change", cal)
		}
		cal, _ = f.sd.ChangeCalendar(ctx, desk, servicedesk.CalendarFilter{From: cph("2026-12-07 00:00"), To: cph("2026-12-14 00:00")})
		if len(cal) != 2 || cal[1].Conflicts[0].ID != ch.ID || cal[0].Waiting != "" {
			t.Errorf("the unit's calendar = %+v; want both changes, conflicting, the ring no longer waiting", cal)
		}

		f.now = win.Add(time.Minute)
		_, err = f.sd.Acknowledge(ctx, spoc, ch.ID, true, "for sent")
		wantCode(t, "an acknowledgement after the window started", err, errs.Conflict)
		if _, err := f.sd.Resolve(ctx, desk, ch.ID, 0, "Optik skiftet"); err != nil {
			t.Fatalf("implementing the approved, acknowledged change: %v", err)
		}
		if _, err := f.sd.Close(ctx, desk, ch.ID, 0, 0, ""); err != nil {
			t.Errorf("the unit closes its change: %v", err)
		}
	})
}

func TestProblemLinksIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		spoc, desk, nord := f.Scope(t, "demo-spoc"), f.Scope(t, "demo-servicedesk"), f.Scope(t, "desk-nord")
		f.now = cph("2026-12-01 10:00")
		inc, err := f.sd.Create(ctx, spoc, servicedesk.NewTicket{Kind: servicedesk.Incident, Title: "Outlook hænger", Impact: 2, Urgency: 2})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := f.sd.Create(ctx, desk, servicedesk.NewTicket{Kind: servicedesk.Problem, Title: "Exchange-cluster mister quorum", Impact: 1, Urgency: 2})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.sd.LinkIncident(ctx, desk, pr.ID, inc.ID)
		wantCode(t, "linking an incident not yet escalated", err, errs.NotFound)
		if _, err := f.sd.Escalate(ctx, spoc, inc.ID, 0, 0, servicedesk.Handover{Tried: "a", Affected: "b", Contact: "c"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sd.LinkIncident(ctx, desk, pr.ID, inc.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.sd.LinkIncident(ctx, desk, pr.ID, inc.ID)
		wantCode(t, "linking twice", err, errs.Conflict)
		_, err = f.sd.LinkIncident(ctx, nord, pr.ID, inc.ID)
		wantCode(t, "another unit links", err, errs.NotFound)
		_, err = f.sd.SetProblem(ctx, desk, pr.ID, 0, "Netværksfejl", "", true)
		wantCode(t, "a known error without workaround", err, errs.Invalid)
		pr, err = f.sd.SetProblem(ctx, desk, pr.ID, 0, "Heartbeat over fejlende switch", "Genstart passiv node", true)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Problem == nil || !pr.Problem.KnownError || len(pr.Problem.Incidents) != 1 || pr.Problem.Incidents[0].ID != inc.ID {
			t.Errorf("problem = %+v", pr.Problem)
		}
		got, _ := f.sd.Get(ctx, spoc, inc.ID)
		if len(got.Problems) != 1 || got.Problems[0] != pr.ID {
			t.Errorf("the incident names problems %v; want [%d]", got.Problems, pr.ID)
		}
		_, err = f.sd.Get(ctx, spoc, pr.ID)
		wantCode(t, "the municipality reads the unit's own problem", err, errs.NotFound)
	})
}
