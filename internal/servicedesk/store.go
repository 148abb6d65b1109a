package servicedesk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Service keeps tickets. Every method takes the caller's scope and sees
// and changes only what it may.
type Service struct {
	db  *store.DB
	cat *catalog.Store
	// Clock gives the current time; tests and the demo loader set it.
	Clock func() time.Time
}

// NewService returns the service desk over db, with SLA targets from cat.
func NewService(db *store.DB, cat *catalog.Store) *Service {
	return &Service{db: db, cat: cat, Clock: store.Now}
}

// DB returns the database the service keeps tickets in.
func (s *Service) DB() *store.DB { return s.db }

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

// visible is the predicate for tickets sc may see: a municipality its own
// and the changes that touch it; a unit those escalated to it (never
// before escalation) and its own problems and changes; admins and
// governance all.
func (s *Service) visible(sc access.Scope, a *store.Args) string {
	switch sc.Reach {
	case access.ReachAll:
		return "TRUE"
	case access.ReachOwn:
		p := a.Add(sc.OrgID)
		if s.db.Dialect() == store.SQLite {
			// One IN over a union rather than an OR: SQLite then walks the
			// municipality's index instead of every ticket (193 → 11 ms
			// for a queue page at a million tickets); PostgreSQL plans the
			// OR better (29 vs 71 ms), docs/PERFORMANCE.md.
			return "t.id IN (SELECT id FROM tickets WHERE municipality_id = " + p + " UNION ALL SELECT ticket_id FROM change_acks WHERE municipality_id = " + p + ")"
		}
		return "(t.municipality_id = " + p + " OR t.id IN (SELECT ticket_id FROM change_acks WHERE municipality_id = " + p + "))"
	case access.ReachSupplied:
		return "(t.unit_id = " + a.Add(sc.OrgID) + " AND t.escalated_at IS NOT NULL)"
	}
	return "FALSE"
}

const ticketColumns = `t.id, t.kind, COALESCE(t.municipality_id, 0), COALESCE(m.code, ''), COALESCE(m.name, ''), t.unit_id, u.name,
	COALESCE(t.subscription_id, 0), COALESCE(t.site_id, 0), t.title, t.description, t.impact, t.urgency, t.priority, t.status, t.tier,
	t.assignee, t.requester, t.handover, t.resolution, t.breach_reason, COALESCE(t.satisfaction, 0), t.satisfaction_comment,
	t.created_by, t.created_at, t.updated_at, t.escalated_at, t.resolved_at, t.closed_at, t.version, COALESCE(t.case_id, 0)`

const ticketFrom = ` FROM tickets t LEFT JOIN organizations m ON m.id = t.municipality_id JOIN organizations u ON u.id = t.unit_id`

func scanTicket(row interface{ Scan(...any) error }) (Ticket, error) {
	var t Ticket
	var handover string
	var esc, res, clo sql.NullTime
	err := row.Scan(&t.ID, &t.Kind, &t.MunicipalityID, &t.MunicipalityCode, &t.MunicipalityName, &t.UnitID, &t.UnitName,
		&t.SubscriptionID, &t.SiteID, &t.Title, &t.Description, &t.Impact, &t.Urgency, &t.Priority, &t.Status, &t.Tier,
		&t.Assignee, &t.Requester, &handover, &t.Resolution, &t.BreachReason, &t.Satisfaction, &t.SatisfactionComment,
		&t.CreatedBy, &t.CreatedAt, &t.UpdatedAt, &esc, &res, &clo, &t.Version, &t.CaseID)
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	t.EscalatedAt, t.ResolvedAt, t.ClosedAt = utcPtr(esc), utcPtr(res), utcPtr(clo)
	if handover != "" && handover != "{}" {
		var h Handover
		if json.Unmarshal([]byte(handover), &h) == nil {
			t.Handover = &h
		}
	}
	return t, nil
}

func utcPtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// calendarFor returns the calendar clock name runs on for a ticket of unit:
// the 1st-line OLA on the plain calendar, the unit's SLA on the level's
// calendar closed also on the unit's own closing days (looked up once per
// unit and kept in seen, when given).
func calendarFor(ctx context.Context, q store.Querier, name ClockName, id string, unit int64) (*calendar.Calendar, error) {
	return calendarSeen(ctx, q, name, id, unit, nil)
}

