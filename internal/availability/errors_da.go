package availability

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"the alert has no label %s with a subscription number":          "alarmen har ingen etiket %s med et abonnementsnummer",
		"the alert has no fingerprint":                                  "alarmen har intet fingeraftryk (fingerprint)",
		"%s %q is not a number 0.01–1":                                  "%s %q er ikke et tal mellem 0,01 og 1",
		"an alert's status must be firing or resolved, got %q":          "en alarms status skal være firing eller resolved, ikke %q",
		"no subscription %d":                                            "abonnement %d findes ikke",
		"order %d is %s, not a subscription":                            "bestilling %d er %s, ikke et abonnement",
		"an outage cannot start in the future":                          "et nedbrud kan ikke begynde i fremtiden",
		"an outage must end after it starts":                            "et nedbrud skal slutte, efter det begynder",
		"impact must be 0.01–1 (1: the service is down; less: partly)":  "omfanget skal være 0,01–1 (1: ydelsen er nede; mindre: delvist)",
		"the cause is longer than %d characters":                        "årsagen er længere end %d tegn",
		"the fingerprint is longer than 200 characters":                 "fingeraftrykket er længere end 200 tegn",
		"only the unit delivering the subscription records its outages": "kun den enhed, der leverer abonnementet, registrerer dets nedbrud",
		"outage %d ended already at %s":                                 "nedbrud %d sluttede allerede %s",
		"no outage %d":                                                  "nedbrud %d findes ikke",
		"month must be YYYY-MM, got %q":                                 "måned skal angives som ÅÅÅÅ-MM, ikke %q",
	})
}
