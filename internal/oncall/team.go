package oncall

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Bounds on what callers give.
const (
	MaxMembers   = 100  // members of a team, and of a rotation
	MaxNameLen   = 100  // a team's or rotation's name
	MaxNoteLen   = 4000 // a handover note
	MaxLevel     = 5    // escalation levels 1…MaxLevel
	MaxSteps     = 10   // steps of a policy
	MaxRepeats   = 9    // repeats of a policy
	MaxWait      = 24 * 60
	MaxSnooze    = 24 * time.Hour
	MaxOverride  = 31 * 24 * time.Hour
	MaxShiftSpan = 35 * 24 * time.Hour // the period Shifts lists at once
)

// Service keeps on-call teams, schedules and escalations. Every method
// that takes a Scope sees and changes only what it may; Start and Sweep
// act as the platform.
type Service struct {
	db *store.DB
	// Clock gives the current time for Ack, Snooze, Resolve and the
	// management methods; tests set it.
	Clock func() time.Time

	secret secretCache
}

// New returns the on-call service over db.
func New(db *store.DB) *Service { return &Service{db: db, Clock: store.Now} }

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

// Team is an on-call team of one organisation.
type Team struct {
	ID      int64  `json:"id"`
	OrgID   int64  `json:"org_id"`
	OrgSlug string `json:"org_slug"`
	OrgName string `json:"org_name"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	// Default marks the team that escalations without a team go to (a
	// team of the shared SOC; at most one).
	Default   bool      `json:"default"`
	Members   []Member  `json:"members"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Member is a user on a team (or in a rotation).
type Member struct {
	UserID      int64  `json:"user_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

// NewTeam is what CreateTeam needs.
type NewTeam struct {
	OrgID   int64
	Slug    string // lower-case letters, digits and '-', up to 63
	Name    string
	Default bool
	// Members are usernames of the organisation's users.
	Members []string
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func checkSlug(field, slug string) (string, error) {
	slug = strings.TrimSpace(slug)
	if !slugRE.MatchString(slug) {
		return "", errs.Field(field, "a team's slug is 1–63 characters of a–z, 0–9 and '-', starting with a letter or digit (got %q)", slug)
	}
	return slug, nil
}

func checkName(field, name string, required bool) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" && required:
		return "", errs.Field(field, "give a name")
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "", errs.Field(field, "a name has at most %d characters", MaxNameLen)
	}
	return name, nil
}

// signedIn refuses the zero scope.
func signedIn(sc access.Scope) error {
	if sc.UserID == 0 && !sc.IsSystem() {
		return errs.E(errs.Unauthorized, "log in first")
	}
	return nil
}

// noTeam is the one answer for a team that does not exist or that the
// caller may not see.
func noTeam(slug string) error { return errs.E(errs.NotFound, "no on-call team %q", slug) }

const teamColumns = `t.id, t.org_id, o.slug, o.name, t.slug, t.name, t.is_default, t.created_at, t.updated_at`

func scanTeam(row interface{ Scan(...any) error }) (Team, error) {
	var t Team
	err := row.Scan(&t.ID, &t.OrgID, &t.OrgSlug, &t.OrgName, &t.Slug, &t.Name, &t.Default, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

// team loads the team slug as sc: any signed-in caller whose reach
// (OrgPredicate, or SecurityPredicate for the SOC and the CERT) covers
// the team's organisation reads it; with manage, the caller must also
// hold access.ManageOnCall with OrgPredicate covering it (Forbidden
// otherwise). A team outside the caller's reach is NotFound, like an
// unknown one.
func team(ctx context.Context, q store.Querier, sc access.Scope, slug string, manage bool) (Team, error) {
	if err := signedIn(sc); err != nil {
		return Team{}, err
	}
	var a store.Args
	row := q.QueryRowContext(ctx, `SELECT `+teamColumns+`, CASE WHEN `+sc.OrgPredicate("t.org_id", &a)+` THEN 1 ELSE 0 END
		FROM oncall_teams t JOIN organizations o ON o.id = t.org_id WHERE t.slug = `+a.Add(slug)+` AND `+sc.SecurityPredicate("t.org_id", &a), a.Values()...)
	var t Team
	var own int
	err := row.Scan(&t.ID, &t.OrgID, &t.OrgSlug, &t.OrgName, &t.Slug, &t.Name, &t.Default, &t.CreatedAt, &t.UpdatedAt, &own)
	if errors.Is(err, sql.ErrNoRows) {
		return Team{}, noTeam(slug)
	}
	if err != nil {
		return Team{}, errs.Wrap(err, "cannot load on-call team %q", slug)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if manage && (own == 0 || !sc.Can(access.ManageOnCall)) {
		return Team{}, errs.E(errs.Forbidden, "you may not manage on-call team %q", slug)
	}
	if t.Members, err = members(ctx, q, t.ID); err != nil {
		return Team{}, err
	}
	return t, nil
}

func members(ctx context.Context, q store.Querier, teamID int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.username, u.display_name FROM oncall_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 ORDER BY u.username`, teamID)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list the members of on-call team %d", teamID)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Username, &m.DisplayName); err != nil {
			return nil, errs.Wrap(err, "cannot read a member of on-call team %d", teamID)
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "cannot list the members of on-call team %d", teamID)
}

