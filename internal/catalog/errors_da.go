package catalog

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// offering.go
		"want a date YYYY-MM-DD, got %q": "angiv en dato som ÅÅÅÅ-MM-DD, ikke %q",
		"only a unit manager (for its own unit) or an administrator may change offerings":                            "kun en enhedschef (for sin egen enhed) eller en administrator kan ændre udbud",
		"a unit manager may change only its own unit's offerings":                                                    "en enhedschef kan kun ændre sin egen enheds udbud",
		"catalog %s has no service %q":                                                                               "katalog %s har ingen ydelse %q",
		"service %s has no level %q in catalog %s":                                                                   "ydelsen %s har intet niveau %q i katalog %s",
		"price must be between 0 and 10,000,000 DKK per %s per month":                                                "prisen skal være mellem 0 og 10.000.000 kr. pr. %s pr. måned",
		"name the sub-supplier (1–200 characters)":                                                                   "angiv underleverandøren (1–200 tegn)",
		"delivery must be in-house or sub-supplier, got %q":                                                          "levering skal være in-house eller sub-supplier, ikke %q",
		"the unit must attest the catalog's architecture principles and coordination requirements for this offering": "enheden skal bekræfte katalogets arkitekturprincipper og koordinationskrav for dette udbud",
		"organisation %d is not a unit":                                                                              "organisation %d er ikke en enhed",
		"the unit already offers %s/%s (offering %d, from %s); withdraw that first":                                  "enheden udbyder allerede %s/%s (udbud %d, fra %s); træk det udbud tilbage først",
		"no offering %d": "udbud %d findes ikke",
		"status must be planned, active or withdrawn, got %q":     "status skal være planned, active eller withdrawn, ikke %q",
		"offering %d was withdrawn from %s already":               "udbud %d er allerede trukket tilbage fra %s",
		"offering %d starts %s; withdraw from that day or later":  "udbud %d starter %s; træk det tilbage fra den dag eller senere",
		"your unit offers %s/%s only from %s; order it from then": "jeres enhed udbyder først %s/%s fra %s; bestil ydelsen fra den dato",
		"your unit does not offer %s at level %s":                 "jeres enhed udbyder ikke %s på niveau %s",

		// store.go
		"only an administrator may publish catalog versions":                               "kun en administrator kan udgive katalogversioner",
		"catalog version %s exists with other content; give the new catalog a new version": "katalogversion %s findes allerede med andet indhold; giv det nye katalog et nyt versionsnummer",
		"no catalog has been published yet":                                                "der er endnu ikke udgivet noget katalog",
		"no catalog version %q":                                                            "katalogversion %q findes ikke",
	})
}
