package servicedesk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// Bounds on free text.
const (
	maxTitle = 200
	maxText  = 20000
	maxNote  = 4000
)

var (
	spocRoles = []access.Role{access.RoleSPOC, access.RoleKommuneIT}
	deskRoles = []access.Role{access.RoleServiceDesk, access.RoleUnitManager}
)

// onMunicipalitySide reports whether sc acts for t's municipality (its
// SPOC or municipal IT; administrators and the platform too).
func onMunicipalitySide(sc access.Scope, t Ticket) bool {
	if sc.IsSystem() || sc.Role == access.RoleAdmin {
		return true
	}
	return t.MunicipalityID != 0 && sc.OrgID == t.MunicipalityID && (sc.Role == access.RoleSPOC || sc.Role == access.RoleKommuneIT)
}

// onUnitSide reports whether sc acts for t's unit (its service desk or
// manager; administrators and the platform too).
func onUnitSide(sc access.Scope, t Ticket) bool {
	if sc.IsSystem() || sc.Role == access.RoleAdmin {
		return true
	}
	return sc.OrgID == t.UnitID && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager)
}

// NewTicket is what Create needs.
type NewTicket struct {
	Kind         Kind
	Municipality int64 // 0: the caller's own
	Subscription int64 // optional: the subscription (active order) concerned
	Site         int64 // optional: where
	Title        string
	Description  string
	Impact       int // 1 high – 3 low
	Urgency      int // 1 high – 3 low
	Requester    string
	// AtUnit starts an incident at the unit (2nd line, in progress), the
	// SPOC told: the unit's own monitoring found it. Only the platform
	// itself may set it.
	AtUnit bool
	// fromCase is the security case raising the ticket (RaiseForCase).
	fromCase int64
}

func checkText(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	if len([]rune(s)) < min {
		if min == 1 {
			return "", errs.Field(field, "must not be empty")
		}
		return "", errs.Field(field, "must have at least %d characters", min)
	}
	if len(s) > max {
		return "", errs.Field(field, "must have at most %d characters, got %d", max, len(s))
	}
	return s, nil
}

