package eventstore

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The query language compiled to LogsQL, VictoriaLogs' language, for the
// VictoriaLogs backend (victoria.go). The semantics are the SQL
// compiler's and the matcher's: field values match whole values ignoring
// case, wildcards stay within one value, message terms match substrings
// ignoring case, ranges compare numbers (and times on @timestamp). Every
// text comparison is a case-insensitive RE2 regular expression built from
// quoted literals, so nothing a user types is ever read as LogsQL or as a
// regular expression: the filter's structure is ours alone. The tenant is
// not in the filter at all; VictoriaLogs keeps each tenant apart
// (AccountID), and every request names the one it reads; a tenant term
// is decided when compiling for that tenant.

// How events are laid out in VictoriaLogs: the message is _msg, the time
// _time, the event's own fields keep their keys, and the columns samdrift
// keeps beside them are under the prefix vlColumn. A field's second and
// later values (an array's) are under key[1], key[2], … (VictoriaLogs
// keeps one value per field); an event field whose key would clash with
// ours is stored under vlEscaped + key.
const (
	vlColumn  = "sd."
	vlEscaped = "sd.k."
	// vlMaxValues bounds how many values of one field are kept apart
	// (the rest stay in the last, as a JSON array's text).
	vlMaxValues = 16
)

// vlColumns are the columns' names in VictoriaLogs.
var vlColumns = map[string]string{
	"message":     "_msg",
	"host":        vlColumn + "host",
	"app":         vlColumn + "app",
	"severity":    vlColumn + "severity",
	"format":      vlColumn + "format",
	"product":     vlColumn + "product",
	"source_ip":   vlColumn + "source_ip",
	"id":          vlColumn + "id",
	"parse_error": vlColumn + "parse_error",
	"raw":         vlColumn + "raw",
	"ts":          "_time",
}

// vlFieldName is where an event field's i-th value (0: the first) is
// kept in VictoriaLogs. A key that could be read as one of ours (the
// prefix vlColumn, a leading '_') or as carrying an index (a trailing
// ']') is moved under vlEscaped and then always carries its index, [0]
// included, so that vlParseName can tell every name apart.
func vlFieldName(key string, i int) string {
	if strings.HasPrefix(key, vlColumn) || strings.HasPrefix(key, "_") || strings.HasSuffix(key, "]") {
		return vlEscaped + key + "[" + strconv.Itoa(i) + "]"
	}
	if i > 0 {
		key += "[" + strconv.Itoa(i) + "]"
	}
	return key
}

// vlParseName is vlFieldName's inverse: the event field key and value
// index a VictoriaLogs field name holds; ok is false for samdrift's own
// columns and VictoriaLogs' fields (_msg, _time, _stream, …).
func vlParseName(name string) (key string, i int, ok bool) {
	index := func(s string) (string, int, bool) {
		open := strings.LastIndexByte(s, '[')
		if open < 0 || !strings.HasSuffix(s, "]") {
			return s, 0, false
		}
		n, err := strconv.Atoi(s[open+1 : len(s)-1])
		if err != nil || n < 0 || strconv.Itoa(n) != s[open+1:len(s)-1] {
			return s, 0, false
		}
		return s[:open], n, true
	}
	if rest, escaped := strings.CutPrefix(name, vlEscaped); escaped {
		key, i, ok := index(rest)
		return key, i, ok
	}
	if strings.HasPrefix(name, vlColumn) || strings.HasPrefix(name, "_") {
		return "", 0, false
	}
	if key, i, ok := index(name); ok && i > 0 {
		return key, i, true
	}
	return name, 0, true
}

// logsqlCompiler compiles a parsed query. values tells how many values a
// field has been seen with (1 when it never held an array), so that a
// term on it looks at each of them.
type logsqlCompiler struct {
	values   func(key string) int
	tenantID int64
}

// compileLogsQL turns query text into a LogsQL filter ("*" for all) for
// reading tenant's events.
func compileLogsQL(q string, tenant int64, values func(key string) int) (string, error) {
	n, err := parseQuery(q)
	if err != nil {
		return "", err
	}
	if n == nil {
		return "*", nil
	}
	if values == nil {
		values = func(string) int { return 1 }
	}
	return (&logsqlCompiler{values: values, tenantID: tenant}).cond(n)
}