// Team returns the team slug, if sc may see it (NotFound otherwise).
func (s *Service) Team(ctx context.Context, sc access.Scope, slug string) (Team, error) {
	return team(ctx, s.db.Reader(), sc, slug, false)
}

// Teams lists the teams sc may see, by slug.
func (s *Service) Teams(ctx context.Context, sc access.Scope) ([]Team, error) {
	if err := signedIn(sc); err != nil {
		return nil, err
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+teamColumns+` FROM oncall_teams t JOIN organizations o ON o.id = t.org_id
		WHERE `+sc.SecurityPredicate("t.org_id", &a)+` ORDER BY t.slug`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list on-call teams")
	}
	out := []Team{}
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read an on-call team")
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list on-call teams")
	}
	for i := range out {
		if out[i].Members, err = members(ctx, s.db.Reader(), out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateTeam creates a team in organisation n.OrgID. The caller needs
// access.ManageOnCall over that organisation; only a team of the shared
// SOC may be the default team.
func (s *Service) CreateTeam(ctx context.Context, sc access.Scope, n NewTeam) (Team, error) {
	if err := signedIn(sc); err != nil {
		return Team{}, err
	}
	if !sc.Can(access.ManageOnCall) {
		return Team{}, errs.E(errs.Forbidden, "you may not manage on-call teams")
	}
	slug, err := checkSlug("slug", n.Slug)
	if err != nil {
		return Team{}, err
	}
	name, err := checkName("name", n.Name, true)
	if err != nil {
		return Team{}, err
	}
	if len(n.Members) > MaxMembers {
		return Team{}, errs.Field("members", "a team has at most %d members", MaxMembers)
	}
	now := s.now()
	var out Team
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = `+a.Add(n.OrgID)+` AND `+sc.OrgPredicate("id", &a), a.Values()...).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Field("org_id", "no organisation %d", n.OrgID)
		}
		if err != nil {
			return errs.Wrap(err, "cannot load organisation %d", n.OrgID)
		}
		if n.Default && kind != "soc" {
			return errs.Field("default", "only a team of the shared SOC can be the default team")
		}
		if n.Default {
			if _, err := tx.ExecContext(ctx, `UPDATE oncall_teams SET is_default = FALSE, updated_at = $1 WHERE is_default`, now); err != nil {
				return errs.Wrap(err, "cannot clear the default team")
			}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO oncall_teams (org_id, slug, name, is_default, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			n.OrgID, slug, name, n.Default, now).Scan(&id); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "an on-call team %q exists already", slug)
			}
			return errs.Wrap(err, "cannot create on-call team %q", slug)
		}
		if err := setMembers(ctx, tx, id, n.OrgID, n.Members, now); err != nil {
			return err
		}
		if out, err = team(ctx, tx, sc, slug, true); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.team.create", TargetType: "oncall_team", TargetID: slug, OrgID: n.OrgID,
			After: map[string]any{"name": name, "default": n.Default, "members": usernames(out.Members)}})
	})
	return out, err
}

// TeamChange is what EditTeam changes; nil fields keep what is there.
type TeamChange struct {
	Name    *string
	Default *bool
	// Members, when not nil, replaces the members (usernames). A member
	// who is in one of the team's rotations cannot be removed.
	Members []string
}

// EditTeam changes team slug as sc (access.ManageOnCall over its
// organisation).
func (s *Service) EditTeam(ctx context.Context, sc access.Scope, slug string, c TeamChange) (Team, error) {
	if c.Members != nil && len(c.Members) > MaxMembers {
		return Team{}, errs.Field("members", "a team has at most %d members", MaxMembers)
	}
	now := s.now()
	var out Team
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := team(ctx, tx, sc, slug, true)
		if err != nil {
			return err
		}
		next := cur
		if c.Name != nil {
			if next.Name, err = checkName("name", *c.Name, true); err != nil {
				return err
			}
		}
		if c.Default != nil && *c.Default != cur.Default {
			next.Default = *c.Default
			var kind string
			if err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, cur.OrgID).Scan(&kind); err != nil {
				return errs.Wrap(err, "cannot load organisation %d", cur.OrgID)
			}
			if next.Default && kind != "soc" {
				return errs.Field("default", "only a team of the shared SOC can be the default team")
			}
			if next.Default {
				if _, err := tx.ExecContext(ctx, `UPDATE oncall_teams SET is_default = FALSE, updated_at = $1 WHERE is_default`, now); err != nil {
					return errs.Wrap(err, "cannot clear the default team")
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oncall_teams SET name = $1, is_default = $2, updated_at = $3 WHERE id = $4`,
			next.Name, next.Default, now, cur.ID); err != nil {
			return errs.Wrap(err, "cannot change on-call team %q", slug)
		}
		if c.Members != nil {
			if err := setMembers(ctx, tx, cur.ID, cur.OrgID, c.Members, now); err != nil {
				return err
			}
		}
		if out, err = team(ctx, tx, sc, slug, true); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.team.edit", TargetType: "oncall_team", TargetID: slug, OrgID: cur.OrgID,
			Before: map[string]any{"name": cur.Name, "default": cur.Default, "members": usernames(cur.Members)},
			After:  map[string]any{"name": out.Name, "default": out.Default, "members": usernames(out.Members)}})
	})
	return out, err
}