// Create opens a ticket. A municipality's SPOC or municipal IT opens
// incidents and service requests for its own municipality; they start at
// 1st line with the OLA clock running. A unit's service desk or manager
// opens problems and changes for its unit (optionally naming a municipality
// it supplies); they start at the unit without SLA clocks.
func (s *Service) Create(ctx context.Context, sc access.Scope, n NewTicket) (Ticket, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Ticket{}, errs.E(errs.Unauthorized, "log in first")
	}
	var err error
	if n.Title, err = checkText("title", n.Title, 3, maxTitle); err != nil {
		return Ticket{}, err
	}
	if n.Description, err = checkText("description", n.Description, 0, maxText); err != nil {
		return Ticket{}, err
	}
	if n.Requester, err = checkText("requester", n.Requester, 0, 200); err != nil {
		return Ticket{}, err
	}
	if n.Impact < 1 || n.Impact > 3 {
		return Ticket{}, errs.Field("impact", "must be 1 (high), 2 (medium) or 3 (low), got %d", n.Impact)
	}
	if n.Urgency < 1 || n.Urgency > 3 {
		return Ticket{}, errs.Field("urgency", "must be 1 (high), 2 (medium) or 3 (low), got %d", n.Urgency)
	}
	if _, err := ParseKind("kind", string(n.Kind)); err != nil {
		return Ticket{}, err
	}
	unitMade := n.Kind == Problem || n.Kind == Change
	// A security case's workers raise incidents for the case's
	// municipality (package soc has checked that they work the case).
	privileged := sc.IsSystem() || sc.Role == access.RoleAdmin || (n.fromCase != 0 && !unitMade && sc.Can(access.WorkCases))
	switch {
	case unitMade && !privileged && !(sc.OrgKind == "unit" && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager)):
		return Ticket{}, errs.E(errs.Forbidden, "problems and changes are opened by a unit's service desk or manager")
	case !unitMade && !privileged && !(sc.OrgKind == "municipality" && (sc.Role == access.RoleSPOC || sc.Role == access.RoleKommuneIT)):
		return Ticket{}, errs.E(errs.Forbidden, "incidents and requests are opened by the municipality's SPOC or municipal IT; a unit receives them by escalation")
	}
	if !unitMade && n.Municipality == 0 {
		n.Municipality = sc.OrgID
	}
	if !unitMade && !privileged && n.Municipality != sc.OrgID {
		return Ticket{}, errs.E(errs.Forbidden, "you may open tickets only for your own municipality")
	}
	var t Ticket
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		unit := int64(0)
		if n.Municipality != 0 {
			var err error
			if unit, err = org.SupplierOf(ctx, tx, n.Municipality); err != nil {
				return err
			}
		}
		if unitMade {
			if !privileged {
				if unit != 0 && unit != sc.OrgID {
					return errs.Field("municipality", "your unit does not supply municipality %d", n.Municipality)
				}
				unit = sc.OrgID
			} else if unit == 0 {
				return errs.Field("municipality", "name the municipality (its supplying unit owns the ticket)")
			}
		}
		if err := s.checkLinks(ctx, tx, n); err != nil {
			return err
		}
		status, tier := Open, 1
		var esc any
		if unitMade || (n.AtUnit && sc.IsSystem()) {
			status, tier, esc = InProgress, 2, now
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO tickets (kind, municipality_id, unit_id, subscription_id, site_id, title, description,
			impact, urgency, priority, status, tier, requester, created_by, created_at, updated_at, escalated_at, case_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17) RETURNING id`,
			string(n.Kind), nullID(n.Municipality), unit, nullID(n.Subscription), nullID(n.Site), n.Title, n.Description, n.Impact, n.Urgency,
			Priority(n.Impact, n.Urgency), string(status), tier, n.Requester, sc.Actor().Name, now, esc, nullID(n.fromCase)).Scan(&id)
		if err != nil {
			return errs.Wrap(err, "cannot store ticket")
		}
		if !unitMade {
			cal, _ := calendar.Lookup(FirstLineTargets.Calendar)
			c := startClock(FirstLine, cal, FirstLineTargets.Resolution[Priority(n.Impact, n.Urgency)], now)
			if err := saveClock(ctx, tx, id, c); err != nil {
				return err
			}
		}
		if _, err := addEntry(ctx, tx, id, now, sc, "created", false, "", map[string]any{"status": status, "priority": Priority(n.Impact, n.Urgency)}); err != nil {
			return err
		}
		if unitMade && n.Municipality != 0 {
			if _, err := notify.Queue(ctx, tx, notify.Notice{OrgID: n.Municipality, Roles: spocRoles, Kind: "ticket." + string(n.Kind),
				TicketID: id, Subject: n.Title, At: now}); err != nil {
				return err
			}
		}
		if t, _, err = s.get(ctx, tx, access.System("servicedesk"), id, true); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "ticket.create", TargetType: "ticket", TargetID: idString(id),
			OrgID: orgOf(t), After: map[string]any{"kind": n.Kind, "title": n.Title, "priority": t.Priority, "status": status}})
	})
	return t, err
}

func orgOf(t Ticket) int64 {
	if t.MunicipalityID != 0 {
		return t.MunicipalityID
	}
	return t.UnitID
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// checkLinks checks the subscription and site belong to the municipality.
func (s *Service) checkLinks(ctx context.Context, tx *sql.Tx, n NewTicket) error {
	if n.Subscription != 0 {
		var muni int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT municipality_id, status FROM orders WHERE id = $1`, n.Subscription).Scan(&muni, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && muni != n.Municipality) {
			return errs.Field("subscription", "municipality %d has no subscription %d", n.Municipality, n.Subscription)
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up subscription %d", n.Subscription)
		}
		if status != "active" && status != "termination_requested" {
			return errs.Field("subscription", "order %d is %s, not an active subscription", n.Subscription, status)
		}
	}
	if n.Site != 0 {
		var muni int64
		err := tx.QueryRowContext(ctx, `SELECT municipality_id FROM sites WHERE id = $1`, n.Site).Scan(&muni)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && muni != n.Municipality) {
			return errs.Field("site", "municipality %d has no site %d", n.Municipality, n.Site)
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up site %d", n.Site)
		}
	}
	return nil
}

