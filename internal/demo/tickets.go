package demo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/network"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

// demoTicket is one ticket of the demo with the steps it has been through.
type demoTicket struct {
	muni      string
	kind      servicedesk.Kind
	title     string
	impact    int
	urgency   int
	ageHours  int      // created this many (wall-clock) hours ago
	steps     []string // escalate, assign, pend, answer, resolve, close, reopen
	subscribe bool     // link the municipality's first active subscription
}

var demoTickets = []demoTicket{
	{"101", servicedesk.Incident, "Printeren på Rådhusets 2. sal skriver ikke ud", 3, 2, 2, nil, false},
	{"101", servicedesk.Request, "Ny medarbejder i Borgerservice skal have adgang til fællesdrev", 3, 3, 30, []string{"pend"}, false},
	{"101", servicedesk.Incident, "Filserveren FS02 svarer langsomt", 2, 2, 5, []string{"escalate"}, true},
	{"101", servicedesk.Incident, "VPN afbryder for hjemmearbejdspladser", 1, 2, 50, []string{"escalate", "assign"}, false},
	{"101", servicedesk.Incident, "Backup af sagsystemet fejlede i nat", 2, 1, 28, []string{"escalate", "assign", "pend"}, true},
	{"101", servicedesk.Incident, "Wi-fi på Valby Bibliotek falder ud", 2, 3, 120, []string{"escalate", "assign", "resolve"}, false},
	{"101", servicedesk.Incident, "Mailserveren afviser store vedhæftninger", 2, 2, 200, []string{"escalate", "assign", "resolve", "close"}, false},
	{"101", servicedesk.Incident, "Skanner i Jobcentret sender ikke mails", 3, 2, 300, []string{"resolve", "close"}, false},
	{"101", servicedesk.Incident, "Netværksswitch i kælderen blinker orange", 1, 1, 170, []string{"escalate", "assign", "resolve", "reopen"}, false},
	{"147", servicedesk.Incident, "Frederiksberg: ESDH-klient starter ikke", 2, 2, 3, []string{"escalate"}, false},
	{"147", servicedesk.Request, "Frederiksberg: ny virtuel server til GIS", 3, 3, 80, []string{"escalate", "assign"}, false},
	{"851", servicedesk.Incident, "Aalborg: firewallregel til nyt fagsystem", 2, 2, 26, []string{"escalate"}, false},
	{"461", servicedesk.Incident, "Odense: storage-volumen er 95 % fuld", 1, 2, 4, nil, false},
}

// LoadTickets opens the demo's tickets — in every state, across
// municipalities and units, with histories reaching back up to two weeks —
// once, when the service desk is empty, then raises the warnings and
// breaches that history has earned.
func LoadTickets(ctx context.Context, orgs *org.Service, ord *orders.Service, sd *servicedesk.Service) (int, error) {
	sc := access.System("demo")
	if p, err := sd.List(ctx, sc, servicedesk.Filter{Limit: 1}); err != nil || len(p.Tickets) > 0 {
		return 0, err
	}
	defer func(old func() time.Time) { sd.Clock = old }(sd.Clock)
	now := time.Now().UTC().Truncate(time.Minute)
	made := 0
	for _, d := range demoTickets {
		m, err := orgs.Get(ctx, sc, d.muni)
		if err != nil {
			return made, err
		}
		at := now.Add(-time.Duration(d.ageHours) * time.Hour)
		sd.Clock = func() time.Time { return at }
		n := servicedesk.NewTicket{Kind: d.kind, Municipality: m.ID, Title: d.title, Impact: d.impact, Urgency: d.urgency,
			Description: "Demo: " + d.title, Requester: "Demo-bruger"}
		if d.subscribe {
			subs, _, err := ord.List(ctx, sc, orders.Filter{Municipality: m.ID, Statuses: []orders.Status{orders.Active}, Limit: 1})
			if err != nil {
				return made, err
			}
			if len(subs) > 0 {
				n.Subscription = subs[0].ID
			}
		}
		t, err := sd.Create(ctx, sc, n)
		if err != nil {
			return made, err
		}
		made++
		// Each step happens a little later, never after now.
		gap := time.Duration(d.ageHours) * time.Hour / time.Duration(len(d.steps)+1)
		for _, st := range d.steps {
			at = at.Add(gap)
			switch st {
			case "escalate":
				t, err = sd.Escalate(ctx, sc, t.ID, 0, 0, servicedesk.Handover{Tried: "Genstart og kontrol af kabler", Affected: "Medarbejderne på stedet",
					Contact: "Demo SPOC, tlf. 3366 0000"})
			case "assign":
				var at servicedesk.Ticket
				if at, err = sd.Assign(ctx, sc, t.ID, 0, "demo-servicedesk"); err == nil {
					t = at
				} else if errs.CodeOf(err) == errs.Invalid {
					err = nil // units without a demo service desk user leave it unassigned
				}
			case "pend":
				t, err = sd.Pend(ctx, sc, t.ID, 0, "Hvilke brugere er berørt, og siden hvornår?")
			case "resolve":
				t, err = sd.Resolve(ctx, sc, t.ID, 0, "Konfiguration rettet og testet med brugeren.")
			case "close":
				t, err = sd.Close(ctx, sc, t.ID, 0, 3+made%3, "Tak for hurtig hjælp")
			case "reopen":
				t, err = sd.Reopen(ctx, sc, t.ID, 0, "Fejlen er kommet igen i morges")
			}
			if err != nil {
				return made, err
			}
		}
	}
	n, err := loadHistory(ctx, orgs, sd, now)
	made += n
	if err != nil {
		return made, err
	}
	n, err = loadNetwork(ctx, orgs, sd, now)
	made += n
	if err != nil {
		return made, err
	}
	_, err = sd.Sweep(ctx, now)
	return made, err
}

