package compliance

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// assessments.go
		"%s is a heading; answer the requirements under it":                                                              "%s er en overskrift; besvar kravene under den",
		"this answer was changed by %s since you read it (version %d, you had %d); reload it and make your change again": "svaret er ændret af %s, siden du hentede det (version %d, du havde %d); genindlæs det, og foretag din ændring igen",
		"this answer was just given by someone else; reload it and make your change again":                               "en anden har netop givet dette svar; genindlæs det, og foretag din ændring igen",
		"answer to %s not found after storing it":                                                                        "svaret på %s blev ikke fundet, efter det var gemt",
		"maturity is 0 (none) to 5 (optimised), or -1 to clear it":                                                       "modenhed skal være fra 0 (ingen) til 5 (optimeret) eller -1 for at fjerne den",
		"no live check %q; the checks are %s":                                                                            "målingen %q findes ikke; målingerne er %s",
		"say why the requirement does not apply":                                                                         "skriv, hvorfor kravet ikke er relevant",

		// bulk.go
		"at most %d answers at a time (got %d)":             "højst %d svar ad gangen (fik %d)",
		"%s: %s is a heading, not a requirement":            "%s: %s er en overskrift, ikke et krav",
		"%s: %s was answered in row %d already":             "%s: %s er allerede besvaret i række %d",
		"%s: %s: %s":                                        "%s: %s: %s",
		"line 1: the header has no %s column (columns: %s)": "linje 1: overskriftsrækken har ingen kolonne %s (kolonnerne er: %s)",
		"line %d: maturity %q is not a number from 0 to 5":  "linje %d: modenhed %q er ikke et tal fra 0 til 5",
		"more than %d answers":                              "mere end %d svar",

		// checks.go
		"live checks failed: %s": "målinger fejlede: %s",

		// compliance.go
		"frameworks are imported by governance or an administrator":                          "kun styring og sekretariat eller en administrator kan importere rammeværk",
		"assessments are kept by the organisation's CISO, its unit's managers or governance": "vurderinger vedligeholdes af organisationens CISO, cheferne for dens enhed eller styring og sekretariat",
		"your role does not read compliance assessments":                                     "din rolle giver ikke adgang til vurderinger af regelefterlevelse",

		// evidence.go
		"give a file or a link, not both": "angiv en fil eller et link, ikke begge dele",
		"the file is empty":               "filen er tom",
		"the file is larger than %d MiB":  "filen er større end %d MiB",
		"files of type %q are not kept as evidence; use PDF, an image, text, CSV, JSON, Word or Excel": "filer af typen %q kan ikke gemmes som dokumentation; brug PDF, billede, tekst, CSV, JSON, Word eller Excel",
		"give an http(s) link to the evidence, or a file":                                              "angiv et http(s)-link til dokumentationen eller en fil",
		"the evidence must expire after it becomes valid":                                              "dokumentationens udløbsdato skal ligge efter den dato, hvor den bliver gyldig",
		"at most 100 requirements":                                                                     "højst 100 krav",
		"%s is a heading; name the requirement under it the evidence shows":                            "%s er en overskrift; angiv det krav under den, som dokumentationen viser",
		"no evidence %d":                    "dokumentation %d findes ikke",
		"evidence %d is a link, not a file": "dokumentation %d er et link, ikke en fil",
		"a unit removes only the evidence it added itself; ask the municipality's CISO": "en enhed kan kun fjerne dokumentation, den selv har tilføjet; kontakt kommunens CISO",

		// frameworks.go
		"no framework %q":                     "rammeværket %q findes ikke",
		"framework %s has no section %q":      "rammeværket %s har intet afsnit %q",
		"no requirement %q in this framework": "kravet %q findes ikke i dette rammeværk",

		// install.go
		"no library file":                    "der er ingen biblioteksfil",
		"at most %d library files at a time": "højst %d biblioteksfiler ad gangen",
		"%s is larger than %d MiB":           "%s er større end %d MiB",
		"%s":                                 "%s",
		"%s: library %s ships with samdrift; it is upgraded with samdrift, not imported":   "%s: biblioteket %s følger med samdrift; det opdateres sammen med samdrift og kan ikke importeres",
		"%s: version %d of library %s is installed; import a higher version to replace it": "%s: version %d af biblioteket %s er installeret; importér en højere version for at erstatte den",
		"%s: framework %s belongs to another library":                                      "%s: rammeværket %s hører til et andet bibliotek",
		"%s:%d: requirement %s belongs to another framework":                               "%s:%d: kravet %s hører til et andet rammeværk",
		"%s:%d: reference control %s belongs to another library":                           "%s:%d: referencekontrollen %s hører til et andet bibliotek",
		"%s:%d: requirement %s names reference control %s, which no library has":           "%s:%d: kravet %s henviser til referencekontrollen %s, som intet bibliotek har",
		"%s:%d: the mapping names a requirement no installed framework has (%s → %s)":      "%s:%d: koblingen henviser til et krav, som intet installeret rammeværk har (%s → %s)",
		"no library %s": "biblioteket %s findes ikke",
		"library %s ships with samdrift and stays":                                                "biblioteket %s følger med samdrift og kan ikke fjernes",
		"organisations have given %d answers to library %s's framework; it stays while they have": "organisationerne har givet %d svar på rammeværket i biblioteket %s; det kan ikke fjernes, så længe svarene findes",

		// report.go
		"the governance report is governance's": "styringsrapporten er forbeholdt styring og sekretariat",

		// standards.go
		"the register of standards is kept by governance": "registret over standarder vedligeholdes af styring og sekretariat",
		"give an http(s) link to the document":            "angiv et http(s)-link til dokumentet",
		"the register already has a document %s":          "registret har allerede et dokument med nummer %s",
		"at most 200 requirements":                        "højst 200 krav",
		"standard %s was changed since you read it (revision %d, you had %d); reload it and make your change again": "standarden %s er ændret, siden du hentede den (revision %d, du havde %d); genindlæs den, og foretag din ændring igen",
		"a standard that is %s cannot become %s": "en standard med status %s kan ikke skifte til %s",
		"an approved or retired standard's content does not change; revise it (back to draft with a new version) first": "indholdet i en godkendt eller udgået standard kan ikke ændres; revidér den først (tilbage til udkast med en ny version)",
		"a retired standard does not change": "en udgået standard kan ikke ændres",
		"an approved standard's version and the council's decision do not change; revise it (back to draft with a new version) and have the revision approved": "versionen og rådets beslutning i en godkendt standard kan ikke ændres; revidér den (tilbage til udkast med en ny version), og få revisionen godkendt",
		"say until when the consultation runs":                                    "angiv høringsfristen",
		"name the council's decision (meeting and item)":                          "angiv rådets beslutning (møde og punkt)",
		"a revision gets a new version":                                           "en revision skal have en ny version",
		"standard %s was changed meanwhile; reload it and make your change again": "standarden %s er ændret i mellemtiden; genindlæs den, og foretag din ændring igen",
		"no standard %d": "standard %d findes ikke",
		"a standard is acknowledged by a unit's managers or a municipality's CISO":                              "det er en enheds chefer eller en kommunes CISO, der kvitterer for en standard",
		"say why the standard does not apply":                                                                   "skriv, hvorfor standarden ikke er relevant",
		"an organisation acknowledges for itself: a unit through its managers, a municipality through its CISO": "en organisation kvitterer kun for sig selv: en enhed ved sine chefer, en kommune ved sin CISO",
		"only an approved standard is acknowledged (%s is %s)":                                                  "der kan kun kvitteres for en godkendt standard (%s har status %s)",
	})
}
