package store

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"unknown order %q; want one of %s, each with a leading - for descending": "ukendt sortering %q; brug en af %s, med et foranstillet - for faldende",
	})
}
