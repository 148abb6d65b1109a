// Package network is the register of network cooperation between the
// municipalities and their units: sites (addresses in a municipality,
// where on-site work happens) and the connections between them (type,
// bandwidth, provider, the unit responsible). Changes name what they
// touch from here, and the affected municipalities follow. It must not
// know tickets or the web layer.
package network

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// Site is a place in a municipality.
type Site struct {
	ID               int64  `json:"id"`
	MunicipalityID   int64  `json:"municipality_id"`
	MunicipalityName string `json:"municipality_name"`
	Name             string `json:"name"`
	Address          string `json:"address"`
}

// Kinds of connection.
var Kinds = []string{"fiber", "mpls", "sd-wan", "radio", "internet", "vpn", "other"}

// Connection is a network connection from one site to another (or to
// the outside world when SiteB is 0).
type Connection struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	BandwidthMbps int    `json:"bandwidth_mbps"`
	Provider      string `json:"provider,omitempty"`
	UnitID        int64  `json:"unit_id"`
	UnitName      string `json:"unit_name"`
	SiteA         int64  `json:"site_a"`
	SiteAName     string `json:"site_a_name"`
	SiteB         int64  `json:"site_b,omitempty"`
	SiteBName     string `json:"site_b_name,omitempty"`
}

// Register keeps sites and connections.
type Register struct{ db *store.DB }

// New returns the register over db.
func New(db *store.DB) *Register { return &Register{db: db} }

func mayEditSites(sc access.Scope, municipality int64, supplier int64) bool {
	switch {
	case sc.IsSystem() || sc.Role == access.RoleAdmin:
		return true
	case sc.OrgID == municipality:
		return sc.Role == access.RoleSPOC || sc.Role == access.RoleKommuneIT
	case sc.OrgID == supplier:
		return sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager
	}
	return false
}

func text(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	if len([]rune(s)) < min {
		return "", errs.Field(field, "must have at least %d characters", min)
	}
	if len(s) > max {
		return "", errs.Field(field, "must have at most %d characters", max)
	}
	return s, nil
}

// AddSite registers a site of municipality (its SPOC or municipal IT, or
// its supplying unit's service desk).
func (r *Register) AddSite(ctx context.Context, sc access.Scope, municipality int64, name, address string) (Site, error) {
	var err error
	if name, err = text("name", name, 2, 200); err != nil {
		return Site{}, err
	}
	if address, err = text("address", address, 3, 500); err != nil {
		return Site{}, err
	}
	if municipality == 0 {
		municipality = sc.OrgID
	}
	var s Site
	err = r.db.Write(ctx, func(tx *sql.Tx) error {
		supplier, err := org.SupplierOf(ctx, tx, municipality)
		if errs.CodeOf(err) == errs.Conflict { // no supplier yet: the municipality registers its own
			supplier, err = 0, nil
		}
		if err != nil {
			return err
		}
		if !mayEditSites(sc, municipality, supplier) {
			return errs.E(errs.Forbidden, "only the municipality's SPOC or IT, or its supplying unit, register its sites")
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO sites (municipality_id, name, address, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			municipality, name, address, store.Now()).Scan(&s.ID)
		if store.IsUniqueViolation(err) {
			return errs.Field("name", "the municipality has a site named %q already", name)
		}
		if err != nil {
			return errs.Wrap(err, "cannot store site")
		}
		s.MunicipalityID, s.Name, s.Address = municipality, name, address
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "site.create", TargetType: "site", TargetID: strconv.FormatInt(s.ID, 10),
			OrgID: municipality, After: map[string]any{"name": name, "address": address}})
	})
	return s, err
}

