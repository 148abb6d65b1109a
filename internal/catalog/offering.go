package catalog

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/store"
)

// Delivery says how a unit produces an offered service (principle 4: its
// own choice, within the common levels).
type Delivery string

// The delivery models.
const (
	InHouse     Delivery = "in-house"
	SubSupplier Delivery = "sub-supplier"
)

// Offering statuses, as of a day.
const (
	StatusPlanned   = "planned"
	StatusActive    = "active"
	StatusWithdrawn = "withdrawn"
)

var copenhagen = locale.Copenhagen

// Today returns the current calendar day in Denmark as YYYY-MM-DD.
func Today() string { return time.Now().In(copenhagen).Format(time.DateOnly) }

// ParseDay checks a YYYY-MM-DD day.
func ParseDay(field, s string) (string, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return "", errs.Field(field, "want a date YYYY-MM-DD, got %q", s)
	}
	return t.Format(time.DateOnly), nil
}

// Offering is one unit's offer of one service level.
type Offering struct {
	ID             int64     `json:"id"`
	UnitID         int64     `json:"unit_id"`
	UnitSlug       string    `json:"unit_slug"`
	UnitName       string    `json:"unit_name"`
	CatalogVersion string    `json:"catalog_version"`
	ServiceID      string    `json:"service"`
	LevelID        string    `json:"level"`
	ValidFrom      string    `json:"valid_from"`
	WithdrawnFrom  string    `json:"withdrawn_from,omitempty"`
	PriceOre       int64     `json:"-"`
	Price          float64   `json:"price_dkk"` // per unit of measure per month
	Delivery       Delivery  `json:"delivery"`
	SubSupplier    string    `json:"sub_supplier,omitempty"`
	AttestedBy     string    `json:"attested_by"`
	AttestedAt     time.Time `json:"attested_at"`
	Status         string    `json:"status"`
}

// StatusOn returns the offering's status on day (YYYY-MM-DD).
func (o Offering) StatusOn(day string) string {
	switch {
	case o.WithdrawnFrom != "" && o.WithdrawnFrom <= day:
		return StatusWithdrawn
	case o.ValidFrom > day:
		return StatusPlanned
	}
	return StatusActive
}

// NewOffering is what Offer needs.
type NewOffering struct {
	UnitID      int64
	Service     string
	Level       string
	ValidFrom   string // YYYY-MM-DD
	PriceDKK    float64
	Delivery    Delivery
	SubSupplier string
	// Attest: the unit attests the catalog's architecture principles and
	// coordination requirements for this offering.
	Attest bool
}

const offeringColumns = `f.id, f.unit_id, u.slug, u.name, f.catalog_version, f.service_id, f.level_id, f.valid_from,
	COALESCE(f.withdrawn_from, ''), f.price_ore, f.delivery, f.sub_supplier, f.attested_by, f.attested_at`

func scanOffering(row interface{ Scan(...any) error }, today string) (Offering, error) {
	var o Offering
	err := row.Scan(&o.ID, &o.UnitID, &o.UnitSlug, &o.UnitName, &o.CatalogVersion, &o.ServiceID, &o.LevelID, &o.ValidFrom,
		&o.WithdrawnFrom, &o.PriceOre, &o.Delivery, &o.SubSupplier, &o.AttestedBy, &o.AttestedAt)
	o.AttestedAt = o.AttestedAt.UTC()
	o.Price = float64(o.PriceOre) / 100
	o.Status = o.StatusOn(today)
	return o, err
}

// MayManage reports whether sc may declare and withdraw unit unitID's
// offerings (nil) or not (a Forbidden error): the check Offer and Withdraw
// make, for pages that show what only a manager of the unit may see.
func MayManage(sc access.Scope, unitID int64) error { return mayManageUnit(sc, unitID) }

// mayManageUnit checks sc may manage unit's offerings: a unit manager its
// own unit, an administrator any.
func mayManageUnit(sc access.Scope, unitID int64) error {
	if !sc.Can(access.ManageOfferings) {
		return errs.E(errs.Forbidden, "only a unit manager (for its own unit) or an administrator may change offerings")
	}
	if sc.Role == access.RoleUnitManager && sc.OrgID != unitID {
		return errs.E(errs.Forbidden, "a unit manager may change only its own unit's offerings")
	}
	return nil
}

