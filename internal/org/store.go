package org

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Service reads and changes organisations.
type Service struct {
	db *store.DB
}

// NewService returns a Service over db.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// Filter narrows List. Zero values mean "any".
type Filter struct {
	Kind   Kind
	Region string
	Query  string // substring of name, slug or code
	Limit  int    // default 50, at most 500
	Offset int
}

const orgColumns = `o.id, o.kind, o.slug, COALESCE(o.code, ''), o.name, o.region, o.created_at, s.id, s.slug, s.name`

func scanOrg(row interface{ Scan(...any) error }) (Organization, error) {
	var o Organization
	var sid sql.NullInt64
	var sslug, sname sql.NullString
	err := row.Scan(&o.ID, &o.Kind, &o.Slug, &o.Code, &o.Name, &o.Region, &o.CreatedAt, &sid, &sslug, &sname)
	o.CreatedAt = o.CreatedAt.UTC()
	if sid.Valid {
		o.Supplier = &Ref{ID: sid.Int64, Slug: sslug.String, Name: sname.String}
	}
	return o, err
}

func mayRead(sc access.Scope) error {
	if sc.UserID == 0 && !sc.IsSystem() {
		return errs.E(errs.Unauthorized, "log in first")
	}
	return nil
}

// List returns organisations matching f ordered by kind then name, with the
// total count. The directory (names, codes, supply) is public to every
// logged-in user.
func (s *Service) List(ctx context.Context, sc access.Scope, f Filter) ([]Organization, int, error) {
	if err := mayRead(sc); err != nil {
		return nil, 0, err
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, 0, errs.Field("kind", "unknown kind %q; want unit, municipality, soc or secretariat", f.Kind)
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 0 || f.Limit > 500 {
		return nil, 0, errs.Field("limit", "must be between 1 and 500")
	}
	if f.Offset < 0 {
		return nil, 0, errs.Field("offset", "must not be negative")
	}
	var a store.Args
	where := []string{"TRUE"}
	if f.Kind != "" {
		where = append(where, "o.kind = "+a.Add(string(f.Kind)))
	}
	if f.Region != "" {
		where = append(where, "o.region = "+a.Add(f.Region))
	}
	if f.Query != "" {
		p := a.Add("%" + strings.ToLower(f.Query) + "%")
		where = append(where, "(LOWER(o.name) LIKE "+p+" OR o.slug LIKE "+p+" OR o.code LIKE "+p+")")
	}
	cond := strings.Join(where, " AND ")
	q := s.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations o WHERE `+cond, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count organisations")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+orgColumns+` FROM organizations o LEFT JOIN organizations s ON s.id = o.supplier_id
		WHERE `+cond+` ORDER BY CASE o.kind WHEN 'unit' THEN 1 WHEN 'municipality' THEN 2 WHEN 'soc' THEN 3 ELSE 4 END, o.name, o.id
		LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list organisations")
	}
	defer rows.Close()
	out := []Organization{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read organisation")
		}
		out = append(out, o)
	}
	return out, total, errs.Wrap(rows.Err(), "cannot list organisations")
}

// Get returns the organisation ref names, with its relations. ref is a
// municipality code (three digits, "101"), a numeric id (ids start at 1000,
// so they never look like a code), or a slug ("enhed-hovedstaden").
func (s *Service) Get(ctx context.Context, sc access.Scope, ref string) (Organization, error) {
	if err := mayRead(sc); err != nil {
		return Organization{}, err
	}
	return s.get(ctx, s.db.Reader(), ref)
}

func (s *Service) get(ctx context.Context, q store.Querier, ref string) (Organization, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 64 {
		return Organization{}, errs.Field("ref", "give a municipality code, a slug or an id")
	}
	sel := `SELECT ` + orgColumns + ` FROM organizations o LEFT JOIN organizations s ON s.id = o.supplier_id WHERE `
	var o Organization
	var err error
	if IsMunicipalityCode(ref) {
		o, err = scanOrg(q.QueryRowContext(ctx, sel+`o.code = $1`, ref))
	} else if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		o, err = scanOrg(q.QueryRowContext(ctx, sel+`o.id = $1`, id))
	} else {
		o, err = scanOrg(q.QueryRowContext(ctx, sel+`o.slug = $1`, strings.ToLower(ref)))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Organization{}, errs.E(errs.NotFound, "no organisation %q (give a municipality code such as 101, a slug or an id)", ref)
	}
	if err != nil {
		return Organization{}, errs.Wrap(err, "cannot load organisation %q", ref)
	}
	if err := s.loadRelations(ctx, q, &o); err != nil {
		return Organization{}, err
	}
	return o, nil
}

