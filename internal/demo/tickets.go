package demo

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
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
	_, err := sd.Sweep(ctx, now)
	return made, err
}