// Offer records that a unit offers a service level of the current catalog.
// The unit must attest the principles and requirements; a sub-supplier must
// be named; one service level has at most one offering that is not
// withdrawn.
func (s *Store) Offer(ctx context.Context, sc access.Scope, n NewOffering) (Offering, error) {
	if err := mayManageUnit(sc, n.UnitID); err != nil {
		return Offering{}, err
	}
	c, info, err := s.Get(ctx, sc, "current")
	if err != nil {
		return Offering{}, err
	}
	svc, ok := c.Service(n.Service)
	if !ok {
		return Offering{}, errs.Field("service", "catalog %s has no service %q", info.Version, n.Service)
	}
	if _, ok := svc.Level(n.Level); !ok {
		return Offering{}, errs.Field("level", "service %s has no level %q in catalog %s", n.Service, n.Level, info.Version)
	}
	from, err := ParseDay("valid_from", n.ValidFrom)
	if err != nil {
		return Offering{}, err
	}
	if n.PriceDKK < 0 || n.PriceDKK > 10_000_000 || math.IsNaN(n.PriceDKK) {
		return Offering{}, errs.Field("price_dkk", "price must be between 0 and 10,000,000 DKK per %s per month", svc.Unit.Da)
	}
	switch n.Delivery {
	case InHouse:
		n.SubSupplier = ""
	case SubSupplier:
		n.SubSupplier = strings.TrimSpace(n.SubSupplier)
		if n.SubSupplier == "" || len(n.SubSupplier) > 200 {
			return Offering{}, errs.Field("sub_supplier", "name the sub-supplier (1–200 characters)")
		}
	default:
		return Offering{}, errs.Field("delivery", "delivery must be in-house or sub-supplier, got %q", n.Delivery)
	}
	if !n.Attest {
		return Offering{}, errs.Field("attest", "the unit must attest the catalog's architecture principles and coordination requirements for this offering")
	}
	var o Offering
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, n.UnitID).Scan(&kind); errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "unit") {
			return errs.Field("unit", "organisation %d is not a unit", n.UnitID)
		} else if err != nil {
			return errs.Wrap(err, "cannot look up unit %d", n.UnitID)
		}
		var existing int64
		var since string
		err := tx.QueryRowContext(ctx, `SELECT id, valid_from FROM offerings WHERE unit_id = $1 AND service_id = $2 AND level_id = $3
			AND (withdrawn_from IS NULL OR withdrawn_from > $4)`, n.UnitID, n.Service, n.Level, Today()).Scan(&existing, &since)
		if err == nil {
			return errs.E(errs.Conflict, "the unit already offers %s/%s (offering %d, from %s); withdraw that first", n.Service, n.Level, existing, since)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return errs.Wrap(err, "cannot check existing offerings")
		}
		ore := int64(math.Round(n.PriceDKK * 100))
		var id int64
		now := s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO offerings (unit_id, catalog_version, service_id, level_id, valid_from, price_ore,
			delivery, sub_supplier, attested_by, attested_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			n.UnitID, info.Version, n.Service, n.Level, from, ore, string(n.Delivery), n.SubSupplier, sc.Actor().Name, now).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot store offering")
		}
		if o, err = s.offering(ctx, tx, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "offering.create", TargetType: "offering",
			TargetID: strconv.FormatInt(id, 10), OrgID: n.UnitID,
			After: map[string]any{"service": n.Service, "level": n.Level, "catalog": info.Version, "valid_from": from,
				"price_dkk": o.Price, "delivery": n.Delivery, "sub_supplier": n.SubSupplier, "attested": true}})
	})
	return o, err
}

func (s *Store) offering(ctx context.Context, q store.Querier, id int64) (Offering, error) {
	o, err := scanOffering(q.QueryRowContext(ctx, `SELECT `+offeringColumns+` FROM offerings f JOIN organizations u ON u.id = f.unit_id
		WHERE f.id = $1`, id), Today())
	if errors.Is(err, sql.ErrNoRows) {
		return Offering{}, errs.E(errs.NotFound, "no offering %d", id)
	}
	return o, errs.Wrap(err, "cannot load offering %d", id)
}

