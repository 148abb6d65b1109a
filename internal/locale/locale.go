// Package locale is samdrift's Danish locale: the one time zone every
// calendar day, deadline and local time is counted in, and the one way
// numbers, percentages, amounts and dates are written for people, in
// Danish or English (format.go). The zone data is embedded
// (time/tzdata), so a machine without tzdata gets the same answers
// instead of a silent fall back to UTC. It must not know any domain.
package locale

import (
	"time"
	_ "time/tzdata" // the zone database, for machines without one
)

// Copenhagen is Europe/Copenhagen, where Danish days begin and end.
var Copenhagen = mustZone("Europe/Copenhagen")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil { // cannot happen with time/tzdata embedded
		panic("locale: no zone data for " + name + ": " + err.Error())
	}
	return loc
}
