package detect

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"cannot build the detection engine: %v":                         "kan ikke opbygge detektionsmotoren: %v",
		"only the CERT, the SOC or an administrator adds indicators":    "kun CERT, SOC eller en administrator kan tilføje indikatorer",
		"only the CERT, the SOC or an administrator removes indicators": "kun CERT, SOC eller en administrator kan fjerne indikatorer",
		"no indicator %d":                       "indikator %d findes ikke",
		"%d indicators in one call; at most %d": "%d indikatorer i ét kald; højst %d",
		"only the SOC, the CERT or an administrator imports detection rules":                       "kun SOC, CERT eller en administrator kan importere detektionsregler",
		"you may add filters for your own organisation only":                                       "du kan kun tilføje filtre for din egen organisation",
		"only the SOC, the CERT or an administrator changes a rule for every organisation":         "kun SOC, CERT eller en administrator kan ændre en regel for alle organisationer",
		"you may tune detection rules for your own organisation only":                              "du kan kun tilpasse detektionsregler for din egen organisation",
		"level is one of informational, low, medium, high, critical (or empty to keep the rule's)": "niveauet skal være informational, low, medium, high eller critical (eller tomt for at beholde reglens eget)",
		"no detection rule %s": "detektionsregel %s findes ikke",
		"only the SOC, the CERT or an administrator sets placeholders for every organisation": "kun SOC, CERT eller en administrator kan sætte pladsholdere for alle organisationer",
		"you may set placeholders for your own organisation only":                             "du kan kun sætte pladsholdere for din egen organisation",
		"a placeholder name is 1–64 letters, digits, '_', '.' or '-' (without the %%)":        "et pladsholdernavn består af 1–64 bogstaver, cifre, '_', '.' eller '-' (uden %%)",
		"at most 10000 values":                                               "højst 10000 værdier",
		"value %d is empty or longer than 1024 characters":                   "værdi %d er tom eller længere end 1024 tegn",
		"no organisation %d in your reach":                                   "organisation %d findes ikke, eller du har ikke adgang til den",
		"choose at least one alert":                                          "vælg mindst én alarm",
		"at most %d alerts at a time (got %d)":                               "højst %d alarmer ad gangen (fik %d)",
		"only SOC analysts, the CERT and CISOs triage alerts":                "kun SOC-analytikere, CERT og CISO'er kan behandle alarmer",
		"status is new, acknowledged or closed":                              "status skal være new, acknowledged eller closed",
		"closing an alert needs a resolution: %s":                            "når du lukker en alarm, skal du angive en afslutning: %s",
		"a resolution goes with status closed":                               "en afslutning kan kun angives sammen med status closed",
		`assign is "me", "none" or a colleague's username`:                   `assign skal være "me", "none" eller en kollegas brugernavn`,
		"a comment has at most %d characters":                                "en kommentar må højst have %d tegn",
		"nothing to change: give a status, an assignment or a comment":       "der er intet at ændre: angiv en status, en ansvarlig eller en kommentar",
		"%s cannot take alert %d: no active user of that name may triage it": "%s kan ikke få tildelt alarm %d: der er ingen aktiv bruger med det navn, som må behandle den",
		"alert %d is already %s; reload it":                                  "alarm %d har allerede status %s; genindlæs den",
		"no alert %d":                                                        "alarm %d findes ikke",
	})
}
