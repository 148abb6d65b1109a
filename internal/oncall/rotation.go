package oncall

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Rotation is one layer of a team's schedule on one escalation level:
// Members take turns of one Period each, the first from Start; handoffs
// happen at Start's wall-clock time in Europe/Copenhagen. Restriction
// (nil: always) limits it to windows in the week; End (nil: none) ends
// it. On a level, a later rotation (higher ID) wins where it has someone.
type Rotation struct {
	ID          int64        `json:"id"`
	Level       int          `json:"level"`
	Name        string       `json:"name,omitempty"`
	Members     []Member     `json:"members"`
	Period      Period       `json:"period"`
	Start       time.Time    `json:"start"`
	End         *time.Time   `json:"end,omitempty"`
	Restriction *Restriction `json:"restriction,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	CreatedBy   string       `json:"created_by"`
}

// NewRotation is what AddRotation needs.
type NewRotation struct {
	Level int
	Name  string
	// Members are usernames of team members, in turn order (1–100).
	Members []string
	Period  Period
	// Start is the first handoff; its local time of day in Copenhagen is
	// every handoff's.
	Start       time.Time
	End         time.Time // zero: none
	Restriction *Restriction
}

func checkLevel(field string, level int) error {
	if level < 1 || level > MaxLevel {
		return errs.Field(field, "a level is 1 (primary) to %d", MaxLevel)
	}
	return nil
}

// AddRotation adds a rotation to team slug as sc (access.ManageOnCall
// over the team's organisation). It goes on top of the level's existing
// rotations.
// The span of times a rota takes: schedules are computed turn by turn in
// civil time, which must stay well inside time.Duration's ±292 years.
var (
	earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTime refuses a time outside [earliest, latest).
func checkTime(field string, t time.Time) error {
	if t.Before(earliest) || !t.Before(latest) {
		return errs.Field(field, "give a time between 2000 and 2100 (got %s)", t.UTC().Format(time.RFC3339))
	}
	return nil
}

func (s *Service) AddRotation(ctx context.Context, sc access.Scope, slug string, n NewRotation) (Rotation, error) {
	if err := checkLevel("level", n.Level); err != nil {
		return Rotation{}, err
	}
	name, err := checkName("name", n.Name, false)
	if err != nil {
		return Rotation{}, err
	}
	switch {
	case len(n.Members) == 0:
		return Rotation{}, errs.Field("members", "a rotation needs at least one member")
	case len(n.Members) > MaxMembers:
		return Rotation{}, errs.Field("members", "a rotation has at most %d members", MaxMembers)
	case n.Start.IsZero():
		return Rotation{}, errs.Field("start", "give the first handoff")
	case !n.End.IsZero() && !n.End.After(n.Start):
		return Rotation{}, errs.Field("end", "the end comes after the start")
	}
	if err := checkTime("start", n.Start); err != nil {
		return Rotation{}, err
	}
	if !n.End.IsZero() {
		if err := checkTime("end", n.End); err != nil {
			return Rotation{}, err
		}
	}
	if err := n.Period.check("period"); err != nil {
		return Rotation{}, err
	}
	mask, from, to, err := n.Restriction.compile("restriction")
	if err != nil {
		return Rotation{}, err
	}
	start := n.Start.UTC().Truncate(time.Second)
	now := s.now()
	var out Rotation
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, true)
		if err != nil {
			return err
		}
		ms, err := teamMembers(t, "members", n.Members)
		if err != nil {
			return err
		}
		unit, count := "day", n.Period.Days
		if n.Period.Hours > 0 {
			unit, count = "hour", n.Period.Hours
		}
		var end any
		if !n.End.IsZero() {
			end = n.End.UTC().Truncate(time.Second)
		}
		days := ""
		if mask != 0 {
			var ds []string
			for _, d := range restrictionOf(mask, from, to).Days {
				ds = append(ds, strconv.Itoa(int(d)))
			}
			days = strings.Join(ds, ",")
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO oncall_rotations (team_id, level, name, period_unit, period_count, start_at, end_at,
			restrict_days, restrict_from, restrict_to, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			t.ID, n.Level, name, unit, count, start, end, days, from, to, now, sc.Actor().Name).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot add a rotation to on-call team %q", slug)
		}
		for i, m := range ms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO oncall_rotation_members (rotation_id, position, user_id) VALUES ($1, $2, $3)`, id, i, m.UserID); err != nil {
				return errs.Wrap(err, "cannot add %s to rotation %d", m.Username, id)
			}
		}
		rs, err := rotations(ctx, tx, t.ID, id)
		if err != nil {
			return err
		}
		out = rs[0]
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.rotation.add", TargetType: "oncall_rotation", TargetID: strconv.FormatInt(id, 10),
			OrgID: t.OrgID, After: map[string]any{"team": slug, "level": n.Level, "name": name, "members": usernames(ms), "period": n.Period.String(),
				"start": start, "end": end, "restriction": out.Restriction.String()}})
	})
	return out, err
}

