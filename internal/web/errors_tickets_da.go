package web

import "github.com/samdrift/samdrift/internal/errs"

// Danish for the messages of the ticket queue, its bulk changes and the
// new-ticket page (ui_tickets.go, tickets_queue.go). The same texts as
// errors_da.go where both list one, so that either may drop it.
func init() {
	errs.AddDanish(map[string]string{
		"want ticket numbers, got %q":          "skal være sagsnumre, ikke %q",
		"choose whom to assign the tickets to": "vælg, hvem sagerne skal tildeles",
		"choose the status to set":             "vælg den status, sagerne skal have",
		"choose impact and urgency":            "vælg påvirkning og hast",
		"choose what to do with the tickets":   "vælg, hvad der skal ske med sagerne",
		"want a whole number from 0, got %q":   "skal være et helt tal på 0 eller derover, ikke %q",
		"want me, none or a username":          "skal være me, none eller et brugernavn",
		"only a municipality's SPOC or municipal IT opens tickets here; a unit receives them by escalation": "kun en kommunes SPOC eller kommunal IT kan oprette sager her; enheden modtager dem, når de eskaleres",
	})
}