// Sites returns the sites of the municipalities sc reaches (a unit: those
// it supplies), optionally of one municipality.
func (r *Register) Sites(ctx context.Context, sc access.Scope, municipality int64) ([]Site, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	var a store.Args
	where := sc.OrgPredicate("s.municipality_id", &a)
	if municipality != 0 {
		where += " AND s.municipality_id = " + a.Add(municipality)
	}
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT s.id, s.municipality_id, m.name, s.name, s.address FROM sites s
		JOIN organizations m ON m.id = s.municipality_id WHERE `+where+` ORDER BY m.name, s.name LIMIT 5000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list sites")
	}
	defer rows.Close()
	out := []Site{}
	for rows.Next() {
		var s Site
		if err := rows.Scan(&s.ID, &s.MunicipalityID, &s.MunicipalityName, &s.Name, &s.Address); err != nil {
			return nil, errs.Wrap(err, "cannot read site")
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "cannot list sites")
}

// NewConnection is what AddConnection needs.
type NewConnection struct {
	Name          string
	Kind          string
	BandwidthMbps int
	Provider      string
	Unit          int64 // 0: the caller's unit
	SiteA, SiteB  int64 // SiteB 0: to the outside world
}

// AddConnection registers a connection a unit is responsible for (its
// service desk or manager; administrators name the unit).
func (r *Register) AddConnection(ctx context.Context, sc access.Scope, n NewConnection) (Connection, error) {
	var err error
	if n.Name, err = text("name", n.Name, 2, 200); err != nil {
		return Connection{}, err
	}
	if n.Provider, err = text("provider", n.Provider, 0, 200); err != nil {
		return Connection{}, err
	}
	if !slices.Contains(Kinds, n.Kind) {
		return Connection{}, errs.Field("kind", "want one of %s, got %q", strings.Join(Kinds, ", "), n.Kind)
	}
	if n.BandwidthMbps <= 0 || n.BandwidthMbps > 1_000_000 {
		return Connection{}, errs.Field("bandwidth_mbps", "want 1–1000000 Mbit/s, got %d", n.BandwidthMbps)
	}
	if n.SiteA == 0 || n.SiteA == n.SiteB {
		return Connection{}, errs.Field("site_a", "name the site at each end (two different sites, or site_a alone for an internet line)")
	}
	privileged := sc.IsSystem() || sc.Role == access.RoleAdmin
	if n.Unit == 0 {
		n.Unit = sc.OrgID
	}
	if !privileged && (sc.OrgKind != "unit" || n.Unit != sc.OrgID || (sc.Role != access.RoleServiceDesk && sc.Role != access.RoleUnitManager)) {
		return Connection{}, errs.E(errs.Forbidden, "a unit's service desk or manager registers the connections the unit is responsible for")
	}
	var c Connection
	err = r.db.Write(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, n.Unit).Scan(&kind); err != nil || kind != "unit" {
			return errs.Field("unit", "organisation %d is not a unit", n.Unit)
		}
		// A unit connects the sites of the municipalities it supplies;
		// any other site answers as unknown (administrators may name any).
		for i, s := range []int64{n.SiteA, n.SiteB} {
			if s == 0 {
				continue
			}
			var a store.Args
			q := `SELECT COUNT(*) FROM sites WHERE id = ` + a.Add(s)
			if !privileged {
				q += ` AND ` + sc.OrgPredicate("municipality_id", &a)
			}
			var x int
			if err := tx.QueryRowContext(ctx, q, a.Values()...).Scan(&x); err != nil || x == 0 {
				return errs.Field([]string{"site_a", "site_b"}[i], "no site %d", s)
			}
		}
		var b any
		if n.SiteB != 0 {
			b = n.SiteB
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO network_connections (name, kind, bandwidth_mbps, provider, unit_id, site_a, site_b, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, n.Name, n.Kind, n.BandwidthMbps, n.Provider, n.Unit, n.SiteA, b, store.Now()).Scan(&c.ID); err != nil {
			return errs.Wrap(err, "cannot store connection")
		}
		c = Connection{ID: c.ID, Name: n.Name, Kind: n.Kind, BandwidthMbps: n.BandwidthMbps, Provider: n.Provider, UnitID: n.Unit, SiteA: n.SiteA, SiteB: n.SiteB}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "connection.create", TargetType: "connection", TargetID: strconv.FormatInt(c.ID, 10),
			OrgID: n.Unit, After: c})
	})
	return c, err
}