// teamMembers returns the members of t named in names, in order; field
// names the input for errors.
func teamMembers(t Team, field string, names []string) ([]Member, error) {
	out := make([]Member, 0, len(names))
	for i, n := range names {
		f := field + "[" + strconv.Itoa(i) + "]"
		name, err := access.NormalizeUsername(f, n)
		if err != nil {
			return nil, err
		}
		j := slices.IndexFunc(t.Members, func(m Member) bool { return m.Username == name })
		if j < 0 {
			return nil, errs.Field(f, "%s is not a member of team %q", name, t.Slug)
		}
		if slices.ContainsFunc(out, func(m Member) bool { return m.Username == name }) {
			return nil, errs.Field(f, "%s is listed twice", name)
		}
		out = append(out, t.Members[j])
	}
	return out, nil
}

// RemoveRotation deletes rotation id of team slug as sc (access.
// ManageOnCall over the team's organisation). To keep the past schedule,
// end a rotation instead (EndRotation).
func (s *Service) RemoveRotation(ctx context.Context, sc access.Scope, slug string, id int64) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, true)
		if err != nil {
			return err
		}
		rs, err := rotations(ctx, tx, t.ID, id)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return errs.E(errs.NotFound, "no rotation %d in team %q", id, slug)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_rotation_members WHERE rotation_id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot remove rotation %d", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_rotations WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot remove rotation %d", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.rotation.remove", TargetType: "oncall_rotation", TargetID: strconv.FormatInt(id, 10),
			OrgID: t.OrgID, Before: map[string]any{"team": slug, "level": rs[0].Level, "members": usernames(rs[0].Members), "period": rs[0].Period.String()}})
	})
}