func (c *logsqlCompiler) cond(n *node) (string, error) {
	switch n.kind {
	case nodeAnd, nodeOr:
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			s, err := c.cond(k)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		op := " AND "
		if n.kind == nodeOr {
			op = " OR "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case nodeNot:
		s, err := c.cond(n.kids[0])
		if err != nil {
			return "", err
		}
		return "(NOT " + s + ")", nil
	}
	if n.field == "" {
		return c.text("_msg", true, n)
	}
	if col, ok := queryColumns[n.field]; ok {
		name := vlColumns[col.name]
		switch col.kind {
		case colText:
			return c.text(name, false, n)
		case colMessage:
			return c.text(name, true, n)
		case colNumber:
			if col.name == "tenant" {
				return c.tenant(n)
			}
			return c.number(name, n, true)
		default:
			return c.time(n)
		}
	}
	// An event field: any of its values.
	k := max(c.values(n.field), 1)
	parts := make([]string, 0, k)
	for i := range k {
		var s string
		var err error
		if n.term == termRange {
			s, err = c.number(vlFieldName(n.field, i), n, false)
		} else {
			s, err = c.text(vlFieldName(n.field, i), false, n)
		}
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", nil
}

// field writes a field name for LogsQL: always quoted.
func logsqlField(name string) string { return strconv.Quote(name) }

// text matches a text field: whole value (or, contains, anywhere in it)
// ignoring case, with the wildcard marks.
func (c *logsqlCompiler) text(field string, contains bool, n *node) (string, error) {
	switch n.term {
	case termExists:
		return logsqlField(field) + ":*", nil
	case termRange:
		return "", queryError(n.pos, "%s holds text; ranges need a number field", n.field)
	}
	var re strings.Builder
	re.WriteString("(?is)")
	if !contains {
		re.WriteString("^")
	}
	for _, r := range n.value {
		switch r {
		case wildStar:
			re.WriteString(".*")
		case wildOne:
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if !contains {
		re.WriteString("$")
	}
	return logsqlField(field) + ":~" + strconv.Quote(re.String()), nil
}

// number matches a number field: equal, in range, or present. Integer
// columns (whole) round a fractional bound as the SQL form does.
func (c *logsqlCompiler) number(field string, n *node, whole bool) (string, error) {
	switch n.term {
	case termExists:
		if whole {
			return logsqlField(field) + ":>=0", nil
		}
		return logsqlField(field) + ":*", nil
	case termMatch:
		if n.wild {
			return "", queryError(n.pos, "%s is a number; wildcards do not apply", n.field)
		}
		f, err := number(n, n.value)
		if err != nil {
			return "", err
		}
		if whole {
			f = math.Floor(f)
		}
		return logsqlField(field) + ":range[" + formatNumber(f) + ", " + formatNumber(f) + "]", nil
	}
	lo, hi := "-inf", "inf"
	loInc, hiInc := n.loInc || n.lo == "", n.hiInc || n.hi == ""
	if n.lo != "" {
		f, err := number(n, n.lo)
		if err != nil {
			return "", err
		}
		if whole && f != math.Floor(f) {
			f, loInc = math.Floor(f), false
		}
		lo = formatNumber(f)
	}
	if n.hi != "" {
		f, err := number(n, n.hi)
		if err != nil {
			return "", err
		}
		if whole && f != math.Floor(f) {
			f, hiInc = math.Floor(f), true
		}
		hi = formatNumber(f)
	}
	open, shut := "(", ")"
	if loInc {
		open = "["
	}
	if hiInc {
		shut = "]"
	}
	return logsqlField(field) + ":range" + open + lo + ", " + hi + shut, nil
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// tenant answers a tenant term for the tenant being read: each tenant's
// events are apart (its own AccountID), so the term is true or false for
// all of them.
func (c *logsqlCompiler) tenant(n *node) (string, error) {
	test, err := numberTest(n)
	if err != nil {
		return "", err
	}
	if test(float64(c.tenantID)) {
		return "*", nil
	}
	return vlNothing, nil
}

// vlNothing is a filter no event matches.
const vlNothing = "(NOT *)"

// time matches @timestamp.
func (c *logsqlCompiler) time(n *node) (string, error) {
	conv := func(s string) (string, error) {
		t, ok := parseTime(s)
		if !ok {
			return "", queryError(n.pos, "%s: %q is not a time; write 2026-11-29 or 2026-11-29T08:00:00Z", n.field, s)
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	switch n.term {
	case termExists:
		return "*", nil
	case termMatch:
		if d, err := time.ParseInLocation("2006-01-02", n.value, copenhagen); err == nil && !n.wild {
			return "_time:[" + d.UTC().Format(time.RFC3339Nano) + ", " + d.AddDate(0, 0, 1).UTC().Format(time.RFC3339Nano) + ")", nil
		}
		v, err := conv(n.value)
		if err != nil {
			return "", err
		}
		return "_time:[" + v + ", " + v + "]", nil
	}
	lo, hi := "1970-01-01T00:00:00Z", "2200-01-01T00:00:00Z"
	var err error
	if n.lo != "" {
		if lo, err = conv(n.lo); err != nil {
			return "", err
		}
	}
	if n.hi != "" {
		if hi, err = conv(n.hi); err != nil {
			return "", err
		}
	}
	open, shut := "(", ")"
	if n.loInc || n.lo == "" {
		open = "["
	}
	if n.hiInc || n.hi == "" {
		shut = "]"
	}
	return "_time:" + open + lo + ", " + hi + shut, nil
}