// Connections returns the connections sc may see: a unit those it is
// responsible for or that reach its municipalities; a municipality those
// with an end at one of its sites; administrators all.
func (r *Register) Connections(ctx context.Context, sc access.Scope) ([]Connection, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	var a store.Args
	where := "(" + sc.OrgPredicate("c.unit_id", &a) + " OR " + sc.OrgPredicate("sa.municipality_id", &a) + " OR " +
		sc.OrgPredicate("sb.municipality_id", &a) + ")"
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT c.id, c.name, c.kind, c.bandwidth_mbps, c.provider, c.unit_id, u.name, c.site_a, sa.name,
		COALESCE(c.site_b, 0), COALESCE(sb.name, '') FROM network_connections c JOIN organizations u ON u.id = c.unit_id
		JOIN sites sa ON sa.id = c.site_a LEFT JOIN sites sb ON sb.id = c.site_b WHERE `+where+` ORDER BY c.name LIMIT 5000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list connections")
	}
	defer rows.Close()
	out := []Connection{}
	for rows.Next() {
		var c Connection
		if err := rows.Scan(&c.ID, &c.Name, &c.Kind, &c.BandwidthMbps, &c.Provider, &c.UnitID, &c.UnitName, &c.SiteA, &c.SiteAName,
			&c.SiteB, &c.SiteBName); err != nil {
			return nil, errs.Wrap(err, "cannot read connection")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "cannot list connections")
}

// Touched returns the municipalities that sites and connections are in
// (both ends of a connection), sorted. The sites must be in sc's reach and
// the connections ones sc's reach is responsible for; other ids, like
// unknown ones, fail Invalid naming them.
func Touched(ctx context.Context, q store.Querier, sc access.Scope, sites, conns []int64) (municipalities []int64, err error) {
	seen := map[int64]bool{}
	for _, s := range sites {
		var m int64
		var a store.Args
		if err := q.QueryRowContext(ctx, `SELECT municipality_id FROM sites WHERE id = `+a.Add(s)+` AND `+sc.OrgPredicate("municipality_id", &a),
			a.Values()...).Scan(&m); errors.Is(err, sql.ErrNoRows) {
			return nil, errs.Field("sites", "no site %d", s)
		} else if err != nil {
			return nil, errs.Wrap(err, "cannot look up site %d", s)
		}
		seen[m] = true
	}
	for _, c := range conns {
		var a store.Args
		rows, err := q.QueryContext(ctx, `SELECT s.municipality_id FROM network_connections c JOIN sites s ON s.id = c.site_a OR s.id = c.site_b
			WHERE c.id = `+a.Add(c)+` AND `+sc.OrgPredicate("c.unit_id", &a), a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot look up connection %d", c)
		}
		n := 0
		for rows.Next() {
			var m int64
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot read connection %d", c)
			}
			seen[m] = true
			n++
		}
		rows.Close()
		if n == 0 {
			return nil, errs.Field("connections", "no connection %d", c)
		}
	}
	for m := range seen {
		municipalities = append(municipalities, m)
	}
	slices.Sort(municipalities)
	return municipalities, nil
}

// Ends returns the sites at the ends of each connection in conns.
func Ends(ctx context.Context, q store.Querier, conns []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	for _, c := range conns {
		var a int64
		var b sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT site_a, site_b FROM network_connections WHERE id = $1`, c).Scan(&a, &b); err != nil {
			return nil, errs.Wrap(err, "cannot look up connection %d", c)
		}
		out[c] = []int64{a}
		if b.Valid {
			out[c] = append(out[c], b.Int64)
		}
	}
	return out, nil
}
