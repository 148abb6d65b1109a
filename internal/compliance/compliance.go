// Package compliance holds samdrift's compliance at one common level:
// frameworks as data (libraries in CISO Assistant's format, package
// compliance/library: NIS2, GDPR, ISO/IEC 27001:2022 Annex A and the
// state's technical minimum requirements ship built in, with mappings
// between them), each organisation's assessment per framework with
// answers reused across frameworks through the mappings, evidence (files
// and links with an expiry, and live checks whose results samdrift
// computes from the platform itself), and the register of common
// standards and procedures.
//
// Assessments follow an organisation's ordinary reach: a municipality
// its own, a unit its own and its municipalities', governance and
// administrators all. Every change is audited. It must not know the web
// layer, nor the domains its live checks read: those are plugged in as
// Checks.
package compliance

import (
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Service keeps frameworks, assessments, evidence and standards.
type Service struct {
	db     *store.DB
	checks []Check
	// Clock returns the time (tests set it).
	Clock func() time.Time
}

// New returns the compliance service over db.
func New(db *store.DB) *Service { return &Service{db: db, Clock: time.Now} }

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// mayManageLibraries: administrators and governance import libraries.
func mayManageLibraries(sc access.Scope) error {
	if sc.IsSystem() || sc.Role == access.RoleAdmin || sc.Role == access.RoleGovernance {
		return nil
	}
	return errs.E(errs.Forbidden, "frameworks are imported by governance or an administrator")
}

// mayAssess says whether sc may change an assessment of an organisation
// in its reach: the organisation's CISO, a unit's managers (its own and
// its municipalities'), governance and administrators.
func mayAssess(sc access.Scope) error {
	if sc.IsSystem() {
		return nil
	}
	switch sc.Role {
	case access.RoleCISO, access.RoleUnitManager, access.RoleGovernance, access.RoleAdmin:
		return nil
	}
	return errs.E(errs.Forbidden, "assessments are kept by the organisation's CISO, its unit's managers or governance")
}

// mayRead says whether sc may read assessments and evidence at all.
func mayRead(sc access.Scope) error {
	if sc.IsSystem() {
		return nil
	}
	switch sc.Role {
	case access.RoleCISO, access.RoleKommuneIT, access.RoleUnitManager, access.RoleGovernance, access.RoleAdmin, access.RoleCERT:
		return nil
	}
	return errs.E(errs.Forbidden, "your role does not read compliance assessments")
}
