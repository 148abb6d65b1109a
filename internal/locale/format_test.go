package locale_test

import (
	"math"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/locale"
)

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		name     string
		lang     string
		x        float64
		decimals int
		want     string
	}{
		{"grouped with one decimal", "da", 1950.5, 1, "1.950,5"},
		{"grouped with one decimal", "en", 1950.5, 1, "1,950.5"},
		{"millions", "da", 1234567.891, 2, "1.234.567,89"},
		{"millions", "en", 1234567.891, 2, "1,234,567.89"},
		{"no decimals rounds", "da", 83.3333333, 0, "83"},
		{"one decimal rounds", "da", 83.3333333, 1, "83,3"},
		{"one decimal rounds", "en", 4.75, 1, "4.8"},
		{"below a thousand", "da", 999, 0, "999"},
		{"exactly a thousand", "da", 1000, 0, "1.000"},
		{"negative grouped", "da", -12345.6, 1, "-12.345,6"},
		{"negative zero", "da", -0.04, 1, "0,0"},
		{"zero", "en", 0, 0, "0"},
		{"decimals clamped", "en", 1.5, -3, "2"},
		{"not a number", "da", math.NaN(), 1, "–"},
		{"unknown language is Danish", "de", 1950.5, 1, "1.950,5"},
	} {
		if got := locale.Number(c.lang, c.x, c.decimals); got != c.want {
			t.Errorf("%s: Number(%q, %v, %d) = %q; want %q", c.name, c.lang, c.x, c.decimals, got, c.want)
		}
	}
}

func TestPercentAndKroner(t *testing.T) {
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"percent da", locale.Percent("da", 24.94, 1), "24,9 %"},
		{"percent en", locale.Percent("en", 24.94, 1), "24.9%"},
		{"percent whole da", locale.Percent("da", 87.5, 0), "88 %"},
		{"percent grouped", locale.Percent("en", 1234.5, 1), "1,234.5%"},
		{"kroner da", locale.Kroner("da", 1950), "1.950,00 kr."},
		{"kroner en", locale.Kroner("en", 1950), "DKK 1,950.00"},
		{"kroner øre", locale.Kroner("da", 0.5), "0,50 kr."},
		{"kroner large", locale.Kroner("en", 1234567.5), "DKK 1,234,567.50"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q; want %q", c.name, c.got, c.want)
		}
	}
}

func TestDates(t *testing.T) {
	winter := time.Date(2026, 12, 5, 21, 7, 53, 333929000, time.UTC) // 22:07 in Copenhagen
	summer := time.Date(2026, 7, 1, 22, 30, 0, 0, time.UTC)          // 2 July 00:30 in Copenhagen
	may := time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC)
	now := time.Date(2026, 12, 5, 22, 59, 0, 0, time.UTC) // 23:59 the same Danish day
	tomorrow := time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"date da", locale.Date("da", winter), "5. dec. 2026"},
		{"date en", locale.Date("en", winter), "5 Dec 2026"},
		{"date in Copenhagen, not UTC", locale.Date("da", summer), "2. jul. 2026"},
		{"may has no period", locale.Date("da", may), "14. maj 2026"},
		{"date-time da", locale.DateTime("da", winter), "5. dec. 2026 22:07"},
		{"date-time en", locale.DateTime("en", winter), "5 Dec 2026 22:07"},
		{"date-time summer time", locale.DateTime("en", summer), "2 Jul 2026 00:30"},
		{"day and month da", locale.DayMonth("da", winter), "5. dec."},
		{"day and month en", locale.DayMonth("en", winter), "5 Dec"},
		{"month da", locale.MonthYear("da", winter), "dec. 2026"},
		{"month en", locale.MonthYear("en", winter), "Dec 2026"},
		{"clock", locale.Clock(winter), "22:07"},
		{"stamp today", locale.Stamp("da", winter, now), "22:07"},
		{"stamp another day", locale.Stamp("da", winter, tomorrow), "5. dec. 2026 22:07"},
		{"zero date", locale.Date("da", time.Time{}), ""},
		{"zero date-time", locale.DateTime("en", time.Time{}), ""},
		{"zero stamp", locale.Stamp("en", time.Time{}, now), ""},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q; want %q", c.name, c.got, c.want)
		}
	}
}

func TestParseDay(t *testing.T) {
	for _, c := range []struct {
		in   string
		ok   bool
		want string
	}{
		{"2026-12-05", true, "5. dec. 2026"},
		{"2026-02-30", false, ""},
		{"5.12.2026", false, ""},
		{"", false, ""},
	} {
		d, ok := locale.ParseDay(c.in)
		if ok != c.ok || (ok && locale.Date("da", d) != c.want) {
			t.Errorf("ParseDay(%q) = %v, %v; want %q, %v", c.in, d, ok, c.want, c.ok)
		}
	}
}
