package tlp

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"name recipients only for TLP:RED (this is TLP:%s)": "modtagere kan kun angives ved TLP:RED (dette er TLP:%s)",
		"at most %d recipients":                             "højst %d modtagere",
		"no active user %q":                                 "der er ingen aktiv bruger med brugernavnet %q",
	})
}
