// Package orders is how municipalities buy catalog services from their
// supplying unit: orders with a lifecycle (requested → accepted or rejected
// → in delivery → active → termination requested → terminated; cancelled
// before acceptance), every step audited and kept as a timeline; an active
// order is a subscription. It must not know the web layer.
package orders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// Status is where an order is in its lifecycle.
type Status string

// The statuses.
const (
	Requested            Status = "requested"
	Accepted             Status = "accepted"
	Rejected             Status = "rejected"
	Cancelled            Status = "cancelled"
	InDelivery           Status = "in_delivery"
	Active               Status = "active"
	TerminationRequested Status = "termination_requested"
	Terminated           Status = "terminated"
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{Requested, Accepted, Rejected, Cancelled, InDelivery, Active, TerminationRequested, Terminated}
}

// SubscriptionStatuses are the statuses of an order that is (or was) a
// subscription.
var SubscriptionStatuses = []Status{Active, TerminationRequested, Terminated}

// side says who takes a step: the ordering municipality or the unit.
type side int

const (
	municipalitySide side = iota
	unitSide
)

// steps is the lifecycle: from → to → who may take the step.
var steps = map[Status]map[Status]side{
	Requested:            {Accepted: unitSide, Rejected: unitSide, Cancelled: municipalitySide},
	Accepted:             {InDelivery: unitSide},
	InDelivery:           {Active: unitSide},
	Active:               {TerminationRequested: municipalitySide},
	TerminationRequested: {Terminated: unitSide},
}

