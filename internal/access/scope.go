package access

import (
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/store"
)

// Reach is how far a caller sees organisations' private data.
type Reach int

// The reaches. The zero value sees nothing.
const (
	ReachNone     Reach = iota
	ReachOwn            // its own organisation only (municipalities, the SOC, the secretariat)
	ReachSupplied       // its unit and the municipalities the unit supplies
	ReachAll            // everything (admin, governance, the system itself)
)

// Scope says who is asking and what they may see. It is derived from the
// authenticated caller once per request and passed to every store query,
// which filters by it; a zero Scope sees nothing and may do nothing.
type Scope struct {
	UserID     int64
	Username   string
	OrgID      int64
	OrgKind    string
	Role       Role
	Reach      Reach
	RemoteAddr string
	// MFA says the caller has passed a second factor (or authenticated with
	// an API token, which is a credential of its own).
	MFA    bool
	system string // non-empty for the system itself (CLI, demo loader)
}

// System returns the all-seeing scope of the platform acting on its own
// behalf, e.g. "cli" for an operator's command line or "demo" for the demo
// loader. Its actions are audited under that name.
func System(actor string) Scope {
	return Scope{Username: actor, Reach: ReachAll, MFA: true, system: actor}
}

// IsSystem reports whether the scope is the platform itself.
func (s Scope) IsSystem() bool { return s.system != "" }

// reachFor computes the reach of role held in an organisation of kind.
func reachFor(role Role, kind string) Reach {
	switch {
	case role == RoleAdmin || role == RoleGovernance:
		return ReachAll
	case kind == kindUnit:
		return ReachSupplied
	case kind == kindMunicipality || kind == kindSOC || kind == kindSecretariat:
		return ReachOwn
	}
	return ReachNone
}

// OrgPredicate returns an SQL boolean expression that is true where column
// col (an organisation id) is within the scope's reach, adding its arguments
// to a. It is what keeps one municipality's data from another's: every store
// query over organisation-owned rows ANDs it in.
func (s Scope) OrgPredicate(col string, a *store.Args) string {
	switch s.Reach {
	case ReachAll:
		return "TRUE"
	case ReachOwn:
		return col + " = " + a.Add(s.OrgID)
	case ReachSupplied:
		p := a.Add(s.OrgID)
		return "(" + col + " = " + p + " OR " + col + " IN (SELECT id FROM organizations WHERE supplier_id = " + p + "))"
	}
	return "FALSE"
}

// SecurityPredicate is OrgPredicate for security data (log events, alerts,
// vulnerabilities): the shared SOC and CERT see every tenant, and the
// quarantine (tenant 0, events from unregistered senders); everyone else
// sees what OrgPredicate allows.
func (s Scope) SecurityPredicate(col string, a *store.Args) string {
	if s.SeesAllSecurity() {
		return "TRUE"
	}
	return s.OrgPredicate(col, a)
}

// SeesAllSecurity reports whether the caller sees every tenant's security
// data and the quarantine: the platform itself, admins and governance, and
// the shared SOC's analysts and CERT.
func (s Scope) SeesAllSecurity() bool {
	return s.IsSystem() || s.Reach == ReachAll || (s.OrgKind == kindSOC && (s.Role == RoleSOCAnalyst || s.Role == RoleCERT))
}

// Permission is something a caller may be allowed to do.
type Permission string

