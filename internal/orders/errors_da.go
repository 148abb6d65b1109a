package orders

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"only municipal IT (kommune-it) may order services for its municipality":               "kun kommunal IT (kommune-it) kan bestille ydelser til kommunen",
		"you may order only for your own municipality":                                         "du kan kun bestille til din egen kommune",
		"quantity must be 1–100000, got %d":                                                    "antallet skal være 1–100000, ikke %d",
		"at most 4000 characters":                                                              "højst 4000 tegn",
		"give the catalog service to order":                                                    "angiv den ydelse fra kataloget, du vil bestille",
		"give the service level to order":                                                      "angiv det serviceniveau, du vil bestille",
		"your municipality buys basic services from its supplying unit (organisation %d) only": "din kommune kan kun købe basisydelser hos den driftsenhed, der leverer til kommunen (organisation %d)",
		"no order %d":                                    "bestilling %d findes ikke",
		"unknown status %q":                              "ukendt status %q",
		"at most 2000 characters":                        "højst 2000 tegn",
		"say why the order is rejected":                  "skriv, hvorfor bestillingen afvises",
		"order %d is %s; it cannot become %s (next: %v)": "bestilling %d har status %s og kan ikke skifte til %s (mulige næste trin: %v)",
		"only the supplying unit's service desk or manager may make order %d %s": "kun servicedesken eller enhedschefen i den leverende driftsenhed kan sætte bestilling %d til %s",
		"only the ordering municipality's IT may make order %d %s":               "kun IT i den bestillende kommune kan sætte bestilling %d til %s",
		"order %d was changed by someone else just now; reload it":               "bestilling %d er netop blevet ændret af en anden; genindlæs den",
		"must not be negative": "må ikke være negativ",
	})
}