func (s *Service) loadRelations(ctx context.Context, q store.Querier, o *Organization) error {
	refs := func(query string, args ...any) ([]Ref, error) {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot load relations of %s", o.Slug)
		}
		defer rows.Close()
		var out []Ref
		for rows.Next() {
			var r Ref
			if err := rows.Scan(&r.ID, &r.Slug, &r.Code, &r.Name); err != nil {
				return nil, errs.Wrap(err, "cannot read relation")
			}
			out = append(out, r)
		}
		return out, errs.Wrap(rows.Err(), "cannot load relations")
	}
	var err error
	switch o.Kind {
	case KindUnit:
		if o.Owners, err = refs(`SELECT m.id, m.slug, COALESCE(m.code, ''), m.name FROM organization_owners w
			JOIN organizations m ON m.id = w.municipality_id WHERE w.unit_id = $1 ORDER BY m.name`, o.ID); err != nil {
			return err
		}
		o.Supplies, err = refs(`SELECT id, slug, COALESCE(code, ''), name FROM organizations WHERE supplier_id = $1 ORDER BY name`, o.ID)
	case KindMunicipality:
		o.OwnerOf, err = refs(`SELECT u.id, u.slug, COALESCE(u.code, ''), u.name FROM organization_owners w
			JOIN organizations u ON u.id = w.unit_id WHERE w.municipality_id = $1 ORDER BY u.name`, o.ID)
	}
	return err
}

// NewOrganization is what Create needs.
type NewOrganization struct {
	Kind   Kind
	Slug   string // derived from Name when empty
	Code   string // municipalities only: the three-digit municipality code
	Name   string
	Region string
}

// Create adds an organisation. The caller needs access.ManageOrganizations.
func (s *Service) Create(ctx context.Context, sc access.Scope, n NewOrganization) (Organization, error) {
	if !sc.Can(access.ManageOrganizations) {
		return Organization{}, errs.E(errs.Forbidden, "only an administrator may create organisations")
	}
	if !n.Kind.Valid() {
		return Organization{}, errs.Field("kind", "unknown kind %q; want unit, municipality, soc or secretariat", n.Kind)
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || len(n.Name) > 200 {
		return Organization{}, errs.Field("name", "give a name of 1–200 characters")
	}
	if n.Slug == "" {
		n.Slug = Slugify(n.Name)
	}
	if !slugRE.MatchString(n.Slug) {
		return Organization{}, errs.Field("slug", "slug %q must be 1–63 characters of a–z, 0–9 and '-'", n.Slug)
	}
	var code any
	switch {
	case n.Kind == KindMunicipality && !IsMunicipalityCode(n.Code):
		return Organization{}, errs.Field("code", "a municipality needs its three-digit municipality code, got %q", n.Code)
	case n.Kind != KindMunicipality && n.Code != "":
		return Organization{}, errs.Field("code", "only municipalities have a municipality code")
	case n.Kind == KindMunicipality:
		code = n.Code
	}
	var o Organization
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO organizations (kind, slug, code, name, region, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, string(n.Kind), n.Slug, code, n.Name, n.Region, store.Now()).Scan(&id)
		if store.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "an organisation with slug %q or code %q exists already", n.Slug, n.Code)
		}
		if err != nil {
			return errs.Wrap(err, "cannot create organisation %s", n.Slug)
		}
		if o, err = s.get(ctx, tx, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "org.create", TargetType: "organization",
			TargetID: strconv.FormatInt(id, 10), OrgID: id,
			After: map[string]any{"kind": n.Kind, "slug": n.Slug, "code": n.Code, "name": n.Name, "region": n.Region}})
	})
	return o, err
}

