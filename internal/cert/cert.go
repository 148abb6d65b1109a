// Package cert is the shared CERT: what each municipality and unit runs
// (assets, from the API, CSV files and CycloneDX SBOMs), advisories (CISA's
// Known Exploited Vulnerabilities catalogue and the CERT's own, in Danish)
// matched against every asset with proper version ranges (package
// cert/match), and the vulnerability each match gives an organisation,
// with its status and due date, tracked until it is patched or mitigated.
// Advisories carry a TLP 2.0 marking that the store enforces on every
// read. Every query is scoped, every change audited. It must not know the
// web layer.
package cert

import (
	"database/sql"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/store"
)

// Service keeps assets, advisories and vulnerabilities.
type Service struct {
	db *store.DB
	// Clock returns the time (tests set it).
	Clock func() time.Time
}

// New returns the CERT's service over db.
func New(db *store.DB) *Service { return &Service{db: db, Clock: time.Now} }

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// mayManageAssets says whether sc may register assets for org: the
// organisation's own CISO and municipal IT, the unit that supplies it
// (its managers and service desk), administrators and the CERT.
func mayManageAssets(sc access.Scope) bool {
	if sc.IsSystem() {
		return true
	}
	switch sc.Role {
	case access.RoleAdmin, access.RoleCERT, access.RoleCISO, access.RoleKommuneIT, access.RoleUnitManager, access.RoleServiceDesk:
		return true
	}
	return false
}

func utcPtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}
