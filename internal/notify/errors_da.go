package notify

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"no active user %d to notify":                                   "der er ingen aktiv bruger %d at sende meddelelsen til",
		"must be between 1 and 200":                                     "skal være mellem 1 og 200",
		"no unread notification %d of yours":                            "du har ingen ulæst meddelelse %d",
		"want an http(s) URL such as https://chat.example.dk/hooks/123": "angiv en http(s)-URL, fx https://chat.example.dk/hooks/123",
	})
}
