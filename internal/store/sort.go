package store

import (
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// Sort is a list's order as a person names it in a URL: a column key,
// ascending, or descending with a leading "-" ("-created"). The zero
// Sort is the list's default order.
type Sort struct {
	Key  string
	Desc bool
}

// ParseSort reads raw as one of keys (each optionally with a leading
// "-"); "" is the zero Sort. Anything else is an Invalid error on field
// that lists what is accepted.
func ParseSort(field, raw string, keys ...string) (Sort, error) {
	if raw == "" {
		return Sort{}, nil
	}
	s := Sort{Key: strings.TrimPrefix(raw, "-"), Desc: strings.HasPrefix(raw, "-")}
	for _, k := range keys {
		if k == s.Key {
			return s, nil
		}
	}
	return Sort{}, errs.Field(field, "unknown order %q; want one of %s, each with a leading - for descending", raw, strings.Join(keys, ", "))
}

// String is s as ParseSort reads it.
func (s Sort) String() string {
	if s.Key == "" {
		return ""
	}
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// OrderBy returns the ORDER BY list (without the keywords) for s: the SQL
// expression cols gives for its key in its direction, then tie, which
// must make the order total (e.g. "o.id DESC") so that pages never
// repeat or skip rows. The zero Sort, or a key cols lacks, orders by def
// (then tie). Only expressions from cols and the caller reach the SQL.
func (s Sort) OrderBy(cols map[string]string, def, tie string) string {
	expr, ok := cols[s.Key]
	if !ok {
		if def == "" {
			return tie
		}
		return def + ", " + tie
	}
	if s.Desc {
		expr += " DESC"
	}
	return expr + ", " + tie
}

// Rank returns an SQL expression of col's value's place in values (0 for
// the first; len(values) for anything else), for sorting by an order
// that is not alphabetical (a lifecycle, a severity). values come from
// the program, never from input: they are written into the SQL.
func Rank[T ~string](col string, values []T) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, v := range values {
		b.WriteString(" WHEN '" + strings.ReplaceAll(string(v), "'", "''") + "' THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE " + strconv.Itoa(len(values)) + " END")
	return b.String()
}