// EndRotation ends rotation id of team slug at end (after its start), as
// sc (access.ManageOnCall over the team's organisation).
func (s *Service) EndRotation(ctx context.Context, sc access.Scope, slug string, id int64, end time.Time) (Rotation, error) {
	if err := checkTime("end", end); err != nil {
		return Rotation{}, err
	}
	end = end.UTC().Truncate(time.Second)
	var out Rotation
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, true)
		if err != nil {
			return err
		}
		rs, err := rotations(ctx, tx, t.ID, id)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return errs.E(errs.NotFound, "no rotation %d in team %q", id, slug)
		}
		if !end.After(rs[0].Start) {
			return errs.Field("end", "the end comes after the start (%s)", rs[0].Start.Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oncall_rotations SET end_at = $1 WHERE id = $2`, end, id); err != nil {
			return errs.Wrap(err, "cannot end rotation %d", id)
		}
		out = rs[0]
		out.End = &end
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.rotation.end", TargetType: "oncall_rotation", TargetID: strconv.FormatInt(id, 10),
			OrgID: t.OrgID, Before: map[string]any{"end": rs[0].End}, After: map[string]any{"team": slug, "end": end}})
	})
	return out, err
}

// Rotations lists the rotations of team slug, by level and then bottom
// layer first, if sc may see the team.
func (s *Service) Rotations(ctx context.Context, sc access.Scope, slug string) ([]Rotation, error) {
	t, err := team(ctx, s.db.Reader(), sc, slug, false)
	if err != nil {
		return nil, err
	}
	return rotations(ctx, s.db.Reader(), t.ID, 0)
}

// rotations loads team id's rotations (only rotation only, when not 0).
func rotations(ctx context.Context, q store.Querier, teamID, only int64) ([]Rotation, error) {
	query := `SELECT r.id, r.level, r.name, r.period_unit, r.period_count, r.start_at, r.end_at, r.restrict_days, r.restrict_from, r.restrict_to,
		r.created_at, r.created_by FROM oncall_rotations r WHERE r.team_id = $1`
	args := []any{teamID}
	if only != 0 {
		query += ` AND r.id = $2`
		args = append(args, only)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY r.level, r.id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list rotations")
	}
	out := []Rotation{}
	for rows.Next() {
		var r Rotation
		var unit, days string
		var count, from, to int
		var end sql.NullTime
		if err := rows.Scan(&r.ID, &r.Level, &r.Name, &unit, &count, &r.Start, &end, &days, &from, &to, &r.CreatedAt, &r.CreatedBy); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read a rotation")
		}
		r.Start, r.CreatedAt = r.Start.UTC(), r.CreatedAt.UTC()
		if end.Valid {
			e := end.Time.UTC()
			r.End = &e
		}
		if unit == "day" {
			r.Period.Days = count
		} else {
			r.Period.Hours = count
		}
		var mask uint8
		for _, d := range strings.Split(days, ",") {
			if n, err := strconv.Atoi(d); err == nil {
				mask |= 1 << n
			}
		}
		r.Restriction = restrictionOf(mask, from, to)
		r.Members = []Member{}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list rotations")
	}
	if len(out) == 0 {
		return out, nil
	}
	query = `SELECT rm.rotation_id, u.id, u.username, u.display_name FROM oncall_rotation_members rm JOIN oncall_rotations r ON r.id = rm.rotation_id
		JOIN users u ON u.id = rm.user_id WHERE r.team_id = $1`
	if only != 0 {
		query += ` AND r.id = $2`
	}
	rows, err = q.QueryContext(ctx, query+` ORDER BY rm.rotation_id, rm.position`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list rotation members")
	}
	defer rows.Close()
	byID := map[int64]*Rotation{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for rows.Next() {
		var rid int64
		var m Member
		if err := rows.Scan(&rid, &m.UserID, &m.Username, &m.DisplayName); err != nil {
			return nil, errs.Wrap(err, "cannot read a rotation member")
		}
		if r := byID[rid]; r != nil {
			r.Members = append(r.Members, m)
		}
	}
	return out, errs.Wrap(rows.Err(), "cannot list rotation members")
}

// Override puts one member on one level of a team from From until Until,
// over every rotation of that level ("I take Thursday night").
type Override struct {
	ID          int64     `json:"id"`
	Level       int       `json:"level"`
	UserID      int64     `json:"user_id"`
	User        string    `json:"user"`
	DisplayName string    `json:"display_name"`
	From        time.Time `json:"from"`
	Until       time.Time `json:"until"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
}

// NewOverride is what AddOverride needs.
type NewOverride struct {
	Level       int
	User        string // a team member's username
	From, Until time.Time
}

// AddOverride puts n.User on level n.Level of team slug from n.From until
// n.Until (at most 31 days). The caller needs access.ManageOnCall over
// the team's organisation, or must be a member of the team taking the
// shift themselves.
func (s *Service) AddOverride(ctx context.Context, sc access.Scope, slug string, n NewOverride) (Override, error) {
	if err := checkLevel("level", n.Level); err != nil {
		return Override{}, err
	}
	from, until := n.From.UTC().Truncate(time.Second), n.Until.UTC().Truncate(time.Second)
	switch {
	case from.IsZero() || until.IsZero():
		return Override{}, errs.Field("from", "give when the override begins and ends")
	case !until.After(from):
		return Override{}, errs.Field("until", "the override ends after it begins")
	case until.Sub(from) > MaxOverride:
		return Override{}, errs.Field("until", "an override lasts at most 31 days; change the rotation for longer")
	}
	if err := checkTime("from", from); err != nil {
		return Override{}, err
	}
	now := s.now()
	var out Override
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, true)
		if errs.CodeOf(err) == errs.Forbidden {
			// A member may take a shift themselves.
			if t, err = team(ctx, tx, sc, slug, false); err == nil && !isMember(t, sc.UserID) {
				err = errs.E(errs.Forbidden, "you may not manage on-call team %q", slug)
			} else if err == nil {
				if name, _ := access.NormalizeUsername("user", n.User); name != sc.Username {
					err = errs.Field("user", "as a member of the team you may take a shift yourself only")
				}
			}
		}
		if err != nil {
			return err
		}
		ms, err := teamMembers(t, "user", []string{n.User})
		if err != nil {
			return errs.InField("user", err)
		}
		m := ms[0]
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO oncall_overrides (team_id, level, user_id, starts_at, ends_at, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, t.ID, n.Level, m.UserID, from, until, now, sc.Actor().Name).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot add an override to on-call team %q", slug)
		}
		out = Override{ID: id, Level: n.Level, UserID: m.UserID, User: m.Username, DisplayName: m.DisplayName, From: from, Until: until,
			CreatedAt: now, CreatedBy: sc.Actor().Name}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.override.add", TargetType: "oncall_override", TargetID: strconv.FormatInt(id, 10),
			OrgID: t.OrgID, After: map[string]any{"team": slug, "level": n.Level, "user": m.Username, "from": from, "until": until}})
	})
	return out, err
}