// SetSupplier makes unit the supplier of basic services to municipality
// (both given as refs; unit "" clears it).
func (s *Service) SetSupplier(ctx context.Context, sc access.Scope, municipality, unit string) error {
	if !sc.Can(access.ManageOrganizations) {
		return errs.E(errs.Forbidden, "only an administrator may change supply relations")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		m, err := s.get(ctx, tx, municipality)
		if err != nil {
			return err
		}
		if m.Kind != KindMunicipality {
			return errs.Field("municipality", "%s is a %s, not a municipality", m.Slug, m.Kind)
		}
		var before, after any
		if m.Supplier != nil {
			before = m.Supplier.Slug
		}
		var uid any
		if unit != "" {
			u, err := s.get(ctx, tx, unit)
			if err != nil {
				return err
			}
			if u.Kind != KindUnit {
				return errs.Field("unit", "%s is a %s, not a unit", u.Slug, u.Kind)
			}
			uid, after = u.ID, u.Slug
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET supplier_id = $1 WHERE id = $2`, uid, m.ID); err != nil {
			return errs.Wrap(err, "cannot set supplier of %s", m.Slug)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "org.supplier.set", TargetType: "organization",
			TargetID: strconv.FormatInt(m.ID, 10), OrgID: m.ID,
			Before: map[string]any{"supplier": before}, After: map[string]any{"supplier": after}})
	})
}

// SetOwners replaces the set of municipalities that own unit; they are
// given by municipality code.
func (s *Service) SetOwners(ctx context.Context, sc access.Scope, unit string, municipalities []string) error {
	if !sc.Can(access.ManageOrganizations) {
		return errs.E(errs.Forbidden, "only an administrator may change ownership")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		u, err := s.get(ctx, tx, unit)
		if err != nil {
			return err
		}
		if u.Kind != KindUnit {
			return errs.Field("unit", "%s is a %s, not a unit", u.Slug, u.Kind)
		}
		before := make([]string, 0, len(u.Owners))
		for _, o := range u.Owners {
			before = append(before, o.Code)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM organization_owners WHERE unit_id = $1`, u.ID); err != nil {
			return errs.Wrap(err, "cannot change owners of %s", u.Slug)
		}
		after := make([]string, 0, len(municipalities))
		for i, ref := range municipalities {
			if !IsMunicipalityCode(ref) {
				return errs.Field("owners["+strconv.Itoa(i)+"]", "%q is not a municipality code (three digits, e.g. 101)", ref)
			}
			m, err := s.get(ctx, tx, ref)
			if err != nil {
				return errs.InField("owners["+strconv.Itoa(i)+"]", err)
			}
			if m.Kind != KindMunicipality {
				return errs.Field("owners["+strconv.Itoa(i)+"]", "%s is a %s, not a municipality", m.Slug, m.Kind)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO organization_owners (unit_id, municipality_id) VALUES ($1, $2)`, u.ID, m.ID); err != nil {
				if store.IsUniqueViolation(err) {
					return errs.Field("owners["+strconv.Itoa(i)+"]", "%s is listed twice", m.Code)
				}
				return errs.Wrap(err, "cannot add owner %s", m.Slug)
			}
			after = append(after, m.Code)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "org.owners.set", TargetType: "organization",
			TargetID: strconv.FormatInt(u.ID, 10), OrgID: u.ID,
			Before: map[string]any{"owners": before}, After: map[string]any{"owners": after}})
	})
}

// SupplierOf returns the unit that supplies municipality, read through q
// (inside the caller's transaction where it has one). It fails Invalid on
// field "municipality" when the organisation is not a municipality, and
// Conflict when the municipality has no supplying unit yet.
func SupplierOf(ctx context.Context, q store.Querier, municipality int64) (int64, error) {
	var kind string
	var supplier sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT kind, supplier_id FROM organizations WHERE id = $1`, municipality).Scan(&kind, &supplier)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != string(KindMunicipality)) {
		return 0, errs.Field("municipality", "organisation %d is not a municipality", municipality)
	}
	if err != nil {
		return 0, errs.Wrap(err, "cannot look up municipality %d", municipality)
	}
	if !supplier.Valid {
		return 0, errs.E(errs.Conflict, "municipality %d has no supplying unit yet; ask the secretariat to register one", municipality)
	}
	return supplier.Int64, nil
}

// InSecurityReach resolves ref (a municipality code, slug or id) among
// the organisations whose security data sc reaches, read through q (a
// caller's transaction or a reader). One out of reach answers as an
// unknown one does: an Invalid error on field "org".
func InSecurityReach(ctx context.Context, q store.Querier, sc access.Scope, ref string) (int64, error) {
	return resolveIn(ctx, q, ref, func(a *store.Args) string { return sc.SecurityPredicate("o.id", a) })
}

// InReach is InSecurityReach for data that follows an organisation's
// ordinary reach (sc.OrgPredicate: its own, a unit's municipalities,
// everything for governance and administrators), such as compliance
// assessments.
func InReach(ctx context.Context, q store.Querier, sc access.Scope, ref string) (int64, error) {
	return resolveIn(ctx, q, ref, func(a *store.Args) string { return sc.OrgPredicate("o.id", a) })
}

func resolveIn(ctx context.Context, q store.Querier, ref string, reach func(a *store.Args) string) (int64, error) {
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
	qs += `) AND ` + reach(&a) + ` ORDER BY (o.code = ` + p + `) DESC LIMIT 1`
	var id int64
	err := q.QueryRowContext(ctx, qs, a.Values()...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.Field("org", "no organisation %q within your reach", ref)
	}
	return id, errs.Wrap(err, "cannot look up organisation %q", ref)
}