// change is one mutation of a ticket being prepared inside mutate.
type change struct {
	t       Ticket
	clocks  []*Clock
	set     []string
	args    []any
	entries []draft
	notices []notify.Notice
	before  map[string]any
	after   map[string]any
	// touched bumps the version although fn changed no column (it wrote
	// rows of its own).
	touched bool
}

type draft struct {
	kind     string
	internal bool
	body     string
	detail   map[string]any
}

func (c *change) update(col string, v any) {
	c.set = append(c.set, col)
	c.args = append(c.args, v)
}

func (c *change) status(to Status) {
	c.before["status"], c.after["status"] = c.t.Status, to
	c.update("status", string(to))
	c.t.Status = to
}

func (c *change) clock(n ClockName) *Clock {
	for _, x := range c.clocks {
		if x.Name == n {
			return x
		}
	}
	return nil
}

// each applies fn to every clock.
func (c *change) each(fn func(*Clock)) {
	for _, x := range c.clocks {
		fn(x)
	}
}

func (c *change) note(kind string, internal bool, body string, detail map[string]any) {
	c.entries = append(c.entries, draft{kind, internal, body, detail})
}

func (c *change) tell(org int64, roles []access.Role, kind string) {
	c.notices = append(c.notices, notify.Notice{OrgID: org, Roles: roles, Kind: kind, TicketID: c.t.ID, Subject: c.t.Title})
}

// mutate runs fn on ticket id inside one transaction: it loads the ticket
// as sc sees it, checks version (0: no check), and then stores what fn
// changed — columns, clocks, timeline, notices and one audit record —
// with the version bumped. A ticket changed meanwhile gives a Conflict
// that says to reload.
func (s *Service) mutate(ctx context.Context, sc access.Scope, id int64, version int, action string,
	fn func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error) (Ticket, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Ticket{}, errs.E(errs.Unauthorized, "log in first")
	}
	var out Ticket
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := lockTicket(ctx, tx, id); err != nil {
			return err
		}
		t, clocks, err := s.get(ctx, tx, sc, id, false)
		if err != nil {
			return err
		}
		if mutateHook != nil {
			mutateHook()
		}
		if version != 0 && version != t.Version {
			return errs.E(errs.Conflict, "ticket %d was changed by someone else since you loaded it (version %d, now %d); reload it and try again",
				id, version, t.Version)
		}
		now := s.now()
		c := &change{t: t, before: map[string]any{}, after: map[string]any{}}
		for i := range clocks {
			c.clocks = append(c.clocks, &clocks[i])
		}
		if err := fn(ctx, tx, now, c); err != nil {
			return err
		}
		if len(c.set) > 0 || len(c.entries) > 0 || c.touched {
			sets := make([]string, len(c.set))
			for i, col := range c.set {
				sets[i] = col + " = $" + idString(int64(i+1))
			}
			n := int64(len(c.set))
			args := append(c.args, now, id, t.Version)
			res, err := tx.ExecContext(ctx, `UPDATE tickets SET `+strings.Join(append(sets, "updated_at = $"+idString(n+1)), ", ")+
				`, version = version + 1 WHERE id = $`+idString(n+2)+` AND version = $`+idString(n+3), args...)
			if err != nil {
				return errs.Wrap(err, "cannot update ticket %d", id)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return errs.E(errs.Conflict, "ticket %d was changed by someone else just now; reload it and try again", id)
			}
		}
		for _, x := range c.clocks {
			if err := saveClock(ctx, tx, id, *x); err != nil {
				return err
			}
		}
		for _, e := range c.entries {
			if _, err := addEntry(ctx, tx, id, now, sc, e.kind, e.internal, e.body, e.detail); err != nil {
				return err
			}
		}
		for _, n := range c.notices {
			n.At = now
			if n.NotBefore.IsZero() {
				n.NotBefore = now
			}
			if _, err := notify.Queue(ctx, tx, n); err != nil {
				return err
			}
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "ticket." + action, TargetType: "ticket", TargetID: idString(id),
			OrgID: orgOf(t), Before: c.before, After: c.after}); err != nil {
			return err
		}
		out, _, err = s.get(ctx, tx, sc, id, true)
		return err
	})
	return out, err
}