func isMember(t Team, userID int64) bool {
	return userID != 0 && slices.ContainsFunc(t.Members, func(m Member) bool { return m.UserID == userID })
}

// RemoveOverride deletes override id of team slug as sc (access.
// ManageOnCall over the team's organisation, or the member it puts on
// call).
func (s *Service) RemoveOverride(ctx context.Context, sc access.Scope, slug string, id int64) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, false)
		if err != nil {
			return err
		}
		var o Override
		err = tx.QueryRowContext(ctx, `SELECT o.level, o.user_id, u.username, o.starts_at, o.ends_at FROM oncall_overrides o JOIN users u ON u.id = o.user_id
			WHERE o.id = $1 AND o.team_id = $2`, id, t.ID).Scan(&o.Level, &o.UserID, &o.User, &o.From, &o.Until)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no override %d in team %q", id, slug)
		}
		if err != nil {
			return errs.Wrap(err, "cannot load override %d", id)
		}
		if o.UserID != sc.UserID || !isMember(t, sc.UserID) {
			if _, err := team(ctx, tx, sc, slug, true); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_overrides WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot remove override %d", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.override.remove", TargetType: "oncall_override", TargetID: strconv.FormatInt(id, 10),
			OrgID: t.OrgID, Before: map[string]any{"team": slug, "level": o.Level, "user": o.User, "from": o.From.UTC(), "until": o.Until.UTC()}})
	})
}

// Overrides lists the overrides of team slug that overlap [from, to),
// by start, if sc may see the team.
func (s *Service) Overrides(ctx context.Context, sc access.Scope, slug string, from, to time.Time) ([]Override, error) {
	if err := checkTime("from", from); err != nil {
		return nil, err
	}
	if err := checkTime("to", to); err != nil {
		return nil, err
	}
	t, err := team(ctx, s.db.Reader(), sc, slug, false)
	if err != nil {
		return nil, err
	}
	cs, err := covers(ctx, s.db.Reader(), t.ID, from.UTC(), to.UTC())
	if err != nil {
		return nil, err
	}
	out := make([]Override, len(cs))
	for i, c := range cs {
		out[i] = c.o
	}
	slices.SortStableFunc(out, func(a, b Override) int { return a.From.Compare(b.From) })
	return out, nil
}

