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
		"outage %d ended already":                                       "nedbrud %d er allerede afsluttet",
		"no outage %d":                                                  "nedbrud %d findes ikke",
		"the interval is 1–3600 whole seconds":                          "intervallet skal være 1–3600 hele sekunder",
		"the timeout is 100–30000 ms and shorter than the interval":     "tidsgrænsen skal være 100–30000 ms og kortere end intervallet",
		"failures_to_open is 1–10":                                      "failures_to_open skal være 1–10",
		"expect_status is an HTTP status (100–599), for HTTP probes":    "expect_status er en HTTP-status (100–599) og kun for HTTP-prober",
		"expect_body is at most 200 characters, for HTTP probes":        "expect_body er højst 200 tegn og kun for HTTP-prober",
		"only the unit delivering the subscription sets up its probes":  "kun den enhed, der leverer abonnementet, opretter dets prober",
		"give enabled: false pauses the probe, true resumes it":         "angiv enabled: false sætter proben på pause, true genoptager den",
		"no probe %d": "probe %d findes ikke",
		"give the address to check (at most 500 characters)":                               "angiv adressen, der skal tjekkes (højst 500 tegn)",
		"an HTTP probe's target is an http:// or https:// URL without credentials, got %q": "en HTTP-probes mål er en http://- eller https://-adresse uden brugernavn og adgangskode, ikke %q",
		"a TCP probe's target is host:port, got %q":                                        "en TCP-probes mål er vært:port, ikke %q",
		"a DNS probe's target is a name such as intra.kommune.dk, got %q":                  "en DNS-probes mål er et navn som intra.kommune.dk, ikke %q",
		"a probe's kind is http, tcp or dns, got %q":                                       "en probe er af typen http, tcp eller dns, ikke %q",
		"month must be YYYY-MM, got %q":                                                    "måned skal angives som ÅÅÅÅ-MM, ikke %q",
	})
}
