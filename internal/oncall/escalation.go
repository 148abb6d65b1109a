package oncall

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// The states of an escalation. Active pages step after step until it
// runs out of steps; acknowledged and resolved page no more; snoozed
// pages again, from the step it was at, when the snooze ends.
const (
	StateActive       = "active"
	StateAcknowledged = "acknowledged"
	StateSnoozed      = "snoozed"
	StateResolved     = "resolved"
)

// The kinds of subject an escalation pages for.
const (
	KindAlert = "alert"
	KindCase  = "case"
)

// NoticeKind is the notify kind of an on-call page.
const NoticeKind = "oncall.page"

// maxTitle bounds the subject's title kept with an escalation (longer
// titles are cut, not refused: they come from alerts).
const maxTitle = 200

// Subject is what Start escalates: an alert or a case of tenant OrgID.
type Subject struct {
	// OrgID is the organisation the alert or case belongs to.
	OrgID int64
	// Team (a slug) or TeamID names the team to page; both empty: the
	// default team.
	Team   string
	TeamID int64
	// Severity is low, medium, high or critical; it picks the policy.
	Severity  string
	Kind      string // KindAlert or KindCase
	SubjectID int64
	Title     string
	At        time.Time // zero: now
}

// Escalation is one alert's or case's paging of an on-call team.
type Escalation struct {
	ID        int64  `json:"id"`
	TeamID    int64  `json:"team_id"`
	Team      string `json:"team"`
	TeamName  string `json:"team_name"`
	OrgID     int64  `json:"org_id"`
	Severity  string `json:"severity"`
	Kind      string `json:"kind"`
	SubjectID int64  `json:"subject_id"`
	Title     string `json:"title"`
	State     string `json:"state"`
	// Policy is the team's policy as it was when the escalation began.
	Policy Policy `json:"policy"`
	// Step (from 0) is the policy step paged last, in Round (from 0).
	Step  int `json:"step"`
	Round int `json:"round"`
	// NextAt is when the next step is paged, or a snooze ends (nil: no
	// more steps).
	NextAt       *time.Time `json:"next_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	AckedAt      *time.Time `json:"acked_at,omitempty"`
	AckedBy      string     `json:"acked_by,omitempty"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy   string     `json:"resolved_by,omitempty"`

	version int64
	member  bool // the caller is a member of the team
	triage  bool // the caller triages the subject's tenant
}

// EscalationStep is one thing that happened to an escalation: a person
// paged (Action "notify", on Channel), or an acknowledgement, snooze,
// wake-up or resolution by User.
type EscalationStep struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Action  string    `json:"action"`
	Step    int       `json:"step"`
	Round   int       `json:"round"`
	Level   int       `json:"level,omitempty"`
	UserID  int64     `json:"user_id,omitempty"`
	User    string    `json:"user,omitempty"`
	Channel string    `json:"channel,omitempty"`
}

// EscalationDetail is an escalation with its steps, oldest first.
type EscalationDetail struct {
	Escalation
	Steps []EscalationStep `json:"steps"`
}

func (sub *Subject) check() error {
	switch {
	case sub.OrgID < 0:
		return errs.Field("org_id", "no organisation %d", sub.OrgID)
	case sub.Kind != KindAlert && sub.Kind != KindCase:
		return errs.Field("kind", "an escalation is for an alert or a case")
	case sub.SubjectID <= 0:
		return errs.Field("subject_id", "name the alert or case")
	}
	if err := checkSeverity("severity", sub.Severity); err != nil {
		return err
	}
	sub.Title = strings.TrimSpace(sub.Title)
	if utf8.RuneCountInString(sub.Title) > maxTitle {
		sub.Title = string([]rune(sub.Title)[:maxTitle-1]) + "…"
	}
	return nil
}

// system is the scope escalations page and sweep as.
var system = access.System("oncall")