// unitOwned reports whether the unit, not a municipality, confirms and
// closes t: its own problems and changes.
func unitOwned(t Ticket) bool { return t.MunicipalityID == 0 || t.Kind == Change || t.Kind == Problem }

func closed(t Ticket) error {
	if t.Status == Closed {
		return errs.E(errs.Conflict, "ticket %d is closed; open a new ticket and refer to #%d", t.ID, t.ID)
	}
	return nil
}

// Escalate hands ticket id from the municipality's 1st line to its
// supplying unit with the handover. unit may name the unit (0: the
// supplier); a unit that does not supply the municipality is refused.
// The OLA clock stops; the unit's SLA clocks (response and resolution)
// start on the subscription's level — or the basic level when the ticket
// names no subscription — and the unit is notified.
func (s *Service) Escalate(ctx context.Context, sc access.Scope, id int64, version int, unit int64, h Handover) (Ticket, error) {
	var err error
	if h.Tried, err = checkText("handover.tried", h.Tried, 1, maxNote); err != nil {
		return Ticket{}, errs.Field("handover.tried", "say what 1st line has tried")
	}
	if h.Affected, err = checkText("handover.affected", h.Affected, 1, maxNote); err != nil {
		return Ticket{}, errs.Field("handover.affected", "say who and what is affected")
	}
	if h.Contact, err = checkText("handover.contact", h.Contact, 1, 500); err != nil {
		return Ticket{}, errs.Field("handover.contact", "say whom the unit contacts")
	}
	return s.mutate(ctx, sc, id, version, "escalate", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if !onMunicipalitySide(sc, t) {
			return errs.E(errs.Forbidden, "only municipality %s's SPOC may escalate ticket %d", t.MunicipalityName, id)
		}
		if t.Tier != 1 || (t.Status != Open && t.Status != Pending) {
			return errs.E(errs.Conflict, "ticket %d is %s at the unit already; it cannot be escalated again", id, t.Status)
		}
		supplier, err := org.SupplierOf(ctx, tx, t.MunicipalityID)
		if err != nil {
			return err
		}
		if unit != 0 && unit != supplier {
			return errs.Field("unit", "organisation %d does not supply %s; escalate to its supplying unit (organisation %d)",
				unit, t.MunicipalityName, supplier)
		}
		tg, err := s.slaTargets(ctx, tx, t)
		if err != nil {
			return err
		}
		cal, err := calendarFor(ctx, tx, Response, tg.Calendar, supplier)
		if err != nil {
			return err
		}
		if fl := c.clock(FirstLine); fl != nil {
			fl.Stop(now)
		}
		resp := startClock(Response, cal, tg.Response[t.Priority], now)
		reso := startClock(Resolution, cal, tg.Resolution[t.Priority], now)
		c.clocks = append(c.clocks, &resp, &reso)
		hb, _ := json.Marshal(h)
		c.status(Escalated)
		c.update("tier", 2)
		c.update("unit_id", supplier)
		c.update("escalated_at", now)
		c.update("handover", string(hb))
		c.t.UnitID = supplier
		c.after["targets"] = tg.Source
		c.note("escalate", false, "", map[string]any{"tried": h.Tried, "affected": h.Affected, "contact": h.Contact, "targets": tg.Source})
		c.tell(supplier, []access.Role{access.RoleServiceDesk}, "ticket.escalated")
		return nil
	})
}