// Next returns the statuses an order in s can move to.
func (s Status) Next() []Status {
	var out []Status
	for _, t := range Statuses() {
		if _, ok := steps[s][t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// Order is one order (a subscription once active).
type Order struct {
	ID               int64      `json:"id"`
	MunicipalityID   int64      `json:"municipality_id"`
	MunicipalityCode string     `json:"municipality_code"`
	MunicipalityName string     `json:"municipality_name"`
	UnitID           int64      `json:"unit_id"`
	UnitSlug         string     `json:"unit_slug"`
	UnitName         string     `json:"unit_name"`
	OfferingID       int64      `json:"offering_id"`
	CatalogVersion   string     `json:"catalog_version"`
	Service          string     `json:"service"`
	Level            string     `json:"level"`
	Quantity         int        `json:"quantity"`
	Requirements     string     `json:"requirements"`
	Status           Status     `json:"status"`
	Reason           string     `json:"reason,omitempty"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	ActivatedAt      *time.Time `json:"activated_at,omitempty"`
	TerminatedAt     *time.Time `json:"terminated_at,omitempty"`
	Events           []Event    `json:"events,omitempty"`
}

// Event is one step in an order's timeline.
type Event struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	From Status    `json:"from,omitempty"`
	To   Status    `json:"to"`
	Note string    `json:"note,omitempty"`
}

// Service places and moves orders.
type Service struct {
	db  *store.DB
	cat *catalog.Store
	// Clock gives the time steps are recorded at; the demo loader sets it
	// to build a history, everyone else leaves it alone.
	Clock func() time.Time
}

// NewService returns a Service over db that checks orders against cat.
func NewService(db *store.DB, cat *catalog.Store) *Service {
	return &Service{db: db, cat: cat, Clock: store.Now}
}

const orderColumns = `o.id, o.municipality_id, COALESCE(m.code, ''), m.name, o.unit_id, u.slug, u.name, o.offering_id, o.catalog_version,
	o.service_id, o.level_id, o.quantity, o.requirements, o.status, o.reason, o.created_by, o.created_at, o.updated_at,
	o.activated_at, o.terminated_at`

const orderFrom = ` FROM orders o JOIN organizations m ON m.id = o.municipality_id JOIN organizations u ON u.id = o.unit_id`

func scanOrder(row interface{ Scan(...any) error }) (Order, error) {
	var o Order
	var act, term sql.NullTime
	err := row.Scan(&o.ID, &o.MunicipalityID, &o.MunicipalityCode, &o.MunicipalityName, &o.UnitID, &o.UnitSlug, &o.UnitName,
		&o.OfferingID, &o.CatalogVersion, &o.Service, &o.Level, &o.Quantity, &o.Requirements, &o.Status, &o.Reason,
		&o.CreatedBy, &o.CreatedAt, &o.UpdatedAt, &act, &term)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if act.Valid {
		t := act.Time.UTC()
		o.ActivatedAt = &t
	}
	if term.Valid {
		t := term.Time.UTC()
		o.TerminatedAt = &t
	}
	return o, err
}

// visible is the predicate for orders sc may see: its municipality's (or
// supplied municipalities'), and those placed with its unit.
func visible(sc access.Scope, a *store.Args) string {
	return "(" + sc.OrgPredicate("o.municipality_id", a) + " OR " + sc.OrgPredicate("o.unit_id", a) + ")"
}

// NewOrder is what Place needs.
type NewOrder struct {
	Municipality int64 // 0: the caller's own
	Unit         int64 // 0: the municipality's supplier; otherwise must be it
	Service      string
	Level        string
	Quantity     int
	Requirements string
}

// Place orders a service level for a municipality from its supplying unit.
// Only kommune-it (for its own municipality) and administrators may order;
// only what the unit offers today can be ordered.
func (s *Service) Place(ctx context.Context, sc access.Scope, n NewOrder) (Order, error) {
	if !sc.Can(access.Order) {
		return Order{}, errs.E(errs.Forbidden, "only municipal IT (kommune-it) may order services for its municipality")
	}
	if n.Municipality == 0 {
		n.Municipality = sc.OrgID
	}
	if sc.Role != access.RoleAdmin && !sc.IsSystem() && n.Municipality != sc.OrgID {
		return Order{}, errs.E(errs.Forbidden, "you may order only for your own municipality")
	}
	if n.Quantity < 1 || n.Quantity > 100_000 {
		return Order{}, errs.Field("quantity", "quantity must be 1–100000, got %d", n.Quantity)
	}
	n.Requirements = strings.TrimSpace(n.Requirements)
	if len(n.Requirements) > 4000 {
		return Order{}, errs.Field("requirements", "at most 4000 characters")
	}
	if n.Service == "" {
		return Order{}, errs.Field("service", "give the catalog service to order")
	}
	if n.Level == "" {
		return Order{}, errs.Field("level", "give the service level to order")
	}
	var o Order
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		supplier, err := org.SupplierOf(ctx, tx, n.Municipality)
		if err != nil {
			return err
		}
		if n.Unit != 0 && n.Unit != supplier {
			return errs.E(errs.Forbidden, "your municipality buys basic services from its supplying unit (organisation %d) only", supplier)
		}
		off, err := s.cat.ActiveOffering(ctx, tx, supplier, n.Service, n.Level, catalog.Today())
		if err != nil {
			return err
		}
		now := s.Clock().UTC().Truncate(time.Microsecond)
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO orders (municipality_id, unit_id, offering_id, catalog_version, service_id, level_id,
			quantity, requirements, status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
			n.Municipality, supplier, off.ID, off.CatalogVersion, n.Service, n.Level, n.Quantity, n.Requirements, string(Requested),
			sc.Actor().Name, now).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot store order")
		}
		if err := addEvent(ctx, tx, id, now, sc.Actor().Name, "", Requested, n.Requirements); err != nil {
			return err
		}
		if o, err = s.get(ctx, tx, access.System("orders"), id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "order.create", TargetType: "order", TargetID: strconv.FormatInt(id, 10),
			OrgID: n.Municipality, After: map[string]any{"service": n.Service, "level": n.Level, "quantity": n.Quantity, "unit": o.UnitSlug, "offering": off.ID}})
	})
	return o, err
}

func addEvent(ctx context.Context, tx *sql.Tx, id int64, at time.Time, actor string, from, to Status, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO order_events (order_id, at, actor, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, at, actor, string(from), string(to), note)
	return errs.Wrap(err, "cannot record order step")
}

func (s *Service) get(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Order, error) {
	var a store.Args
	o, err := scanOrder(q.QueryRowContext(ctx, `SELECT `+orderColumns+orderFrom+` WHERE o.id = `+a.Add(id)+` AND `+visible(sc, &a), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, errs.E(errs.NotFound, "no order %d", id)
	}
	if err != nil {
		return Order{}, errs.Wrap(err, "cannot load order %d", id)
	}
	rows, err := q.QueryContext(ctx, `SELECT at, actor, from_status, to_status, note FROM order_events WHERE order_id = $1 ORDER BY id`, id)
	if err != nil {
		return Order{}, errs.Wrap(err, "cannot load timeline of order %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.At, &e.By, &e.From, &e.To, &e.Note); err != nil {
			return Order{}, errs.Wrap(err, "cannot read order step")
		}
		e.At = e.At.UTC()
		o.Events = append(o.Events, e)
	}
	return o, errs.Wrap(rows.Err(), "cannot load timeline of order %d", id)
}

// Get returns order id with its timeline, if sc may see it (NotFound
// otherwise, so that another municipality cannot tell it exists).
func (s *Service) Get(ctx context.Context, sc access.Scope, id int64) (Order, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Order{}, errs.E(errs.Unauthorized, "log in first")
	}
	return s.get(ctx, s.db.Reader(), sc, id)
}

// Filter narrows List. Zero values mean "any".
type Filter struct {
	Municipality int64
	Unit         int64
	Service      string
	Statuses     []Status
	// Sort is the order of the list (Sorts names the keys); the zero
	// Sort is newest first.
	Sort   store.Sort
	Limit  int // default 50, at most 500
	Offset int
}

// List returns the orders sc may see that match f, in f.Sort's order
// (newest first by default), with the total count. An unknown sort key is
// an Invalid error on "sort".
func (s *Service) List(ctx context.Context, sc access.Scope, f Filter) ([]Order, int, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, 0, errs.E(errs.Unauthorized, "log in first")
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
	if _, err := ParseSort("sort", f.Sort.String()); err != nil {
		return nil, 0, err
	}
	var a store.Args
	where := []string{visible(sc, &a)}
	if f.Municipality != 0 {
		where = append(where, "o.municipality_id = "+a.Add(f.Municipality))
	}
	if f.Unit != 0 {
		where = append(where, "o.unit_id = "+a.Add(f.Unit))
	}
	if f.Service != "" {
		where = append(where, "o.service_id = "+a.Add(f.Service))
	}
	if len(f.Statuses) > 0 {
		var ps []string
		for _, st := range f.Statuses {
			if _, err := ParseStatus("status", string(st)); err != nil {
				return nil, 0, err
			}
			ps = append(ps, a.Add(string(st)))
		}
		where = append(where, "o.status IN ("+strings.Join(ps, ", ")+")")
	}
	cond := strings.Join(where, " AND ")
	q := s.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+orderFrom+` WHERE `+cond, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count orders")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+orderColumns+orderFrom+` WHERE `+cond+` ORDER BY `+f.Sort.OrderBy(sortColumns, "", tieOf(f.Sort))+` LIMIT `+a.Add(f.Limit)+
		` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list orders")
	}
	defer rows.Close()
	out := []Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read order")
		}
		out = append(out, o)
	}
	return out, total, errs.Wrap(rows.Err(), "cannot list orders")
}

