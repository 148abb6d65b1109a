package org

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// import.go
		"only an administrator may import municipalities": "kun en administrator kan importere kommuner",

		// store.go
		"unknown kind %q; want unit, municipality, soc or secretariat": "ukendt type %q; brug unit, municipality, soc eller secretariat",
		"must not be negative":                                                           "må ikke være negativ",
		"give a municipality code, a slug or an id":                                      "angiv en kommunekode, et kortnavn eller et id",
		"no organisation %q (give a municipality code such as 101, a slug or an id)":     "organisationen %q findes ikke (angiv en kommunekode, fx 101, et kortnavn eller et id)",
		"only an administrator may create organisations":                                 "kun en administrator kan oprette organisationer",
		"give a name of 1–200 characters":                                                "angiv et navn på 1–200 tegn",
		"slug %q must be 1–63 characters of a–z, 0–9 and '-'":                            "kortnavnet %q skal være 1–63 tegn af a–z, 0–9 og '-'",
		"a municipality needs its three-digit municipality code, got %q":                 "en kommune skal have sin trecifrede kommunekode, ikke %q",
		"only municipalities have a municipality code":                                   "kun kommuner har en kommunekode",
		"an organisation with slug %q or code %q exists already":                         "der findes allerede en organisation med kortnavnet %q eller koden %q",
		"only an administrator may change supply relations":                              "kun en administrator kan ændre, hvilke enheder der leverer til hvilke kommuner",
		"%s is a %s, not a municipality":                                                 "%s er af typen %s, ikke en kommune",
		"%s is a %s, not a unit":                                                         "%s er af typen %s, ikke en enhed",
		"only an administrator may change ownership":                                     "kun en administrator kan ændre ejerskab",
		"%q is not a municipality code (three digits, e.g. 101)":                         "%q er ikke en kommunekode (tre cifre, fx 101)",
		"organisation %d is not a municipality":                                          "organisation %d er ikke en kommune",
		"municipality %d has no supplying unit yet; ask the secretariat to register one": "kommune %d har endnu ingen enhed, der leverer basisydelser; bed sekretariatet om at registrere en",
		"name the organisation (its code, slug or id)":                                   "angiv organisationen (kode, kortnavn eller id)",
		"no organisation %q within your reach":                                           "organisationen %q findes ikke blandt dem, du har adgang til",
	})
}