// slaTargets returns the unit's targets for t: its subscription's service
// level, or DefaultTargets.
func (s *Service) slaTargets(ctx context.Context, q store.Querier, t Ticket) (Targets, error) {
	if t.SubscriptionID == 0 {
		return DefaultTargets, nil
	}
	var version, service, level string
	if err := q.QueryRowContext(ctx, `SELECT catalog_version, service_id, level_id FROM orders WHERE id = $1`, t.SubscriptionID).
		Scan(&version, &service, &level); err != nil {
		return Targets{}, errs.Wrap(err, "cannot load subscription %d", t.SubscriptionID)
	}
	cat, _, err := s.cat.Get(ctx, access.System("servicedesk"), version)
	if err != nil {
		return Targets{}, err
	}
	sv, ok := cat.Service(service)
	if !ok {
		return Targets{}, errs.E(errs.Internal, "catalog %s has no service %s", version, service)
	}
	l, ok := sv.Level(level)
	if !ok {
		return Targets{}, errs.E(errs.Internal, "service %s has no level %s", service, level)
	}
	tg := Targets{Calendar: l.Calendar, Response: map[string]time.Duration{}, Resolution: map[string]time.Duration{},
		Source: "subscription " + idString(t.SubscriptionID) + ": " + service + "/" + level}
	if _, ok := calendar.Lookup(tg.Calendar); !ok {
		tg.Calendar = DefaultTargets.Calendar
	}
	for _, p := range []string{"P1", "P2", "P3", "P4"} {
		tg.Response[p], tg.Resolution[p] = DefaultTargets.Response[p], DefaultTargets.Resolution[p]
		if d, ok := l.Response[p]; ok {
			tg.Response[p] = time.Duration(d)
		}
		if d, ok := l.Resolution[p]; ok {
			tg.Resolution[p] = time.Duration(d)
		}
	}
	return tg, nil
}

