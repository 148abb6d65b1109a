package oncall

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Severities are the severities an escalation policy is kept for.
var Severities = []string{"low", "medium", "high", "critical"}

// Step is one step of an escalation policy: page whoever holds Level
// (or the member User), then wait WaitMinutes for an acknowledgement
// before the next step.
type Step struct {
	Level       int    `json:"level,omitempty"`
	User        string `json:"user,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
	WaitMinutes int    `json:"wait_minutes"`
}

// Policy says how a team escalates alerts and cases of one severity:
// its Steps in order, then the whole list again Repeats times (0–9).
type Policy struct {
	Severity string `json:"severity"`
	Steps    []Step `json:"steps"`
	Repeats  int    `json:"repeats"`
	// Default says the team has not set one: DefaultPolicy applies.
	Default   bool       `json:"default,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// DefaultPolicy is the policy of a severity a team has not set: page
// level 1, after 10 minutes level 2, after 10 more level 1 again, and
// so on twice more.
func DefaultPolicy(severity string) Policy {
	return Policy{Severity: severity, Steps: []Step{{Level: 1, WaitMinutes: 10}, {Level: 2, WaitMinutes: 10}}, Repeats: 2, Default: true}
}

func checkSeverity(field, s string) error {
	if !slices.Contains(Severities, s) {
		return errs.Field(field, "severity is low, medium, high or critical")
	}
	return nil
}

// SetPolicy sets the policy of team slug for p.Severity as sc (access.
// ManageOnCall over the team's organisation): 1–10 steps, each a level
// (1–5) or a member, and a wait of 1–1440 minutes. Escalations under way
// keep the policy they started with.
func (s *Service) SetPolicy(ctx context.Context, sc access.Scope, slug string, p Policy) (Policy, error) {
	if err := checkSeverity("severity", p.Severity); err != nil {
		return Policy{}, err
	}
	switch {
	case len(p.Steps) == 0:
		return Policy{}, errs.Field("steps", "a policy needs at least one step")
	case len(p.Steps) > MaxSteps:
		return Policy{}, errs.Field("steps", "a policy has at most %d steps", MaxSteps)
	case p.Repeats < 0 || p.Repeats > MaxRepeats:
		return Policy{}, errs.Field("repeats", "a policy repeats 0–%d times", MaxRepeats)
	}
	for i, st := range p.Steps {
		f := "steps[" + strconv.Itoa(i) + "]"
		switch {
		case st.Level != 0 && st.User != "", st.Level == 0 && st.User == "":
			return Policy{}, errs.Field(f, "a step pages a level or a member")
		case st.WaitMinutes < 1 || st.WaitMinutes > MaxWait:
			return Policy{}, errs.Field(f+".wait_minutes", "a step waits 1–%d minutes", MaxWait)
		}
		if st.Level != 0 {
			if err := checkLevel(f+".level", st.Level); err != nil {
				return Policy{}, err
			}
		}
	}
	now := s.now()
	out := Policy{Severity: p.Severity, Repeats: p.Repeats, UpdatedAt: &now}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		t, err := team(ctx, tx, sc, slug, true)
		if err != nil {
			return err
		}
		for i, st := range p.Steps {
			if st.User != "" {
				ms, err := teamMembers(t, "steps["+strconv.Itoa(i)+"].user", []string{st.User})
				if err != nil {
					return err
				}
				st = Step{User: ms[0].Username, UserID: ms[0].UserID, WaitMinutes: st.WaitMinutes}
			} else {
				st = Step{Level: st.Level, WaitMinutes: st.WaitMinutes}
			}
			out.Steps = append(out.Steps, st)
		}
		steps, _ := json.Marshal(out.Steps)
		before, err := policy(ctx, tx, t.ID, p.Severity)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO oncall_policies (team_id, severity, steps, repeats, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (team_id, severity) DO UPDATE SET steps = excluded.steps, repeats = excluded.repeats, updated_at = excluded.updated_at`,
			t.ID, p.Severity, string(steps), p.Repeats, now); err != nil {
			return errs.Wrap(err, "cannot store the %s policy of team %q", p.Severity, slug)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "oncall.policy.set", TargetType: "oncall_team", TargetID: slug, OrgID: t.OrgID,
			Before: before, After: out})
	})
	return out, err
}

// Policies returns the policies of team slug for every severity (the
// default where none is set), if sc may see the team.
func (s *Service) Policies(ctx context.Context, sc access.Scope, slug string) ([]Policy, error) {
	t, err := team(ctx, s.db.Reader(), sc, slug, false)
	if err != nil {
		return nil, err
	}
	out := make([]Policy, 0, len(Severities))
	for _, sev := range Severities {
		p, err := policy(ctx, s.db.Reader(), t.ID, sev)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// policy loads team id's policy for severity, or the default.
func policy(ctx context.Context, q store.Querier, teamID int64, severity string) (Policy, error) {
	p := Policy{Severity: severity}
	var steps string
	var at time.Time
	err := q.QueryRowContext(ctx, `SELECT steps, repeats, updated_at FROM oncall_policies WHERE team_id = $1 AND severity = $2`, teamID, severity).
		Scan(&steps, &p.Repeats, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPolicy(severity), nil
	}
	if err != nil {
		return Policy{}, errs.Wrap(err, "cannot load the %s policy of team %d", severity, teamID)
	}
	if err := json.Unmarshal([]byte(steps), &p.Steps); err != nil {
		return Policy{}, errs.Wrap(err, "cannot read the %s policy of team %d", severity, teamID)
	}
	at = at.UTC()
	p.UpdatedAt = &at
	return p, nil
}