// ParseStatus returns the status named s, or an Invalid error on field.
func ParseStatus(field, s string) (Status, error) {
	for _, st := range Statuses() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", errs.Field(field, "unknown status %q", s)
}

// Move takes order id from its current status to to. The unit accepts,
// rejects (a reason is required), delivers, activates and terminates; the
// municipality cancels (before acceptance) and asks for termination. Two
// concurrent decisions on one order: exactly one wins, the other gets a
// Conflict error.
func (s *Service) Move(ctx context.Context, sc access.Scope, id int64, to Status, note string) (Order, error) {
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		return Order{}, errs.Field("note", "at most 2000 characters")
	}
	if to == Rejected && note == "" {
		return Order{}, errs.Field("reason", "say why the order is rejected")
	}
	var o Order
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := s.get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		who, ok := steps[cur.Status][to]
		if !ok {
			return errs.E(errs.Conflict, "order %d is %s; it cannot become %s (next: %v)", id, cur.Status, to, cur.Status.Next())
		}
		if !mayTake(sc, cur, who) {
			if who == unitSide {
				return errs.E(errs.Forbidden, "only the supplying unit's service desk or manager may make order %d %s", id, to)
			}
			return errs.E(errs.Forbidden, "only the ordering municipality's IT may make order %d %s", id, to)
		}
		now := s.Clock().UTC().Truncate(time.Microsecond)
		set := `status = $1, updated_at = $2`
		args := []any{string(to), now}
		if to == Rejected {
			set += `, reason = $5`
		}
		switch to {
		case Active:
			set += `, activated_at = $2`
		case Terminated:
			set += `, terminated_at = $2`
		}
		args = append(args, id, string(cur.Status))
		if to == Rejected {
			args = append(args, note)
		}
		res, err := tx.ExecContext(ctx, `UPDATE orders SET `+set+` WHERE id = $3 AND status = $4`, args...)
		if err != nil {
			return errs.Wrap(err, "cannot update order %d", id)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "order %d was changed by someone else just now; reload it", id)
		}
		if err := addEvent(ctx, tx, id, now, sc.Actor().Name, cur.Status, to, note); err != nil {
			return err
		}
		if o, err = s.get(ctx, tx, access.System("orders"), id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "order." + string(to), TargetType: "order", TargetID: strconv.FormatInt(id, 10),
			OrgID: cur.MunicipalityID, Before: map[string]any{"status": cur.Status}, After: map[string]any{"status": to, "note": note}})
	})
	return o, err
}

