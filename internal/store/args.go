package store

import "strconv"

// Args collects query arguments and hands out their $N placeholders, so that
// SQL fragments built in different places (a scope predicate, a filter) number
// their parameters consistently.
type Args struct {
	vals []any
}

// Add appends v and returns its placeholder ("$1", "$2", …).
func (a *Args) Add(v any) string {
	a.vals = append(a.vals, v)
	return "$" + strconv.Itoa(len(a.vals))
}

// Values returns the collected arguments in placeholder order.
func (a *Args) Values() []any { return a.vals }