type loadedCover struct {
	cover
	o Override
}

// covers loads team id's overrides overlapping [from, to), by id.
func covers(ctx context.Context, q store.Querier, teamID int64, from, to time.Time) ([]loadedCover, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.level, o.user_id, u.username, u.display_name, o.starts_at, o.ends_at, o.created_at, o.created_by
		FROM oncall_overrides o JOIN users u ON u.id = o.user_id WHERE o.team_id = $1 AND o.ends_at > $2 AND o.starts_at < $3 ORDER BY o.id`, teamID, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list overrides")
	}
	defer rows.Close()
	var out []loadedCover
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.ID, &o.Level, &o.UserID, &o.User, &o.DisplayName, &o.From, &o.Until, &o.CreatedAt, &o.CreatedBy); err != nil {
			return nil, errs.Wrap(err, "cannot read an override")
		}
		o.From, o.Until, o.CreatedAt = o.From.UTC(), o.Until.UTC(), o.CreatedAt.UTC()
		out = append(out, loadedCover{cover: cover{id: o.ID, level: o.Level, member: Member{UserID: o.UserID, Username: o.User, DisplayName: o.DisplayName},
			from: o.From, to: o.Until}, o: o})
	}
	return out, errs.Wrap(rows.Err(), "cannot list overrides")
}

// loadSchedule loads team id's schedule for [from, to).
func loadSchedule(ctx context.Context, q store.Querier, teamID int64, from, to time.Time) (*schedule, error) {
	rs, err := rotations(ctx, q, teamID, 0)
	if err != nil {
		return nil, err
	}
	s := &schedule{}
	for _, r := range rs {
		l := layer{id: r.ID, level: r.Level, members: r.Members, period: r.Period, start: r.Start, startCivil: civil(r.Start)}
		if r.End != nil {
			l.end = *r.End
		}
		l.mask, l.from, l.to, _ = r.Restriction.compile("restriction")
		s.layers = append(s.layers, l)
	}
	slices.SortStableFunc(s.layers, func(a, b layer) int { return int(a.id - b.id) })
	cs, err := covers(ctx, q, teamID, from, to)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		s.covers = append(s.covers, c.cover)
	}
	return s, nil
}

// WhoIsOnCall returns who holds each escalation level of team slug at
// at, by level (levels nobody holds then are left out), if sc may see the
// team.
func (s *Service) WhoIsOnCall(ctx context.Context, sc access.Scope, slug string, at time.Time) ([]OnCall, error) {
	if err := checkTime("at", at); err != nil {
		return nil, err
	}
	t, err := team(ctx, s.db.Reader(), sc, slug, false)
	if err != nil {
		return nil, err
	}
	at = at.UTC()
	sch, err := loadSchedule(ctx, s.db.Reader(), t.ID, at.Add(-horizon), at.Add(horizon))
	if err != nil {
		return nil, err
	}
	return sch.now(at), nil
}

// Shifts returns the final schedule of team slug in [from, to) (at most
// 35 days): every stretch one person holds one level, by level and then
// time, as a week view shows it; if sc may see the team.
func (s *Service) Shifts(ctx context.Context, sc access.Scope, slug string, from, to time.Time) ([]OnCall, error) {
	from, to = from.UTC(), to.UTC()
	switch {
	case !to.After(from):
		return nil, errs.Field("to", "the period ends after it begins")
	case to.Sub(from) > MaxShiftSpan:
		return nil, errs.Field("to", "at most 35 days at a time")
	}
	if err := checkTime("from", from); err != nil {
		return nil, err
	}
	t, err := team(ctx, s.db.Reader(), sc, slug, false)
	if err != nil {
		return nil, err
	}
	sch, err := loadSchedule(ctx, s.db.Reader(), t.ID, from, to)
	if err != nil {
		return nil, err
	}
	out := []OnCall{}
	for _, level := range sch.levels() {
		out = append(out, sch.stretches(level, from, to)...)
	}
	return out, nil
}
