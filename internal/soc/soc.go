// Package soc is the security operations centre's case work: incidents
// worked as cases that belong to the organisation hit, gather the alerts
// behind them, observables, tasks from templates, files and a timeline,
// may raise service-desk tickets, merge with their provenance kept, and
// run the NIS2 (Art. 23) and GDPR (Art. 33) reporting clocks once marked
// reportable. Every query is scoped to the caller's security reach and
// every change is audited in its own transaction. It must not know the
// web layer.
package soc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
)

// Severities of a case, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

// Statuses of a case in the order incident response works through them
// (NIST SP 800-61: contain, eradicate, recover).
var Statuses = []string{"new", "in_progress", "contained", "eradicated", "recovered", "closed"}

// Resolutions say how a closed case ended ("merged" is set by Merge only).
var Resolutions = []string{"resolved", "false-positive", "duplicate", "no-action", "merged"}

// Kinds are the case types with task templates; "other" has none.
var Kinds = []string{"ransomware", "account-compromise", "phishing", "ddos", "data-leak", "malware", "other"}

// Bounds on what a case holds.
const (
	maxTitle       = 200
	maxText        = 20000
	maxNote        = 10000
	maxObservables = 1000
	maxTasks       = 200
	maxMembers     = 50
	maxFiles       = 100
	maxEntries     = 10000
	// MaxFile is the largest evidence file a case takes.
	MaxFile = 20 << 20
	// MaxLink bounds the alerts linked in one request.
	MaxLink = 500
)

// Service keeps cases.
type Service struct {
	db *store.DB
	// Desk raises service-desk tickets from cases (nil: not possible).
	Desk *servicedesk.Service
	// Clock returns the time (tests set it).
	Clock func() time.Time
}

// New returns the case service over db.
func New(db *store.DB) *Service { return &Service{db: db, Clock: time.Now} }

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Microsecond) }

// Case is one security incident as its readers see it.
type Case struct {
	ID          int64      `json:"id"`
	OrgID       int64      `json:"org_id"`
	OrgCode     string     `json:"org_code,omitempty"`
	OrgName     string     `json:"org_name"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Kind        string     `json:"kind"`
	Severity    string     `json:"severity"`
	Status      string     `json:"status"`
	Resolution  string     `json:"resolution,omitempty"`
	Owner       string     `json:"owner,omitempty"`
	MergedInto  int64      `json:"merged_into,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Version     int        `json:"version"`
	Alerts      int        `json:"alerts"`
	OpenTasks   int        `json:"open_tasks"`
	// NIS2 and GDPR marks (see Reporting).
	NIS2Significant    bool       `json:"nis2_significant"`
	PersonalDataBreach bool       `json:"personal_data_breach"`
	AwareAt            *time.Time `json:"aware_at,omitempty"`
	// NextDeadline is the earliest reporting deadline not yet met.
	NextDeadline *Deadline `json:"next_deadline,omitempty"`

	reporting reportingFields
}

// reportingFields are the stored parts of the reporting marks.
type reportingFields struct {
	criteria, malicious, crossBorder, impact, mitigations string
	intermediateDue                                       *time.Time
}

const caseColumns = `c.id, c.org_id, COALESCE(o.code, ''), o.name, c.title, c.description, c.kind, c.severity, c.status, c.resolution,
	COALESCE((SELECT username FROM users WHERE users.id = c.owner_id), ''), COALESCE(c.merged_into, 0), c.created_by, c.created_at, c.updated_at,
	c.closed_at, c.version, (SELECT COUNT(*) FROM case_alerts ca WHERE ca.case_id = c.id),
	(SELECT COUNT(*) FROM case_tasks t WHERE t.case_id = c.id AND t.status = 'open'),
	c.nis2_significant, c.personal_data_breach, c.aware_at, c.nis2_criteria, c.malicious, c.cross_border, c.impact, c.mitigations, c.intermediate_due`

const caseFrom = ` FROM cases c JOIN organizations o ON o.id = c.org_id`

// scanCase reads caseColumns (and then extra, when the query selects
// more).
func scanCase(row interface{ Scan(...any) error }, extra ...any) (Case, error) {
	var c Case
	var closed, aware, inter sql.NullTime
	err := row.Scan(append([]any{&c.ID, &c.OrgID, &c.OrgCode, &c.OrgName, &c.Title, &c.Description, &c.Kind, &c.Severity, &c.Status, &c.Resolution,
		&c.Owner, &c.MergedInto, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &closed, &c.Version, &c.Alerts, &c.OpenTasks,
		&c.NIS2Significant, &c.PersonalDataBreach, &aware, &c.reporting.criteria, &c.reporting.malicious, &c.reporting.crossBorder,
		&c.reporting.impact, &c.reporting.mitigations, &inter}, extra...)...)
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.ClosedAt, c.AwareAt, c.reporting.intermediateDue = utcPtr(closed), utcPtr(aware), utcPtr(inter)
	return c, nil
}

func utcPtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// visible returns the predicate that keeps sc to the cases it may read:
// the case's organisation within its security reach, and a role that
// reads cases.
func visible(sc access.Scope, a *store.Args) string {
	if !sc.Can(access.ReadCases) {
		return "FALSE"
	}
	return sc.SecurityPredicate("c.org_id", a)
}

// notFound is the one answer for a case that does not exist and one out
// of reach.
func notFound(id int64) error { return errs.E(errs.NotFound, "no case %d", id) }

// get reads case id as sc sees it (NotFound when out of reach).
func get(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Case, error) {
	var a store.Args
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = `+a.Add(id)+` AND `+visible(sc, &a), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, notFound(id)
	}
	if err != nil {
		return Case{}, errs.Wrap(err, "cannot read case %d", id)
	}
	return c, withDeadline(ctx, q, &c)
}

// withDeadline sets c.NextDeadline (reading its submissions when it is
// reportable).
func withDeadline(ctx context.Context, q store.Querier, c *Case) error {
	if c.AwareAt == nil {
		return nil
	}
	subs, err := submissions(ctx, q, c.ID)
	if err != nil {
		return err
	}
	c.NextDeadline = nextDeadline(*c, subs)
	return nil
}

// NewCase is what Create needs.
type NewCase struct {
	// Org is the organisation hit: a code, slug or id.
	Org         string `json:"org"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind,omitempty"` // default "other"
	Severity    string `json:"severity"`
	// Alerts are linked at once (the "open case" of an alert selection);
	// their observables are taken over.
	Alerts []int64 `json:"alerts,omitempty"`
	// Owner: a username, "me" (the default for those who work cases) or "".
	Owner string `json:"owner,omitempty"`
}

// mayWork refuses callers whose role does not work cases.
func mayWork(sc access.Scope) error {
	if sc.UserID == 0 && !sc.IsSystem() {
		return errs.E(errs.Unauthorized, "log in first")
	}
	if !sc.Can(access.WorkCases) {
		return errs.E(errs.Forbidden, "only SOC analysts, the CERT and CISOs work security cases")
	}
	return nil
}