func usernames(ms []Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Username
	}
	return out
}

// resolveUsers returns the ids of the active users named in names, who
// must belong to organisation orgID; field names the input for errors
// (field[i]). Whether a user does not exist or belongs elsewhere is one
// answer.
func resolveUsers(ctx context.Context, q store.Querier, field string, orgID int64, names []string) ([]Member, error) {
	out := make([]Member, 0, len(names))
	seen := map[int64]bool{}
	for i, n := range names {
		f := field + "[" + strconv.Itoa(i) + "]"
		name, err := access.NormalizeUsername(f, n)
		if err != nil {
			return nil, err
		}
		var m Member
		err = q.QueryRowContext(ctx, `SELECT id, username, display_name FROM users WHERE username = $1 AND org_id = $2 AND NOT disabled`, name, orgID).
			Scan(&m.UserID, &m.Username, &m.DisplayName)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.Field(f, "no active user %q in the team's organisation", name)
		}
		if err != nil {
			return nil, errs.Wrap(err, "cannot look up user %q", name)
		}
		if seen[m.UserID] {
			return nil, errs.Field(f, "%s is listed twice", name)
		}
		seen[m.UserID] = true
		out = append(out, m)
	}
	return out, nil
}

// setMembers replaces team id's members by names.
func setMembers(ctx context.Context, tx *sql.Tx, id, orgID int64, names []string, now time.Time) error {
	ms, err := resolveUsers(ctx, tx, "members", orgID, names)
	if err != nil {
		return err
	}
	keep := make([]int64, len(ms))
	for i, m := range ms {
		keep[i] = m.UserID
	}
	// A member still in a rotation or a future override stays.
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT u.username, u.id FROM oncall_rotation_members rm JOIN oncall_rotations r ON r.id = rm.rotation_id
		JOIN users u ON u.id = rm.user_id WHERE r.team_id = $1 AND (r.end_at IS NULL OR r.end_at > $2)
		UNION SELECT u.username, u.id FROM oncall_overrides o JOIN users u ON u.id = o.user_id WHERE o.team_id = $1 AND o.ends_at > $2`, id, now)
	if err != nil {
		return errs.Wrap(err, "cannot check the rotations of on-call team %d", id)
	}
	var busy []string
	for rows.Next() {
		var name string
		var uid int64
		if err := rows.Scan(&name, &uid); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot check the rotations of on-call team %d", id)
		}
		if !slices.Contains(keep, uid) {
			busy = append(busy, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot check the rotations of on-call team %d", id)
	}
	// …and one an escalation policy pages by name.
	rows, err = tx.QueryContext(ctx, `SELECT steps FROM oncall_policies WHERE team_id = $1`, id)
	if err != nil {
		return errs.Wrap(err, "cannot check the policies of on-call team %d", id)
	}
	for rows.Next() {
		var raw string
		var steps []Step
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot check the policies of on-call team %d", id)
		}
		_ = json.Unmarshal([]byte(raw), &steps)
		for _, st := range steps {
			if st.UserID != 0 && !slices.Contains(keep, st.UserID) && !slices.Contains(busy, st.User) {
				busy = append(busy, st.User)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot check the policies of on-call team %d", id)
	}
	if len(busy) > 0 {
		slices.Sort(busy)
		return errs.E(errs.Conflict, "%s still in a rotation, override or escalation policy of the team; take them out of it first", strings.Join(busy, ", "))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_members WHERE team_id = $1`, id); err != nil {
		return errs.Wrap(err, "cannot change the members of on-call team %d", id)
	}
	for _, m := range ms {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oncall_members (team_id, user_id, added_at) VALUES ($1, $2, $3)`, id, m.UserID, now); err != nil {
			return errs.Wrap(err, "cannot add %s to on-call team %d", m.Username, id)
		}
	}
	return nil
}
