package access

import (
	"github.com/samdrift/samdrift/internal/store"
)

// The keys a user list can be sorted by (UserFilter.Sort).
const (
	UserSortUsername = "username"
	UserSortName     = "name"
	UserSortOrg      = "org"
	UserSortRole     = "role"
	UserSortStatus   = "status"
	UserSortCreated  = "created"
)

// UserSorts lists the keys ParseUserSort accepts, each also with a
// leading "-" for descending.
func UserSorts() []string {
	return []string{UserSortUsername, UserSortName, UserSortOrg, UserSortRole, UserSortStatus, UserSortCreated}
}

// ParseUserSort returns the order raw names ("" is by username), or an
// Invalid error on field that lists the keys.
func ParseUserSort(field, raw string) (store.Sort, error) {
	return store.ParseSort(field, raw, UserSorts()...)
}

// userSortColumns are the SQL expressions of the sort keys: the only SQL
// a sort adds to a query. Names sort without regard to case, roles in the
// order Roles lists them, enabled users before disabled ones.
var userSortColumns = map[string]string{
	UserSortUsername: "u.username",
	UserSortName:     "LOWER(u.display_name)",
	UserSortOrg:      "LOWER(o.name)",
	UserSortRole:     store.Rank("u.role", Roles()),
	UserSortStatus:   "CASE WHEN u.disabled THEN 1 ELSE 0 END",
	UserSortCreated:  "u.created_at",
}

// userTie makes s total: users equal on its key go by username (unique),
// in s's direction.
func userTie(s store.Sort) string {
	if s.Desc {
		return "u.username DESC, u.id DESC"
	}
	return "u.username, u.id"
}