func calendarSeen(ctx context.Context, q store.Querier, name ClockName, id string, unit int64, seen map[int64][]calendar.Closure) (*calendar.Calendar, error) {
	cal, ok := calendar.Lookup(id)
	if !ok {
		return nil, errs.E(errs.Internal, "unknown calendar %q", id)
	}
	if name == FirstLine {
		return cal, nil
	}
	cs, ok := seen[unit]
	if !ok {
		var err error
		if cs, err = unitClosures(ctx, q, unit); err != nil {
			return nil, err
		}
		if seen != nil {
			seen[unit] = cs
		}
	}
	return cal.WithClosures(cs), nil
}

// UnitClosures returns the extra closing days unit keeps, to a caller
// whose reach holds the unit or who is supplied by it (its SLA clocks
// stop on those days); for anyone else the unit answers as unknown.
func (s *Service) UnitClosures(ctx context.Context, sc access.Scope, unit int64) ([]calendar.Closure, error) {
	var a store.Args
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = `+a.Add(unit)+` AND kind = 'unit' AND (`+
		sc.OrgPredicate("id", &a)+` OR id IN (SELECT supplier_id FROM organizations WHERE id = `+a.Add(sc.OrgID)+`))`, a.Values()...).Scan(&n); err != nil {
		return nil, errs.Wrap(err, "cannot look up unit %d", unit)
	}
	if n == 0 {
		return nil, errs.E(errs.NotFound, "no unit %d", unit)
	}
	return unitClosures(ctx, s.db.Reader(), unit)
}

// unitClosures reads the extra closing days unit keeps.
func unitClosures(ctx context.Context, q store.Querier, unit int64) ([]calendar.Closure, error) {
	rows, err := q.QueryContext(ctx, `SELECT closure FROM unit_closures WHERE unit_id = $1 ORDER BY closure`, unit)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load closing days of unit %d", unit)
	}
	defer rows.Close()
	var out []calendar.Closure
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, errs.Wrap(err, "cannot read closing day")
		}
		out = append(out, calendar.Closure(c))
	}
	return out, errs.Wrap(rows.Err(), "cannot load closing days of unit %d", unit)
}

const clockColumns = `ticket_id, name, calendar, target, state, started_at, since, elapsed, warn_at, deadline, warned_at, breached_at, stopped_at`

func scanClock(row interface{ Scan(...any) error }) (int64, Clock, error) {
	var id int64
	var c Clock
	var target, elapsed int64
	var since, warn, dl, warned, breached, stopped sql.NullTime
	err := row.Scan(&id, &c.Name, &c.Calendar, &target, &c.State, &c.StartedAt, &since, &elapsed, &warn, &dl, &warned, &breached, &stopped)
	c.Target, c.Elapsed = time.Duration(target), time.Duration(elapsed)
	c.StartedAt = c.StartedAt.UTC()
	c.Since, c.WarnAt, c.Deadline, c.WarnedAt, c.BreachedAt, c.StoppedAt =
		utcPtr(since), utcPtr(warn), utcPtr(dl), utcPtr(warned), utcPtr(breached), utcPtr(stopped)
	return id, c, err
}

// loadClocks returns the clocks of the given tickets with their calendars.
func loadClocks(ctx context.Context, q store.Querier, units map[int64]int64, ids []int64) (map[int64][]Clock, error) {
	out := map[int64][]Clock{}
	if len(ids) == 0 {
		return out, nil
	}
	var a store.Args
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.Add(id)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+clockColumns+` FROM ticket_clocks WHERE ticket_id IN (`+strings.Join(ps, ", ")+`) ORDER BY ticket_id, started_at, name`,
		a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load clocks")
	}
	var all []struct {
		id int64
		c  Clock
	}
	for rows.Next() {
		id, c, err := scanClock(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read clock")
		}
		all = append(all, struct {
			id int64
			c  Clock
		}{id, c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot load clocks")
	}
	closures := map[int64][]calendar.Closure{}
	for _, x := range all {
		cal, err := calendarSeen(ctx, q, x.c.Name, x.c.Calendar, units[x.id], closures)
		if err != nil {
			return nil, err
		}
		x.c.cal = cal
		out[x.id] = append(out[x.id], x.c)
	}
	return out, nil
}

func saveClock(ctx context.Context, tx *sql.Tx, id int64, c Clock) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO ticket_clocks (`+clockColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (ticket_id, name) DO UPDATE SET calendar = excluded.calendar, target = excluded.target, state = excluded.state,
		since = excluded.since, elapsed = excluded.elapsed, warn_at = excluded.warn_at, deadline = excluded.deadline,
		warned_at = excluded.warned_at, breached_at = excluded.breached_at, stopped_at = excluded.stopped_at`,
		id, string(c.Name), c.Calendar, int64(c.Target), string(c.State), c.StartedAt, c.Since, int64(c.Elapsed), c.WarnAt, c.Deadline,
		c.WarnedAt, c.BreachedAt, c.StoppedAt)
	return errs.Wrap(err, "cannot save %s clock of ticket %d", c.Name, id)
}

// get loads ticket id if sc may see it, with clocks; full adds the
// timeline (internal entries only for their own organisation) and visits.
func (s *Service) get(ctx context.Context, q store.Querier, sc access.Scope, id int64, full bool) (Ticket, []Clock, error) {
	var a store.Args
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+ticketFrom+` WHERE t.id = `+a.Add(id)+` AND `+s.visible(sc, &a), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Ticket{}, nil, errs.E(errs.NotFound, "no ticket %d", id)
	}
	if err != nil {
		return Ticket{}, nil, errs.Wrap(err, "cannot load ticket %d", id)
	}
	clocks, err := loadClocks(ctx, q, map[int64]int64{id: t.UnitID}, []int64{id})
	if err != nil {
		return Ticket{}, nil, err
	}
	now := s.now()
	for _, c := range clocks[id] {
		t.Clocks = append(t.Clocks, c.View(now))
	}
	if !full {
		return t, clocks[id], nil
	}
	if t.Entries, err = entries(ctx, q, sc, id); err != nil {
		return Ticket{}, nil, err
	}
	if t.Visits, err = visits(ctx, q, id); err != nil {
		return Ticket{}, nil, err
	}
	switch t.Kind {
	case Change:
		if t.Change, err = loadChange(ctx, q, id); err != nil {
			return Ticket{}, nil, err
		}
	case Problem:
		if t.Problem, err = s.loadProblem(ctx, q, sc, id); err != nil {
			return Ticket{}, nil, err
		}
	case Incident:
		if t.Problems, err = problemsOf(ctx, q, id); err != nil {
			return Ticket{}, nil, err
		}
	}
	return t, clocks[id], nil
}

func entries(ctx context.Context, q store.Querier, sc access.Scope, id int64) ([]Entry, error) {
	var a store.Args
	cond := `ticket_id = ` + a.Add(id)
	if sc.Reach != access.ReachAll {
		cond += ` AND (NOT internal OR actor_org_id = ` + a.Add(sc.OrgID) + `)`
	}
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor, kind, internal, body, detail FROM ticket_entries WHERE `+cond+` ORDER BY id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load timeline of ticket %d", id)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		var detail string
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Kind, &e.Internal, &e.Body, &detail); err != nil {
			return nil, errs.Wrap(err, "cannot read timeline entry")
		}
		e.At = e.At.UTC()
		if detail != "" && detail != "{}" {
			_ = json.Unmarshal([]byte(detail), &e.Detail)
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "cannot load timeline of ticket %d", id)
}

func visits(ctx context.Context, q store.Querier, id int64) ([]Visit, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(site_id, 0), address, starts_at, ends_at, technician, note, status
		FROM ticket_visits WHERE ticket_id = $1 ORDER BY starts_at`, id)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load visits of ticket %d", id)
	}
	defer rows.Close()
	var out []Visit
	for rows.Next() {
		var v Visit
		if err := rows.Scan(&v.ID, &v.SiteID, &v.Address, &v.StartsAt, &v.EndsAt, &v.Technician, &v.Note, &v.Status); err != nil {
			return nil, errs.Wrap(err, "cannot read visit")
		}
		v.StartsAt, v.EndsAt = v.StartsAt.UTC(), v.EndsAt.UTC()
		out = append(out, v)
	}
	return out, errs.Wrap(rows.Err(), "cannot load visits of ticket %d", id)
}