// Offering returns offering id. Offerings are visible to every signed-in
// user: municipalities order from them and own the units.
func (s *Store) Offering(ctx context.Context, sc access.Scope, id int64) (Offering, error) {
	if err := mayRead(sc); err != nil {
		return Offering{}, err
	}
	return s.offering(ctx, s.db.Reader(), id)
}

// OfferingFilter narrows Offerings. Zero values mean "any".
type OfferingFilter struct {
	UnitID  int64
	Service string
	Status  string // planned, active, withdrawn (as of today)
}

// Offerings lists offerings by unit, service and level.
func (s *Store) Offerings(ctx context.Context, sc access.Scope, f OfferingFilter) ([]Offering, error) {
	if err := mayRead(sc); err != nil {
		return nil, err
	}
	switch f.Status {
	case "", StatusPlanned, StatusActive, StatusWithdrawn:
	default:
		return nil, errs.Field("status", "status must be planned, active or withdrawn, got %q", f.Status)
	}
	var a store.Args
	where := []string{"TRUE"}
	if f.UnitID != 0 {
		where = append(where, "f.unit_id = "+a.Add(f.UnitID))
	}
	if f.Service != "" {
		where = append(where, "f.service_id = "+a.Add(f.Service))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+offeringColumns+` FROM offerings f JOIN organizations u ON u.id = f.unit_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY u.name, f.service_id, f.level_id, f.id LIMIT 5000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list offerings")
	}
	defer rows.Close()
	today := Today()
	out := []Offering{}
	for rows.Next() {
		o, err := scanOffering(rows, today)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read offering")
		}
		if f.Status == "" || o.Status == f.Status {
			out = append(out, o)
		}
	}
	return out, errs.Wrap(rows.Err(), "cannot list offerings")
}

// Withdraw ends offering id from day (YYYY-MM-DD; "" for today). Existing
// subscriptions are not touched: they run until terminated.
func (s *Store) Withdraw(ctx context.Context, sc access.Scope, id int64, day string) (Offering, error) {
	if day == "" {
		day = Today()
	}
	day, err := ParseDay("withdrawn_from", day)
	if err != nil {
		return Offering{}, err
	}
	var o Offering
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		before, err := s.offering(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayManageUnit(sc, before.UnitID); err != nil {
			return err
		}
		if before.WithdrawnFrom != "" && before.WithdrawnFrom <= Today() {
			return errs.E(errs.Conflict, "offering %d was withdrawn from %s already", id, before.WithdrawnFrom)
		}
		if day < before.ValidFrom {
			return errs.Field("withdrawn_from", "offering %d starts %s; withdraw from that day or later", id, before.ValidFrom)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE offerings SET withdrawn_from = $1 WHERE id = $2`, day, id); err != nil {
			return errs.Wrap(err, "cannot withdraw offering %d", id)
		}
		if o, err = s.offering(ctx, tx, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "offering.withdraw", TargetType: "offering",
			TargetID: strconv.FormatInt(id, 10), OrgID: before.UnitID,
			Before: map[string]any{"withdrawn_from": before.WithdrawnFrom}, After: map[string]any{"withdrawn_from": day}})
	})
	return o, err
}

// ActiveOffering returns the unit's offering of service/level that is
// active on day, or a Conflict error saying why it cannot be ordered.
func (s *Store) ActiveOffering(ctx context.Context, q store.Querier, unitID int64, service, level, day string) (Offering, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+offeringColumns+` FROM offerings f JOIN organizations u ON u.id = f.unit_id
		WHERE f.unit_id = $1 AND f.service_id = $2 AND f.level_id = $3 ORDER BY f.id DESC`, unitID, service, level)
	if err != nil {
		return Offering{}, errs.Wrap(err, "cannot look up offerings")
	}
	defer rows.Close()
	var planned string
	for rows.Next() {
		o, err := scanOffering(rows, day)
		if err != nil {
			return Offering{}, errs.Wrap(err, "cannot read offering")
		}
		switch o.Status {
		case StatusActive:
			return o, nil
		case StatusPlanned:
			planned = o.ValidFrom
		}
	}
	if planned != "" {
		return Offering{}, errs.E(errs.Conflict, "your unit offers %s/%s only from %s; order it from then", service, level, planned)
	}
	return Offering{}, errs.E(errs.Conflict, "your unit does not offer %s at level %s", service, level)
}
