package availability

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// The sources of an outage.
const (
	SourceProbe   = "probe"   // samdrift's own probe
	SourceWebhook = "webhook" // the unit's monitoring (Alertmanager, a JSON webhook)
	SourceManual  = "manual"  // entered by the unit
)

// Outage is a period in which a subscribed service was down (or, with an
// impact below 1, partly down). An open outage has no end.
type Outage struct {
	ID               int64      `json:"id"`
	SubscriptionID   int64      `json:"subscription_id"`
	UnitID           int64      `json:"unit_id"`
	MunicipalityID   int64      `json:"municipality_id"`
	MunicipalityName string     `json:"municipality_name"`
	Service          string     `json:"service"`
	Level            string     `json:"level"`
	StartedAt        time.Time  `json:"started_at"`
	EndedAt          *time.Time `json:"ended_at"`
	Impact           float64    `json:"impact"`
	Source           string     `json:"source"`
	Cause            string     `json:"cause"`
	Fingerprint      string     `json:"fingerprint,omitempty"`
	TicketID         *int64     `json:"ticket_id"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// Service records outages and computes availability.
type Service struct {
	db  *store.DB
	cat *catalog.Store
	// Clock is the time "now" (tests set it).
	Clock func() time.Time
	// Tickets, when set, opens an incident ticket for an outage that
	// monitoring found (a probe or a webhook) and notes its end on it.
	Tickets Tickets
}

// Tickets is what availability needs of the service desk.
type Tickets interface {
	// OpenFor opens an incident for the outage and returns its id.
	OpenFor(ctx context.Context, o Outage) (int64, error)
	// NoteEnd notes on ticket that the outage ended.
	NoteEnd(ctx context.Context, ticket int64, o Outage) error
}

// New returns a Service over db, reading levels from cat.
func New(db *store.DB, cat *catalog.Store) *Service {
	return &Service{db: db, cat: cat, Clock: store.Now}
}

// maxCause bounds an outage's cause.
const maxCause = 2000

// NewOutage is what Open needs.
type NewOutage struct {
	Subscription int64
	Start        time.Time  // zero: now
	End          *time.Time // nil: still going on
	Impact       float64    // 0: 1, a full outage
	Cause        string
	Source       string // default SourceManual
	// Fingerprint is the monitoring's key for the problem: an open
	// outage of the subscription with the same key is returned instead
	// of opening another.
	Fingerprint string
	// Unit, when set, is the unit the subscription must belong to (a
	// webhook authenticated as that unit).
	Unit int64
}

// subscription is what an outage needs of its order.
type subscription struct {
	id, unit, municipality int64
	status                 string
}

// mayRecord reports whether sc may record outages of the unit's
// subscriptions: its service desk and manager, administrators, the
// platform itself.
func mayRecord(sc access.Scope, unit int64) bool {
	if sc.IsSystem() || sc.Role == access.RoleAdmin {
		return true
	}
	return sc.OrgKind == "unit" && sc.OrgID == unit && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager)
}

// visible is the predicate for the subscriptions (orders o) sc may see.
func visible(sc access.Scope, a *store.Args) string {
	return "(" + sc.OrgPredicate("o.municipality_id", a) + " OR " + sc.OrgPredicate("o.unit_id", a) + ")"
}

func (s *Service) subscription(ctx context.Context, q store.Querier, sc access.Scope, id int64) (subscription, error) {
	var a store.Args
	var sub subscription
	err := q.QueryRowContext(ctx, `SELECT o.id, o.unit_id, o.municipality_id, o.status FROM orders o WHERE o.id = `+a.Add(id)+` AND `+visible(sc, &a),
		a.Values()...).Scan(&sub.id, &sub.unit, &sub.municipality, &sub.status)
	if err == sql.ErrNoRows {
		return sub, errs.Field("subscription", "no subscription %d", id)
	}
	if err != nil {
		return sub, errs.Wrap(err, "cannot read subscription %d", id)
	}
	if sub.status != "active" && sub.status != "termination_requested" && sub.status != "terminated" {
		return sub, errs.Field("subscription", "order %d is %s, not a subscription", id, sub.status)
	}
	return sub, nil
}

// checkOutage checks a new outage and fills in its defaults (a start of
// now, whole seconds, impact 1, source manual).
func checkOutage(n NewOutage, now time.Time) (NewOutage, error) {
	if n.Start.IsZero() {
		n.Start = now
	}
	n.Start = n.Start.UTC().Truncate(time.Second)
	if n.Start.After(now.Add(time.Minute)) {
		return n, errs.Field("started_at", "an outage cannot start in the future")
	}
	if n.End != nil {
		e := n.End.UTC().Truncate(time.Second)
		if !e.After(n.Start) {
			return n, errs.Field("ended_at", "an outage must end after it starts")
		}
		n.End = &e
	}
	if n.Impact == 0 {
		n.Impact = 1
	}
	if n.Impact < 0.01 || n.Impact > 1 {
		return n, errs.Field("impact", "impact must be 0.01–1 (1: the service is down; less: partly)")
	}
	if n.Source == "" {
		n.Source = SourceManual
	}
	n.Cause = strings.TrimSpace(n.Cause)
	if len(n.Cause) > maxCause {
		return n, errs.Field("cause", "the cause is longer than %d characters", maxCause)
	}
	if len(n.Fingerprint) > 200 {
		return n, errs.Field("fingerprint", "the fingerprint is longer than 200 characters")
	}
	return n, nil
}

// Open records an outage of a subscription (or returns the open one
// with the same fingerprint).
func (s *Service) Open(ctx context.Context, sc access.Scope, n NewOutage) (Outage, error) {
	o, _, err := s.open(ctx, sc, n)
	return o, err
}

// open is Open, telling whether the outage is new.
func (s *Service) open(ctx context.Context, sc access.Scope, n NewOutage) (Outage, bool, error) {
	now := s.Clock().UTC()
	n, err := checkOutage(n, now)
	if err != nil {
		return Outage{}, false, err
	}
	var id int64
	created := false
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		id, created, err = s.openIn(ctx, tx, sc, n, now)
		return err
	})
	if err != nil {
		return Outage{}, false, err
	}
	return s.opened(ctx, sc, id, created)
}

// opened reads the outage open returned and, when monitoring found it
// and it is new, raises its incident.
func (s *Service) opened(ctx context.Context, sc access.Scope, id int64, created bool) (Outage, bool, error) {
	o, err := s.Get(ctx, sc, id)
	if err == nil && created && o.Source != SourceManual && s.Tickets != nil {
		err = s.raiseTicket(ctx, &o)
	}
	return o, created, err
}

// openIn opens outage n (checked by checkOutage) in tx: its id, and
// whether it is new (false: an outage with its fingerprint was open).
func (s *Service) openIn(ctx context.Context, tx *sql.Tx, sc access.Scope, n NewOutage, now time.Time) (int64, bool, error) {
	sub, err := s.subscription(ctx, tx, sc, n.Subscription)
	if err != nil {
		return 0, false, err
	}
	if n.Unit != 0 && sub.unit != n.Unit {
		// Answered like an unknown subscription: a unit's monitoring
		// cannot touch another unit's subscriptions.
		return 0, false, errs.Field("subscription", "no subscription %d", n.Subscription)
	}
	if !mayRecord(sc, sub.unit) {
		return 0, false, errs.E(errs.Forbidden, "only the unit delivering the subscription records its outages")
	}
	var id int64
	if n.Fingerprint != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM outages WHERE subscription_id = $1 AND fingerprint = $2 AND ended_at IS NULL`,
			sub.id, n.Fingerprint).Scan(&id)
		if err == nil {
			return id, false, nil
		}
		if err != sql.ErrNoRows {
			return 0, false, errs.Wrap(err, "cannot look for the open outage")
		}
	}
	var end any
	if n.End != nil {
		end = *n.End
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO outages (subscription_id, unit_id, municipality_id, started_at, ended_at, impact, source, cause,
		fingerprint, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		sub.id, sub.unit, sub.municipality, n.Start, end, n.Impact, n.Source, n.Cause, n.Fingerprint, sc.Username, now).Scan(&id); err != nil {
		return 0, false, errs.Wrap(err, "cannot record the outage")
	}
	return id, true, audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "outage.open", TargetType: "outage", TargetID: strconv.FormatInt(id, 10),
		OrgID: sub.municipality, After: map[string]any{"subscription": sub.id, "started_at": n.Start, "ended_at": n.End, "impact": n.Impact,
			"source": n.Source, "cause": n.Cause}})
}

