// Package calendar holds samdrift's business calendars — the support
// windows that service levels refer to and that SLA clocks run on — and the
// arithmetic on them: the deadline H business hours after a start, and the
// business time between two instants. Calendars are weekly windows in
// Europe/Copenhagen wall-clock time (DST-correct), closed on Danish public
// holidays (computed for any year) and on extra closing days a unit
// decides. It must not know tickets, the store or the web layer.
package calendar

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/samdrift/samdrift/internal/locale"
)

// Window is one support window within a day, in minutes after local
// midnight: [From, To), To at most 1440.
type Window struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// String writes w as "08:00–16:00".
func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d–%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
}

// Calendar is a business calendar. Its zero value is not usable; get one
// from Lookup, Standard or New. A Calendar is safe for concurrent use: the
// per-year tables it computes on first use are immutable.
type Calendar struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// Week holds the windows per weekday (indexed by time.Weekday), sorted
	// and not overlapping.
	Week [7][]Window `json:"-"`
	// PublicHolidays closes the calendar on Danish public holidays.
	PublicHolidays bool `json:"public_holidays"`
	// Closures are extra closing days on top of the public holidays.
	Closures []Closure `json:"closures,omitempty"`
	loc      *time.Location

	mu    sync.RWMutex
	years map[int]*yearTable
}

// Copenhagen is the time zone every calendar counts in.
var Copenhagen = locale.Copenhagen

// New returns a calendar with the given windows per weekday. It fails when
// a window is out of range or overlaps another, or when the calendar is
// never open.
func New(id string, name Text, week [7][]Window, publicHolidays bool, closures []Closure) (*Calendar, error) {
	open := false
	for d, ws := range week {
		ws = slices.Clone(ws)
		sort.Slice(ws, func(i, j int) bool { return ws[i].From < ws[j].From })
		for i, w := range ws {
			if w.From < 0 || w.To > 1440 || w.From >= w.To {
				return nil, fmt.Errorf("calendar %s: window %s on %s is not within 00:00–24:00", id, w, time.Weekday(d))
			}
			if i > 0 && w.From < ws[i-1].To {
				return nil, fmt.Errorf("calendar %s: windows %s and %s on %s overlap", id, ws[i-1], w, time.Weekday(d))
			}
			open = true
		}
		week[d] = ws
	}
	if !open {
		return nil, fmt.Errorf("calendar %s has no support window on any weekday", id)
	}
	for _, c := range closures {
		if _, err := ParseClosure(string(c)); err != nil {
			return nil, fmt.Errorf("calendar %s: %w", id, err)
		}
	}
	return &Calendar{ID: id, Name: name, Week: week, PublicHolidays: publicHolidays, Closures: slices.Clone(closures),
		loc: Copenhagen, years: map[int]*yearTable{}}, nil
}

func weekdays(from, to int) [7][]Window {
	var w [7][]Window
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = []Window{{from * 60, to * 60}}
	}
	return w
}

func allWeek() [7][]Window {
	var w [7][]Window
	for d := range w {
		w[d] = []Window{{0, 1440}}
	}
	return w
}

func mustNew(id, da, en string, week [7][]Window, holidays bool) *Calendar {
	c, err := New(id, Text{da, en}, week, holidays, nil)
	if err != nil {
		panic(err)
	}
	return c
}

var standard = []*Calendar{
	mustNew("dk-weekdays-8-16", "Hverdage 8–16", "Weekdays 8–16", weekdays(8, 16), true),
	mustNew("dk-weekdays-7-22", "Hverdage 7–22", "Weekdays 7–22", weekdays(7, 22), true),
	mustNew("always", "Døgnet rundt (24/7)", "Around the clock (24/7)", allWeek(), false),
}

// Standard returns the standard calendars with their stable ids.
func Standard() []*Calendar { return slices.Clone(standard) }

// Lookup returns the standard calendar with id.
func Lookup(id string) (*Calendar, bool) {
	for _, c := range standard {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}

// HoursPerWeek is the weekly support window in hours (for comparing
// levels), ignoring holidays.
func (c *Calendar) HoursPerWeek() float64 {
	var m int
	for _, ws := range c.Week {
		for _, w := range ws {
			m += w.To - w.From
		}
	}
	return float64(m) / 60
}

// TwentyFourSeven reports whether the calendar is always open.
func (c *Calendar) TwentyFourSeven() bool {
	if c.PublicHolidays || len(c.Closures) > 0 {
		return false
	}
	for _, ws := range c.Week {
		if len(ws) != 1 || ws[0] != (Window{0, 1440}) {
			return false
		}
	}
	return true
}

// Describe writes the weekly windows for people: "Mon–Fri 08:00–16:00".
func (c *Calendar) Describe() string {
	var parts []string
	for d := time.Monday; d <= time.Saturday+1; d++ {
		wd := d % 7
		ws := c.Week[wd]
		if len(ws) == 0 {
			continue
		}
		var s []string
		for _, w := range ws {
			s = append(s, w.String())
		}
		parts = append(parts, wd.String()[:3]+" "+strings.Join(s, ", "))
	}
	return strings.Join(parts, "; ")
}

var derived struct {
	sync.Mutex
	m map[string]*Calendar
}

// WithClosures returns c closed also on the given extra days (a unit's own
// closing days). Derived calendars are shared, so their tables are built
// once per process.
func (c *Calendar) WithClosures(cs []Closure) *Calendar {
	if len(cs) == 0 {
		return c
	}
	all := slices.Clone(c.Closures)
	for _, x := range cs {
		if !slices.Contains(all, x) {
			all = append(all, x)
		}
	}
	slices.Sort(all)
	var key strings.Builder
	key.WriteString(c.ID)
	for _, x := range all {
		key.WriteString("|" + string(x))
	}
	derived.Lock()
	defer derived.Unlock()
	if d, ok := derived.m[key.String()]; ok {
		return d
	}
	if derived.m == nil {
		derived.m = map[string]*Calendar{}
	}
	d := &Calendar{ID: c.ID, Name: c.Name, Week: c.Week, PublicHolidays: c.PublicHolidays, Closures: all, loc: c.loc,
		years: map[int]*yearTable{}}
	derived.m[key.String()] = d
	return d
}

// Holidays returns the days of year on which c is closed although its week
// has a window: public holidays (when observed) and closures, in date order.
func (c *Calendar) Holidays(year int) []Holiday {
	var out []Holiday
	if c.PublicHolidays {
		out = PublicHolidays(year)
	}
	for _, x := range c.Closures {
		if h, ok := x.in(year); ok && !slices.ContainsFunc(out, func(o Holiday) bool { return o.Date == h.Date }) {
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.String() < out[j].Date.String() })
	return out
}
