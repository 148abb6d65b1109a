package audit

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"your role may not read the audit trail":                       "din rolle giver ikke adgang til revisionssporet",
		"at most 500 records a page":                                   "højst 500 poster pr. side",
		"must not be negative":                                         "må ikke være negativ",
		"a cursor of the newest-first order cannot page a sorted list": "en cursor fra den nyeste-først-rækkefølge kan ikke bladre i en sorteret liste",
	})
}
