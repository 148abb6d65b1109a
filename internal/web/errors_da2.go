package web

import "github.com/samdrift/samdrift/internal/errs"

// Danish for the error formats of the offerings' withdrawal step.
func init() {
	errs.AddDanish(map[string]string{
		"tick the box to confirm the withdrawal": "sæt flueben for at bekræfte, at udbuddet trækkes tilbage",
	})
}
