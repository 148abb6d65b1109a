package servicedesk

import "github.com/samdrift/samdrift/internal/errs"

// Danish for the messages of the queue's order and paging, bulk changes
// and the assignee choices (queue.go, store.go's List, bulk.go).
func init() {
	errs.AddDanish(map[string]string{
		"unknown order %q; want triage, or one of id, priority, status, due, updated, assignee, org, each with a leading - for descending": "ukendt sortering %q; brug triage eller en af id, priority, status, due, updated, assignee, org, hver med et - foran for faldende",
		"no order for %q": "ingen sortering for %q",
		"an offset pages a sorted list; newest first pages with cursor":         "offset bladrer i en sorteret liste; nyeste først bladres med cursor",
		"a cursor pages the newest-first list; a sorted list pages with offset": "cursor bladrer i listen med nyeste først; en sorteret liste bladres med offset",
		"must be between 0 and %d":                                           "skal være mellem 0 og %d",
		"want breached or soon, got %q":                                      "skal være breached eller soon, ikke %q",
		"want today, got %q":                                                 "skal være today, ikke %q",
		"ask for one assignee or for unassigned tickets, not both":           "spørg efter én tildelt eller efter sager uden tildeling, ikke begge",
		"choose at least one ticket":                                         "vælg mindst én sag",
		"at most %d tickets at a time (got %d)":                              "højst %d sager ad gangen (fik %d)",
		"a bulk change moves tickets to pending, resolved or closed, not %q": "en samlet ændring kan sætte sager til afventer svar, løst eller lukket, ikke %q",
		"say what you are waiting for or how the tickets were solved":        "skriv, hvad I venter på, eller hvordan sagerne blev løst",
		"choose one change: an assignee, a status or a priority":             "vælg én ændring: en tildeling, en status eller en prioritet",
	})
}