// Start begins escalating sub inside tx, the caller's write transaction
// (so the escalation commits with the alert or case, or not at all): it
// pages the first step of the team's policy for sub.Severity at once
// and records when the next is due. It returns the escalation's id. An
// alert or case that has an escalation not yet resolved keeps it: Start
// returns that one's id and pages no one. Without a team and without a
// default team Start returns 0 and no error, so that an alert is stored
// even when nobody has set up on-call; a named team that does not exist
// is an Invalid error on "team".
func Start(ctx context.Context, tx *sql.Tx, sub Subject) (int64, error) {
	if err := sub.check(); err != nil {
		return 0, err
	}
	now := sub.At.UTC().Truncate(time.Microsecond)
	if sub.At.IsZero() {
		now = store.Now()
	}
	q := `SELECT t.id, t.slug, t.name FROM oncall_teams t WHERE `
	var arg any
	switch {
	case sub.TeamID != 0:
		q, arg = q+`t.id = $1`, sub.TeamID
	case sub.Team != "":
		q, arg = q+`t.slug = $1`, strings.TrimSpace(sub.Team)
	default:
		q, arg = q+`t.is_default = $1 ORDER BY t.id LIMIT 1`, true
	}
	e := Escalation{OrgID: sub.OrgID, Severity: sub.Severity, Kind: sub.Kind, SubjectID: sub.SubjectID, Title: sub.Title, State: StateActive,
		CreatedAt: now, UpdatedAt: now}
	err := tx.QueryRowContext(ctx, q, arg).Scan(&e.TeamID, &e.Team, &e.TeamName)
	if errors.Is(err, sql.ErrNoRows) {
		if sub.TeamID == 0 && sub.Team == "" {
			return 0, nil
		}
		return 0, errs.Field("team", "no on-call team %q", cmpOr(sub.Team, strconv.FormatInt(sub.TeamID, 10)))
	}
	if err != nil {
		return 0, errs.Wrap(err, "cannot find the on-call team to page")
	}
	if e.Policy, err = policy(ctx, tx, e.TeamID, sub.Severity); err != nil {
		return 0, err
	}
	pol, _ := json.Marshal(e.Policy)
	err = tx.QueryRowContext(ctx, `INSERT INTO oncall_escalations (team_id, org_id, severity, kind, subject_id, title, state, policy, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (kind, subject_id) WHERE state <> 'resolved' DO NOTHING RETURNING id, version`,
		e.TeamID, e.OrgID, e.Severity, e.Kind, e.SubjectID, e.Title, e.State, string(pol), now).Scan(&e.ID, &e.version)
	if errors.Is(err, sql.ErrNoRows) {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM oncall_escalations WHERE kind = $1 AND subject_id = $2 AND state <> 'resolved'`, e.Kind, e.SubjectID).Scan(&id)
		return id, errs.Wrap(err, "cannot find the escalation of %s %d", e.Kind, e.SubjectID)
	}
	if err != nil {
		return 0, errs.Wrap(err, "cannot start an escalation of %s %d", e.Kind, e.SubjectID)
	}
	p := pager{tx: tx, schedules: map[int64]*schedule{}}
	paged, err := p.page(ctx, &e, now)
	if err != nil {
		return 0, err
	}
	if err := save(ctx, tx, &e); err != nil {
		return 0, err
	}
	return e.ID, audit.Append(ctx, tx, system.Actor(), audit.Entry{Action: "oncall.escalation.start", TargetType: "oncall_escalation",
		TargetID: strconv.FormatInt(e.ID, 10), OrgID: e.OrgID, After: map[string]any{"team": e.Team, "kind": e.Kind, "subject_id": e.SubjectID,
			"severity": e.Severity, "paged": paged, "next_at": e.NextAt}})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pager pages within one transaction, keeping each team's schedule once.
type pager struct {
	tx        *sql.Tx
	schedules map[int64]*schedule
	audits    []audit.Entry // what a sweep appends at its end
}

// page notifies whoever step e.Step of e's policy names at now, records
// it, and sets e.NextAt for the step after (nil after the last step of
// the last round). A level nobody holds, or whose holder cannot be
// reached (disabled), pages every active member of the team instead, so
// that a page never goes to no one. It returns the usernames paged.
func (p *pager) page(ctx context.Context, e *Escalation, now time.Time) ([]string, error) {
	st := e.Policy.Steps[e.Step]
	var targets []Member
	if st.UserID != 0 {
		targets = append(targets, Member{UserID: st.UserID, Username: st.User})
	} else {
		sch := p.schedules[e.TeamID]
		if sch == nil {
			var err error
			if sch, err = loadSchedule(ctx, p.tx, e.TeamID, now, now.Add(time.Second)); err != nil {
				return nil, err
			}
			p.schedules[e.TeamID] = sch
		}
		if o, ok := sch.who(st.Level, now); ok {
			targets = append(targets, Member{UserID: o.UserID, Username: o.User})
		}
	}
	final := e.Step == len(e.Policy.Steps)-1 && e.Round >= e.Policy.Repeats
	subject := fmt.Sprintf("%s %s %d: %s", strings.ToUpper(e.Severity), e.Kind, e.SubjectID, e.Title)
	body := fmt.Sprintf("On-call team %s, step %d of %d", e.TeamName, e.Step+1, len(e.Policy.Steps))
	if e.Round > 0 {
		body += fmt.Sprintf(" (repeat %d of %d)", e.Round, e.Policy.Repeats)
	}
	if st.Level != 0 {
		body += fmt.Sprintf(", level %d", st.Level)
	}
	body += ". Acknowledge to stop the escalation."
	if !final {
		body += fmt.Sprintf(" Unacknowledged, it goes on in %d minutes.", st.WaitMinutes)
	}
	n := notify.Notice{Kind: NoticeKind, EscalationID: e.ID, Subject: subject, Body: body, At: now}
	if e.Kind == KindAlert {
		n.AlertID = e.SubjectID
	} else {
		n.CaseID = e.SubjectID
	}
	var paged []string
	fallback := false
	for {
		for _, m := range targets {
			q, err := notify.QueueUser(ctx, p.tx, m.UserID, n)
			if errs.CodeOf(err) == errs.NotFound {
				continue // disabled since
			}
			if err != nil {
				return nil, err
			}
			if _, err := p.tx.ExecContext(ctx, `INSERT INTO oncall_escalation_steps (escalation_id, at, action, step, round, level, user_id, username, channel)
				VALUES ($1, $2, 'notify', $3, $4, $5, $6, $7, $8)`, e.ID, now, e.Step, e.Round, st.Level, m.UserID, m.Username, q.Channels()); err != nil {
				return nil, errs.Wrap(err, "cannot record a step of escalation %d", e.ID)
			}
			paged = append(paged, m.Username)
		}
		if len(paged) > 0 || fallback {
			break
		}
		fallback = true
		ms, err := activeMembers(ctx, p.tx, e.TeamID)
		if err != nil {
			return nil, err
		}
		targets = ms
	}
	if len(paged) == 0 {
		// Nobody at all to page: keep the record straight.
		if _, err := p.tx.ExecContext(ctx, `INSERT INTO oncall_escalation_steps (escalation_id, at, action, step, round, level, channel)
			VALUES ($1, $2, 'notify', $3, $4, $5, 'none')`, e.ID, now, e.Step, e.Round, st.Level); err != nil {
			return nil, errs.Wrap(err, "cannot record a step of escalation %d", e.ID)
		}
	}
	e.NextAt = nil
	if !final {
		next := now.Add(time.Duration(st.WaitMinutes) * time.Minute)
		e.NextAt = &next
	}
	e.UpdatedAt = now
	return paged, nil
}

func activeMembers(ctx context.Context, q store.Querier, teamID int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.username, u.display_name FROM oncall_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 AND NOT u.disabled ORDER BY u.username`, teamID)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list the members of on-call team %d", teamID)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Username, &m.DisplayName); err != nil {
			return nil, errs.Wrap(err, "cannot read a member of on-call team %d", teamID)
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "cannot list the members of on-call team %d", teamID)
}

