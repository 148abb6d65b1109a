package orders

import (
	"github.com/samdrift/samdrift/internal/store"
)

// The keys an order list can be sorted by (Filter.Sort).
const (
	SortID           = "id"
	SortCreated      = "created"
	SortUpdated      = "updated"
	SortStatus       = "status"
	SortService      = "service"
	SortMunicipality = "municipality"
	SortUnit         = "unit"
	SortQuantity     = "quantity"
)

// Sorts lists the keys ParseSort accepts, each also with a leading "-"
// for descending.
func Sorts() []string {
	return []string{SortID, SortCreated, SortUpdated, SortStatus, SortService, SortMunicipality, SortUnit, SortQuantity}
}

// ParseSort returns the order raw names ("" is newest first), or an
// Invalid error on field that lists the keys.
func ParseSort(field, raw string) (store.Sort, error) {
	return store.ParseSort(field, raw, Sorts()...)
}

// sortColumns are the SQL expressions of the sort keys: the only SQL a
// sort adds to a query. Status sorts in lifecycle order, names without
// regard to case (the two databases' collations agree on little else).
var sortColumns = map[string]string{
	SortID:           "o.id",
	SortCreated:      "o.created_at",
	SortUpdated:      "o.updated_at",
	SortStatus:       store.Rank("o.status", Statuses()),
	SortService:      "o.service_id || '/' || o.level_id",
	SortMunicipality: "LOWER(m.name)",
	SortUnit:         "LOWER(u.name)",
	SortQuantity:     "o.quantity",
}

// tieOf makes s total: orders equal on its key go by number, in s's
// direction (newest first for the default order).
func tieOf(s store.Sort) string {
	if s.Key == "" || s.Desc {
		return "o.id DESC"
	}
	return "o.id"
}
