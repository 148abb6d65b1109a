package servicedesk

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/network"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// The change types (ITIL 4): standard changes are pre-approved; normal
// changes wait for the unit's change board; emergency changes may go ahead
// and are approved afterwards.
const (
	StandardChange  = "standard"
	NormalChange    = "normal"
	EmergencyChange = "emergency"
)

// Risks of a change.
var Risks = []string{"low", "medium", "high"}

// Ack is an affected municipality's answer to a change.
type Ack struct {
	MunicipalityID   int64      `json:"municipality_id"`
	MunicipalityName string     `json:"municipality_name"`
	State            string     `json:"state"` // pending, acknowledged, objected
	By               string     `json:"by,omitempty"`
	At               *time.Time `json:"at,omitempty"`
	Note             string     `json:"note,omitempty"`
}

// ChangeInfo is what a change ticket holds beyond a ticket.
type ChangeInfo struct {
	Type         string     `json:"type"`
	Risk         string     `json:"risk"`
	Plan         string     `json:"plan"`
	Rollback     string     `json:"rollback"`
	WindowStart  time.Time  `json:"window_start"`
	WindowEnd    time.Time  `json:"window_end"`
	Approval     string     `json:"approval"` // pending, approved, rejected
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
	Sites        []int64    `json:"sites"`
	Connections  []int64    `json:"connections"`
	Acks         []Ack      `json:"acknowledgements"`
	// AcksRequired: the change touches more than one municipality, so each
	// must acknowledge (or object) before the window.
	AcksRequired bool `json:"acknowledgements_required"`
}

// Waiting returns what still holds the change back from implementation
// ("" when nothing does).
func (c ChangeInfo) Waiting() string {
	var why []string
	if c.Approval == "rejected" {
		return "rejected by the change board"
	}
	if c.Approval != "approved" && c.Type != EmergencyChange {
		why = append(why, "the change board's approval")
	}
	if c.AcksRequired && c.Type != EmergencyChange {
		for _, a := range c.Acks {
			switch a.State {
			case "pending":
				why = append(why, "acknowledgement from "+a.MunicipalityName)
			case "objected":
				why = append(why, "the objection of "+a.MunicipalityName+" ("+a.Note+")")
			}
		}
	}
	return strings.Join(why, "; ")
}

// NewChange is what CreateChange needs.
type NewChange struct {
	Unit        int64 // 0: the caller's unit
	Title       string
	Description string
	Type        string
	Risk        string
	Plan        string
	Rollback    string
	WindowStart time.Time
	WindowEnd   time.Time
	Sites       []int64
	Connections []int64
	Impact      int // default 2
	Urgency     int // default 3
}