// save writes e's state if nobody changed it since it was read (its
// version), and moves the version on.
func save(ctx context.Context, tx *sql.Tx, e *Escalation) error {
	res, err := tx.ExecContext(ctx, `UPDATE oncall_escalations SET state = $1, step = $2, round = $3, next_at = $4, updated_at = $5, acked_at = $6, acked_by = $7,
		snoozed_until = $8, resolved_at = $9, resolved_by = $10, version = version + 1 WHERE id = $11 AND version = $12`,
		e.State, e.Step, e.Round, e.NextAt, e.UpdatedAt, e.AckedAt, e.AckedBy, e.SnoozedUntil, e.ResolvedAt, e.ResolvedBy, e.ID, e.version)
	if err != nil {
		return errs.Wrap(err, "cannot save escalation %d", e.ID)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "escalation %d changed meanwhile; try again", e.ID)
	}
	e.version++
	return nil
}

const escalationColumns = `e.id, e.team_id, t.slug, t.name, e.org_id, e.severity, e.kind, e.subject_id, e.title, e.state, e.policy, e.step, e.round, e.next_at,
	e.created_at, e.updated_at, e.acked_at, e.acked_by, e.snoozed_until, e.resolved_at, e.resolved_by, e.version`

const escalationFrom = ` FROM oncall_escalations e JOIN oncall_teams t ON t.id = e.team_id`

