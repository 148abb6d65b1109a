package locale

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The languages the formatters know. Any other value is written the
// Danish way: Danish is samdrift's default.
const (
	Danish  = "da"
	English = "en"
)

// separators are a language's decimal mark and thousands separator.
func separators(lang string) (decimal, group string) {
	if lang == English {
		return ".", ","
	}
	return ",", "."
}

// Number writes x rounded to decimals places (0–6) with the language's
// decimal mark and thousands grouping: Danish 1.950,5, English 1,950.5.
// A value that rounds to zero has no minus sign; NaN and infinities are
// written as "–".
func Number(lang string, x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	decimals = min(max(decimals, 0), 6)
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if neg && strings.Trim(intPart+frac, "0") == "" {
		neg = false // -0,0 is 0,0
	}
	dec, grp := separators(lang)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(grp)
		}
		b.WriteByte(intPart[i])
	}
	if frac != "" {
		b.WriteString(dec)
		b.WriteString(frac)
	}
	return b.String()
}

// Percent writes x per cent with decimals places: Danish "24,9 %",
// English "24.9%".
func Percent(lang string, x float64, decimals int) string {
	n := Number(lang, x, decimals)
	if lang == English {
		return n + "%"
	}
	return n + " %"
}

// Kroner writes an amount of Danish kroner with øre: Danish
// "1.950,00 kr.", English "DKK 1,950.00".
func Kroner(lang string, x float64) string {
	n := Number(lang, x, 2)
	if lang == English {
		return "DKK " + n
	}
	return n + " kr."
}

// Month abbreviations (CLDR's): Danish "dec.", English "Dec".
var (
	monthsDA = [12]string{"jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."}
	monthsEN = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// MonthName is the month's abbreviation in lang: "dec." or "Dec".
func MonthName(lang string, m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	if lang == English {
		return monthsEN[m-1]
	}
	return monthsDA[m-1]
}

// DayMonth writes t's day and month in Copenhagen: "5. dec." or "5 Dec"
// (for chart axes and lists within one year). The zero time is "".
func DayMonth(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Copenhagen)
	if lang == English {
		return strconv.Itoa(t.Day()) + " " + MonthName(lang, t.Month())
	}
	return strconv.Itoa(t.Day()) + ". " + MonthName(lang, t.Month())
}

// Date writes t's day in Copenhagen: Danish "5. dec. 2026", English
// "5 Dec 2026". The zero time is "".
func Date(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return DayMonth(lang, t) + " " + strconv.Itoa(t.In(Copenhagen).Year())
}

// MonthYear writes t's month in Copenhagen: "dec. 2026" or "Dec 2026".
func MonthYear(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Copenhagen)
	return MonthName(lang, t.Month()) + " " + strconv.Itoa(t.Year())
}

// Clock writes t's local time of day in Copenhagen, 24-hour: "22:07".
func Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Copenhagen).Format("15:04")
}

// DateTime writes t in Copenhagen to the minute: Danish
// "5. dec. 2026 22:07", English "5 Dec 2026 22:07". The zero time is "".
func DateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Date(lang, t) + " " + Clock(t)
}

// Stamp writes t for a list that is read near now: the time alone
// ("22:07") when t falls on now's day in Copenhagen, else DateTime.
func Stamp(lang string, t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if SameDay(t, now) {
		return Clock(t)
	}
	return DateTime(lang, t)
}

// SameDay reports whether a and b fall on the same day in Copenhagen.
func SameDay(a, b time.Time) bool {
	ay, am, ad := a.In(Copenhagen).Date()
	by, bm, bd := b.In(Copenhagen).Date()
	return ay == by && am == bm && ad == bd
}

// ParseDay reads a calendar day written YYYY-MM-DD as midnight in
// Copenhagen; ok is false when s is not such a day.
func ParseDay(s string) (t time.Time, ok bool) {
	t, err := time.ParseInLocation("2006-01-02", s, Copenhagen)
	return t, err == nil
}
