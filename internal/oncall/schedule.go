package oncall

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
)

// Period is how long one turn of a rotation lasts: Days or Hours, exactly
// one of them. Turns are counted in local wall-clock time in
// Europe/Copenhagen, so a daily turn from 08:00 is 23 or 25 hours long on
// the days the clocks change and always hands off at 08:00.
type Period struct {
	Days  int `json:"days,omitempty"`
	Hours int `json:"hours,omitempty"`
}

// Common periods.
var (
	Daily  = Period{Days: 1}
	Weekly = Period{Days: 7}
)

// ParsePeriod reads "daily", "weekly", "Nd" (N days, 1–90) or "Nh" (N
// hours, 1–168).
func ParsePeriod(field, s string) (Period, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	var p Period
	switch {
	case s == "daily":
		p = Daily
	case s == "weekly":
		p = Weekly
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return Period{}, errs.Field(field, `want daily, weekly, a number of days ("3d") or of hours ("12h"); got %q`, s)
		}
		p.Days = n
	case strings.HasSuffix(s, "h"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "h"))
		if err != nil {
			return Period{}, errs.Field(field, `want daily, weekly, a number of days ("3d") or of hours ("12h"); got %q`, s)
		}
		p.Hours = n
	default:
		return Period{}, errs.Field(field, `want daily, weekly, a number of days ("3d") or of hours ("12h"); got %q`, s)
	}
	return p, p.check(field)
}

func (p Period) check(field string) error {
	switch {
	case p.Days != 0 && p.Hours != 0, p.Days == 0 && p.Hours == 0:
		return errs.Field(field, "a turn lasts a number of days or a number of hours")
	case p.Days < 0 || p.Days > 90:
		return errs.Field(field, "a turn lasts 1–90 days")
	case p.Hours < 0 || p.Hours > 168:
		return errs.Field(field, "a turn lasts 1–168 hours")
	}
	return nil
}

// String is the period as ParsePeriod reads it.
func (p Period) String() string {
	switch {
	case p == Daily:
		return "daily"
	case p == Weekly:
		return "weekly"
	case p.Days > 0:
		return strconv.Itoa(p.Days) + "d"
	}
	return strconv.Itoa(p.Hours) + "h"
}

// civil returns the wall-clock time of p.
func (p Period) civil() time.Duration {
	if p.Days > 0 {
		return time.Duration(p.Days) * 24 * time.Hour
	}
	return time.Duration(p.Hours) * time.Hour
}

// Restriction limits a rotation to windows in the week, in local time:
// on each of Days, from From until To ("08:00", "16:00"); a To at or
// before From ends the next day (a night, "16:00"–"08:00").
type Restriction struct {
	Days []time.Weekday `json:"days"`
	From string         `json:"from"`
	To   string         `json:"to"`
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseRestriction reads "mon-fri 08:00-16:00", "sat,sun 00:00-00:00" or
// "mon-thu 16:00-08:00"; "" is no restriction (nil).
func ParseRestriction(field, s string) (*Restriction, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil, nil
	}
	bad := errs.Field(field, `want days and hours such as "mon-fri 08:00-16:00" or "sat,sun 00:00-00:00"; got %q`, s)
	days, hours, ok := strings.Cut(s, " ")
	if !ok {
		return nil, bad
	}
	r := &Restriction{}
	for _, part := range strings.Split(days, ",") {
		a, b, rng := strings.Cut(part, "-")
		i, j := slices.Index(dayNames, a), slices.Index(dayNames, b)
		if !rng {
			j = i
		}
		if i < 0 || j < 0 {
			return nil, bad
		}
		for d := i; ; d = (d + 1) % 7 {
			if !slices.Contains(r.Days, time.Weekday(d)) {
				r.Days = append(r.Days, time.Weekday(d))
			}
			if d == j {
				break
			}
		}
	}
	if r.From, r.To, ok = strings.Cut(strings.TrimSpace(hours), "-"); !ok {
		return nil, bad
	}
	if _, _, _, err := r.compile(field); err != nil {
		return nil, err
	}
	return r, nil
}

// String is the restriction as ParseRestriction reads it.
func (r *Restriction) String() string {
	if r == nil {
		return ""
	}
	names := make([]string, len(r.Days))
	for i, d := range r.Days {
		names[i] = dayNames[d]
	}
	return strings.Join(names, ",") + " " + r.From + "-" + r.To
}

