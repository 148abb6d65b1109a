package access_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// userKey compares two users on one sort key, as the list must.
var userKey = map[string]func(a, b access.User) int{
	access.UserSortUsername: func(a, b access.User) int { return cmp.Compare(a.Username, b.Username) },
	access.UserSortName: func(a, b access.User) int {
		return cmp.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	},
	access.UserSortOrg: func(a, b access.User) int { return cmp.Compare(strings.ToLower(a.OrgName), strings.ToLower(b.OrgName)) },
	access.UserSortRole: func(a, b access.User) int {
		return cmp.Compare(slices.Index(access.Roles(), a.Role), slices.Index(access.Roles(), b.Role))
	},
	access.UserSortStatus: func(a, b access.User) int {
		rank := func(u access.User) int {
			if u.Disabled {
				return 1
			}
			return 0
		}
		return cmp.Compare(rank(a), rank(b))
	},
	access.UserSortCreated: func(a, b access.User) int { return a.CreatedAt.Compare(b.CreatedAt) },
}

// TestListUsersSorted: every sort key orders the user list in both
// directions, equal keys by username in the same direction, and paging
// returns every user once in the same order.
func TestListUsersSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sys := access.System("test")
		for _, u := range []struct {
			name, display, org string
			role               access.Role
			disabled           bool
		}{
			{"sortxcarl", "Carl", "101", access.RoleSPOC, false},
			{"sortxanna", "anna", "147", access.RoleCISO, true},
			{"sortxbo", "Bo", "enhed-syddanmark", access.RoleServiceDesk, false},
			{"sortxdan", "Dan", "851", access.RoleKommuneIT, true},
			{"sortxeva", "Eva", "147", access.RoleSPOC, false},
		} {
			o, err := f.orgs.Get(ctx, sys, u.org)
			if err != nil {
				t.Fatal(err)
			}
			nu, err := f.acc.CreateUser(ctx, sys, access.NewUser{Username: u.name, DisplayName: u.display, OrgID: o.ID, Role: u.role,
				Password: "correct horse battery staple " + u.org})
			if err != nil {
				t.Fatalf("CreateUser(%s) = %v", u.name, err)
			}
			if u.disabled {
				if _, err := f.acc.UpdateUser(ctx, sys, nu.ID, access.UserChange{Disabled: &u.disabled}); err != nil {
					t.Fatal(err)
				}
			}
		}
		def, n, err := f.acc.ListUsers(ctx, sys, access.UserFilter{Query: "sortx"})
		if err != nil || n != 5 || def[0].Username != "sortxanna" || def[4].Username != "sortxeva" {
			t.Fatalf("ListUsers(sortx) = %v, %d, %v; want 5 by username", def, n, err)
		}
		for _, key := range access.UserSorts() {
			for _, desc := range []bool{false, true} {
				s := store.Sort{Key: key, Desc: desc}
				got, _, err := f.acc.ListUsers(ctx, sys, access.UserFilter{Query: "sortx", Sort: s})
				if err != nil || len(got) != 5 {
					t.Fatalf("ListUsers(sort %s) = %d, %v", s, len(got), err)
				}
				distinct := false
				for i := 1; i < len(got); i++ {
					c := userKey[key](got[i-1], got[i])
					distinct = distinct || c != 0
					if desc {
						c = -c
					}
					if c > 0 || (c == 0 && (got[i-1].Username < got[i].Username) == desc) {
						t.Errorf("ListUsers(sort %s): %s before %s", s, got[i-1].Username, got[i].Username)
					}
				}
				if !distinct && key != access.UserSortCreated {
					t.Errorf("ListUsers(sort %s): every user has the same key; the test proves nothing", s)
				}
				var paged []string
				for off := 0; off < 6; off += 2 {
					page, total, err := f.acc.ListUsers(ctx, sys, access.UserFilter{Query: "sortx", Sort: s, Limit: 2, Offset: off})
					if err != nil || total != 5 {
						t.Fatalf("ListUsers(sort %s, offset %d) = %d, %v", s, off, total, err)
					}
					for _, u := range page {
						paged = append(paged, u.Username)
					}
				}
				var want []string
				for _, u := range got {
					want = append(want, u.Username)
				}
				if !slices.Equal(paged, want) {
					t.Errorf("ListUsers(sort %s) paged by 2 = %v; want %v", s, paged, want)
				}
			}
		}
		if _, _, err := f.acc.ListUsers(ctx, sys, access.UserFilter{Sort: store.Sort{Key: "shoe"}}); errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != "sort" {
			t.Errorf("ListUsers(sort shoe) = %v; want EINVALID on sort", err)
		}
	})
}
