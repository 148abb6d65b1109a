package servicedesk

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// ProblemInfo is what a problem ticket holds beyond a ticket: the root
// cause, the workaround (a known error has one), and the incidents it
// explains.
type ProblemInfo struct {
	RootCause  string         `json:"root_cause"`
	Workaround string         `json:"workaround"`
	KnownError bool           `json:"known_error"`
	Incidents  []LinkedTicket `json:"incidents"`
}

// LinkedTicket is a ticket named from another.
type LinkedTicket struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
}

func (s *Service) loadProblem(ctx context.Context, q store.Querier, sc access.Scope, id int64) (*ProblemInfo, error) {
	p := &ProblemInfo{Incidents: []LinkedTicket{}}
	err := q.QueryRowContext(ctx, `SELECT root_cause, workaround, known_error FROM ticket_problems WHERE ticket_id = $1`, id).
		Scan(&p.RootCause, &p.Workaround, &p.KnownError)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Wrap(err, "cannot load problem %d", id)
	}
	var a store.Args
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.title, t.status FROM problem_links l JOIN tickets t ON t.id = l.incident_id
		WHERE l.problem_id = `+a.Add(id)+` AND `+s.visible(sc, &a)+` ORDER BY t.id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load incidents of problem %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var l LinkedTicket
		if err := rows.Scan(&l.ID, &l.Title, &l.Status); err != nil {
			return nil, errs.Wrap(err, "cannot read linked incident")
		}
		p.Incidents = append(p.Incidents, l)
	}
	return p, errs.Wrap(rows.Err(), "cannot load incidents of problem %d", id)
}

func problemsOf(ctx context.Context, q store.Querier, incident int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT problem_id FROM problem_links WHERE incident_id = $1 ORDER BY problem_id`, incident)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load problems of incident %d", incident)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, errs.Wrap(err, "cannot read problem link")
		}
		out = append(out, id)
	}
	return out, errs.Wrap(rows.Err(), "cannot load problems of incident %d", incident)
}

// SetProblem records problem id's root cause and workaround; with a
// workaround it can be marked a known error. The unit's service desk or
// manager does.
func (s *Service) SetProblem(ctx context.Context, sc access.Scope, id int64, version int, rootCause, workaround string, knownError bool) (Ticket, error) {
	var err error
	if rootCause, err = checkText("root_cause", rootCause, 0, maxText); err != nil {
		return Ticket{}, err
	}
	if workaround, err = checkText("workaround", workaround, 0, maxText); err != nil {
		return Ticket{}, err
	}
	if knownError && workaround == "" {
		return Ticket{}, errs.Field("workaround", "a known error needs its workaround")
	}
	return s.mutate(ctx, sc, id, version, "problem", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if t.Kind != Problem {
			return errs.E(errs.Conflict, "ticket %d is a %s, not a problem", id, t.Kind)
		}
		if err := closed(t); err != nil {
			return err
		}
		if !onUnitSide(sc, t) {
			return errs.E(errs.Forbidden, "the service desk of %s records problem %d's root cause", t.UnitName, id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ticket_problems (ticket_id, root_cause, workaround, known_error) VALUES ($1, $2, $3, $4)
			ON CONFLICT (ticket_id) DO UPDATE SET root_cause = excluded.root_cause, workaround = excluded.workaround, known_error = excluded.known_error`,
			id, rootCause, workaround, knownError); err != nil {
			return errs.Wrap(err, "cannot store problem %d", id)
		}
		c.after["problem"] = map[string]any{"root_cause": rootCause, "workaround": workaround, "known_error": knownError}
		c.note("problem", false, rootCause, map[string]any{"workaround": workaround, "known_error": knownError})
		return nil
	})
}

// LinkIncident links incident to problem id (the unit's service desk does;
// the incident must be one it sees). The incident's timeline says so.
func (s *Service) LinkIncident(ctx context.Context, sc access.Scope, id, incident int64) (Ticket, error) {
	return s.mutate(ctx, sc, id, 0, "link", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if t.Kind != Problem {
			return errs.E(errs.Conflict, "ticket %d is a %s, not a problem", id, t.Kind)
		}
		if !onUnitSide(sc, t) {
			return errs.E(errs.Forbidden, "the service desk of %s links incidents to problem %d", t.UnitName, id)
		}
		inc, _, err := s.get(ctx, tx, sc, incident, false)
		if errs.CodeOf(err) == errs.NotFound {
			return errs.E(errs.NotFound, "no incident %d escalated to %s", incident, t.UnitName)
		} else if err != nil {
			return err
		}
		if inc.Kind != Incident {
			return errs.Field("incident", "ticket %d is a %s, not an incident", incident, inc.Kind)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO problem_links (problem_id, incident_id) VALUES ($1, $2)`, id, incident); store.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "incident %d is linked to problem %d already", incident, id)
		} else if err != nil {
			return errs.Wrap(err, "cannot link incident %d", incident)
		}
		if _, err := addEntry(ctx, tx, incident, now, sc, "linked", false, "", map[string]any{"problem": id}); err != nil {
			return err
		}
		c.after["incident"] = incident
		c.note("link", false, "", map[string]any{"incident": incident})
		return nil
	})
}