// Assign gives ticket id to assignee, a service desk user or manager of
// the unit. An escalated ticket becomes in progress and its response
// clock stops.
func (s *Service) Assign(ctx context.Context, sc access.Scope, id int64, version int, assignee string) (Ticket, error) {
	assignee = strings.TrimSpace(assignee)
	if assignee == "" {
		return Ticket{}, errs.Field("assignee", "name the user to assign")
	}
	return s.mutate(ctx, sc, id, version, "assign", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if t.Tier != 2 || !onUnitSide(sc, t) {
			return errs.E(errs.Forbidden, "only the service desk of %s assigns ticket %d", t.UnitName, id)
		}
		if !t.Status.Active() {
			return errs.E(errs.Conflict, "ticket %d is %s; reopen it before assigning it", id, t.Status)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = $1 AND org_id = $2 AND role IN ('servicedesk', 'unit-manager') AND NOT disabled`,
			assignee, t.UnitID).Scan(&n); err != nil {
			return errs.Wrap(err, "cannot look up user %q", assignee)
		}
		if n == 0 {
			return errs.Field("assignee", "%q is not an active service desk user of %s", assignee, t.UnitName)
		}
		c.before["assignee"], c.after["assignee"] = t.Assignee, assignee
		c.update("assignee", assignee)
		if t.Status == Escalated {
			c.status(InProgress)
		}
		if r := c.clock(Response); r != nil && r.State != Stopped {
			r.Stop(now)
		}
		c.note("assign", false, "", map[string]any{"assignee": assignee})
		return nil
	})
}

// Comment adds a comment to ticket id. An internal comment is seen only by
// the author's organisation. A shared comment from the municipality on a
// ticket the unit has put on hold answers it: the clocks run again.
func (s *Service) Comment(ctx context.Context, sc access.Scope, id int64, body string, internal bool) (Ticket, error) {
	body, err := checkText("body", body, 1, maxText)
	if err != nil {
		return Ticket{}, err
	}
	return s.mutate(ctx, sc, id, 0, "comment", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		muni, unit := onMunicipalitySide(sc, t), onUnitSide(sc, t) && t.Tier == 2
		if !muni && !unit {
			return errs.E(errs.Forbidden, "only the municipality's SPOC and, once escalated, the unit's service desk comment on ticket %d", id)
		}
		c.note("comment", internal, body, nil)
		if !internal && t.Status == Pending && t.Tier == 2 && muni && !sc.IsSystem() && sc.Role != access.RoleAdmin {
			s.resume(c, now)
			c.after["resumed_by_answer"] = true
		}
		if !internal {
			if unit && !muni {
				c.tell(t.MunicipalityID, spocRoles, "ticket.comment")
			} else if muni && t.Tier == 2 {
				c.tell(t.UnitID, []access.Role{access.RoleServiceDesk}, "ticket.comment")
			}
		}
		return nil
	})
}

// Pend puts ticket id on hold while the side that holds it waits for an
// answer (question says what is asked): the running clocks pause, so the
// wait never counts and the ticket can never breach while on hold.
func (s *Service) Pend(ctx context.Context, sc access.Scope, id int64, version int, question string) (Ticket, error) {
	question, err := checkText("question", question, 1, maxNote)
	if err != nil {
		return Ticket{}, errs.Field("question", "say what you are waiting for")
	}
	return s.mutate(ctx, sc, id, version, "pend", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if err := holder(sc, t, id); err != nil {
			return err
		}
		if t.Status != Open && t.Status != Escalated && t.Status != InProgress {
			return errs.E(errs.Conflict, "ticket %d is %s; only an open or in-progress ticket can wait for an answer", id, t.Status)
		}
		c.status(Pending)
		c.each(func(k *Clock) { k.Pause(now) })
		c.note("pending", false, question, nil)
		if t.Tier == 2 {
			c.tell(t.MunicipalityID, spocRoles, "ticket.pending")
		}
		return nil
	})
}

// holder checks sc acts for the side that holds t now: the municipality at
// 1st line, the unit after escalation.
func holder(sc access.Scope, t Ticket, id int64) error {
	if t.Tier == 1 && !onMunicipalitySide(sc, t) {
		return errs.E(errs.Forbidden, "ticket %d is with municipality %s's 1st line", id, t.MunicipalityName)
	}
	if t.Tier == 2 && !onUnitSide(sc, t) {
		return errs.E(errs.Forbidden, "ticket %d is with the service desk of %s", id, t.UnitName)
	}
	return nil
}

// resume takes a pending ticket back to work and runs its paused clocks.
func (s *Service) resume(c *change, now time.Time) {
	to := Open
	if c.t.Tier == 2 {
		to = Escalated
		if c.t.Assignee != "" {
			to = InProgress
		}
	}
	c.status(to)
	c.each(func(k *Clock) { k.Resume(now) })
	c.note("resumed", false, "", nil)
}

// Resume takes ticket id off hold (either side may).
func (s *Service) Resume(ctx context.Context, sc access.Scope, id int64, version int) (Ticket, error) {
	return s.mutate(ctx, sc, id, version, "resume", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if t.Status != Pending {
			return errs.E(errs.Conflict, "ticket %d is %s, not waiting for an answer", id, t.Status)
		}
		if !onMunicipalitySide(sc, t) && !(t.Tier == 2 && onUnitSide(sc, t)) {
			return errs.E(errs.Forbidden, "you may not work ticket %d", id)
		}
		s.resume(c, now)
		if t.Tier == 2 {
			c.tell(t.UnitID, []access.Role{access.RoleServiceDesk}, "ticket.resumed")
		}
		return nil
	})
}

// Resolve marks ticket id solved with resolution: by the SPOC at 1st line
// or by the unit after escalation. The clocks stop; the SPOC is asked to
// confirm (Close) or reopen.
func (s *Service) Resolve(ctx context.Context, sc access.Scope, id int64, version int, resolution string) (Ticket, error) {
	resolution, err := checkText("resolution", resolution, 1, maxText)
	if err != nil {
		return Ticket{}, errs.Field("resolution", "say how the ticket was solved")
	}
	return s.mutate(ctx, sc, id, version, "resolve", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if t.Status == Resolved {
			return errs.E(errs.Conflict, "ticket %d is resolved already", id)
		}
		if err := holder(sc, t, id); err != nil {
			return err
		}
		if t.Kind == Change {
			if err := changeReady(ctx, tx, t); err != nil {
				return err
			}
		}
		c.status(Resolved)
		c.update("resolution", resolution)
		c.update("resolved_at", now)
		c.each(func(k *Clock) { k.Stop(now) })
		c.note("resolved", false, resolution, nil)
		if t.Tier == 2 {
			c.tell(t.MunicipalityID, spocRoles, "ticket.resolved")
		}
		return nil
	})
}

// Reopen sends a resolved ticket back (the SPOC does, with a reason): to
// 1st line or to the unit, whichever resolved it. The resolution clock
// runs on from where it stopped.
func (s *Service) Reopen(ctx context.Context, sc access.Scope, id int64, version int, reason string) (Ticket, error) {
	reason, err := checkText("reason", reason, 1, maxNote)
	if err != nil {
		return Ticket{}, errs.Field("reason", "say why the ticket is not solved")
	}
	return s.mutate(ctx, sc, id, version, "reopen", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if t.Status != Resolved {
			return errs.E(errs.Conflict, "ticket %d is %s; only a resolved ticket can be reopened", id, t.Status)
		}
		if !onMunicipalitySide(sc, t) && !(unitOwned(t) && onUnitSide(sc, t)) {
			return errs.E(errs.Forbidden, "only municipality %s's SPOC reopens ticket %d", t.MunicipalityName, id)
		}
		to, clock := Open, FirstLine
		if t.Tier == 2 {
			to, clock = InProgress, Resolution
		}
		c.status(to)
		c.update("resolved_at", nil)
		if k := c.clock(clock); k != nil {
			k.Reopen(now)
		}
		c.note("reopened", false, reason, nil)
		if t.Tier == 2 {
			c.tell(t.UnitID, []access.Role{access.RoleServiceDesk}, "ticket.reopened")
		}
		return nil
	})
}

// Close confirms a resolved ticket (the SPOC does) with the end user's
// satisfaction (1–5; 0: not given) and comment.
func (s *Service) Close(ctx context.Context, sc access.Scope, id int64, version int, satisfaction int, comment string) (Ticket, error) {
	if satisfaction < 0 || satisfaction > 5 {
		return Ticket{}, errs.Field("satisfaction", "must be 1 (poor) to 5 (very good), or left out; got %d", satisfaction)
	}
	comment, err := checkText("satisfaction_comment", comment, 0, maxNote)
	if err != nil {
		return Ticket{}, err
	}
	return s.mutate(ctx, sc, id, version, "close", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if t.Status != Resolved {
			return errs.E(errs.Conflict, "ticket %d is %s; resolve it before closing it", id, t.Status)
		}
		if !onMunicipalitySide(sc, t) && !(unitOwned(t) && onUnitSide(sc, t)) {
			return errs.E(errs.Forbidden, "only municipality %s's SPOC confirms and closes ticket %d", t.MunicipalityName, id)
		}
		c.status(Closed)
		c.update("closed_at", now)
		if satisfaction > 0 {
			c.update("satisfaction", satisfaction)
			c.update("satisfaction_comment", comment)
			c.after["satisfaction"] = satisfaction
		}
		c.note("closed", false, comment, map[string]any{"satisfaction": satisfaction})
		return nil
	})
}

// SetPriority changes impact and urgency (and so the priority) of ticket
// id; the side that holds it decides. The clocks keep their elapsed time
// and count towards the new priority's targets.
func (s *Service) SetPriority(ctx context.Context, sc access.Scope, id int64, version int, impact, urgency int, reason string) (Ticket, error) {
	if impact < 1 || impact > 3 || urgency < 1 || urgency > 3 {
		return Ticket{}, errs.Field("impact", "impact and urgency must be 1 (high), 2 (medium) or 3 (low)")
	}
	reason, err := checkText("reason", reason, 1, maxNote)
	if err != nil {
		return Ticket{}, errs.Field("reason", "say why the priority changes")
	}
	return s.mutate(ctx, sc, id, version, "priority", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if err := holder(sc, t, id); err != nil {
			return err
		}
		p := Priority(impact, urgency)
		c.before["priority"], c.after["priority"] = t.Priority, p
		c.update("impact", impact)
		c.update("urgency", urgency)
		c.update("priority", p)
		var tg Targets
		if t.Tier == 2 {
			if tg, err = s.slaTargets(ctx, tx, t); err != nil {
				return err
			}
		}
		for _, k := range c.clocks {
			if k.State == Stopped {
				continue // measured already, on the priority it had
			}
			switch k.Name {
			case FirstLine:
				k.Retarget(now, k.cal, FirstLineTargets.Resolution[p])
			case Response:
				k.Retarget(now, k.cal, tg.Response[p])
			case Resolution:
				k.Retarget(now, k.cal, tg.Resolution[p])
			}
		}
		c.note("priority", false, reason, map[string]any{"from": t.Priority, "to": p})
		return nil
	})
}

// SetBreachReason records why ticket id missed its SLA (the unit says so,
// for the monthly report).
func (s *Service) SetBreachReason(ctx context.Context, sc access.Scope, id int64, version int, reason string) (Ticket, error) {
	reason, err := checkText("reason", reason, 1, maxNote)
	if err != nil {
		return Ticket{}, err
	}
	return s.mutate(ctx, sc, id, version, "breach_reason", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		if c.t.Tier != 2 || !onUnitSide(sc, c.t) {
			return errs.E(errs.Forbidden, "only the service desk of %s explains a breach of ticket %d", c.t.UnitName, id)
		}
		c.before["breach_reason"], c.after["breach_reason"] = c.t.BreachReason, reason
		c.update("breach_reason", reason)
		c.note("breach_reason", false, reason, nil)
		return nil
	})
}

// SetSubscription links ticket id to another subscription of its
// municipality (0: none) — another service or level. Running and paused
// SLA clocks take the new level's targets and calendar and keep the
// business time already counted; the side that holds the ticket decides.
func (s *Service) SetSubscription(ctx context.Context, sc access.Scope, id int64, version int, subscription int64, reason string) (Ticket, error) {
	reason, err := checkText("reason", reason, 1, maxNote)
	if err != nil {
		return Ticket{}, errs.Field("reason", "say why the service level changes")
	}
	return s.mutate(ctx, sc, id, version, "subscription", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if err := holder(sc, t, id); err != nil {
			return err
		}
		if err := s.checkLinks(ctx, tx, NewTicket{Municipality: t.MunicipalityID, Subscription: subscription}); err != nil {
			return err
		}
		c.before["subscription"], c.after["subscription"] = t.SubscriptionID, subscription
		c.update("subscription_id", nullID(subscription))
		c.t.SubscriptionID = subscription
		if t.Tier == 2 {
			tg, err := s.slaTargets(ctx, tx, c.t)
			if err != nil {
				return err
			}
			cal, err := calendarFor(ctx, tx, Response, tg.Calendar, t.UnitID)
			if err != nil {
				return err
			}
			for _, k := range c.clocks {
				switch {
				case k.State == Stopped:
				case k.Name == Response:
					k.Retarget(now, cal, tg.Response[t.Priority])
				case k.Name == Resolution:
					k.Retarget(now, cal, tg.Resolution[t.Priority])
				}
			}
			c.after["targets"] = tg.Source
		}
		c.note("subscription", false, reason, map[string]any{"subscription": subscription})
		return nil
	})
}
