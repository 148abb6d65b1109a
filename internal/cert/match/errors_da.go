package match

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// CPE names.
		"CPE name is too long":                                                      "CPE-navnet er for langt",
		"%q does not start with cpe:2.3: or cpe:/":                                  "%q starter ikke med cpe:2.3: eller cpe:/",
		"a CPE 2.3 name has 11 components after cpe:2.3:, not more":                 "et CPE 2.3-navn har 11 komponenter efter cpe:2.3:, ikke flere",
		"a CPE 2.3 name has 11 components after cpe:2.3:, not %d":                   "et CPE 2.3-navn har 11 komponenter efter cpe:2.3:, ikke %d",
		"the part of a CPE name is a, o or h, not %q":                               "part i et CPE-navn skal være a, o eller h, ikke %q",
		"a CPE name has an empty component; use * for any value":                    "CPE-navnet har en tom komponent; brug * for en vilkårlig værdi",
		"a CPE name has a character outside printable ASCII":                        "CPE-navnet indeholder et tegn uden for de printbare ASCII-tegn",
		"a CPE name ends a component with an escape character":                      "CPE-navnet afslutter en komponent med et escape-tegn",
		"a CPE name may have * and ? wildcards only at the start or end of a value": "i et CPE-navn må jokertegnene * og ? kun stå i starten eller slutningen af en værdi",
		"a CPE 2.2 URI has at most 7 components after cpe:/, not %d":                "en CPE 2.2-URI har højst 7 komponenter efter cpe:/, ikke %d",
		"a packed CPE 2.2 edition has 5 parts separated by ~, not %d":               "en pakket CPE 2.2-edition har 5 dele adskilt af ~, ikke %d",
		"a CPE 2.2 URI has a malformed %%-escape":                                   "CPE 2.2-URI'en har en ugyldig %%-kodning",

		// Package URLs (purl).
		"package URL is longer than %d characters":                                        "pakke-URL'en er længere end %d tegn",
		"%q does not start with pkg:":                                                     "%q starter ikke med pkg:",
		"%q has no name after the type":                                                   "%q har intet navn efter typen",
		"%q has an empty version after @":                                                 "%q har en tom version efter @",
		"%q has no name":                                                                  "%q har intet navn",
		"%q has a namespace segment that is empty or holds an encoded /":                  "%q har et namespace-segment, der er tomt eller indeholder en kodet /",
		"a maven package URL needs a namespace (the group id)":                            "en pakke-URL af typen maven skal have et namespace (group id'et)",
		"package URL has an empty type":                                                   "pakke-URL'en har en tom type",
		"package URL type %q starts with a digit":                                         "pakke-URL-typen %q starter med et ciffer",
		"package URL type %q has a character other than a letter, digit, '.', '+' or '-'": "pakke-URL-typen %q indeholder andre tegn end bogstaver, cifre, '.', '+' og '-'",
		"package URL qualifier key %q is not valid":                                       "qualifier-nøglen %q i pakke-URL'en er ugyldig",
		"package URL qualifier %q is given twice":                                         "qualifier %q står to gange i pakke-URL'en",
		"package URL has a malformed %%-escape in %q":                                     "pakke-URL'en har en ugyldig %%-kodning i %q",

		// Version ranges (vers).
		"version range is longer than %d characters":                                            "versionsintervallet er længere end %d tegn",
		"%q does not start with vers:":                                                          "%q starter ikke med vers:",
		"%q has no versioning scheme before /":                                                  "%q har intet versionsskema før /",
		"versioning scheme %q has a character other than a letter, digit, '.', '+', '-' or '_'": "versionsskemaet %q indeholder andre tegn end bogstaver, cifre, '.', '+', '-' og '_'",
		"%q has no constraints":                                                                 "%q har ingen betingelser",
		"version %q has a malformed %%-escape":                                                  "versionen %q har en ugyldig %%-kodning",
		"a constraint has no version":                                                           "en betingelse mangler en version",
		"* must stand alone in a version range":                                                 "* skal stå alene i et versionsinterval",
		"versions %q and %q are the same version; each may occur once":                          "%q og %q er samme version; hver version må kun forekomme én gang",
		"%s%s after =%s is redundant or empty; vers allows only =, > or >= after =":             "%s%s efter =%s er overflødig eller giver et tomt interval; vers tillader kun =, > eller >= efter =",
		"%s%s follows %s%s; vers needs lower and upper bounds to alternate":                     "%s%s følger efter %s%s; i vers skal nedre og øvre grænser komme skiftevis",
		"give a fixed version or a last affected version, not both":                             "angiv enten en rettet version eller en sidste berørte version, ikke begge",
		"the range from %s to %s%s is empty":                                                    "intervallet fra %s til %s%s er tomt",

		// Versions.
		"version is empty":                               "versionen er tom",
		"version is longer than %d characters":           "versionen er længere end %d tegn",
		"%q has an epoch that is not a number":           "%q har en epoch, der ikke er et tal",
		"%q has an empty Debian revision":                "%q har en tom Debian-revision",
		"%q has an empty upstream version":               "%q har en tom upstream-version",
		"%q has a character Debian versions cannot have": "%q indeholder et tegn, som Debian-versioner ikke kan have",
		"%q has an empty RPM release":                    "%q har en tom RPM-release",
		"%q has an empty version":                        "%q har en tom version",
		"%q is not a semantic version":                   "%q er ikke en semantisk version (SemVer)",
	})
}
