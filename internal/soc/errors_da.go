package soc

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// detail.go
		"case %d has %d members, the most a case takes":                      "hændelsessag %d har %d medlemmer, som er det højeste antal for en sag",
		"%s is on case %d already":                                           "%s er allerede med på hændelsessag %d",
		"a file has at most %d MiB":                                          "en fil må højst fylde %d MiB",
		"case %d has no file %d":                                             "hændelsessag %d har ingen fil %d",
		"the service desk is not wired to cases":                             "servicedesken er ikke koblet til hændelsessager",
		`say where the ticket goes: "unit" or "municipality"`:                `angiv, hvor servicedesk-sagen skal hen: "unit" eller "municipality"`,
		"case %d is closed; reopen it to raise tickets":                      "hændelsessag %d er lukket; genåbn den for at rejse servicedesk-sager",
		"tickets are raised from a municipality's case; case %d is about %s": "servicedesk-sager rejses fra en kommunes hændelsessag; hændelsessag %d gælder %s",
		"choose the cases to merge into case %d":                             "vælg de hændelsessager, der skal lægges sammen med hændelsessag %d",
		"merge at most 50 cases at a time":                                   "læg højst 50 hændelsessager sammen ad gangen",
		"case %d cannot be merged into itself":                               "hændelsessag %d kan ikke lægges sammen med sig selv",
		"case %d is closed; merge into an open case":                         "hændelsessag %d er lukket; læg sammen med en åben hændelsessag",
		"no case %d": "hændelsessag %d findes ikke",
		"case %d is about another organisation than case %d; only one organisation's cases merge": "hændelsessag %d gælder en anden organisation end sag %d; kun sager for samme organisation kan lægges sammen",
		"case %d was merged into case %d already":                                                 "hændelsessag %d er allerede lagt sammen med sag %d",
		"case %d was merged by someone else just now; reload it":                                  "hændelsessag %d er netop lagt sammen af en anden; genindlæs den",
		"merging would give case %d more %s than a case takes; merge fewer cases":                 "sammenlægningen ville give hændelsessag %d flere %s, end en sag kan have; læg færre sager sammen",

		// draft.go
		"case %d is not marked reportable; mark it (NIS2 or GDPR, with the time of awareness) first": "hændelsessag %d er ikke markeret som indberetningspligtig; markér den først (NIS2 eller GDPR, med tidspunktet, hvor organisationen blev bekendt med hændelsen)",

		// links.go
		"give the observable's value (at most 2048 characters)":                                "angiv observationens værdi (højst 2048 tegn)",
		"an observable is one line of text without control characters":                         "en observation er én linje tekst uden kontroltegn",
		"%q is not an IP address":                                                              "%q er ikke en IP-adresse",
		"a hash is MD5, SHA-1, SHA-256 or SHA-512 in hexadecimal":                              "en hashværdi skal være MD5, SHA-1, SHA-256 eller SHA-512 skrevet hexadecimalt",
		"%q is not a domain name":                                                              "%q er ikke et domænenavn",
		"%q is not an e-mail address":                                                          "%q er ikke en e-mailadresse",
		"a URL starts with http://, https:// or ftp://":                                        "en URL skal begynde med http://, https:// eller ftp://",
		"a %s name has at most 256 characters on one line":                                     "et navn af typen %s må højst have 256 tegn på én linje",
		"unknown observable kind %q; want one of %s":                                           "ukendt type observation %q; brug en af %s",
		"case %d holds %d observables, the most a case takes":                                  "hændelsessag %d har %d observationer, som er det højeste antal for en sag",
		"case %d has observable %s %s already":                                                 "hændelsessag %d har allerede observationen %s %s",
		"case %d was merged into case %d; link alerts there":                                   "hændelsessag %d er lagt sammen med sag %d; knyt alarmerne til den",
		"alert %d is not about this case's organisation; open a case for its own organisation": "alarm %d gælder ikke denne hændelsessags organisation; opret en hændelsessag for alarmens egen organisation",

		// reporting.go
		"say when the organisation became aware of the incident: the clocks run from then":                "angiv, hvornår organisationen blev bekendt med hændelsen: fristerne løber fra da",
		"say why the incident is significant: %s":                                                         "angiv, hvorfor hændelsen er væsentlig: %s",
		"criteria go with nis2_significant":                                                               "kriterier kan kun angives sammen med nis2_significant",
		"an intermediate report is asked for a significant incident only":                                 "en mellemrapport kan kun kræves for en væsentlig hændelse",
		"case %d was merged into case %d; mark that case":                                                 "hændelsessag %d er lagt sammen med sag %d; markér den sag i stedet",
		"the CSIRT's due time for an intermediate report lies after the time of awareness, within a year": "CSIRT'ens frist for en mellemrapport skal ligge efter tidspunktet, hvor organisationen blev bekendt med hændelsen, og inden for et år",
		"lies in the future": "ligger i fremtiden",
		"lies more than a year before the case was opened":                                               "ligger mere end et år før hændelsessagen blev oprettet",
		"case %d has a NIS2 report submitted already; it stays significant":                              "der er allerede indsendt en NIS2-indberetning for hændelsessag %d; den forbliver en væsentlig hændelse",
		"case %d has a GDPR notification submitted already; it stays a breach":                           "der er allerede indsendt en GDPR-anmeldelse for hændelsessag %d; den forbliver et brud på persondatasikkerheden",
		"a report has at most 1 MiB":                                                                     "en indberetning må højst fylde 1 MiB",
		"is not valid JSON":                                                                              "er ikke gyldig JSON",
		"case %d is not marked a significant incident under NIS2; mark it before recording NIS2 reports": "hændelsessag %d er ikke markeret som væsentlig hændelse efter NIS2; markér den, før du registrerer NIS2-indberetninger",
		"case %d is not marked a personal data breach; mark it before recording the GDPR notification":   "hændelsessag %d er ikke markeret som brud på persondatasikkerheden; markér den, før du registrerer GDPR-anmeldelsen",
		"lies before the organisation became aware of the incident":                                      "ligger før organisationen blev bekendt med hændelsen",
		"case %d has no %s clock (an intermediate report is recorded once its due time is set; a progress report when the final report is not yet possible)": "hændelsessag %d har ingen frist for %s (en mellemrapport registreres, når dens frist er fastsat; en statusrapport, når den endelige rapport endnu ikke er mulig)",
		"record the incident notification before the final report":   "registrér hændelsesunderretningen før den endelige rapport",
		"the %s is %s late (due %s); give the reasons for the delay": "indberetningen %s er %s forsinket (frist %s); angiv begrundelsen for forsinkelsen",

		// soc.go
		"only SOC analysts, the CERT and CISOs work security cases":                                     "kun SOC-analytikere, CERT og CISO'er arbejder med hændelsessager",
		"the platform cannot own a case; name a user":                                                   "platformen kan ikke være ansvarlig for en hændelsessag; angiv en bruger",
		"%s cannot work case %d: no active user of that name works security cases of this organisation": "%s kan ikke arbejde på hændelsessag %d: der er ingen aktiv bruger med det navn, som arbejder med hændelsessager for denne organisation",
		"case %d holds %d %s, the most a case takes":                                                    "hændelsessag %d har %d %s, som er det højeste antal for en sag",

		// tasks.go
		"a task is due within five years (and not more than a year ago)": "en opgaves frist skal ligge inden for fem år (og højst et år tilbage i tiden)",
		"case %d is closed; reopen it to add tasks":                      "hændelsessag %d er lukket; genåbn den for at tilføje opgaver",
		"case %d has %d tasks, the most a case takes":                    "hændelsessag %d har %d opgaver, som er det højeste antal for en sag",
		"case %d has no task %d":                                         "hændelsessag %d har ingen opgave %d",
		"task %d is already as asked":                                    "opgave %d har allerede de ønskede værdier",

		// work.go
		"at most 500 cases per page":         "højst 500 hændelsessager pr. side",
		"search with at most 200 characters": "søg med højst 200 tegn",
		"case %d was changed by someone else (version %d, you had %d); reload it and try again": "hændelsessag %d er ændret af en anden (version %d, du havde %d); genindlæs den, og prøv igen",
		"case %d was merged into case %d; work that case":                                       "hændelsessag %d er lagt sammen med sag %d; arbejd videre i den",
		"case %d is closed already":                                                             "hændelsessag %d er allerede lukket",
		"closing a case needs a resolution: resolved, false-positive, duplicate or no-action":   "for at lukke en hændelsessag skal du angive en afslutning: resolved, false-positive, duplicate eller no-action",
		"case %d has %d open tasks; finish or cancel them before closing":                       "hændelsessag %d har %d åbne opgaver; udfør eller annullér dem, før du lukker sagen",
		"say why case %d is reopened":                                                           "skriv, hvorfor hændelsessag %d genåbnes",
		"nothing to change on case %d":                                                          "der er intet at ændre på hændelsessag %d",
		"case %d was changed by someone else; reload it and try again":                          "hændelsessag %d er ændret af en anden; genindlæs den, og prøv igen",
	})
}
