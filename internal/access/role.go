package access

import (
	"slices"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// Role is what a user does in its organisation (DESIGN.md, "Who uses it").
type Role string

// The roles.
const (
	RoleSPOC        Role = "spoc"
	RoleKommuneIT   Role = "kommune-it"
	RoleCISO        Role = "ciso"
	RoleServiceDesk Role = "servicedesk"
	RoleUnitManager Role = "unit-manager"
	RoleSOCAnalyst  Role = "soc-analyst"
	RoleCERT        Role = "cert"
	RoleGovernance  Role = "governance"
	RoleAdmin       Role = "admin"
)

// Organisation kinds as stored in organizations.kind. They are repeated here
// (org owns them) because access must not import org.
const (
	kindUnit         = "unit"
	kindMunicipality = "municipality"
	kindSOC          = "soc"
	kindSecretariat  = "secretariat"
)

// roleKinds says in which kinds of organisation each role may be held.
var roleKinds = map[Role][]string{
	RoleSPOC:        {kindMunicipality},
	RoleKommuneIT:   {kindMunicipality},
	RoleCISO:        {kindMunicipality, kindUnit, kindSOC},
	RoleServiceDesk: {kindUnit},
	RoleUnitManager: {kindUnit},
	RoleSOCAnalyst:  {kindUnit, kindSOC},
	RoleCERT:        {kindSOC},
	RoleGovernance:  {kindSecretariat},
	RoleAdmin:       {kindUnit, kindMunicipality, kindSOC, kindSecretariat},
}

// Roles lists every role in a stable order.
func Roles() []Role {
	return []Role{RoleSPOC, RoleKommuneIT, RoleCISO, RoleServiceDesk, RoleUnitManager,
		RoleSOCAnalyst, RoleCERT, RoleGovernance, RoleAdmin}
}

// DefaultMFARoles are the roles that must use a second factor unless
// configured otherwise (the state's minimum requirements demand MFA for
// privileged access).
func DefaultMFARoles() []Role { return []Role{RoleAdmin, RoleCERT, RoleSOCAnalyst} }

// ParseRole returns the role named s, or an Invalid error on field.
func ParseRole(field, s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if _, ok := roleKinds[r]; !ok {
		names := make([]string, 0, len(roleKinds))
		for _, r := range Roles() {
			names = append(names, string(r))
		}
		return "", errs.Field(field, "unknown role %q; want one of %s", s, strings.Join(names, ", "))
	}
	return r, nil
}

// ParseRoles parses a comma-separated list of roles (for configuration).
func ParseRoles(field, s string) ([]Role, error) {
	var out []Role
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseRole(field, part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// AllowedIn reports whether role r may be held in an organisation of kind.
func (r Role) AllowedIn(kind string) bool { return slices.Contains(roleKinds[r], kind) }

// KindsFor returns the organisation kinds role r may be held in.
func (r Role) KindsFor() []string { return slices.Clone(roleKinds[r]) }
