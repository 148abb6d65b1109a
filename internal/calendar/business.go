package calendar

import (
	"sort"
	"time"
)

// yearTable is a calendar's open time in one local year as sorted,
// disjoint intervals of Unix nanoseconds, with the open time before each
// interval summed, so that deadline and elapsed-time questions are binary
// searches instead of walks.
type yearTable struct {
	start, end int64   // the local year's first instant and the next year's
	from, to   []int64 // open intervals
	cum        []int64 // cum[i]: open time before interval i; cum[len]: the year's total
}

// maxYears bounds how far Add looks ahead: a target that a calendar cannot
// meet within it is answered with the end of that horizon.
const maxYears = 30

func (c *Calendar) year(y int) *yearTable {
	c.mu.RLock()
	t := c.years[y]
	c.mu.RUnlock()
	if t != nil {
		return t
	}
	t = c.build(y)
	c.mu.Lock()
	if len(c.years) > 400 { // a long-running process asked about many years: start over
		c.years = map[int]*yearTable{}
	}
	c.years[y] = t
	c.mu.Unlock()
	return t
}

// build computes year y's open intervals. Windows are wall-clock times;
// a day with a DST change is cut at the change so that each piece has one
// UTC offset, and a window is open wherever the wall clock is inside it
// (the skipped hour in March does not exist; the repeated hour in October
// counts twice).
func (c *Calendar) build(y int) *yearTable {
	closed := map[Date]bool{}
	for _, h := range c.Holidays(y) {
		closed[h.Date] = true
	}
	t := &yearTable{
		start: time.Date(y, 1, 1, 0, 0, 0, 0, c.loc).UnixNano(),
		end:   time.Date(y+1, 1, 1, 0, 0, 0, 0, c.loc).UnixNano(),
	}
	for day := time.Date(y, 1, 1, 0, 0, 0, 0, c.loc); day.Year() == y; {
		next := time.Date(y, day.Month(), day.Day()+1, 0, 0, 0, 0, c.loc)
		ws := c.Week[day.Weekday()]
		if len(ws) > 0 && !closed[Date{y, day.Month(), day.Day()}] {
			for cur := day; cur.Before(next); {
				_, off := cur.Zone()
				segEnd := next
				// ZoneBounds may report an end that is not after cur
				// (Go's rule-based zones beyond the tz table); then
				// the offset holds to the day's end.
				if _, zend := cur.ZoneBounds(); zend.After(cur) && zend.Before(next) {
					segEnd = zend
				}
				// Wall-clock seconds after midnight of cur and of segEnd.
				wall0 := cur.Unix() + int64(off) - (day.Unix() + int64(zoneOffset(day)))
				wall1 := wall0 + segEnd.Unix() - cur.Unix()
				for _, w := range ws {
					a, b := max(int64(w.From)*60, wall0), min(int64(w.To)*60, wall1)
					if a < b {
						f := cur.UnixNano() + (a-wall0)*1e9
						to := cur.UnixNano() + (b-wall0)*1e9
						if n := len(t.to); n > 0 && t.to[n-1] == f {
							t.to[n-1] = to // adjacent: one interval
						} else {
							t.from, t.to = append(t.from, f), append(t.to, to)
						}
					}
				}
				cur = segEnd
			}
		}
		day = next
	}
	t.cum = make([]int64, len(t.from)+1)
	for i := range t.from {
		t.cum[i+1] = t.cum[i] + t.to[i] - t.from[i]
	}
	return t
}

func zoneOffset(t time.Time) int { _, off := t.Zone(); return off }

// yearOf returns the local year of unix-nano instant n (the year whose
// table holds it).
func (c *Calendar) yearOf(n int64) int {
	return time.Unix(0, n).In(c.loc).Year()
}

// openBefore is the open time in t's year before instant n (which must be
// within the year).
func (t *yearTable) openBefore(n int64) int64 {
	i := sort.Search(len(t.to), func(i int) bool { return t.to[i] > n })
	if i == len(t.to) {
		return t.cum[i]
	}
	return t.cum[i] + max(0, n-t.from[i])
}

// Add returns the instant d of business time after start: the deadline a
// target of d gives when the clock starts at start. A start outside the
// windows counts from the next opening. d ≤ 0 returns start.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	n := start.UnixNano()
	y := c.yearOf(n)
	left := int64(d)
	for range maxYears {
		t := c.year(y)
		before := t.openBefore(n)
		total := t.cum[len(t.from)]
		if before+left <= total {
			target := before + left
			// The first interval whose end reaches the target.
			i := sort.Search(len(t.from), func(i int) bool { return t.cum[i+1] >= target })
			return time.Unix(0, t.from[i]+target-t.cum[i]).In(start.Location())
		}
		left -= total - before
		y++
		n = t.end
	}
	return time.Unix(0, n).In(start.Location())
}

// Between returns the business time from a to b (0 when b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	na, nb := a.UnixNano(), b.UnixNano()
	if nb <= na {
		return 0
	}
	ya, yb := c.yearOf(na), c.yearOf(nb)
	if ya == yb {
		t := c.year(ya)
		return time.Duration(t.openBefore(nb) - t.openBefore(na))
	}
	ta := c.year(ya)
	sum := ta.cum[len(ta.from)] - ta.openBefore(na)
	for y := ya + 1; y < yb; y++ {
		t := c.year(y)
		sum += t.cum[len(t.from)]
	}
	return time.Duration(sum + c.year(yb).openBefore(nb))
}

// IsOpen reports whether t is within a support window.
func (c *Calendar) IsOpen(t time.Time) bool {
	n := t.UnixNano()
	yt := c.year(c.yearOf(n))
	i := sort.Search(len(yt.to), func(i int) bool { return yt.to[i] > n })
	return i < len(yt.to) && yt.from[i] <= n
}

// NextOpen returns t when the calendar is open at t, otherwise the next
// opening (the moment to send a notification that must reach people
// within service hours).
func (c *Calendar) NextOpen(t time.Time) time.Time {
	n := t.UnixNano()
	y := c.yearOf(n)
	for range maxYears {
		yt := c.year(y)
		i := sort.Search(len(yt.to), func(i int) bool { return yt.to[i] > n })
		if i < len(yt.to) {
			if yt.from[i] <= n {
				return t
			}
			return time.Unix(0, yt.from[i]).In(t.Location())
		}
		y++
		n = yt.end
	}
	return t
}
