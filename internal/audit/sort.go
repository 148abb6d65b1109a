package audit

import "github.com/samdrift/samdrift/internal/store"

// The keys an audit listing can be sorted by (Filter.Sort).
const (
	SortTime   = "time"
	SortActor  = "actor"
	SortAction = "action"
	SortOrg    = "org"
)

// Sorts lists the keys ParseSort accepts, each also with a leading "-"
// for descending.
func Sorts() []string { return []string{SortTime, SortActor, SortAction, SortOrg} }

// ParseSort returns the order raw names ("" is newest first), or an
// Invalid error on field that lists the keys.
func ParseSort(field, raw string) (store.Sort, error) {
	return store.ParseSort(field, raw, Sorts()...)
}

// sortColumns are the SQL expressions of the sort keys: the only SQL a
// sort adds to a query. Org is the name of the organisation a record
// concerns (records about none first); actors sort without regard to
// case.
var sortColumns = map[string]string{
	SortTime:   "at",
	SortActor:  "LOWER(actor)",
	SortAction: "action",
	SortOrg:    "COALESCE((SELECT LOWER(og.name) FROM organizations og WHERE og.id = audit_log.org_id), '')",
}

// tieOf makes s total: records equal on its key go by sequence number,
// in s's direction (newest first for the default order).
func tieOf(s store.Sort) string {
	if s.Key == "" || s.Desc {
		return "seq DESC"
	}
	return "seq"
}