// Create opens a case for the organisation hit, applies its kind's task
// template, links the given alerts (taking over their observables), and
// for a critical case starts the on-call escalation — all in one
// transaction with its audit record.
func (s *Service) Create(ctx context.Context, sc access.Scope, n NewCase) (Case, error) {
	if err := mayWork(sc); err != nil {
		return Case{}, err
	}
	var err error
	if n.Title, err = errs.Text("title", n.Title, 3, maxTitle); err != nil {
		return Case{}, err
	}
	if n.Description, err = errs.Text("description", n.Description, 0, maxText); err != nil {
		return Case{}, err
	}
	if n.Kind == "" {
		n.Kind = "other"
	}
	if err := errs.OneOf("kind", n.Kind, Kinds); err != nil {
		return Case{}, err
	}
	if err := errs.OneOf("severity", n.Severity, Severities); err != nil {
		return Case{}, err
	}
	if len(n.Alerts) > MaxLink {
		return Case{}, errs.Field("alerts", "at most %d alerts at a time (got %d)", MaxLink, len(n.Alerts))
	}
	if n.Owner == "" && sc.UserID != 0 {
		n.Owner = "me"
	}
	var out Case
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		orgID, err := org.InSecurityReach(ctx, tx, sc, n.Org)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO cases (org_id, title, description, kind, severity, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'new', $6, $7, $7) RETURNING id`, orgID, n.Title, n.Description, n.Kind, n.Severity, sc.Actor().Name, now).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot store the case")
		}
		if err := entry(ctx, tx, id, now, sc, "created", "", map[string]any{"severity": n.Severity, "kind": n.Kind}); err != nil {
			return err
		}
		if n.Owner != "" {
			uid, _, err := s.member(ctx, tx, sc, id, orgID, n.Owner, "owner")
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET owner_id = $1 WHERE id = $2`, uid, id); err != nil {
				return errs.Wrap(err, "cannot set the owner of case %d", id)
			}
		}
		if err := applyTemplate(ctx, tx, id, n.Kind, now); err != nil {
			return err
		}
		if len(n.Alerts) > 0 {
			if _, err := linkAlerts(ctx, tx, sc, id, orgID, n.Alerts, now, 0); err != nil {
				return err
			}
		}
		if out, err = get(ctx, tx, sc, id); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.create", TargetType: "case", TargetID: idString(id), OrgID: orgID,
			After: map[string]any{"title": n.Title, "severity": n.Severity, "kind": n.Kind, "alerts": len(n.Alerts)}}); err != nil {
			return err
		}
		if n.Severity == "critical" {
			return page(ctx, tx, out, now)
		}
		return nil
	})
	return out, err
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// entry writes one step on case id's timeline.
func entry(ctx context.Context, tx *sql.Tx, id int64, at time.Time, sc access.Scope, kind, body string, detail map[string]any) error {
	d := "{}"
	if len(detail) > 0 {
		b, _ := json.Marshal(detail)
		d = string(b)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_entries (case_id, at, actor, kind, body, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, at, sc.Actor().Name, kind, body, d)
	return errs.Wrap(err, "cannot record a step on case %d", id)
}

// member resolves name ("me" or a username) to an active user who may
// work case id of organisation orgID: a role that works cases, and the
// case's organisation within that user's security reach. Whether the user
// does not exist or may not work the case is one answer.
func (s *Service) member(ctx context.Context, tx *sql.Tx, sc access.Scope, id, orgID int64, name, field string) (int64, string, error) {
	if name == "me" {
		if sc.UserID == 0 {
			return 0, "", errs.Field(field, "the platform cannot own a case; name a user")
		}
		name = sc.Username
	}
	name, err := access.NormalizeUsername(field, name)
	if err != nil {
		return 0, "", err
	}
	var u access.User
	err = tx.QueryRowContext(ctx, `SELECT u.id, u.username, u.org_id, o.kind, u.role FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.username = $1 AND NOT u.disabled`, name).Scan(&u.ID, &u.Username, &u.OrgID, &u.OrgKind, &u.Role)
	refused := errs.Field(field, "%s cannot work case %d: no active user of that name works security cases of this organisation", name, id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", refused
	}
	if err != nil {
		return 0, "", errs.Wrap(err, "cannot look up user %s", name)
	}
	us := access.ScopeOf(u)
	if !us.Can(access.WorkCases) {
		return 0, "", refused
	}
	var a store.Args
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id = `+a.Add(orgID)+` AND `+us.SecurityPredicate("id", &a), a.Values()...).Scan(&n); err != nil {
		return 0, "", errs.Wrap(err, "cannot check whether %s sees case %d", name, id)
	}
	if n == 0 {
		return 0, "", refused
	}
	return u.ID, u.Username, nil
}

// page starts the on-call escalation of a critical case (the shared SOC's
// default team; nothing when the platform has no on-call team).
func page(ctx context.Context, tx *sql.Tx, c Case, now time.Time) error {
	_, err := oncall.Start(ctx, tx, oncall.Subject{OrgID: c.OrgID, Severity: "critical", Kind: oncall.KindCase, SubjectID: c.ID,
		Title: c.Title, At: now})
	return err
}

// lock holds the rows of cases ids until tx ends, in id order so that
// two transactions cannot deadlock — for every read-modify-write of a
// case on PostgreSQL (SQLite has one writer, which serialises them).
func (s *Service) lock(ctx context.Context, tx *sql.Tx, ids ...int64) error {
	if s.db.Dialect() != store.Postgres || len(ids) == 0 {
		return nil
	}
	ids = slices.Sorted(slices.Values(ids))
	var a store.Args
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.Add(id)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM cases WHERE id IN (`+strings.Join(ps, ", ")+`) ORDER BY id FOR UPDATE`, a.Values()...)
	if err != nil {
		return errs.Wrap(err, "cannot lock cases")
	}
	rows.Close()
	return errs.Wrap(rows.Err(), "cannot lock cases")
}

// limit refuses adding to case id when table already holds max rows of it.
func limit(ctx context.Context, tx *sql.Tx, table string, id int64, max int, what string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE case_id = $1`, id).Scan(&n); err != nil {
		return errs.Wrap(err, "cannot count the %s of case %d", what, id)
	}
	if n >= max {
		return errs.E(errs.Conflict, "case %d holds %d %s, the most a case takes", id, n, what)
	}
	return nil
}