func scanEscalation(row interface{ Scan(...any) error }, extra ...any) (Escalation, error) {
	var e Escalation
	var pol string
	var next, acked, snoozed, resolved sql.NullTime
	err := row.Scan(append([]any{&e.ID, &e.TeamID, &e.Team, &e.TeamName, &e.OrgID, &e.Severity, &e.Kind, &e.SubjectID, &e.Title, &e.State, &pol,
		&e.Step, &e.Round, &next, &e.CreatedAt, &e.UpdatedAt, &acked, &e.AckedBy, &snoozed, &resolved, &e.ResolvedBy, &e.version}, extra...)...)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(pol), &e.Policy); err != nil {
		return e, errs.Wrap(err, "cannot read the policy of escalation %d", e.ID)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.NextAt, e.AckedAt, e.SnoozedUntil, e.ResolvedAt = timePtr(next), timePtr(acked), timePtr(snoozed), timePtr(resolved)
	return e, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// visible is the predicate for escalations sc may see: those of the teams
// it may see, and those of the tenants whose alerts it triages.
func visible(sc access.Scope, a *store.Args) string {
	p := `e.team_id IN (SELECT id FROM oncall_teams WHERE ` + sc.SecurityPredicate("org_id", a) + `)`
	if sc.Can(access.TriageAlerts) {
		p = `(` + p + ` OR ` + sc.SecurityPredicate("e.org_id", a) + `)`
	}
	return p
}

// escalation loads escalation id as sc sees it (NotFound otherwise),
// locking it on PostgreSQL when lock is set.
func (s *Service) escalation(ctx context.Context, q store.Querier, sc access.Scope, id int64, lock bool) (Escalation, error) {
	if err := signedIn(sc); err != nil {
		return Escalation{}, err
	}
	var a store.Args
	uid := a.Add(sc.UserID)
	triage := "FALSE"
	if sc.Can(access.TriageAlerts) {
		triage = sc.SecurityPredicate("e.org_id", &a)
	}
	query := `SELECT ` + escalationColumns + `, CASE WHEN EXISTS (SELECT 1 FROM oncall_members m WHERE m.team_id = e.team_id AND m.user_id = ` + uid + `) THEN 1 ELSE 0 END,
		CASE WHEN ` + triage + ` THEN 1 ELSE 0 END` + escalationFrom + ` WHERE e.id = ` + a.Add(id) + ` AND ` + visible(sc, &a)
	if lock && s.db.Dialect() == store.Postgres {
		query += ` FOR UPDATE OF e`
	}
	var member, tri int
	e, err := scanEscalation(q.QueryRowContext(ctx, query, a.Values()...), &member, &tri)
	if errors.Is(err, sql.ErrNoRows) {
		return Escalation{}, errs.E(errs.NotFound, "no escalation %d", id)
	}
	if err != nil {
		return Escalation{}, errs.Wrap(err, "cannot load escalation %d", id)
	}
	e.member, e.triage = member == 1, tri == 1
	return e, nil
}

// Filter narrows Escalations.
type Filter struct {
	State string // "" or one of the states
	Team  string // "" or a team's slug
	Limit int    // 1–500; 0: 100
}

// Escalations lists the escalations sc may see (those of teams it sees,
// and of tenants whose alerts it triages), newest first.
func (s *Service) Escalations(ctx context.Context, sc access.Scope, f Filter) ([]Escalation, error) {
	if err := signedIn(sc); err != nil {
		return nil, err
	}
	switch {
	case f.State != "" && !slices.Contains([]string{StateActive, StateAcknowledged, StateSnoozed, StateResolved}, f.State):
		return nil, errs.Field("state", "state is active, acknowledged, snoozed or resolved")
	case f.Limit < 0 || f.Limit > 500:
		return nil, errs.Field("limit", "must be between 1 and 500")
	case f.Limit == 0:
		f.Limit = 100
	}
	var a store.Args
	query := `SELECT ` + escalationColumns + escalationFrom + ` WHERE ` + visible(sc, &a)
	if f.State != "" {
		query += ` AND e.state = ` + a.Add(f.State)
	}
	if f.Team != "" {
		query += ` AND t.slug = ` + a.Add(f.Team)
	}
	rows, err := s.db.Reader().QueryContext(ctx, query+` ORDER BY e.id DESC LIMIT `+a.Add(f.Limit), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list escalations")
	}
	defer rows.Close()
	out := []Escalation{}
	for rows.Next() {
		e, err := scanEscalation(rows)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read an escalation")
		}
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "cannot list escalations")
}