// ActiveOnOffering counts the running subscriptions on an offering that
// sc sees: all of them for the unit that offers it (and administrators),
// a municipality only its own. Callers show another unit's count only
// after checking the caller may manage the offering.
func (s *Service) ActiveOnOffering(ctx context.Context, sc access.Scope, offeringID int64) (int, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return 0, errs.E(errs.Unauthorized, "log in first")
	}
	var a store.Args
	q := `SELECT COUNT(*) FROM orders o WHERE o.offering_id = ` + a.Add(offeringID) +
		` AND o.status IN ('active', 'termination_requested') AND ` + visible(sc, &a)
	var n int
	err := s.db.Reader().QueryRowContext(ctx, q, a.Values()...).Scan(&n)
	return n, errs.Wrap(err, "cannot count subscriptions")
}

// Span is when one subscription ran: from activation to termination (zero:
// still running).
type Span struct {
	OrderID        int64
	MunicipalityID int64
	UnitID         int64
	Service        string
	Level          string
	From           time.Time
	To             time.Time
}

// Spans returns every subscription that has been active, of one
// municipality (or of all with municipality 0), for reports that aggregate
// across municipalities (the consolidation overview). Callers must filter
// per-municipality detail by scope themselves; aggregates are public to
// signed-in users.
func (s *Service) Spans(ctx context.Context, municipality int64) ([]Span, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, municipality_id, unit_id, service_id, level_id, activated_at, terminated_at
		FROM orders WHERE activated_at IS NOT NULL AND ($1 = 0 OR municipality_id = $1) ORDER BY activated_at`, municipality)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list subscriptions")
	}
	defer rows.Close()
	var out []Span
	for rows.Next() {
		var sp Span
		var term sql.NullTime
		if err := rows.Scan(&sp.OrderID, &sp.MunicipalityID, &sp.UnitID, &sp.Service, &sp.Level, &sp.From, &term); err != nil {
			return nil, errs.Wrap(err, "cannot read subscription")
		}
		sp.From = sp.From.UTC()
		if term.Valid {
			sp.To = term.Time.UTC()
		}
		out = append(out, sp)
	}
	return out, errs.Wrap(rows.Err(), "cannot list subscriptions")
}

// ActiveOn reports whether the span covers instant t.
func (sp Span) ActiveOn(t time.Time) bool {
	return !sp.From.After(t) && (sp.To.IsZero() || sp.To.After(t))
}

// mayTake reports whether sc may take a step that side takes on o.
func mayTake(sc access.Scope, o Order, who side) bool {
	switch {
	case sc.IsSystem() || sc.Role == access.RoleAdmin:
		return true
	case who == unitSide:
		return sc.Can(access.DecideOrders) && sc.OrgID == o.UnitID
	default:
		return sc.Can(access.Order) && sc.OrgID == o.MunicipalityID
	}
}

// Allowed returns the statuses sc may move o to now (for offering only the
// buttons that will work).
func Allowed(sc access.Scope, o Order) []Status {
	var out []Status
	for _, to := range o.Status.Next() {
		if mayTake(sc, o, steps[o.Status][to]) {
			out = append(out, to)
		}
	}
	return out
}
