package eventstore

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/store"
)

// column is a query field stored in its own column.
type column struct {
	name string
	kind int // colText, colNumber, colTime, colMessage
}

const (
	colText = iota
	colNumber
	colTime
	colMessage
)

// columns maps query field names (ECS names and short forms) to columns.
// Every other field name is looked up among the event's fields.
var queryColumns = map[string]column{
	"message":                  {"message", colMessage},
	"host":                     {"host", colText},
	"host.name":                {"host", colText},
	"host.hostname":            {"host", colText},
	"app":                      {"app", colText},
	"log.syslog.appname":       {"app", colText},
	"severity":                 {"severity", colNumber},
	"log.syslog.severity.code": {"severity", colNumber},
	"format":                   {"format", colText},
	"product":                  {"product", colText},
	"sender":                   {"source_ip", colText},
	"log.source.address":       {"source_ip", colText},
	"tenant":                   {"tenant", colNumber},
	"id":                       {"id", colText},
	"parse_error":              {"parse_error", colText},
	"raw":                      {"raw", colText},
	"event.original":           {"raw", colText},
	"@timestamp":               {"ts", colTime},
	"timestamp":                {"ts", colTime},
	"time":                     {"ts", colTime},
}

// compiler turns a parsed query into a SQL condition with its arguments.
type compiler struct {
	a    *store.Args
	like string // LIKE (SQLite: ASCII case-insensitive) or ILIKE (PostgreSQL)
}

// likePattern escapes text for LIKE … ESCAPE '!' and turns the wildcard
// marks into % and _.
func likePattern(v string) string {
	v = likeEscape(v)
	return strings.NewReplacer(string(wildStar), "%", string(wildOne), "_").Replace(v)
}

func (c *compiler) cond(n *node) (string, error) {
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
		return "NOT " + s, nil
	}
	if n.field == "" {
		return c.textCond("message", colMessage, n)
	}
	if col, ok := queryColumns[n.field]; ok {
		switch col.kind {
		case colText, colMessage:
			return c.textCond(col.name, col.kind, n)
		case colNumber:
			return c.numberCond(col.name, n)
		default:
			return c.timeCond(col.name, n)
		}
	}
	return c.fieldCond(n)
}

func (c *compiler) textCond(col string, kind int, n *node) (string, error) {
	switch n.term {
	case termExists:
		return "(" + col + " <> '')", nil
	case termRange:
		return "", queryError(n.pos, "%s holds text; ranges need a number field", n.field)
	}
	p := likePattern(n.value)
	if kind == colMessage {
		p = "%" + p + "%"
	}
	return "(" + col + " " + c.like + " " + c.a.Add(p) + " ESCAPE '!')", nil
}

func number(n *node, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		name := n.field
		if name == "" {
			name = "the range"
		}
		return 0, queryError(n.pos, "%s: %q is not a number", name, v)
	}
	return f, nil
}

// rangeCond writes lo/hi comparisons over expr with converted bounds.
func (c *compiler) rangeCond(expr string, n *node, conv func(string) (any, error)) (string, error) {
	var parts []string
	if n.lo != "" {
		v, err := conv(n.lo)
		if err != nil {
			return "", err
		}
		op := " > "
		if n.loInc {
			op = " >= "
		}
		parts = append(parts, expr+op+c.a.Add(v))
	}
	if n.hi != "" {
		v, err := conv(n.hi)
		if err != nil {
			return "", err
		}
		op := " < "
		if n.hiInc {
			op = " <= "
		}
		parts = append(parts, expr+op+c.a.Add(v))
	}
	if len(parts) == 0 {
		return "(" + expr + " IS NOT NULL)", nil
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

func (c *compiler) numberCond(col string, n *node) (string, error) {
	conv := func(s string) (any, error) {
		f, err := number(n, s)
		if err != nil {
			return nil, err
		}
		return int64(math.Floor(f)), nil
	}
	switch n.term {
	case termExists:
		return "(" + col + " >= 0)", nil
	case termRange:
		// Integer columns: compare with whole numbers, rounding the bounds
		// so that "<2.5" still means "<=2".
		if n.lo != "" {
			if f, err := number(n, n.lo); err != nil {
				return "", err
			} else if f != math.Floor(f) {
				n.lo, n.loInc = strconv.FormatFloat(math.Floor(f), 'f', 0, 64), false
			}
		}
		if n.hi != "" {
			if f, err := number(n, n.hi); err != nil {
				return "", err
			} else if f != math.Floor(f) {
				n.hi, n.hiInc = strconv.FormatFloat(math.Floor(f), 'f', 0, 64), true
			}
		}
		return c.rangeCond(col, n, conv)
	}
	if n.wild {
		return "", queryError(n.pos, "%s is a number; wildcards do not apply", n.field)
	}
	v, err := conv(n.value)
	if err != nil {
		return "", err
	}
	return "(" + col + " = " + c.a.Add(v) + ")", nil
}

func (c *compiler) timeCond(col string, n *node) (string, error) {
	conv := func(s string) (any, error) {
		t, ok := parseTime(s)
		if !ok {
			return nil, queryError(n.pos, "%s: %q is not a time; write 2026-11-29 or 2026-11-29T08:00:00Z", n.field, s)
		}
		return t.UnixMicro(), nil
	}
	switch n.term {
	case termExists:
		return "(1=1)", nil
	case termRange:
		return c.rangeCond(col, n, conv)
	}
	// A bare date means that whole day.
	if t, err := time.ParseInLocation("2006-01-02", n.value, copenhagen); err == nil && !n.wild {
		return "(" + col + " >= " + c.a.Add(t.UnixMicro()) + " AND " + col + " < " + c.a.Add(t.AddDate(0, 0, 1).UnixMicro()) + ")", nil
	}
	v, err := conv(n.value)
	if err != nil {
		return "", err
	}
	return "(" + col + " = " + c.a.Add(v) + ")", nil
}

// fieldCond matches one of the event's packed fields.
func (c *compiler) fieldCond(n *node) (string, error) {
	key := packer.Replace(n.field)
	has := func() string { return "fields " + c.like + " " + c.a.Add("%|"+likeEscape(key)+"=%") + " ESCAPE '!'" }
	switch n.term {
	case termExists:
		return "(" + has() + ")", nil
	case termRange:
		// Any of the field's values (an array's) in range.
		conv := func(s string) (any, error) { return number(n, s) }
		cond, err := c.rangeCond("sd_num(v)", n, conv)
		if err != nil {
			return "", err
		}
		return "(" + has() + " AND EXISTS (SELECT 1 FROM sd_values(fields, " + c.a.Add(key) + ") AS v WHERE " + cond + "))", nil
	}
	if !n.wild {
		// Matches any one of the field's values.
		return "(fields " + c.like + " " + c.a.Add("%|"+likeEscape(key+"="+packer.Replace(n.value))+"|%") + " ESCAPE '!')", nil
	}
	// Wildcards must stay inside one value: narrow with LIKE on the
	// packed text, then match the values one by one.
	return "(" + has() + " AND EXISTS (SELECT 1 FROM sd_values(fields, " + c.a.Add(key) + ") AS v WHERE v " + c.like + " " +
		c.a.Add(likePattern(packer.Replace(n.value))) + " ESCAPE '!'))", nil
}
