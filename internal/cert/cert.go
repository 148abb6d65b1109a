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
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
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

func checkText(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsAny(s, "\x00"):
		return "", errs.Field(field, "is not valid text")
	case n < min && min == 1:
		return "", errs.Field(field, "must not be empty")
	case n < min:
		return "", errs.Field(field, "needs at least %d characters", min)
	case n > max:
		return "", errs.Field(field, "has at most %d characters (got %d)", max, n)
	}
	return s, nil
}

func oneOf(field, v string, set []string) error {
	if !slices.Contains(set, v) {
		return errs.Field(field, "unknown value %q; want one of %s", v, strings.Join(set, ", "))
	}
	return nil
}

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

// resolveOrg finds the organisation ref names among those sc may manage
// assets for (out of reach answers like unknown).
func resolveOrg(ctx context.Context, q store.Querier, sc access.Scope, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return 0, errs.Field("org", "name the organisation (its code, slug or id)")
	}
	var a store.Args
	p := a.Add(ref)
	qs := `SELECT o.id FROM organizations o WHERE (o.code = ` + p + ` OR o.slug = ` + p
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		qs += ` OR o.id = ` + a.Add(id)
	}
	qs += `) AND ` + sc.SecurityPredicate("o.id", &a) + ` ORDER BY (o.code = ` + p + `) DESC LIMIT 1`
	var id int64
	err := q.QueryRowContext(ctx, qs, a.Values()...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.Field("org", "no organisation %q within your reach", ref)
	}
	return id, errs.Wrap(err, "cannot look up organisation %q", ref)
}

func utcPtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}