// compile returns the restriction's day mask and window in minutes after
// local midnight.
func (r *Restriction) compile(field string) (mask uint8, from, to int, err error) {
	if r == nil {
		return 0, 0, 0, nil
	}
	if len(r.Days) == 0 {
		return 0, 0, 0, errs.Field(field, "name the days of the week the rotation holds")
	}
	for _, d := range r.Days {
		if d < time.Sunday || d > time.Saturday {
			return 0, 0, 0, errs.Field(field, "day %d is not a day of the week", d)
		}
		mask |= 1 << d
	}
	if from, err = clock(field, r.From); err != nil {
		return 0, 0, 0, err
	}
	if to, err = clock(field, r.To); err != nil {
		return 0, 0, 0, err
	}
	return mask, from, to, nil
}

func clock(field, s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, errs.Field(field, "want a time of day such as 08:00; got %q", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func restrictionOf(mask uint8, from, to int) *Restriction {
	if mask == 0 {
		return nil
	}
	r := &Restriction{From: fmt.Sprintf("%02d:%02d", from/60, from%60), To: fmt.Sprintf("%02d:%02d", to/60, to%60)}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if mask&(1<<d) != 0 {
			r.Days = append(r.Days, d)
		}
	}
	// Monday first, as Danes read a week.
	slices.SortFunc(r.Days, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
	return r
}

// civil returns t's wall-clock time in Copenhagen, labelled UTC so that
// arithmetic on it is calendar arithmetic without DST.
func civil(t time.Time) time.Time {
	l := t.In(locale.Copenhagen)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// instant returns the instant of wall-clock time c in Copenhagen (a time
// in the spring gap moves forward by the gap).
func instant(c time.Time) time.Time {
	return time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), locale.Copenhagen).UTC()
}

// layer is a rotation ready for evaluation.
type layer struct {
	id         int64
	level      int
	members    []Member
	period     Period
	start, end time.Time // end zero: none
	startCivil time.Time
	mask       uint8
	from, to   int
}

// turnStart returns when turn k begins.
func (l *layer) turnStart(k int) time.Time {
	if l.period.Days > 0 {
		return instant(l.startCivil.AddDate(0, 0, k*l.period.Days))
	}
	return instant(l.startCivil.Add(time.Duration(k*l.period.Hours) * time.Hour))
}

// turn returns the index of the turn that holds t (t at or after start).
// The estimate from civil time is off by at most a turn or two (DST), so
// each correction loop is bounded: times are kept within 2000–2100
// (checkTime), far from time.Duration's overflow.
func (l *layer) turn(t time.Time) int {
	k := int(civil(t).Sub(l.startCivil) / l.period.civil())
	for i := 0; i < 64 && k > 0 && l.turnStart(k).After(t); i++ {
		k--
	}
	for i := 0; i < 64 && !l.turnStart(k+1).After(t); i++ {
		k++
	}
	return k
}

// inWindow reports whether t falls within the layer's restriction.
func (l *layer) inWindow(t time.Time) bool {
	if l.mask == 0 {
		return true
	}
	c := civil(t)
	tod := c.Hour()*60 + c.Minute()
	today := l.mask&(1<<c.Weekday()) != 0
	if l.from < l.to {
		return today && tod >= l.from && tod < l.to
	}
	yesterday := l.mask&(1<<((c.Weekday()+6)%7)) != 0
	return (today && tod >= l.from) || (yesterday && tod < l.to)
}

// at returns the member the layer has on call at t, if any.
func (l *layer) at(t time.Time) (Member, bool) {
	if len(l.members) == 0 || t.Before(l.start) || (!l.end.IsZero() && !t.Before(l.end)) || !l.inWindow(t) {
		return Member{}, false
	}
	return l.members[l.turn(t)%len(l.members)], true
}

// boundaries adds to out the instants in (a, b) at which the layer may
// change hands: its start and end, handoffs, window edges.
func (l *layer) boundaries(a, b time.Time, out []time.Time) []time.Time {
	add := func(t time.Time) {
		if t.After(a) && t.Before(b) {
			out = append(out, t)
		}
	}
	add(l.start)
	if !l.end.IsZero() {
		add(l.end)
		if !l.end.After(a) {
			return out
		}
	}
	if !l.start.Before(b) {
		return out
	}
	from := a
	if from.Before(l.start) {
		from = l.start
	}
	for k := l.turn(from) + 1; ; k++ {
		t := l.turnStart(k)
		if !t.Before(b) {
			break
		}
		add(t)
	}
	if l.mask != 0 {
		ca, cb := civil(a), civil(b)
		day := time.Date(ca.Year(), ca.Month(), ca.Day()-1, 0, 0, 0, 0, time.UTC)
		for ; !day.After(cb); day = day.AddDate(0, 0, 1) {
			if l.mask&(1<<day.Weekday()) == 0 {
				continue
			}
			add(instant(day.Add(time.Duration(l.from) * time.Minute)))
			end := day.Add(time.Duration(l.to) * time.Minute)
			if l.to <= l.from {
				end = end.AddDate(0, 0, 1)
			}
			add(instant(end))
		}
	}
	return out
}

// cover is a one-off override.
type cover struct {
	id       int64
	level    int
	member   Member
	from, to time.Time
}

// schedule is a team's layers and overrides.
type schedule struct {
	layers []layer // by id
	covers []cover // by id
}

// OnCall is one person holding one escalation level of a team for a
// stretch of time, by a rotation or by an override.
type OnCall struct {
	Level       int    `json:"level"`
	UserID      int64  `json:"user_id"`
	User        string `json:"user"`
	DisplayName string `json:"display_name"`
	// RotationID is the rotation that puts them there, or OverrideID
	// the override.
	RotationID int64 `json:"rotation_id,omitempty"`
	OverrideID int64 `json:"override_id,omitempty"`
	// From is when this stretch began, Until when it ends (nil: not
	// within the horizon looked at, 31 days).
	From  time.Time  `json:"from"`
	Until *time.Time `json:"until,omitempty"`
}

// who returns who holds level at t: the latest override covering t, else
// the latest layer with someone.
func (s *schedule) who(level int, t time.Time) (OnCall, bool) {
	for i := len(s.covers) - 1; i >= 0; i-- {
		c := &s.covers[i]
		if c.level == level && !t.Before(c.from) && t.Before(c.to) {
			return OnCall{Level: level, UserID: c.member.UserID, User: c.member.Username, DisplayName: c.member.DisplayName, OverrideID: c.id}, true
		}
	}
	for i := len(s.layers) - 1; i >= 0; i-- {
		l := &s.layers[i]
		if l.level != level {
			continue
		}
		if m, ok := l.at(t); ok {
			return OnCall{Level: level, UserID: m.UserID, User: m.Username, DisplayName: m.DisplayName, RotationID: l.id}, true
		}
	}
	return OnCall{}, false
}

// levels returns the levels the schedule has anything on, ascending.
func (s *schedule) levels() []int {
	var out []int
	for _, l := range s.layers {
		out = append(out, l.level)
	}
	for _, c := range s.covers {
		out = append(out, c.level)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// stretches returns the final schedule of level in [a, b): who holds it
// when, adjacent stretches of one person by one rotation or override
// merged. Gaps are left out.
func (s *schedule) stretches(level int, a, b time.Time) []OnCall {
	cuts := []time.Time{a, b}
	for i := range s.layers {
		if s.layers[i].level == level {
			cuts = s.layers[i].boundaries(a, b, cuts)
		}
	}
	for _, c := range s.covers {
		if c.level != level {
			continue
		}
		for _, t := range []time.Time{c.from, c.to} {
			if t.After(a) && t.Before(b) {
				cuts = append(cuts, t)
			}
		}
	}
	slices.SortFunc(cuts, func(x, y time.Time) int { return x.Compare(y) })
	cuts = slices.CompactFunc(cuts, func(x, y time.Time) bool { return x.Equal(y) })
	var out []OnCall
	for i := 0; i+1 < len(cuts); i++ {
		o, ok := s.who(level, cuts[i])
		if !ok {
			continue
		}
		until := cuts[i+1]
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.Until.Equal(cuts[i]) && p.UserID == o.UserID && p.RotationID == o.RotationID && p.OverrideID == o.OverrideID {
				p.Until = &until
				continue
			}
		}
		o.From, o.Until = cuts[i], &until
		out = append(out, o)
	}
	return out
}

// horizon is how far WhoIsOnCall looks either side for a stretch's ends.
const horizon = 31 * 24 * time.Hour

// now returns who holds each level at t, by level, with the ends of
// their stretches (within horizon).
func (s *schedule) now(t time.Time) []OnCall {
	out := []OnCall{}
	for _, level := range s.levels() {
		a, b := t.Add(-horizon), t.Add(horizon)
		for _, o := range s.stretches(level, a, b) {
			if o.From.After(t) || !o.Until.After(t) {
				continue
			}
			if o.Until.Equal(b) {
				o.Until = nil
			}
			out = append(out, o)
			break
		}
	}
	return out
}
