package web

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/locale"
)

// The view's number and date methods: every number, percentage, amount
// and date a page shows goes through package locale, so that Danish
// pages read "1.950,5", "24,9 %" and "5. dec. 2026 22:07" and English
// ones "1,950.5", "24.9%" and "5 Dec 2026 22:07". Inputs (date fields,
// datetime attributes) keep the machine formats; see ISO and DateP.
// TestPagesFormatNumbersAndDates fails when a page prints a raw float or
// an ISO time.

// lang is the page's language as package locale names it.
func (v view) lang() string { return string(v.Lang) }

// Date writes t's day in Copenhagen: "5. dec. 2026" / "5 Dec 2026".
func (v view) Date(t time.Time) string { return locale.Date(v.lang(), t) }

// DateOf is Date for an optional instant ("" when nil).
func (v view) DateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return v.Date(*t)
}

// Day writes a calendar day kept as text (YYYY-MM-DD, as offerings and
// plans keep them) the page's way; any other text is shown as it is.
func (v view) Day(s string) string {
	if d, ok := locale.ParseDay(s); ok {
		return locale.Date(v.lang(), d)
	}
	return s
}

// DayMonth writes t's day and month in Copenhagen: "5. dec." / "5 Dec".
func (v view) DayMonth(t time.Time) string { return locale.DayMonth(v.lang(), t) }

// Month writes a month kept as text (YYYY-MM) as "nov. 2026" / "Nov
// 2026"; any other text is shown as it is.
func (v view) Month(s string) string {
	if m, err := time.ParseInLocation("2006-01", s, locale.Copenhagen); err == nil {
		return locale.MonthYear(v.lang(), m)
	}
	return s
}

// Stamp writes t for lists read the same day: the time alone ("22:07")
// when t is today in Copenhagen, else the date and time.
func (v view) Stamp(t time.Time) string { return locale.Stamp(v.lang(), t, time.Now()) }

// ISO writes t for a datetime attribute (machines, not people).
func (v view) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Percent writes x per cent with decimals places: "24,9 %" / "24.9%".
func (v view) Percent(x float64, decimals int) string {
	return locale.Percent(v.lang(), x, decimals)
}

// Int writes a whole number with the language's grouping: "1.950".
func (v view) Int(n int) string { return locale.Number(v.lang(), float64(n), 0) }

// Ratio writes "part / whole" with grouped numbers.
func (v view) Ratio(part, whole int) string { return v.Int(part) + " / " + v.Int(whole) }

// Value writes a value of an audit record's detail for people: an
// instant or a day the page's way, a list as "a, b, c"; anything else as
// it is.
func (v view) Value(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v.Time(t)
	}
	if d, ok := locale.ParseDay(s); ok {
		return v.Date(d)
	}
	if strings.HasPrefix(s, "{") {
		var obj map[string]any
		if json.Unmarshal([]byte(s), &obj) == nil {
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = k + ": " + v.Value(jsonText(obj[k]))
			}
			return strings.Join(parts, ", ")
		}
	}
	if strings.HasPrefix(s, "[") {
		var list []any
		if json.Unmarshal([]byte(s), &list) == nil {
			parts := make([]string, len(list))
			for i, x := range list {
				parts[i] = v.Value(jsonText(x))
			}
			return strings.Join(parts, ", ")
		}
	}
	return s
}

// jsonText is a decoded JSON value as text: a string as it is, anything
// else as JSON.
func jsonText(x any) string {
	if s, ok := x.(string); ok {
		return s
	}
	b, _ := json.Marshal(x)
	return string(b)
}