// Escalation returns escalation id with its steps, if sc may see it.
func (s *Service) Escalation(ctx context.Context, sc access.Scope, id int64) (EscalationDetail, error) {
	e, err := s.escalation(ctx, s.db.Reader(), sc, id, false)
	if err != nil {
		return EscalationDetail{}, err
	}
	out := EscalationDetail{Escalation: e, Steps: []EscalationStep{}}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, at, action, step, round, level, COALESCE(user_id, 0), username, channel
		FROM oncall_escalation_steps WHERE escalation_id = $1 ORDER BY id`, id)
	if err != nil {
		return out, errs.Wrap(err, "cannot list the steps of escalation %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var st EscalationStep
		if err := rows.Scan(&st.ID, &st.At, &st.Action, &st.Step, &st.Round, &st.Level, &st.UserID, &st.User, &st.Channel); err != nil {
			return out, errs.Wrap(err, "cannot read a step of escalation %d", id)
		}
		st.At = st.At.UTC()
		out.Steps = append(out.Steps, st)
	}
	return out, errs.Wrap(rows.Err(), "cannot list the steps of escalation %d", id)
}

// Ack acknowledges escalation id as sc, which stops further steps. The
// caller must be a member of the team, or triage alerts (access.
// TriageAlerts) within reach of the escalation's tenant. Acknowledging
// one that is acknowledged or resolved already is a Conflict.
func (s *Service) Ack(ctx context.Context, sc access.Scope, id int64) (Escalation, error) {
	return s.act(ctx, sc, id, "ack", time.Time{}, s.now())
}

// Snooze pauses escalation id until until (at most 24 hours ahead); then
// it pages again from the step it was at. Who may: as for Ack. A
// resolved escalation cannot be snoozed (Conflict).
func (s *Service) Snooze(ctx context.Context, sc access.Scope, id int64, until time.Time) (Escalation, error) {
	now := s.now()
	until = until.UTC().Truncate(time.Second)
	switch {
	case !until.After(now):
		return Escalation{}, errs.Field("until", "a snooze ends in the future")
	case until.Sub(now) > MaxSnooze:
		return Escalation{}, errs.Field("until", "a snooze lasts at most 24 hours")
	}
	return s.act(ctx, sc, id, "snooze", until, now)
}

// Resolve ends escalation id for good as sc (who may: as for Ack).
// Resolving one resolved already is a Conflict.
func (s *Service) Resolve(ctx context.Context, sc access.Scope, id int64) (Escalation, error) {
	return s.act(ctx, sc, id, "resolve", time.Time{}, s.now())
}

func (s *Service) act(ctx context.Context, sc access.Scope, id int64, action string, until, now time.Time) (Escalation, error) {
	var out Escalation
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		e, err := s.escalation(ctx, tx, sc, id, true)
		if err != nil {
			return err
		}
		if !sc.IsSystem() && !e.member && !e.triage {
			return errs.E(errs.Forbidden, "only the members of team %q and those who triage the alert acknowledge escalation %d", e.Team, id)
		}
		out, err = transition(ctx, tx, sc, e, action, until, now)
		return err
	})
	return out, err
}

// transition applies action to e as sc at now, records and audits it.
func transition(ctx context.Context, tx *sql.Tx, sc access.Scope, e Escalation, action string, until, now time.Time) (Escalation, error) {
	before := e.State
	who := sc.Actor().Name
	switch {
	case e.State == StateResolved:
		return Escalation{}, errs.E(errs.Conflict, "escalation %d is resolved already (by %s)", e.ID, e.ResolvedBy)
	case action == "ack" && e.State == StateAcknowledged:
		return Escalation{}, errs.E(errs.Conflict, "escalation %d is acknowledged already (by %s)", e.ID, e.AckedBy)
	}
	switch action {
	case "ack":
		e.State, e.NextAt, e.AckedAt, e.AckedBy, e.SnoozedUntil = StateAcknowledged, nil, &now, who, nil
	case "snooze":
		e.State, e.NextAt, e.SnoozedUntil = StateSnoozed, &until, &until
	case "resolve":
		e.State, e.NextAt, e.ResolvedAt, e.ResolvedBy, e.SnoozedUntil = StateResolved, nil, &now, who, nil
	}
	e.UpdatedAt = now
	if err := save(ctx, tx, &e); err != nil {
		return Escalation{}, err
	}
	var uid any
	if sc.UserID != 0 {
		uid = sc.UserID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO oncall_escalation_steps (escalation_id, at, action, step, round, user_id, username)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, now, action, e.Step, e.Round, uid, who); err != nil {
		return Escalation{}, errs.Wrap(err, "cannot record the %s of escalation %d", action, e.ID)
	}
	after := map[string]any{"state": e.State}
	if action == "snooze" {
		after["until"] = until
	}
	return e, audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.escalation." + action, TargetType: "oncall_escalation",
		TargetID: strconv.FormatInt(e.ID, 10), OrgID: e.OrgID, Before: map[string]any{"state": before}, After: after})
}

// ResolveSubject resolves the unresolved escalation of an alert or case
// inside tx, the caller's transaction (when the alert is closed or the
// case resolved), as the platform. It reports whether there was one.
func ResolveSubject(ctx context.Context, tx *sql.Tx, kind string, subjectID int64, now time.Time) (bool, error) {
	var a store.Args
	e, err := scanEscalation(tx.QueryRowContext(ctx, `SELECT `+escalationColumns+escalationFrom+` WHERE e.kind = `+a.Add(kind)+
		` AND e.subject_id = `+a.Add(subjectID)+` AND e.state <> 'resolved'`, a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap(err, "cannot load the escalation of %s %d", kind, subjectID)
	}
	_, err = transition(ctx, tx, system, e, "resolve", time.Time{}, now.UTC().Truncate(time.Microsecond))
	return err == nil, err
}
