package network

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"only the municipality's SPOC or IT, or its supplying unit, register its sites": "kun kommunens SPOC eller IT eller den driftsenhed, der leverer til kommunen, kan registrere kommunens lokationer",
		"the municipality has a site named %q already":                                  "kommunen har allerede en lokation med navnet %q",
		"want one of %s, got %q":        "skal være en af %s, ikke %q",
		"want 1–1000000 Mbit/s, got %d": "skal være 1–1000000 Mbit/s, ikke %d",
		"name the site at each end (two different sites, or site_a alone for an internet line)":  "angiv lokationen i hver ende (to forskellige lokationer, eller kun site_a for en internetforbindelse)",
		"a unit's service desk or manager registers the connections the unit is responsible for": "forbindelser registreres af servicedesken eller enhedschefen i den driftsenhed, der har ansvaret for dem",
		"no site %d":                       "lokation %d findes ikke",
		"no connection %d":                 "forbindelse %d findes ikke",
		"must have at least %d characters": "skal have mindst %d tegn",
		"must have at most %d characters":  "må højst have %d tegn",
	})
}