// CreateChange registers a change (a unit's service desk or manager does).
// The municipalities of the sites and connections it touches are derived
// and notified; when there are several, each must acknowledge (or object)
// before the window. Standard changes are approved at once; normal and
// emergency changes go to the unit's change board.
func (s *Service) CreateChange(ctx context.Context, sc access.Scope, n NewChange) (Ticket, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Ticket{}, errs.E(errs.Unauthorized, "log in first")
	}
	privileged := sc.IsSystem() || sc.Role == access.RoleAdmin
	if n.Unit == 0 {
		n.Unit = sc.OrgID
	}
	if !privileged && !(sc.OrgKind == "unit" && n.Unit == sc.OrgID && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager)) {
		return Ticket{}, errs.E(errs.Forbidden, "a unit's service desk or manager registers the unit's changes")
	}
	var err error
	if n.Title, err = checkText("title", n.Title, 3, maxTitle); err != nil {
		return Ticket{}, err
	}
	if n.Description, err = checkText("description", n.Description, 0, maxText); err != nil {
		return Ticket{}, err
	}
	if n.Plan, err = checkText("plan", n.Plan, 3, maxText); err != nil {
		return Ticket{}, err
	}
	if n.Rollback, err = checkText("rollback", n.Rollback, 3, maxText); err != nil {
		return Ticket{}, errs.Field("rollback", "say how the change is rolled back")
	}
	if !slices.Contains([]string{StandardChange, NormalChange, EmergencyChange}, n.Type) {
		return Ticket{}, errs.Field("type", "want standard, normal or emergency, got %q", n.Type)
	}
	if !slices.Contains(Risks, n.Risk) {
		return Ticket{}, errs.Field("risk", "want low, medium or high, got %q", n.Risk)
	}
	if n.WindowStart.IsZero() || !n.WindowEnd.After(n.WindowStart) {
		return Ticket{}, errs.Field("window_end", "the window ends after it starts")
	}
	if n.WindowEnd.Sub(n.WindowStart) > 7*24*time.Hour {
		return Ticket{}, errs.Field("window_end", "a window lasts at most 7 days; split the change")
	}
	if len(n.Sites)+len(n.Connections) > 200 {
		return Ticket{}, errs.Field("sites", "at most 200 sites and connections per change")
	}
	if n.Impact == 0 {
		n.Impact = 2
	}
	if n.Urgency == 0 {
		n.Urgency = 3
	}
	if n.Impact < 1 || n.Impact > 3 || n.Urgency < 1 || n.Urgency > 3 {
		return Ticket{}, errs.Field("impact", "impact and urgency must be 1 (high), 2 (medium) or 3 (low)")
	}
	slices.Sort(n.Sites)
	n.Sites = slices.Compact(n.Sites)
	slices.Sort(n.Connections)
	n.Connections = slices.Compact(n.Connections)
	var t Ticket
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, n.Unit).Scan(&kind); err != nil || kind != "unit" {
			return errs.Field("unit", "organisation %d is not a unit", n.Unit)
		}
		munis, err := network.Touched(ctx, tx, sc, n.Sites, n.Connections)
		if err != nil {
			return err
		}
		now := s.now()
		var muni any
		if len(munis) == 1 {
			muni = munis[0]
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO tickets (kind, municipality_id, unit_id, title, description, impact, urgency, priority,
			status, tier, created_by, created_at, updated_at, escalated_at) VALUES ('change', $1, $2, $3, $4, $5, $6, $7, 'in_progress', 2, $8, $9, $9, $9)
			RETURNING id`, muni, n.Unit, n.Title, n.Description, n.Impact, n.Urgency, Priority(n.Impact, n.Urgency), sc.Actor().Name, now).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot store change")
		}
		approval, decidedBy, decidedAt := "pending", "", any(nil)
		if n.Type == StandardChange {
			approval, decidedBy, decidedAt = "approved", "standard change (pre-approved)", now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_changes (ticket_id, change_type, risk, plan, rollback, window_start, window_end, approval,
			decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, n.Type, n.Risk, n.Plan, n.Rollback,
			n.WindowStart.UTC(), n.WindowEnd.UTC(), approval, decidedBy, decidedAt); err != nil {
			return errs.Wrap(err, "cannot store change")
		}
		for _, x := range n.Sites {
			if _, err := tx.ExecContext(ctx, `INSERT INTO change_targets (ticket_id, site_id) VALUES ($1, $2)`, id, x); err != nil {
				return errs.Wrap(err, "cannot store change target")
			}
		}
		for _, x := range n.Connections {
			if _, err := tx.ExecContext(ctx, `INSERT INTO change_targets (ticket_id, connection_id) VALUES ($1, $2)`, id, x); err != nil {
				return errs.Wrap(err, "cannot store change target")
			}
		}
		for _, m := range munis {
			if _, err := tx.ExecContext(ctx, `INSERT INTO change_acks (ticket_id, municipality_id, state) VALUES ($1, $2, 'pending')`, id, m); err != nil {
				return errs.Wrap(err, "cannot store acknowledgement")
			}
			if _, err := notify.Queue(ctx, tx, notify.Notice{OrgID: m, Roles: spocRoles, Kind: "change.announced", TicketID: id, Subject: n.Title, At: now}); err != nil {
				return err
			}
		}
		if _, err := addEntry(ctx, tx, id, now, sc, "created", false, "", map[string]any{"status": InProgress, "type": n.Type,
			"municipalities": len(munis)}); err != nil {
			return err
		}
		if t, _, err = s.get(ctx, tx, access.System("servicedesk"), id, true); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "change.create", TargetType: "ticket", TargetID: idString(id), OrgID: n.Unit,
			After: map[string]any{"title": n.Title, "type": n.Type, "risk": n.Risk, "window_start": n.WindowStart.UTC(),
				"window_end": n.WindowEnd.UTC(), "sites": n.Sites, "connections": n.Connections, "municipalities": munis}})
	})
	return t, err
}

// loadChange reads the change part of ticket id.
func loadChange(ctx context.Context, q store.Querier, id int64) (*ChangeInfo, error) {
	c := &ChangeInfo{Sites: []int64{}, Connections: []int64{}, Acks: []Ack{}}
	var decided sql.NullTime
	if err := q.QueryRowContext(ctx, `SELECT change_type, risk, plan, rollback, window_start, window_end, approval, decided_by, decided_at, decision_note
		FROM ticket_changes WHERE ticket_id = $1`, id).Scan(&c.Type, &c.Risk, &c.Plan, &c.Rollback, &c.WindowStart, &c.WindowEnd, &c.Approval,
		&c.DecidedBy, &decided, &c.DecisionNote); err != nil {
		return nil, errs.Wrap(err, "cannot load change %d", id)
	}
	c.WindowStart, c.WindowEnd, c.DecidedAt = c.WindowStart.UTC(), c.WindowEnd.UTC(), utcPtr(decided)
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(site_id, 0), COALESCE(connection_id, 0) FROM change_targets WHERE ticket_id = $1`, id)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load targets of change %d", id)
	}
	for rows.Next() {
		var site, conn int64
		if err := rows.Scan(&site, &conn); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read change target")
		}
		if site != 0 {
			c.Sites = append(c.Sites, site)
		}
		if conn != 0 {
			c.Connections = append(c.Connections, conn)
		}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT a.municipality_id, m.name, a.state, a.answered_by, a.answered_at, a.note FROM change_acks a
		JOIN organizations m ON m.id = a.municipality_id WHERE a.ticket_id = $1 ORDER BY m.name`, id)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load acknowledgements of change %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var a Ack
		var at sql.NullTime
		if err := rows.Scan(&a.MunicipalityID, &a.MunicipalityName, &a.State, &a.By, &at, &a.Note); err != nil {
			return nil, errs.Wrap(err, "cannot read acknowledgement")
		}
		a.At = utcPtr(at)
		c.Acks = append(c.Acks, a)
	}
	c.AcksRequired = len(c.Acks) > 1
	return c, errs.Wrap(rows.Err(), "cannot load acknowledgements of change %d", id)
}

// Acknowledge records an affected municipality's answer to change id:
// acknowledged, or objected (with the reason). It must come before the
// window starts; the unit is told.
func (s *Service) Acknowledge(ctx context.Context, sc access.Scope, id int64, object bool, note string) (Ticket, error) {
	note, err := checkText("note", note, 0, maxNote)
	if err != nil {
		return Ticket{}, err
	}
	if object && note == "" {
		return Ticket{}, errs.Field("note", "say why you object and what would work instead")
	}
	return s.mutate(ctx, sc, id, 0, "acknowledge", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if t.Kind != Change {
			return errs.E(errs.Conflict, "ticket %d is not a change", id)
		}
		if sc.OrgKind != "municipality" || (sc.Role != access.RoleSPOC && sc.Role != access.RoleKommuneIT) {
			return errs.E(errs.Forbidden, "an affected municipality's SPOC or IT answers change %d", id)
		}
		ch, err := loadChange(ctx, tx, id)
		if err != nil {
			return err
		}
		if !now.Before(ch.WindowStart) {
			return errs.E(errs.Conflict, "the window of change %d has started; talk to %s directly", id, t.UnitName)
		}
		state := "acknowledged"
		if object {
			state = "objected"
		}
		res, err := tx.ExecContext(ctx, `UPDATE change_acks SET state = $1, answered_by = $2, answered_at = $3, note = $4 WHERE ticket_id = $5 AND municipality_id = $6`,
			state, sc.Actor().Name, now, note, id, sc.OrgID)
		if err != nil {
			return errs.Wrap(err, "cannot record acknowledgement")
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errs.E(errs.Forbidden, "change %d does not touch your municipality", id)
		}
		c.after["acknowledgement"] = map[string]any{"municipality": sc.OrgID, "state": state}
		c.note("change_"+state, false, note, nil)
		c.tell(t.UnitID, []access.Role{access.RoleServiceDesk, access.RoleUnitManager}, "change."+state)
		return nil
	})
}

// Decide records the unit's change board's decision on change id (its
// manager decides). A change that an affected municipality objects to
// cannot be approved until the objection is answered (a new window, or
// the municipality withdraws it); emergency changes are approved
// afterwards.
func (s *Service) Decide(ctx context.Context, sc access.Scope, id int64, version int, approve bool, note string) (Ticket, error) {
	note, err := checkText("note", note, 0, maxNote)
	if err != nil {
		return Ticket{}, err
	}
	if !approve && note == "" {
		return Ticket{}, errs.Field("note", "say why the change is rejected")
	}
	return s.mutate(ctx, sc, id, version, "decide", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if t.Kind != Change {
			return errs.E(errs.Conflict, "ticket %d is not a change", id)
		}
		if !(sc.IsSystem() || sc.Role == access.RoleAdmin || (sc.OrgID == t.UnitID && sc.Role == access.RoleUnitManager)) {
			return errs.E(errs.Forbidden, "the change board of %s (its manager) decides change %d", t.UnitName, id)
		}
		ch, err := loadChange(ctx, tx, id)
		if err != nil {
			return err
		}
		if ch.Approval != "pending" {
			return errs.E(errs.Conflict, "change %d is %s already", id, ch.Approval)
		}
		if approve {
			for _, a := range ch.Acks {
				if a.State == "objected" && ch.Type != EmergencyChange {
					return errs.E(errs.Conflict, "%s objects to change %d (%s); agree a new window with them first", a.MunicipalityName, id, a.Note)
				}
			}
		}
		decision := "rejected"
		if approve {
			decision = "approved"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_changes SET approval = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE ticket_id = $5`,
			decision, sc.Actor().Name, now, note, id); err != nil {
			return errs.Wrap(err, "cannot record decision")
		}
		c.before["approval"], c.after["approval"] = ch.Approval, decision
		c.note("change_"+decision, false, note, nil)
		for _, a := range ch.Acks {
			c.tell(a.MunicipalityID, spocRoles, "change."+decision)
		}
		return nil
	})
}

// changeReady fails Conflict when change t may not be marked implemented
// yet: it lacks approval, or (touching several municipalities) an
// acknowledgement, or an affected municipality objects. Emergency changes
// go ahead.
func changeReady(ctx context.Context, q store.Querier, t Ticket) error {
	ch, err := loadChange(ctx, q, t.ID)
	if err != nil {
		return err
	}
	if w := ch.Waiting(); w != "" {
		return errs.E(errs.Conflict, "change %d waits for %s", t.ID, w)
	}
	return nil
}