// loadHistory plays six months of closed tickets so that the monthly
// reports and their chart have something to show: escalations, answers
// within and beyond the targets (breaches raised as they happened, some
// explained), visits and satisfaction.
func loadHistory(ctx context.Context, orgs *org.Service, sd *servicedesk.Service, now time.Time) (int, error) {
	sc := access.System("demo")
	r := rand.New(rand.NewPCG(2026, 11))
	codes := []string{"101", "147", "151", "851", "461"}
	ids := map[string]int64{}
	for _, c := range codes {
		m, err := orgs.Get(ctx, sc, c)
		if err != nil {
			return 0, err
		}
		ids[c] = m.ID
	}
	titles := []string{"Langsom adgang til fællesdrev", "Printer offline", "Ny adgang til fagsystem", "VPN-fejl", "Mail forsinket",
		"Skærm flimrer", "Backupjob fejlede", "Certifikat udløbet", "Wi-fi dækning i mødelokale", "Licens mangler"}
	h := servicedesk.Handover{Tried: "Genstart og kontrol af opsætning", Affected: "En afdeling", Contact: "Demo SPOC"}
	made := 0
	for back := 6; back >= 1; back-- {
		month := time.Date(now.Year(), now.Month()-time.Month(back), 3, 9, 0, 0, 0, calendar.Copenhagen)
		for i := range 10 {
			at := month.Add(time.Duration(i*62+r.IntN(48)) * time.Hour)
			for !isWorkTime(at) {
				at = at.Add(time.Hour)
			}
			code := codes[r.IntN(len(codes))]
			step := func() time.Time {
				at = at.Add(time.Duration(30+r.IntN(6*60)) * time.Minute)
				return at
			}
			sd.Clock = func() time.Time { return at }
			t, err := sd.Create(ctx, sc, servicedesk.NewTicket{Kind: servicedesk.Incident, Municipality: ids[code], Title: titles[r.IntN(len(titles))],
				Impact: 1 + r.IntN(3), Urgency: 1 + r.IntN(3), Requester: "Demo-bruger"})
			if err != nil {
				return made, err
			}
			made++
			escalated := r.IntN(10) < 6
			if escalated {
				step()
				if _, err := sd.Escalate(ctx, sc, t.ID, 0, 0, h); err != nil {
					return made, err
				}
				if code == "101" || code == "147" || code == "151" {
					step()
					if _, err := sd.Assign(ctx, sc, t.ID, 0, "demo-servicedesk"); err != nil {
						return made, err
					}
					if r.IntN(4) == 0 {
						if _, err := sd.ScheduleVisit(ctx, sc, t.ID, 0, servicedesk.NewVisit{Address: "Rådhuset", StartsAt: at.Add(time.Hour),
							EndsAt: at.Add(2 * time.Hour), Technician: "Demo tekniker"}); err != nil {
							return made, err
						}
					}
				}
			}
			// Some take days: the sweep raises their breaches as it goes.
			at = at.Add(time.Duration(r.IntN(4)*24+1) * time.Hour)
			if _, err := sd.Sweep(ctx, at); err != nil {
				return made, err
			}
			if escalated && r.IntN(2) == 0 {
				if _, err := sd.SetBreachReason(ctx, sc, t.ID, 0, "Afventede leverandør"); err != nil && errs.CodeOf(err) != errs.Forbidden {
					return made, err
				}
			}
			if _, err := sd.Resolve(ctx, sc, t.ID, 0, "Løst og testet med brugeren."); err != nil {
				return made, err
			}
			step()
			if _, err := sd.Close(ctx, sc, t.ID, 0, 2+r.IntN(4), ""); err != nil {
				return made, err
			}
		}
	}
	return made, nil
}

