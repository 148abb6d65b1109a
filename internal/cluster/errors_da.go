package cluster

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"no lease %s":                   "intet lejemål %s",
		"lease %s was taken over by %s": "lejemålet %s er overtaget af %s",
	})
}