// Get returns ticket id with its clocks, timeline and visits if sc may
// see it (NotFound otherwise, so that nobody learns another's tickets
// exist).
func (s *Service) Get(ctx context.Context, sc access.Scope, id int64) (Ticket, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Ticket{}, errs.E(errs.Unauthorized, "log in first")
	}
	t, _, err := s.get(ctx, s.db.Reader(), sc, id, true)
	return t, err
}

// Filter narrows List. Zero values mean "any".
type Filter struct {
	Statuses     []Status
	Kind         Kind
	Municipality int64
	Unit         int64
	// Org keeps the tickets of one organisation: those concerning the
	// municipality or held by the unit it names.
	Org      int64
	Priority string
	// Assignee keeps the tickets assigned to this username; Unassigned
	// those assigned to nobody (the two exclude each other).
	Assignee   string
	Unassigned bool
	Tier       int
	// Due keeps the tickets whose deadlines stand so: DueBreached, a
	// running clock past its deadline; DueSoon, a running clock past its
	// warning (75%) but none past its deadline.
	Due string
	// Visits "today" keeps the tickets with an on-site visit planned
	// today (Danish time).
	Visits string
	// Query is full text over title, description and resolution: every
	// word must occur (as a prefix).
	Query string
	Limit int // default 50, at most 500
	// Sort orders the page (see Sort). The zero value is newest first,
	// paged by Before; any other order is paged by Offset and counted.
	Sort   Sort
	Before int64 // keyset cursor for newest first: tickets with a smaller id
	Offset int   // sorted pages: how many matches to skip (at most MaxOffset)
}

