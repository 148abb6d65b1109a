package access

import (
	"context"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Contact is a person a municipality turns to at the unit that supplies
// it: its service desk and its managers.
type Contact struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	Email    string `json:"email,omitempty"`
	Role     Role   `json:"role"`
	Org      string `json:"org"`
}

// Contacts returns the active service desk staff and managers of the unit
// that supplies organisation org, when org is within sc's reach (its own
// staff, the unit, governance); an organisation out of reach or without a
// supplier has none.
func (s *Service) Contacts(ctx context.Context, sc Scope, org int64) ([]Contact, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT u.display_name, u.username, u.email, u.role, o.name FROM users u
		JOIN organizations o ON o.id = u.org_id
		WHERE u.org_id = (SELECT supplier_id FROM organizations WHERE id = `+a.Add(org)+` AND `+sc.OrgPredicate("id", &a)+`)
		AND u.role IN (`+a.Add(string(RoleServiceDesk))+`, `+a.Add(string(RoleUnitManager))+`) AND NOT u.disabled
		ORDER BY u.role, u.display_name, u.username LIMIT 50`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list contacts")
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.Name, &c.Username, &c.Email, &c.Role, &c.Org); err != nil {
			return nil, errs.Wrap(err, "cannot read a contact")
		}
		if c.Name == "" {
			c.Name = c.Username
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "cannot list contacts")
}
