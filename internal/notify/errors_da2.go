package notify

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"you have no notification %d": "du har ingen meddelelse %d",
	})
}