// The permissions known so far.
const (
	ManageUsers Permission = "users.manage" // create users, change roles, disable
	ReadUsers   Permission = "users.read"
	ReadAudit   Permission = "audit.read"
	// ManageOrganizations: create organisations, change ownership and supply.
	ManageOrganizations Permission = "orgs.manage"
	// PublishCatalog: publish a new version of the common catalog.
	PublishCatalog Permission = "catalog.publish"
	// ManageOfferings: declare and withdraw the offerings of one's own unit.
	ManageOfferings Permission = "offerings.manage"
	// Order: order services for one's own municipality and follow them up.
	Order Permission = "orders.create"
	// DecideOrders: accept, reject and deliver orders placed with one's unit.
	DecideOrders Permission = "orders.decide"
	// PlanTransition: edit one's own municipality's transition plan.
	PlanTransition Permission = "transition.edit"
	// ManageDetection: import detection rules and enable, disable or
	// re-level them for every organisation (the shared SOC and CERT).
	ManageDetection Permission = "detection.manage"
	// TuneDetection: enable, disable or re-level rules for one's own
	// organisation (its CISO).
	TuneDetection Permission = "detection.tune"
	// TriageAlerts: acknowledge, assign, comment on and close the alerts
	// within one's security reach (SOC analysts, the CERT, CISOs).
	TriageAlerts Permission = "alerts.triage"
	// ReadCases: read the security incident cases within one's security
	// reach (security roles, the unit's managers, the municipality's IT
	// lead and governance; not the 1st-line SPOC or the service desk).
	ReadCases Permission = "cases.read"
	// WorkCases: open, edit, link, merge and close cases and mark them
	// reportable under NIS2/GDPR (SOC analysts, the CERT, CISOs).
	WorkCases Permission = "cases.work"
	// ManageOnCall: edit the on-call teams, rotations, overrides and
	// escalation policies of teams within one's reach (administrators,
	// the SOC's analysts and CERT, units' managers and SOC analysts).
	ManageOnCall Permission = "oncall.manage"
)

// Can reports whether the scope holds permission p. Store methods check it
// before acting; the web layer asks it only to hide what cannot be used.
func (s Scope) Can(p Permission) bool {
	if s.IsSystem() {
		return true
	}
	if s.UserID == 0 {
		return false
	}
	switch p {
	case ManageUsers, ManageOrganizations:
		return s.Role == RoleAdmin
	case ReadUsers:
		return true
	case ReadAudit:
		return s.Role == RoleAdmin || s.Role == RoleGovernance || s.Role == RoleCISO
	case PublishCatalog:
		return s.Role == RoleAdmin
	case ManageOfferings:
		return s.Role == RoleAdmin || (s.Role == RoleUnitManager && s.OrgKind == kindUnit)
	case Order, PlanTransition:
		return s.Role == RoleAdmin || (s.Role == RoleKommuneIT && s.OrgKind == kindMunicipality)
	case ManageDetection:
		return s.Role == RoleAdmin || (s.OrgKind == kindSOC && (s.Role == RoleSOCAnalyst || s.Role == RoleCERT))
	case TuneDetection:
		return s.Role == RoleAdmin || s.Role == RoleCISO || (s.OrgKind == kindSOC && (s.Role == RoleSOCAnalyst || s.Role == RoleCERT))
	case TriageAlerts, WorkCases:
		return s.Role == RoleAdmin || s.Role == RoleSOCAnalyst || s.Role == RoleCERT || s.Role == RoleCISO
	case ReadCases:
		return s.Role == RoleAdmin || s.Role == RoleSOCAnalyst || s.Role == RoleCERT || s.Role == RoleCISO ||
			s.Role == RoleGovernance || s.Role == RoleUnitManager || s.Role == RoleKommuneIT
	case ManageOnCall:
		return s.Role == RoleAdmin || s.Role == RoleSOCAnalyst || s.Role == RoleCERT || (s.Role == RoleUnitManager && s.OrgKind == kindUnit)
	case DecideOrders:
		return s.Role == RoleAdmin || ((s.Role == RoleUnitManager || s.Role == RoleServiceDesk) && s.OrgKind == kindUnit)
	}
	return false
}

// MayReadAudit implements audit.Viewer.
func (s Scope) MayReadAudit() bool { return s.Can(ReadAudit) }

// Actor returns who is acting, for audit records.
func (s Scope) Actor() audit.Actor {
	name := s.Username
	if s.IsSystem() {
		name = "system:" + s.system
	}
	return audit.Actor{UserID: s.UserID, Name: name, OrgID: s.OrgID, RemoteAddr: s.RemoteAddr}
}
