package demo

import (
	"context"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/needs"
)

// demoNeed is one need of the demo and what happened to it.
type demoNeed struct {
	by   string // the demo user who submits it
	need needs.NewNeed
	// votes: "user" (the user's own municipality) or "user@code" (on its
	// behalf); comments: "user: text", internal ones "user!: text".
	votes    []string
	comments []string
	by2      string // who sets the status
	status   needs.StatusChange
	dupOf    int // the index of the need it duplicates, 1-based
}

var demoNeeds = []demoNeed{
	{by: "demo-spoc", need: needs.NewNeed{Title: "Fælles booking af mødelokaler og udstyr", Priority: "high",
		Description: "Borgerservice og forvaltningerne booker mødelokaler, projektorer og biler i tre forskellige systemer og regneark. Vi har brug for én fælles bookingløsning, som alle medarbejdere kan bruge fra Outlook og fra telefonen.",
		Why:         "Dobbeltbookinger flere gange om ugen og tid spildt på at lede efter ledige lokaler.",
		Affected:    "Borgerservice og Teknik- og Miljøforvaltningen, ca. 400 medarbejdere"},
		votes: []string{"demo-unit-manager@147", "demo-governance@751"},
		comments: []string{"demo-servicedesk: Vi undersøger, om ressourcepostkasser i den fælles Exchange kan dække behovet, før vi ser på et nyt system.",
			"demo-unit-manager!: Tre kommuner har nu spurgt om det samme – tages op på porteføljemødet i næste måned.",
			"demo-spoc: Det skal også kunne håndtere udlån af bærbare til borgere i Borgerservice."},
		by2: "demo-servicedesk", status: needs.StatusChange{Status: needs.UnderConsideration, Reason: "Afklares på porteføljemødet sammen med de øvrige kommuners ønsker."}},
	{by: "demo-governance", need: needs.NewNeed{Org: "751", Title: "Single sign-on med MitID Erhverv til fagsystemerne", Priority: "high",
		Description: "Medarbejderne logger ind i op til otte fagsystemer om dagen med hver sin adgangskode. Vi ønsker fælles single sign-on med MitID Erhverv via den fælles identitetsløsning.",
		Why:         "Færre nulstillinger af adgangskoder hos servicedesken og bedre sikkerhed end genbrugte kodeord.",
		Affected:    "Alle medarbejdere med adgang til fagsystemer"},
		votes:    []string{"demo-kommune-it", "demo-governance@461", "demo-governance@851"},
		comments: []string{"demo-governance: Sekretariatet har samlet ønsket fra fire kommuner; leverandørerne af de tre største fagsystemer understøtter allerede OIDC."},
		by2:      "demo-governance", status: needs.StatusChange{Status: needs.Planned, Reason: "Indgår i den fælles køreplan for 2027, 2. kvartal."}},
	{by: "demo-governance", need: needs.NewNeed{Org: "461", Kind: "feedback", Title: "Gendannelse af enkeltfiler fra den fælles backup tager for lang tid", Priority: "medium",
		Description: "Når en medarbejder har slettet en fil på fællesdrevet, går der op til tre dage, før den er gendannet, fordi det kræver en sag hos enheden.",
		Why:         "Sagsbehandlere venter på dokumenter i verserende sager.",
		Affected:    "Alle forvaltninger"},
		comments: []string{"demo-governance: Enheden har åbnet selvbetjening: tidligere versioner kan nu hentes direkte fra Stifinder."},
		by2:      "demo-governance", status: needs.StatusChange{Status: needs.Done, Reason: "Selvbetjent gendannelse af tidligere versioner er åbnet for alle kommuner."}},
	{by: "demo-unit-manager", need: needs.NewNeed{Org: "147", Title: "Mobil adgang til ESDH for hjemmeplejen", Priority: "medium",
		Description: "Hjemmeplejens medarbejdere skal kunne se og journalisere dokumenter i ESDH fra tablets ude hos borgerne, uden VPN-opkobling.",
		Why:         "I dag skrives notater ind igen, når medarbejderne er tilbage på kontoret.",
		Affected:    "Hjemmeplejen, ca. 250 medarbejdere"},
		votes: []string{"demo-spoc"}},
	{by: "demo-governance", need: needs.NewNeed{Org: "851", Title: "Lokalebooking på tværs af forvaltninger", Priority: "medium",
		Description: "Vi mangler et system, hvor alle forvaltninger kan booke hinandens mødelokaler.",
		Affected:    "Alle forvaltninger"},
		votes: []string{"demo-governance@265"}, dupOf: 1},
	{by: "demo-ciso", need: needs.NewNeed{Kind: "feedback", Title: "Sms-notifikationer uden for arbejdstid", Priority: "low",
		Description: "Vi vil gerne kunne slå sms-notifikationer fra om natten for ikke-kritiske hændelser.",
		Why:         "Medarbejdere uden vagt bliver vækket af beskeder, de ikke skal handle på."},
		by2: "demo-governance", status: needs.StatusChange{Status: needs.Declined, Reason: "Hver bruger vælger selv sine notifikationer under Min konto; samdrift sender ikke sms. Ingen fælles ændring er nødvendig."}},
}

// LoadNeeds fills the channel for needs and feedback with the demo's:
// needs from København, Aarhus, Odense, Frederiksberg and Aalborg (some
// submitted on a municipality's behalf by its unit or the secretariat),
// with other municipalities' votes, public and internal comments, a
// duplicate, and every kind of status. It does nothing when there are
// needs already, and reports how many it made.
func LoadNeeds(ctx context.Context, svc *needs.Service, acc *access.Service) (int, error) {
	sys := access.System("demo")
	if _, total, err := svc.List(ctx, sys, needs.Filter{Limit: 1}); err != nil || total > 0 {
		return 0, err
	}
	as := func(username string) (access.Scope, error) {
		u, err := acc.UserByName(ctx, sys, username)
		if err != nil {
			return access.Scope{}, err
		}
		return access.ScopeOf(u), nil
	}
	made := make([]int64, len(demoNeeds))
	for i, d := range demoNeeds {
		sc, err := as(d.by)
		if err != nil {
			return i, err
		}
		n, err := svc.Create(ctx, sc, d.need)
		if err != nil {
			return i, err
		}
		made[i] = n.ID
		for _, v := range d.votes {
			user, org, _ := strings.Cut(v, "@")
			vs, err := as(user)
			if err != nil {
				return i, err
			}
			if _, err := svc.Vote(ctx, vs, n.ID, org); err != nil {
				return i, err
			}
		}
		for _, c := range d.comments {
			user, text, _ := strings.Cut(c, ": ")
			user, internal := strings.CutSuffix(user, "!")
			cs, err := as(user)
			if err != nil {
				return i, err
			}
			if _, err := svc.AddComment(ctx, cs, n.ID, needs.NewComment{Body: text, Internal: internal}); err != nil {
				return i, err
			}
		}
		if d.by2 != "" {
			ds, err := as(d.by2)
			if err != nil {
				return i, err
			}
			if _, err := svc.SetStatus(ctx, ds, n.ID, d.status); err != nil {
				return i, err
			}
		}
		if d.dupOf > 0 {
			gov, err := as("demo-governance")
			if err != nil {
				return i, err
			}
			if _, err := svc.MarkDuplicate(ctx, gov, n.ID, needs.DuplicateChange{Of: made[d.dupOf-1], Note: "Samme ønske som Københavns"}); err != nil {
				return i, err
			}
		}
	}
	return len(demoNeeds), nil
}
