// Package calendar holds samdrift's business calendars: the support windows
// that service levels refer to and that SLA clocks will run on. This first
// part names the standard calendars; the deadline arithmetic and Danish
// holidays arrive with the service desk.
package calendar

// Calendar is a named business calendar.
type Calendar struct {
	ID   string `json:"id"`
	Name struct {
		Da string `json:"da"`
		En string `json:"en"`
	} `json:"name"`
	// Hours is the weekly support window in hours (for comparing levels).
	HoursPerWeek int `json:"hours_per_week"`
}

func cal(id, da, en string, hours int) Calendar {
	c := Calendar{ID: id, HoursPerWeek: hours}
	c.Name.Da, c.Name.En = da, en
	return c
}

var standard = []Calendar{
	cal("dk-weekdays-8-16", "Hverdage 8–16", "Weekdays 8–16", 40),
	cal("dk-weekdays-7-22", "Hverdage 7–22", "Weekdays 7–22", 75),
	cal("always", "Døgnet rundt (24/7)", "Around the clock (24/7)", 168),
}

// Standard returns the standard calendars with their stable ids.
func Standard() []Calendar { return append([]Calendar(nil), standard...) }

// Lookup returns the standard calendar with id.
func Lookup(id string) (Calendar, bool) {
	for _, c := range standard {
		if c.ID == id {
			return c, true
		}
	}
	return Calendar{}, false
}