// Page is one page of a queue.
type Page struct {
	Tickets []Ticket `json:"tickets"`
	// Next is the cursor for the following page (0: none), newest first.
	Next int64 `json:"next,omitempty"`
	// Total counts every match of a sorted list; NextOffset is the
	// offset of its following page (0: none).
	Total      *int `json:"total,omitempty"`
	NextOffset int  `json:"next_offset,omitempty"`
}

// searchTerm is one word of a ticket search; Prefix when the user ended
// it with '*'.
type searchTerm struct {
	Word   string
	Prefix bool
}

// ftsQuery turns free text into safe search terms (letters and digits
// only; a trailing '*' asks for a prefix), at most 8. Whole words are the
// default: a prefix of a common word makes the index merge every word
// that starts with it (measured: 160 ms instead of 4 ms at a million
// tickets).
func ftsQuery(s string) []searchTerm {
	var out []searchTerm
	for _, f := range strings.Fields(strings.ToLower(s)) {
		prefix := strings.HasSuffix(f, "*")
		for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			out = append(out, searchTerm{Word: w})
		}
		if prefix && len(out) > 0 {
			out[len(out)-1].Prefix = true
		}
	}
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}

// List returns the tickets sc may see that match f: newest first, or in
// the order f.Sort names with the total count of matches.
func (s *Service) List(ctx context.Context, sc access.Scope, f Filter) (Page, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Page{}, errs.E(errs.Unauthorized, "log in first")
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 0 || f.Limit > 500 {
		return Page{}, errs.Field("limit", "must be between 1 and 500")
	}
	var a store.Args
	where, err := s.where(sc, f, &a)
	if err != nil {
		return Page{}, err
	}
	q := s.db.Reader()
	page := Page{Tickets: []Ticket{}}
	var order string
	if f.Sort == "" {
		if f.Offset != 0 {
			return Page{}, errs.Field("offset", "an offset pages a sorted list; newest first pages with cursor")
		}
		if f.Before > 0 {
			where = append(where, "t.id < "+a.Add(f.Before))
		}
		order = "t.id DESC LIMIT " + a.Add(f.Limit+1)
	} else {
		if f.Before != 0 {
			return Page{}, errs.Field("cursor", "a cursor pages the newest-first list; a sorted list pages with offset")
		}
		if f.Offset < 0 || f.Offset > MaxOffset {
			return Page{}, errs.Field("offset", "must be between 0 and %d", MaxOffset)
		}
		var total int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets t WHERE `+strings.Join(where, " AND "), a.Values()...).Scan(&total); err != nil {
			return Page{}, errs.Wrap(err, "cannot count tickets")
		}
		page.Total = &total
		if order, err = f.Sort.orderBy(&a); err != nil {
			return Page{}, err
		}
		order += " LIMIT " + a.Add(f.Limit+1) + " OFFSET " + a.Add(f.Offset)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+ticketColumns+ticketFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order, a.Values()...)
	if err != nil {
		return Page{}, errs.Wrap(err, "cannot list tickets")
	}
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			rows.Close()
			return Page{}, errs.Wrap(err, "cannot read ticket")
		}
		page.Tickets = append(page.Tickets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrap(err, "cannot list tickets")
	}
	if len(page.Tickets) > f.Limit {
		page.Tickets = page.Tickets[:f.Limit]
		if f.Sort == "" {
			page.Next = page.Tickets[f.Limit-1].ID
		} else {
			page.NextOffset = f.Offset + f.Limit
		}
	}
	units := map[int64]int64{}
	ids := make([]int64, len(page.Tickets))
	for i, t := range page.Tickets {
		units[t.ID], ids[i] = t.UnitID, t.ID
	}
	clocks, err := loadClocks(ctx, q, units, ids)
	if err != nil {
		return Page{}, err
	}
	now := s.now()
	for i, t := range page.Tickets {
		for _, c := range clocks[t.ID] {
			page.Tickets[i].Clocks = append(page.Tickets[i].Clocks, c.View(now))
		}
	}
	return page, nil
}

// where returns the conditions of f for tickets sc may see.
func (s *Service) where(sc access.Scope, f Filter, a *store.Args) ([]string, error) {
	where := []string{s.visible(sc, a)}
	if len(f.Statuses) > 0 {
		var ps []string
		for _, st := range f.Statuses {
			if _, err := ParseStatus("status", string(st)); err != nil {
				return nil, err
			}
			ps = append(ps, a.Add(string(st)))
		}
		where = append(where, "t.status IN ("+strings.Join(ps, ", ")+")")
	}
	if f.Kind != "" {
		where = append(where, "t.kind = "+a.Add(string(f.Kind)))
	}
	if f.Municipality != 0 {
		where = append(where, "t.municipality_id = "+a.Add(f.Municipality))
	}
	if f.Unit != 0 {
		where = append(where, "t.unit_id = "+a.Add(f.Unit))
	}
	if f.Org != 0 {
		p := a.Add(f.Org)
		where = append(where, "(t.municipality_id = "+p+" OR t.unit_id = "+p+")")
	}
	if f.Priority != "" {
		where = append(where, "t.priority = "+a.Add(f.Priority))
	}
	switch {
	case f.Unassigned && f.Assignee != "":
		return nil, errs.Field("assignee", "ask for one assignee or for unassigned tickets, not both")
	case f.Unassigned:
		where = append(where, "t.assignee = ''")
	case f.Assignee != "":
		where = append(where, "t.assignee = "+a.Add(f.Assignee))
	}
	if f.Tier != 0 {
		where = append(where, "t.tier = "+a.Add(f.Tier))
	}
	if f.Due != "" {
		now := a.Add(s.now())
		breached := "EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id AND c.state = 'running' AND (c.breached_at IS NOT NULL OR c.deadline <= " + now + "))"
		switch f.Due {
		case DueBreached:
			where = append(where, breached)
		case DueSoon:
			where = append(where, "NOT "+breached+" AND EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = t.id AND c.state = 'running' AND c.warn_at <= "+now+")")
		default:
			return nil, errs.Field("due", "want breached or soon, got %q", f.Due)
		}
	}
	switch f.Visits {
	case "":
	case VisitsToday:
		day, next := today(s.now())
		where = append(where, "EXISTS (SELECT 1 FROM ticket_visits v WHERE v.ticket_id = t.id AND v.status = 'planned' AND v.starts_at >= "+
			a.Add(day)+" AND v.starts_at < "+a.Add(next)+")")
	default:
		return nil, errs.Field("visits", "want today, got %q", f.Visits)
	}
	if f.Query != "" {
		terms := ftsQuery(f.Query)
		if len(terms) == 0 {
			return nil, errs.Field("q", "give at least one word to search for")
		}
		words := make([]string, len(terms))
		pg := s.db.Dialect() == store.Postgres
		for i, t := range terms {
			switch {
			case pg && t.Prefix:
				words[i] = t.Word + ":*"
			case pg:
				words[i] = t.Word
			case t.Prefix:
				words[i] = `"` + t.Word + `"*`
			default:
				words[i] = `"` + t.Word + `"`
			}
		}
		if pg {
			where = append(where, "t.search @@ to_tsquery('simple', "+a.Add(strings.Join(words, " & "))+")")
		} else {
			where = append(where, "t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH "+a.Add(strings.Join(words, " "))+")")
		}
	}
	return where, nil
}

func addEntry(ctx context.Context, tx *sql.Tx, id int64, at time.Time, sc access.Scope, kind string, internal bool, body string, detail map[string]any) (int64, error) {
	d := "{}"
	if len(detail) > 0 {
		b, _ := json.Marshal(detail)
		d = string(b)
	}
	var org any
	if sc.OrgID != 0 {
		org = sc.OrgID
	}
	var eid int64
	err := tx.QueryRowContext(ctx, `INSERT INTO ticket_entries (ticket_id, at, actor, actor_org_id, kind, internal, body, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, at, sc.Actor().Name, org, kind, internal, body, d).Scan(&eid)
	return eid, errs.Wrap(err, "cannot record step on ticket %d", id)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
