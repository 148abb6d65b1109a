package calendar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Date is a civil date (no time of day, no zone).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String writes d as an ISO date.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// addDays returns the date n days after d.
func (d Date) addDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// ParseDate reads an ISO date (2026-06-05).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date such as 2026-06-05", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// Easter returns Easter Sunday of year in the Gregorian calendar (the
// anonymous Gregorian computus; valid for every year after 1582).
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// Holiday is a day a calendar is closed, with its name.
type Holiday struct {
	Date Date   `json:"-"`
	Name Text   `json:"name"`
	Kind string `json:"kind"` // "public" (a Danish public holiday) or "closure" (a unit's own closing day)
}

// Text is a name in Danish and English.
type Text struct {
	Da string `json:"da"`
	En string `json:"en"`
}

// In returns the text in lang ("da" or "en"), Danish when English is
// missing.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.Da
}

// PublicHolidays returns Denmark's public holidays (helligdage) of year in
// date order: New Year's Day, Maundy Thursday, Good Friday, Easter Sunday
// and Monday, General Prayer Day (Store Bededag, abolished from 2024),
// Ascension Day, Whit Sunday and Monday, Christmas Day and Boxing Day.
func PublicHolidays(year int) []Holiday {
	e := Easter(year)
	h := func(d Date, da, en string) Holiday { return Holiday{Date: d, Name: Text{da, en}, Kind: "public"} }
	out := []Holiday{
		h(Date{year, time.January, 1}, "Nytårsdag", "New Year's Day"),
		h(e.addDays(-3), "Skærtorsdag", "Maundy Thursday"),
		h(e.addDays(-2), "Langfredag", "Good Friday"),
		h(e, "Påskedag", "Easter Sunday"),
		h(e.addDays(1), "2. påskedag", "Easter Monday"),
	}
	if year < 2024 {
		out = append(out, h(e.addDays(26), "Store bededag", "General Prayer Day"))
	}
	out = append(out,
		h(e.addDays(39), "Kristi himmelfartsdag", "Ascension Day"),
		h(e.addDays(49), "Pinsedag", "Whit Sunday"),
		h(e.addDays(50), "2. pinsedag", "Whit Monday"),
		h(Date{year, time.December, 25}, "Juledag", "Christmas Day"),
		h(Date{year, time.December, 26}, "2. juledag", "Boxing Day"),
	)
	return out
}

// Closure is an extra closing day a unit decides on top of the public
// holidays: one of the named recurring days (ClosureNames) or one ISO date.
type Closure string

// The named recurring closing days.
const (
	ConstitutionDay   Closure = "constitution-day"    // Grundlovsdag, 5 June
	ChristmasEve      Closure = "christmas-eve"       // Juleaftensdag, 24 December
	NewYearsEve       Closure = "new-years-eve"       // Nytårsaftensdag, 31 December
	DayAfterAscension Closure = "day-after-ascension" // the Friday after Ascension Day
)

// ClosureNames lists the named recurring closing days.
func ClosureNames() []Closure {
	return []Closure{ConstitutionDay, ChristmasEve, NewYearsEve, DayAfterAscension}
}

// ParseClosure checks s is a named closing day or an ISO date.
func ParseClosure(s string) (Closure, error) {
	s = strings.TrimSpace(s)
	if slices.Contains(ClosureNames(), Closure(s)) {
		return Closure(s), nil
	}
	if _, err := ParseDate(s); err != nil {
		return "", fmt.Errorf("%q is neither a named closing day (%s) nor a date such as 2026-12-23", s, closureList())
	}
	return Closure(s), nil
}

func closureList() string {
	var names []string
	for _, c := range ClosureNames() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

// in returns the day closure c closes in year, if any.
func (c Closure) in(year int) (Holiday, bool) {
	h := func(d Date, da, en string) (Holiday, bool) {
		return Holiday{Date: d, Name: Text{da, en}, Kind: "closure"}, true
	}
	switch c {
	case ConstitutionDay:
		return h(Date{year, time.June, 5}, "Grundlovsdag", "Constitution Day")
	case ChristmasEve:
		return h(Date{year, time.December, 24}, "Juleaftensdag", "Christmas Eve")
	case NewYearsEve:
		return h(Date{year, time.December, 31}, "Nytårsaftensdag", "New Year's Eve")
	case DayAfterAscension:
		return h(Easter(year).addDays(40), "Fredag efter Kristi himmelfart", "Friday after Ascension Day")
	}
	d, err := ParseDate(string(c))
	if err != nil || d.Year != year {
		return Holiday{}, false
	}
	return h(d, "Lukkedag", "Closing day")
}
