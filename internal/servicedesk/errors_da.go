package servicedesk

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// Files.
		"give the file's name (at most 200 characters, no quotes or line breaks)":                          "angiv filens navn (højst 200 tegn, uden anførselstegn og linjeskift)",
		"at most %d MiB per file, got %.1f MiB":                                                            "højst %d MiB pr. fil; filen fylder %.1f MiB",
		"only the municipality's SPOC and, once escalated, the unit's service desk add files to ticket %d": "kun kommunens SPOC og – når sagen er eskaleret – enhedens servicedesk kan vedhæfte filer til sag %d",
		"ticket %d has no file %d": "sag %d har ingen fil %d",

		// Changes.
		"a unit's service desk or manager registers the unit's changes":        "en enheds ændringer registreres af enhedens servicedesk eller enhedschef",
		"say how the change is rolled back":                                    "beskriv, hvordan ændringen rulles tilbage",
		"want standard, normal or emergency, got %q":                           "skal være standard, normal eller emergency, ikke %q",
		"want low, medium or high, got %q":                                     "skal være low, medium eller high, ikke %q",
		"the window ends after it starts":                                      "vinduet skal slutte efter starttidspunktet",
		"a window lasts at most 7 days; split the change":                      "et vindue må højst vare 7 dage; del ændringen op",
		"at most 200 sites and connections per change":                         "højst 200 lokationer og forbindelser pr. ændring",
		"impact and urgency must be 1 (high), 2 (medium) or 3 (low)":           "påvirkning og hast skal være 1 (høj), 2 (middel) eller 3 (lav)",
		"say why you object and what would work instead":                       "skriv, hvorfor du gør indsigelse, og hvad der kunne fungere i stedet",
		"ticket %d is not a change":                                            "sag %d er ikke en ændring",
		"an affected municipality's SPOC or IT answers change %d":              "kun SPOC eller IT i en berørt kommune kan besvare ændring %d",
		"the window of change %d has started; talk to %s directly":             "vinduet for ændring %d er begyndt; kontakt %s direkte",
		"change %d does not touch your municipality":                           "ændring %d berører ikke din kommune",
		"say why the change is rejected":                                       "skriv, hvorfor ændringen afvises",
		"the change board of %s (its manager) decides change %d":               "ændring %[2]d afgøres af ændringsrådet i %[1]s (enhedschefen)",
		"change %d is %s already":                                              "ændring %d har allerede status %s",
		"%s objects to change %d (%s); agree a new window with them first":     "%s gør indsigelse mod ændring %d (%s); aftal først et nyt vindue med kommunen",
		"change %d waits for %s":                                               "ændring %d venter på %s",
		"the calendar shows a span of up to three months; give from before to": "kalenderen viser højst tre måneder ad gangen; from skal ligge før to",

		// Closing days.
		"a unit's manager decides the unit's closing days": "det er enhedschefen, der fastlægger enhedens lukkedage",
		"at most 100 closing days":                         "højst 100 lukkedage",

		// Opening and working tickets.
		"problems and changes are opened by a unit's service desk or manager":                                              "problemer og ændringer oprettes af en enheds servicedesk eller enhedschef",
		"incidents and requests are opened by the municipality's SPOC or municipal IT; a unit receives them by escalation": "hændelser og serviceanmodninger oprettes af kommunens SPOC eller kommunal IT; enheden modtager dem, når de eskaleres",
		"you may open tickets only for your own municipality":                                                              "du kan kun oprette sager for din egen kommune",
		"your unit does not supply municipality %d":                                                                        "din enhed leverer ikke til kommune %d",
		"name the municipality (its supplying unit owns the ticket)":                                                       "angiv kommunen (sagen ejes af den driftsenhed, der leverer til kommunen)",
		"municipality %d has no subscription %d":                                                                           "abonnement %[2]d hører ikke til kommune %[1]d",
		"order %d is %s, not an active subscription":                                                                       "bestilling %d har status %s og er ikke et aktivt abonnement",
		"municipality %d has no site %d":                                                                                   "lokation %[2]d hører ikke til kommune %[1]d",
		"ticket %d was changed by someone else since you loaded it (version %d, now %d); reload it and try again":          "sag %d er ændret af en anden, siden du hentede den (version %d, nu %d); genindlæs sagen, og prøv igen",
		"ticket %d was changed by someone else just now; reload it and try again":                                          "sag %d er netop blevet ændret af en anden; genindlæs sagen, og prøv igen",
		"ticket %d is closed; open a new ticket and refer to #%d":                                                          "sag %d er lukket; opret en ny sag, og henvis til #%d",
		"say what 1st line has tried":                                                                                      "skriv, hvad 1. linje har forsøgt",
		"say who and what is affected":                                                                                     "skriv, hvem og hvad der er berørt",
		"say whom the unit contacts":                                                                                       "skriv, hvem enheden skal kontakte",
		"only municipality %s's SPOC may escalate ticket %d":                                                               "kun SPOC i %s kan eskalere sag %d",
		"ticket %d is %s at the unit already; it cannot be escalated again":                                                "sag %d har allerede status %s hos enheden; den kan ikke eskaleres igen",
		"organisation %d does not supply %s; escalate to its supplying unit (organisation %d)":                             "organisation %d leverer ikke til %s; eskalér til den driftsenhed, der leverer til kommunen (organisation %d)",
		"catalog %s has no service %s":                                                                                     "katalog %s indeholder ikke ydelsen %s",
		"service %s has no level %s":                                                                                       "ydelsen %s har ikke niveauet %s",
		"name the user to assign":                                                                                          "angiv den bruger, sagen skal tildeles",
		"only the service desk of %s assigns ticket %d":                                                                    "kun servicedesken i %s kan tildele sag %d",
		"ticket %d is %s; reopen it before assigning it":                                                                   "sag %d har status %s; genåbn den, før du tildeler den",
		"%q is not an active service desk user of %s":                                                                      "%q er ikke en aktiv servicedeskbruger i %s",
		"only the municipality's SPOC and, once escalated, the unit's service desk comment on ticket %d":                   "kun kommunens SPOC og – når sagen er eskaleret – enhedens servicedesk kan kommentere sag %d",
		"say what you are waiting for":                                                                                     "skriv, hvad du venter på",
		"ticket %d is %s; only an open or in-progress ticket can wait for an answer":                                       "sag %d har status %s; kun en åben sag eller en sag under behandling kan afvente svar",
		"ticket %d is with municipality %s's 1st line":                                                                     "sag %d ligger hos 1. linje i %s",
		"ticket %d is with the service desk of %s":                                                                         "sag %d ligger hos servicedesken i %s",
		"ticket %d is %s, not waiting for an answer":                                                                       "sag %d har status %s og afventer ikke svar",
		"you may not work ticket %d":                                                                                       "du har ikke adgang til at behandle sag %d",
		"say how the ticket was solved":                                                                                    "skriv, hvordan sagen blev løst",
		"ticket %d is resolved already":                                                                                    "sag %d er allerede løst",
		"say why the ticket is not solved":                                                                                 "skriv, hvorfor sagen ikke er løst",
		"ticket %d is %s; only a resolved ticket can be reopened":                                                          "sag %d har status %s; kun en løst sag kan genåbnes",
		"only municipality %s's SPOC reopens ticket %d":                                                                    "kun SPOC i %s kan genåbne sag %d",
		"must be 1 (poor) to 5 (very good), or left out; got %d":                                                           "skal være fra 1 (dårlig) til 5 (meget god) eller udelades, ikke %d",
		"ticket %d is %s; resolve it before closing it":                                                                    "sag %d har status %s; løs den, før du lukker den",
		"only municipality %s's SPOC confirms and closes ticket %d":                                                        "kun SPOC i %s kan bekræfte og lukke sag %d",
		"say why the priority changes":                                                                                     "skriv, hvorfor prioriteten ændres",
		"must have at most %d characters, got %d":                                                                          "må højst have %d tegn (der er %d)",
		"only the service desk of %s explains a breach of ticket %d":                                                       "kun servicedesken i %s kan forklare en overskridelse i sag %d",
		"say why the service level changes":                                                                                "skriv, hvorfor serviceniveauet ændres",
		"must be 1 (high), 2 (medium) or 3 (low), got %d":                                                                  "skal være 1 (høj), 2 (middel) eller 3 (lav), ikke %d",

		// Tickets raised from security cases.
		"only those who work security cases raise tickets from them": "kun de, der arbejder med sikkerhedssager, kan rejse servicedesk-sager fra dem",
		"a ticket from a case is raised for the case's municipality": "en servicedesk-sag fra en sikkerhedssag rejses for den kommune, sikkerhedssagen gælder",

		// Problems.
		"the service desk of %s links incidents to problem %d":   "kun servicedesken i %s kan tilknytte hændelser til problem %d",
		"no incident %d escalated to %s":                         "der er ingen hændelse %d, som er eskaleret til %s",
		"ticket %d is a %s, not an incident":                     "sag %d er af typen %s, ikke en hændelse",
		"incident %d is linked to problem %d already":            "hændelse %d er allerede tilknyttet problem %d",
		"a known error needs its workaround":                     "en kendt fejl skal have en workaround",
		"ticket %d is a %s, not a problem":                       "sag %d er af typen %s, ikke et problem",
		"the service desk of %s records problem %d's root cause": "kun servicedesken i %s kan registrere grundårsagen til problem %d",

		// Reports, lookups and search.
		"want 1–36 months":                     "skal være 1–36 måneder",
		"unknown calendar %q":                  "ukendt kalender %q",
		"no unit %d":                           "enhed %d findes ikke",
		"no ticket %d":                         "sag %d findes ikke",
		"give at least one word to search for": "angiv mindst ét ord at søge efter",
		"unknown status %q; want one of open, escalated, in_progress, pending, resolved, closed": "ukendt status %q; brug en af open, escalated, in_progress, pending, resolved, closed",
		"unknown ticket type %q; want incident, request, problem or change":                      "ukendt sagstype %q; brug incident, request, problem eller change",

		// On-site visits.
		"ticket %d has no planned visit %d":                              "sag %d har intet planlagt besøg %d",
		"name who comes":                                                 "angiv, hvem der kommer",
		"a visit ends after it starts":                                   "besøget skal slutte efter starttidspunktet",
		"a visit lasts at most 24 hours; plan several":                   "et besøg må højst vare 24 timer; planlæg flere besøg",
		"only the service desk of %s plans on-site visits for ticket %d": "kun servicedesken i %s kan planlægge besøg på stedet i sag %d",
		"ticket %d is %s; reopen it before planning a visit":             "sag %d har status %s; genåbn den, før du planlægger et besøg",
		"municipality %s has no site %d":                                 "lokation %[2]d hører ikke til %[1]s",
		"give the address or a registered site":                          "angiv adressen eller en registreret lokation",
		"want done or cancelled, got %q":                                 "skal være done eller cancelled, ikke %q",
		"only the service desk of %s updates visits of ticket %d":        "kun servicedesken i %s kan opdatere besøg i sag %d",
	})
}
