package servicedesk

import (
	"context"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Assignee is a user a ticket can be assigned to: an active service desk
// user or manager of the unit that holds it.
type Assignee struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name,omitempty"`
	UnitID      int64  `json:"unit_id"`
	UnitName    string `json:"unit_name"`
}

// Name is the assignee's display name, or the username when it has none.
func (a Assignee) Name() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// Assignees lists whom sc may assign ticket id to: the active service
// desk users and managers of the unit that holds it, when sc assigns for
// that unit (its service desk or manager, or an administrator) and the
// ticket is escalated. With id 0 it lists them for every unit sc assigns
// for (a bulk change's choices): its own unit, or every unit for an
// administrator. Anyone else gets an empty list. A ticket sc may not see
// is NotFound.
func (s *Service) Assignees(ctx context.Context, sc access.Scope, id int64) ([]Assignee, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	var a store.Args
	cond := ""
	switch {
	case id != 0:
		t, _, err := s.get(ctx, s.db.Reader(), sc, id, false)
		if err != nil {
			return nil, err
		}
		if t.Tier != 2 || !onUnitSide(sc, t) || !t.Status.Active() {
			return []Assignee{}, nil
		}
		cond = "u.org_id = " + a.Add(t.UnitID)
	case sc.IsSystem() || sc.Role == access.RoleAdmin:
		cond = "TRUE"
	case sc.OrgKind == "unit" && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager):
		cond = "u.org_id = " + a.Add(sc.OrgID)
	default:
		return []Assignee{}, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT u.username, u.display_name, o.id, o.name FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE `+cond+` AND o.kind = 'unit' AND u.role IN ('servicedesk', 'unit-manager') AND NOT u.disabled
		ORDER BY o.name, CASE WHEN u.display_name = '' THEN u.username ELSE u.display_name END, u.username LIMIT 500`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list assignable users")
	}
	defer rows.Close()
	out := []Assignee{}
	for rows.Next() {
		var x Assignee
		if err := rows.Scan(&x.Username, &x.DisplayName, &x.UnitID, &x.UnitName); err != nil {
			return nil, errs.Wrap(err, "cannot read assignable user")
		}
		out = append(out, x)
	}
	return out, errs.Wrap(rows.Err(), "cannot list assignable users")
}