// isWorkTime says whether t is on a weekday between 8 and 15 in Copenhagen.
func isWorkTime(t time.Time) bool {
	l := t.In(calendar.Copenhagen)
	return l.Weekday() != time.Saturday && l.Weekday() != time.Sunday && l.Hour() >= 8 && l.Hour() < 15
}

// loadNetwork registers demo sites and a ring connection in Region
// Hovedstaden, a normal change on the ring touching three municipalities
// (awaiting their acknowledgements and the change board) next week, a
// standard change that collides with it on København's town hall, and a
// problem that explains an escalated incident.
func loadNetwork(ctx context.Context, orgs *org.Service, sd *servicedesk.Service, now time.Time) (int, error) {
	sc := access.System("demo")
	reg := network.New(sd.DB())
	sites := map[string]network.Site{}
	for _, x := range []struct{ code, name, addr string }{
		{"101", "Københavns Rådhus", "Rådhuspladsen 1, 1599 København V"},
		{"147", "Frederiksberg Rådhus", "Smallegade 1, 2000 Frederiksberg"},
		{"151", "Ballerup Rådhus", "Hold-An Vej 7, 2750 Ballerup"},
	} {
		m, err := orgs.Get(ctx, sc, x.code)
		if err != nil {
			return 0, err
		}
		if sites[x.code], err = reg.AddSite(ctx, sc, m.ID, x.name, x.addr); err != nil {
			return 0, err
		}
	}
	unit, err := orgs.Get(ctx, sc, UnitSlug("Region Hovedstaden"))
	if err != nil {
		return 0, err
	}
	ringA, err := reg.AddConnection(ctx, sc, network.NewConnection{Name: "Ring Nord: København–Frederiksberg", Kind: "fiber", BandwidthMbps: 10000,
		Provider: "GlobalConnect", Unit: unit.ID, SiteA: sites["101"].ID, SiteB: sites["147"].ID})
	if err != nil {
		return 0, err
	}
	ringB, err := reg.AddConnection(ctx, sc, network.NewConnection{Name: "Ring Nord: Frederiksberg–Ballerup", Kind: "fiber", BandwidthMbps: 10000,
		Provider: "GlobalConnect", Unit: unit.ID, SiteA: sites["147"].ID, SiteB: sites["151"].ID})
	if err != nil {
		return 0, err
	}
	today := now.In(calendar.Copenhagen)
	daysIntoWeek := (int(today.Weekday()) + 6) % 7
	next := time.Date(today.Year(), today.Month(), today.Day()-daysIntoWeek+7, 22, 0, 0, 0, calendar.Copenhagen) // next Monday 22:00
	sd.Clock = func() time.Time { return now.Add(-2 * time.Hour) }
	made := 0
	if _, err := sd.CreateChange(ctx, sc, servicedesk.NewChange{Unit: unit.ID, Title: "Opgradering af Ring Nord til 40 Gbit/s",
		Description: "Optik og linjekort udskiftes på hele ringen.", Type: servicedesk.NormalChange, Risk: "medium",
		Plan: "1. Trafik flyttes til reservevej\n2. Optik skiftes\n3. Test og trafik tilbage", Rollback: "Gammel optik sættes i; trafik tilbage på primærvej",
		WindowStart: next, WindowEnd: next.Add(4 * time.Hour), Connections: []int64{ringA.ID, ringB.ID}}); err != nil {
		return made, err
	}
	made++
	if _, err := sd.CreateChange(ctx, sc, servicedesk.NewChange{Unit: unit.ID, Title: "Ny access-switch i Københavns Rådhus' kælder",
		Type: servicedesk.StandardChange, Risk: "low", Plan: "Standardprocedure SW-03", Rollback: "Gammel switch sættes i",
		WindowStart: next.Add(time.Hour), WindowEnd: next.Add(2 * time.Hour), Sites: []int64{sites["101"].ID}}); err != nil {
		return made, err
	}
	made++
	pr, err := sd.Create(ctx, sc, servicedesk.NewTicket{Kind: servicedesk.Problem, Municipality: sites["101"].MunicipalityID,
		Title: "VPN-koncentratoren genstarter under last", Impact: 1, Urgency: 2, Description: "Gentagne VPN-afbrydelser i flere kommuner."})
	if err != nil {
		return made, err
	}
	made++
	if _, err := sd.SetProblem(ctx, sc, pr.ID, 0, "Hukommelseslæk i firmware 9.1", "Planlagt genstart hver nat kl. 03", true); err != nil {
		return made, err
	}
	p, err := sd.List(ctx, sc, servicedesk.Filter{Query: "VPN afbryder", Limit: 1})
	if err != nil {
		return made, err
	}
	if len(p.Tickets) > 0 {
		if _, err := sd.LinkIncident(ctx, sc, pr.ID, p.Tickets[0].ID); err != nil {
			return made, err
		}
	}
	return made, nil
}
