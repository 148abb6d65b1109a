package sigma

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// testKind is what a field test compares.
type testKind uint8

const (
	tStr      testKind = iota // string patterns (eq, prefix, suffix, contains, glob)
	tRe                       // regular expressions
	tCIDR                     // address in prefix
	tNum                      // numeric comparison
	tExists                   // field present (or absent)
	tNull                     // field absent or empty
	tFieldRef                 // compare with another field of the event
	tTime                     // a part of a timestamp, compared numerically
)

// test is one compiled "field|modifiers: values" item. Values are OR-ed
// unless all is set; neg negates the whole item (neq).
type test struct {
	slot  int // -1: keyword search
	field string
	kind  testKind
	all   bool
	neg   bool
	cased bool
	dash  bool

	pats   []strPattern
	res    []*regexp.Regexp
	nets   []netip.Prefix
	nums   []float64
	cmp    string // lt, lte, gt, gte, eq
	exists bool
	refs   []int
	refOp  strOp
	part   string // minute, hour, day, week, month, year
}

// eval applies the test to a doc.
func (t *test) eval(d *Doc) bool {
	return t.evalRaw(d) != t.neg
}

func (t *test) evalRaw(d *Doc) bool {
	if t.slot < 0 {
		return t.evalKeywords(d)
	}
	present := d.has(t.slot)
	switch t.kind {
	case tExists:
		return present == t.exists
	case tNull:
		return !present || d.vals[t.slot] == ""
	}
	if !present {
		return false
	}
	if t.kind == tStr && len(d.more) == 0 {
		v := d.value(t.slot, t.cased, t.dash)
		if t.all {
			for i := range t.pats {
				if !t.pats[i].match(v) {
					return false
				}
			}
			return true
		}
		for i := range t.pats {
			if t.pats[i].match(v) {
				return true
			}
		}
		return false
	}
	v := d.value(t.slot, t.cased, t.dash)
	if len(d.more[t.slot]) == 0 {
		return t.matchValues(d, []string{v}) // does not escape: no allocation
	}
	return t.matchValues(d, append([]string{v}, d.extra(t.slot, t.cased, t.dash)...))
}

func (t *test) evalKeywords(d *Doc) bool { return t.matchValues(d, d.keywordValues(t.cased)) }

// matchValues applies the test's values to a field's several values (or
// the keyword values): with all, every test value must match one of them;
// otherwise one test value matching one of them is enough.
func (t *test) matchValues(d *Doc, vals []string) bool {
	n := t.count()
	for i := 0; i < n; i++ {
		if t.anyValue(d, i, vals) != t.all {
			return !t.all
		}
	}
	return t.all
}

// count is the number of values the test has.
func (t *test) count() int {
	switch t.kind {
	case tStr:
		return len(t.pats)
	case tRe:
		return len(t.res)
	case tCIDR:
		return len(t.nets)
	case tNum, tTime:
		return len(t.nums)
	case tFieldRef:
		return len(t.refs)
	}
	return 0
}

// anyValue reports whether value i of the test matches any of vals.
func (t *test) anyValue(d *Doc, i int, vals []string) bool {
	for _, v := range vals {
		if t.matchOne(d, i, v) {
			return true
		}
	}
	return false
}

func (t *test) matchOne(d *Doc, i int, v string) bool {
	switch t.kind {
	case tStr:
		return t.pats[i].match(v)
	case tRe:
		return t.res[i].MatchString(v)
	case tCIDR:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		return err == nil && t.nets[i].Contains(a.Unmap())
	case tNum:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && compare(f, t.cmp, t.nums[i])
	case tTime:
		f, ok := timePart(v, t.part)
		return ok && compare(f, t.cmp, t.nums[i])
	case tFieldRef:
		r := t.refs[i]
		if !d.has(r) {
			return false
		}
		other := d.value(r, t.cased, false)
		switch t.refOp {
		case opPrefix:
			return strings.HasPrefix(v, other)
		case opSuffix:
			return strings.HasSuffix(v, other)
		case opContains:
			return strings.Contains(v, other)
		}
		return v == other
	}
	return false
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "lt":
		return a < b
	case "lte":
		return a <= b
	case "gt":
		return a > b
	case "gte":
		return a >= b
	}
	return a == b
}

// Timestamp layouts the time modifiers read.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

// timePart extracts a part of a timestamp value.
func timePart(v, part string) (float64, bool) {
	v = strings.TrimSpace(v)
	var t time.Time
	var err error
	for _, l := range timeLayouts {
		if t, err = time.Parse(l, v); err == nil {
			break
		}
	}
	if err != nil {
		return 0, false
	}
	switch part {
	case "minute":
		return float64(t.Minute()), true
	case "hour":
		return float64(t.Hour()), true
	case "day":
		return float64(t.Day()), true
	case "week":
		_, w := t.ISOWeek()
		return float64(w), true
	case "month":
		return float64(t.Month()), true
	case "year":
		return float64(t.Year()), true
	}
	return 0, false
}
