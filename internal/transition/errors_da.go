package transition

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"no municipality %d": "kommune %d findes ikke",
		"only municipal IT (kommune-it) may edit its municipality's transition plan": "kun kommunal IT (kommune-it) kan redigere kommunens overgangsplan",
		"you may edit only your own municipality's plan":                             "du kan kun redigere din egen kommunes plan",
		"%q is not a basic (mandatory) service of the current catalog":               "%q er ikke en basisydelse (obligatorisk ydelse) i det gældende katalog",
		"source must be unit, self, external or none, got %q":                        "kilden skal være unit, self, external eller none, ikke %q",
		"status must be not_started, planned, in_progress or done, got %q":           "status skal være not_started, planned, in_progress eller done, ikke %q",
		"name the external supplier":                                                 "angiv den eksterne leverandør",
		"supplier at most 200 and note at most 2000 characters":                      "leverandøren må højst have 200 tegn og bemærkningen højst 2000 tegn",
		"a planned move needs a date":                                                "en planlagt flytning skal have en dato",
		"%s comes from subscription %d; the plan follows the subscription":           "%s leveres via abonnement %d; planen følger abonnementet",
		"months must be 1–60":                                                        "antallet af måneder skal være 1–60",
	})
}
