package oncall

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// escalation.go
		"no organisation %d":                                 "organisation %d findes ikke",
		"an escalation is for an alert or a case":            "en eskalering gælder en alarm eller en hændelsessag",
		"name the alert or case":                             "angiv alarmen eller hændelsessagen",
		"no on-call team %q":                                 "vagtholdet %q findes ikke",
		"escalation %d changed meanwhile; try again":         "eskalering %d er ændret i mellemtiden; prøv igen",
		"no escalation %d":                                   "eskalering %d findes ikke",
		"state is active, acknowledged, snoozed or resolved": "tilstanden skal være active, acknowledged, snoozed eller resolved",
		"a snooze ends in the future":                        "en udsættelse skal slutte i fremtiden",
		"a snooze lasts at most 24 hours":                    "en udsættelse varer højst 24 timer",
		"only the members of team %q and those who triage the alert acknowledge escalation %d": "kun medlemmerne af vagtholdet %q og de, der behandler alarmen, kan kvittere for eskalering %d",
		"escalation %d is resolved already (by %s)":                                            "eskalering %d er allerede afsluttet (af %s)",
		"escalation %d is acknowledged already (by %s)":                                        "eskalering %d er allerede kvitteret (af %s)",

		// handover.go
		"write what is open and what to watch":                 "skriv, hvad der er åbent, og hvad der skal holdes øje med",
		"a handover note has at most %d characters":            "en overdragelsesnote må højst have %d tegn",
		"only the members of team %q write its handover notes": "kun medlemmerne af vagtholdet %q kan skrive holdets overdragelsesnoter",

		// policy.go
		"severity is low, medium, high or critical": "alvor skal være low, medium, high eller critical",
		"a policy needs at least one step":          "en eskaleringspolitik skal have mindst ét trin",
		"a policy has at most %d steps":             "en eskaleringspolitik må højst have %d trin",
		"a policy repeats 0–%d times":               "en eskaleringspolitik gentages 0–%d gange",
		"a step pages a level or a member":          "et trin kalder enten et niveau eller et medlem",
		"a step waits 1–%d minutes":                 "et trin venter 1–%d minutter",

		// rotation.go
		"a level is 1 (primary) to %d":                                      "et niveau er fra 1 (primær) til %d",
		"give a time between 2000 and 2100 (got %s)":                        "angiv et tidspunkt mellem år 2000 og 2100 (du angav %s)",
		"a rotation needs at least one member":                              "en rotation skal have mindst ét medlem",
		"a rotation has at most %d members":                                 "en rotation må højst have %d medlemmer",
		"give the first handoff":                                            "angiv det første skift",
		"the end comes after the start":                                     "slutningen skal ligge efter starten",
		"%s is not a member of team %q":                                     "%s er ikke medlem af vagtholdet %q",
		"%s is listed twice":                                                "%s er angivet to gange",
		"no rotation %d in team %q":                                         "rotation %d findes ikke i vagtholdet %q",
		"the end comes after the start (%s)":                                "slutningen skal ligge efter starten (%s)",
		"give when the override begins and ends":                            "angiv, hvornår vagtbyttet begynder og slutter",
		"the override ends after it begins":                                 "vagtbyttet skal slutte, efter det er begyndt",
		"an override lasts at most 31 days; change the rotation for longer": "et vagtbytte varer højst 31 dage; ændr rotationen, hvis det skal vare længere",
		"you may not manage on-call team %q":                                "du har ikke adgang til at administrere vagtholdet %q",
		"as a member of the team you may take a shift yourself only":        "som medlem af holdet kan du kun tage en vagt for dig selv",
		"no override %d in team %q":                                         "vagtbytte %d findes ikke i vagtholdet %q",
		"the period ends after it begins":                                   "perioden skal slutte, efter den er begyndt",
		"at most 35 days at a time":                                         "højst 35 dage ad gangen",

		// schedule.go
		`want daily, weekly, a number of days ("3d") or of hours ("12h"); got %q`:            `angiv daily, weekly, et antal dage ("3d") eller et antal timer ("12h"), ikke %q`,
		"a turn lasts a number of days or a number of hours":                                 "en tørn varer enten et antal dage eller et antal timer",
		"a turn lasts 1–90 days":                                                             "en tørn varer 1–90 dage",
		"a turn lasts 1–168 hours":                                                           "en tørn varer 1–168 timer",
		`want days and hours such as "mon-fri 08:00-16:00" or "sat,sun 00:00-00:00"; got %q`: `angiv dage og klokkeslæt som "mon-fri 08:00-16:00" eller "sat,sun 00:00-00:00", ikke %q`,
		"name the days of the week the rotation holds":                                       "angiv de ugedage, rotationen gælder",
		"day %d is not a day of the week":                                                    "dag %d er ikke en ugedag",
		"want a time of day such as 08:00; got %q":                                           "angiv et klokkeslæt som 08:00, ikke %q",

		// sweep.go
		"escalation %d is %s and has a next step": "eskalering %d har status %s og har et næste trin",

		// team.go
		"a team's slug is 1–63 characters of a–z, 0–9 and '-', starting with a letter or digit (got %q)": "et vagtholds kortnavn skal være 1–63 tegn af a–z, 0–9 og '-' og begynde med et bogstav eller et tal (du angav %q)",
		"give a name":                                           "angiv et navn",
		"a name has at most %d characters":                      "et navn må højst have %d tegn",
		"you may not manage on-call teams":                      "du har ikke adgang til at administrere vagthold",
		"a team has at most %d members":                         "et vagthold må højst have %d medlemmer",
		"only a team of the shared SOC can be the default team": "kun et vagthold i det fælles SOC kan være standardhold",
		"an on-call team %q exists already":                     "vagtholdet %q findes allerede",
		"no active user %q in the team's organisation":          "der er ingen aktiv bruger %q i holdets organisation",
		"%s still in a rotation, override or escalation policy of the team; take them out of it first": "%s indgår stadig i en rotation, et vagtbytte eller en eskaleringspolitik for holdet; tag dem ud af den først",

		// token.go
		"setting %s is not a hex key":                                                     "indstillingen %s er ikke en hex-nøgle",
		"a link acknowledges or resolves":                                                 "et link kan kun kvittere eller afslutte",
		"this acknowledge link is not valid; open the escalation in samdrift instead":     "kvitteringslinket er ikke gyldigt; åbn eskaleringen i samdrift i stedet",
		"this acknowledge link expired at %s; open the escalation in samdrift instead":    "kvitteringslinket udløb %s; åbn eskaleringen i samdrift i stedet",
		"this acknowledge link's user may no longer act on escalation %d; log in instead": "brugeren bag kvitteringslinket kan ikke længere handle på eskalering %d; log ind i stedet",
		"no public URL to link to":                                                        "der er ingen offentlig URL at linke til",
	})
}
