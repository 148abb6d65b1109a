package needs

import "github.com/samdrift/samdrift/internal/errs"

// Danish translations of the package's error messages (see errs.AddDanish).
func init() {
	errs.AddDanish(map[string]string{
		"log in to read needs and feedback": "log ind for at læse behov og tilbagemeldinger",
		"the SOC reads needs and feedback; municipalities, their units and the secretariat take part": "SOC'en læser behov og tilbagemeldinger; kommunerne, deres enheder og sekretariatet deltager",
		"no need %d": "intet behov %d",
		"name the municipality that needs this too":                                                                               "angiv den kommune, der også har behovet",
		"name the municipality the need comes from":                                                                               "angiv den kommune, behovet kommer fra",
		"%s is not a municipality; needs and votes come from municipalities":                                                      "%s er ikke en kommune; behov og stemmer kommer fra kommuner",
		"want 1 to 500 needs a page, got %d":                                                                                      "angiv 1 til 500 behov pr. side, fik %d",
		"want a cursor from a previous page, got %d":                                                                              "angiv en markør fra en tidligere side, fik %d",
		"search for at most 200 characters":                                                                                       "søg efter højst 200 tegn",
		"the status of a need is set by the secretariat or by the unit that supplies the municipality it comes from":              "status på et behov sættes af sekretariatet eller af den enhed, der leverer til kommunen, behovet kommer fra",
		"need %d was changed since you read it (version %d, you had %d); reload it and try again":                                 "behov %d er ændret, siden du læste det (version %d, du havde %d); genindlæs og prøv igen",
		"a need becomes a duplicate by being marked as one of another need":                                                       "et behov bliver en dublet ved at blive markeret som dublet af et andet behov",
		"say why the need is declined":                                                                                            "skriv, hvorfor behovet afvises",
		"need %d was changed meanwhile; reload it and try again":                                                                  "behov %d er ændret i mellemtiden; genindlæs og prøv igen",
		"name the need this one duplicates":                                                                                       "angiv det behov, dette er en dublet af",
		"a need cannot be a duplicate of itself":                                                                                  "et behov kan ikke være en dublet af sig selv",
		"need %d is a duplicate of this one; marking this one a duplicate of it would make a circle":                              "behov %d er en dublet af dette; at markere dette som dublet af det ville give en cirkel",
		"%s submitted this need; its support is counted already":                                                                  "%s har indsendt behovet; kommunens støtte tæller allerede med",
		"only a person follows a need":                                                                                            "kun en person kan følge et behov",
		"internal comments on a need are for the unit that supplies its municipality and the secretariat":                         "interne kommentarer på et behov er for den enhed, der leverer til kommunen, og sekretariatet",
		"need %d, a duplicate of this one, comes from a municipality you do not decide for; ask the secretariat to mark this one": "behov %d, en dublet af dette, kommer fra en kommune, du ikke træffer beslutninger for; bed sekretariatet om at markere dette",
	})
}