// raiseTicket opens the incident for an outage monitoring found and
// links it (a failure is returned; the outage stays recorded).
func (s *Service) raiseTicket(ctx context.Context, o *Outage) error {
	t, err := s.Tickets.OpenFor(ctx, *o)
	if err != nil {
		return errs.Wrap(err, "cannot open an incident for outage %d", o.ID)
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outages SET ticket_id = $1 WHERE id = $2`, t, o.ID)
		return err
	})
	if err != nil {
		return errs.Wrap(err, "cannot link outage %d to ticket %d", o.ID, t)
	}
	o.TicketID = &t
	return nil
}

// End ends an open outage at end (zero: now).
func (s *Service) End(ctx context.Context, sc access.Scope, id int64, end time.Time) (Outage, error) {
	now := s.Clock().UTC()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		return s.endIn(ctx, tx, sc, id, end, now)
	})
	if err != nil {
		return Outage{}, err
	}
	return s.ended(ctx, sc, id)
}

// endIn ends open outage id at end (zero: now) in tx.
func (s *Service) endIn(ctx context.Context, tx *sql.Tx, sc access.Scope, id int64, end, now time.Time) error {
	if end.IsZero() {
		end = now
	}
	end = end.UTC().Truncate(time.Second)
	o, err := s.get(ctx, tx, sc, id)
	if err != nil {
		return err
	}
	if !mayRecord(sc, o.UnitID) {
		return errs.E(errs.Forbidden, "only the unit delivering the subscription records its outages")
	}
	if o.EndedAt != nil {
		return errs.E(errs.Conflict, "outage %d ended already at %s", id, o.EndedAt.Format(time.RFC3339))
	}
	if !end.After(o.StartedAt) {
		return errs.Field("ended_at", "an outage must end after it starts")
	}
	res, err := tx.ExecContext(ctx, `UPDATE outages SET ended_at = $1, updated_at = $2 WHERE id = $3 AND ended_at IS NULL`, end, now, id)
	if err != nil {
		return errs.Wrap(err, "cannot end outage %d", id)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		// Ended by another writer since it was read (PostgreSQL's read
		// committed): no second end, audit record or ticket note.
		return errs.E(errs.Conflict, "outage %d ended already", id)
	}
	return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "outage.end", TargetType: "outage", TargetID: strconv.FormatInt(id, 10),
		OrgID: o.MunicipalityID, After: map[string]any{"ended_at": end}})
}

// ended reads outage id after it ended and notes the end on its ticket.
func (s *Service) ended(ctx context.Context, sc access.Scope, id int64) (Outage, error) {
	o, err := s.Get(ctx, sc, id)
	if err == nil && o.TicketID != nil && s.Tickets != nil {
		if nerr := s.Tickets.NoteEnd(ctx, *o.TicketID, o); nerr != nil {
			err = errs.Wrap(nerr, "cannot note the end of outage %d on ticket %d", id, *o.TicketID)
		}
	}
	return o, err
}

// EndByKey ends the open outage of subscription sub with fingerprint
// (the monitoring's resolution of a problem it reported); it reports
// whether there was one. unit, when set, is the unit the subscription
// must belong to.
func (s *Service) EndByKey(ctx context.Context, sc access.Scope, unit, sub int64, fingerprint string, end time.Time) (bool, error) {
	id, err := s.openByKey(ctx, s.db.Reader(), sc, unit, sub, fingerprint)
	if err != nil || id == 0 {
		return false, err
	}
	if _, err := s.End(ctx, sc, id, end); err != nil && errs.CodeOf(err) != errs.Conflict {
		return false, err
	}
	return true, nil
}

// openByKey is the id of subscription sub's open outage with fingerprint
// (0: none) within sc's reach and, when unit is set, that unit's.
func (s *Service) openByKey(ctx context.Context, q store.Querier, sc access.Scope, unit, sub int64, fingerprint string) (int64, error) {
	var a store.Args
	query := `SELECT x.id FROM outages x JOIN orders o ON o.id = x.subscription_id WHERE x.subscription_id = ` + a.Add(sub) +
		` AND x.fingerprint = ` + a.Add(fingerprint) + ` AND x.ended_at IS NULL AND ` + visible(sc, &a)
	if unit != 0 {
		query += ` AND x.unit_id = ` + a.Add(unit)
	}
	var id int64
	err := q.QueryRowContext(ctx, query, a.Values()...).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Wrap(err, "cannot look for the open outage")
	}
	return id, nil
}

const outageColumns = `x.id, x.subscription_id, x.unit_id, x.municipality_id, m.name, o.service_id, o.level_id, x.started_at, x.ended_at, x.impact,
	x.source, x.cause, x.fingerprint, x.ticket_id, x.created_by, x.created_at, x.updated_at`

const outageFrom = ` FROM outages x JOIN orders o ON o.id = x.subscription_id JOIN organizations m ON m.id = x.municipality_id`

func scanOutage(row interface{ Scan(...any) error }) (Outage, error) {
	var o Outage
	var end sql.NullTime
	var ticket sql.NullInt64
	err := row.Scan(&o.ID, &o.SubscriptionID, &o.UnitID, &o.MunicipalityID, &o.MunicipalityName, &o.Service, &o.Level, &o.StartedAt, &end, &o.Impact,
		&o.Source, &o.Cause, &o.Fingerprint, &ticket, &o.CreatedBy, &o.CreatedAt, &o.UpdatedAt)
	o.StartedAt, o.CreatedAt, o.UpdatedAt = o.StartedAt.UTC(), o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if end.Valid {
		t := end.Time.UTC()
		o.EndedAt = &t
	}
	if ticket.Valid {
		o.TicketID = &ticket.Int64
	}
	return o, err
}

func (s *Service) get(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Outage, error) {
	var a store.Args
	o, err := scanOutage(q.QueryRowContext(ctx, `SELECT `+outageColumns+outageFrom+` WHERE x.id = `+a.Add(id)+` AND `+visible(sc, &a), a.Values()...))
	if err == sql.ErrNoRows {
		return o, errs.E(errs.NotFound, "no outage %d", id)
	}
	return o, errs.Wrap(err, "cannot read outage %d", id)
}

// Get returns outage id if sc may see it.
func (s *Service) Get(ctx context.Context, sc access.Scope, id int64) (Outage, error) {
	return s.get(ctx, s.db.Reader(), sc, id)
}

// Filter narrows Outages.
type Filter struct {
	From, To     time.Time // outages overlapping [From, To); zero: any
	Org          int64     // the municipality's or the unit's; 0: all in reach
	Subscription int64
	OpenOnly     bool
}

// Outages lists the outages sc may see, newest first (at most 1,000).
func (s *Service) Outages(ctx context.Context, sc access.Scope, f Filter) ([]Outage, error) {
	var a store.Args
	q := `SELECT ` + outageColumns + outageFrom + ` WHERE ` + visible(sc, &a)
	if !f.To.IsZero() {
		q += ` AND x.started_at < ` + a.Add(f.To.UTC())
	}
	if !f.From.IsZero() {
		q += ` AND (x.ended_at IS NULL OR x.ended_at > ` + a.Add(f.From.UTC()) + `)`
	}
	if f.Org != 0 {
		p := a.Add(f.Org)
		q += ` AND (x.municipality_id = ` + p + ` OR x.unit_id = ` + p + `)`
	}
	if f.Subscription != 0 {
		q += ` AND x.subscription_id = ` + a.Add(f.Subscription)
	}
	if f.OpenOnly {
		q += ` AND x.ended_at IS NULL`
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+` ORDER BY x.started_at DESC, x.id DESC LIMIT 1000`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list outages")
	}
	defer rows.Close()
	out := []Outage{}
	for rows.Next() {
		o, err := scanOutage(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read an outage")
		}
		out = append(out, o)
	}
	return out, errs.Wrap(rows.Err(), "cannot list outages")
}

// MonthOf parses "YYYY-MM" as that month in Copenhagen: [start, end).
func MonthOf(s string) (time.Time, time.Time, error) {
	t, err := time.ParseInLocation("2006-01", s, calendar.Copenhagen)
	if err != nil {
		return time.Time{}, time.Time{}, errs.Field("month", "month must be YYYY-MM, got %q", s)
	}
	return t, t.AddDate(0, 1, 0), nil
}
