package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// The statuses of an answer.
const (
	NotAssessed   = "not_assessed"
	NotMet        = "not_met"
	Partial       = "partial"
	Met           = "met"
	NotApplicable = "not_applicable"
)

// Statuses lists the statuses in order.
var Statuses = []string{NotAssessed, NotMet, Partial, Met, NotApplicable}

// Answer is one requirement of an assessment as the organisation stands:
// its own answer, else one derived through a mapping from its answer to
// another framework's requirement; a requirement tied to a live check
// follows the check (a failing check makes it not met).
type Answer struct {
	Requirement
	// Status is the effective status: the answer's, overridden by a
	// failing (or passing) live check, else derived.
	Status   string     `json:"status"`
	Answered string     `json:"answered"` // the organisation's own answer, not_assessed if none
	Maturity *int       `json:"maturity"`
	Owner    string     `json:"owner"`
	Due      *time.Time `json:"due"`
	Controls string     `json:"applied_controls"`
	Notes    string     `json:"notes"`
	Reason   string     `json:"reason"` // why not applicable
	// LiveCheck names the live check the answer rests on, "" for none;
	// Live is its latest result.
	LiveCheck string       `json:"live_check"`
	Live      *CheckResult `json:"live,omitempty"`
	// Derived says where a status without an answer of its own came from.
	Derived   *Derived   `json:"derived,omitempty"`
	Overdue   bool       `json:"overdue"` // a gap past its due date
	Version   int        `json:"version"` // for SetAnswer's optimistic check; 0 before the first answer
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Evidence  int        `json:"evidence"` // files and links attached
}

// Derived is the answer to another framework's requirement that gave a
// requirement its status.
type Derived struct {
	Framework    string `json:"framework"`
	RefID        string `json:"ref_id"`
	Relationship string `json:"relationship"`
	Status       string `json:"status"` // the other requirement's
}

// Counts sums the assessable requirements of an assessment by status.
type Counts struct {
	Met           int `json:"met"`
	Partial       int `json:"partial"`
	NotMet        int `json:"not_met"`
	NotAssessed   int `json:"not_assessed"`
	NotApplicable int `json:"not_applicable"`
	Derived       int `json:"derived"` // of the above, by mapping
	Overdue       int `json:"overdue"`
	// Score is met plus half of partial over the applicable, in per cent;
	// nil while nothing applicable is assessed.
	Score *float64 `json:"score"`
}

func (c *Counts) add(a Answer) {
	switch a.Status {
	case Met:
		c.Met++
	case Partial:
		c.Partial++
	case NotMet:
		c.NotMet++
	case NotApplicable:
		c.NotApplicable++
	default:
		c.NotAssessed++
	}
	if a.Derived != nil {
		c.Derived++
	}
	if a.Overdue {
		c.Overdue++
	}
}

func (c *Counts) finish() {
	if n := c.Met + c.Partial + c.NotMet + c.NotAssessed; n > 0 && c.Met+c.Partial+c.NotMet > 0 {
		v := float64(2*c.Met+c.Partial) * 50 / float64(n)
		v = float64(int(v*10+0.5)) / 10
		c.Score = &v
	}
}

// Assessment is one organisation's assessment of one framework.
type Assessment struct {
	OrgID     int64      `json:"org_id"`
	OrgName   string     `json:"org_name"`
	Framework Framework  `json:"framework"`
	Counts    Counts     `json:"counts"`
	Items     []Answer   `json:"items"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// answerRow is a stored answer.
type answerRow struct {
	status, owner, controls, notes, reason, live, by string
	maturity                                         *int
	due, at                                          *time.Time
	version                                          int
}

// answersOf reads org's stored answers to every framework, by requirement.
func answersOf(ctx context.Context, q store.Querier, orgIDs []int64) (map[int64]map[int64]answerRow, error) {
	out := map[int64]map[int64]answerRow{}
	err := store.EachIn(ctx, q, `SELECT s.org_id, x.requirement_id, x.status, x.maturity, x.owner, x.due, x.controls, x.notes, x.reason, x.live_check, x.version, x.updated_by, x.updated_at
		FROM assessment_answers x JOIN assessments s ON s.id = x.assessment_id WHERE s.org_id IN `, orgIDs, "", func(rows *sql.Rows) error {
		var orgID, rid int64
		var r answerRow
		var maturity sql.NullInt64
		var due sql.NullTime
		var at time.Time
		if err := rows.Scan(&orgID, &rid, &r.status, &maturity, &r.owner, &due, &r.controls, &r.notes, &r.reason, &r.live, &r.version, &r.by, &at); err != nil {
			return err
		}
		if maturity.Valid {
			m := int(maturity.Int64)
			r.maturity = &m
		}
		if due.Valid {
			d := due.Time.UTC()
			r.due = &d
		}
		at = at.UTC()
		r.at = &at
		if out[orgID] == nil {
			out[orgID] = map[int64]answerRow{}
		}
		out[orgID][rid] = r
		return nil
	})
	return out, errs.Wrap(err, "cannot read answers")
}

// derive gives the status a requirement takes from the other end of a
// mapping (rel is this requirement's relationship to that one) answered
// other, "" for none. Equal carries every answer. Part of the other
// (subset) is met or partly met as the other is, and tells nothing when
// the other is not met. More than the other (superset) is at most partly
// met by it, and not met when the other is not. An overlap (intersect) is
// partly met when the other is met at least in part.
func derive(rel, other string) string {
	if other != Met && other != Partial && other != NotMet {
		return ""
	}
	switch rel {
	case "equal":
		return other
	case "subset":
		if other != NotMet {
			return other
		}
	case "superset":
		if other == NotMet {
			return NotMet
		}
		return Partial
	case "intersect":
		if other != NotMet {
			return Partial
		}
	}
	return ""
}

// relRank orders the relationships by how much they tell.
var relRank = map[string]int{"equal": 0, "subset": 1, "superset": 2, "intersect": 3}

// statusRank orders statuses from worst, for choosing the cautious one.
var statusRank = map[string]int{NotMet: 0, Partial: 1, Met: 2}

// liveView is what the live checks say of one organisation: its latest
// results, and which requirements each check is evidence for.
type liveView struct {
	results map[string]CheckResult
	targets map[int64][]string // requirement id → the checks that evidence it
}

// own is the status of an organisation's own answer r to requirement rid
// as the live checks have it, with the result that decided it: a failing
// check the answer rests on, or that is evidence for the requirement,
// makes it not met (whatever the answer, or none, says); a passing check
// the answer rests on makes an answer not yet given met, and leaves a
// given one as it is (people may know of gaps the check cannot see).
func own(r answerRow, rid int64, lv liveView) (string, *CheckResult) {
	st := r.status
	if st == "" {
		st = NotAssessed
	}
	linked, isLinked := lv.results[r.live]
	isLinked = isLinked && r.live != ""
	if isLinked && linked.Result == "fail" {
		return NotMet, &linked
	}
	for _, name := range lv.targets[rid] {
		if res, ok := lv.results[name]; ok && res.Result == "fail" {
			return NotMet, &res
		}
	}
	if isLinked {
		if linked.Result == "pass" && st == NotAssessed {
			st = Met
		}
		return st, &linked
	}
	return st, nil
}

// evaluate fills the effective status of items (requirements of one
// framework) for an organisation from its answers, its live checks and
// the mappings.
func evaluate(items []Answer, answers map[int64]answerRow, edges map[int64][]edge, lv liveView, evidence map[int64]int, now time.Time) Counts {
	var c Counts
	for i := range items {
		a := &items[i]
		a.Status, a.Answered = NotAssessed, NotAssessed
		a.Evidence = evidence[a.ID]
		r, ok := answers[a.ID]
		if ok {
			a.Answered = r.status
			a.Maturity, a.Owner, a.Due, a.Controls, a.Notes, a.Reason = r.maturity, r.owner, r.due, r.controls, r.notes, r.reason
			a.LiveCheck, a.Version, a.UpdatedBy, a.UpdatedAt = r.live, r.version, r.by, r.at
		}
		a.Status, a.Live = own(r, a.ID, lv)
		if a.Status == NotAssessed && a.Assessable {
			var best *Derived
			for _, e := range edges[a.ID] {
				other, ok := answers[e.RequirementID]
				if !ok {
					continue
				}
				otherStatus, _ := own(other, e.RequirementID, lv)
				st := derive(e.Relationship, otherStatus)
				if st == "" {
					continue
				}
				d := &Derived{Framework: e.Framework, RefID: e.RefID, Relationship: e.Relationship, Status: otherStatus}
				if best == nil || relRank[e.Relationship] < relRank[best.Relationship] ||
					relRank[e.Relationship] == relRank[best.Relationship] && statusRank[st] < statusRank[derive(best.Relationship, best.Status)] {
					best = d
				}
			}
			if best != nil {
				a.Derived = best
				a.Status = derive(best.Relationship, best.Status)
			}
		}
		a.Overdue = a.Due != nil && a.Due.Before(now) && (a.Status == NotMet || a.Status == Partial)
		if a.Assessable {
			c.add(*a)
		}
	}
	c.finish()
	return c
}

// Assessment returns org's assessment of framework fw (texts in lang),
// every requirement with its effective status. An organisation without
// answers yet has an empty assessment (everything not assessed, or
// derived).
func (s *Service) Assessment(ctx context.Context, sc access.Scope, orgRef, fw, lang string) (Assessment, error) {
	if err := mayRead(sc); err != nil {
		return Assessment{}, err
	}
	q := s.db.Reader()
	orgID, err := org.InReach(ctx, q, sc, orgRef)
	if err != nil {
		return Assessment{}, err
	}
	f, locale, err := frameworkBySlug(ctx, q, fw, lang)
	if err != nil {
		return Assessment{}, err
	}
	reqs, err := requirementsOf(ctx, q, f.key, lang, locale)
	if err != nil {
		return Assessment{}, err
	}
	if err := s.attach(ctx, reqs); err != nil {
		return Assessment{}, err
	}
	out := Assessment{OrgID: orgID, Framework: f, Items: make([]Answer, len(reqs))}
	if err := q.QueryRowContext(ctx, `SELECT name FROM organizations WHERE id = $1`, orgID).Scan(&out.OrgName); err != nil {
		return Assessment{}, errs.Wrap(err, "cannot read organisation %d", orgID)
	}
	var updated sql.NullTime
	if err := q.QueryRowContext(ctx, `SELECT MAX(updated_at) FROM assessments WHERE org_id = $1 AND framework_id = $2`, orgID, f.key).Scan(&updated); err == nil && updated.Valid {
		t := updated.Time.UTC()
		out.UpdatedAt = &t
	}
	edges := map[int64][]edge{}
	for i, r := range reqs {
		out.Items[i] = Answer{Requirement: r}
		for _, m := range r.Mappings {
			edges[r.ID] = append(edges[r.ID], edge{from: r.ID, Mapping: m})
		}
	}
	answers, err := answersOf(ctx, q, []int64{orgID})
	if err != nil {
		return Assessment{}, err
	}
	live, err := latestResults(ctx, q, []int64{orgID})
	if err != nil {
		return Assessment{}, err
	}
	targets, err := s.checkTargets(ctx, q)
	if err != nil {
		return Assessment{}, err
	}
	evidence, err := evidenceCounts(ctx, q, orgID)
	if err != nil {
		return Assessment{}, err
	}
	out.Counts = evaluate(out.Items, answers[orgID], edges, liveView{results: live[orgID], targets: targets}, evidence, s.now())
	return out, nil
}

// AnswerChange changes one answer; nil fields stay as they are. Version
// must be the answer's version as last read (0 for a requirement never
// answered): a change made meanwhile by someone else is a Conflict.
type AnswerChange struct {
	Status    *string `json:"status,omitempty"`
	Maturity  *int    `json:"maturity,omitempty"` // -1 clears it
	Owner     *string `json:"owner,omitempty"`
	Due       *string `json:"due,omitempty"` // YYYY-MM-DD, "" clears it
	Controls  *string `json:"applied_controls,omitempty"`
	Notes     *string `json:"notes,omitempty"`
	Reason    *string `json:"reason,omitempty"`
	LiveCheck *string `json:"live_check,omitempty"` // a check's name, "" for none
	Version   int     `json:"version"`
}

// SetAnswer changes org's answer to requirement req (id, URN or ref id)
// of framework fw and returns the assessment's line for it.
func (s *Service) SetAnswer(ctx context.Context, sc access.Scope, orgRef, fw, req string, c AnswerChange) (Answer, error) {
	if err := mayAssess(sc); err != nil {
		return Answer{}, err
	}
	var orgID int64
	var f Framework
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if orgID, err = org.InReach(ctx, tx, sc, orgRef); err != nil {
			return err
		}
		if f, _, err = frameworkBySlug(ctx, tx, fw, ""); err != nil {
			return err
		}
		rid, assessable, err := findRequirement(ctx, tx, f.key, req)
		if err != nil {
			return err
		}
		if !assessable {
			return errs.Field("requirement", "%s is a heading; answer the requirements under it", req)
		}
		now := s.now()
		var aid int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM assessments WHERE org_id = $1 AND framework_id = $2`, orgID, f.key).Scan(&aid)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `INSERT INTO assessments (org_id, framework_id, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
				ON CONFLICT (org_id, framework_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id`, orgID, f.key, sc.Actor().Name, now).Scan(&aid)
		}
		if err != nil {
			return errs.Wrap(err, "cannot open the assessment")
		}
		answers, err := answersOf(ctx, tx, []int64{orgID})
		if err != nil {
			return err
		}
		cur, exists := answers[orgID][rid]
		if !exists {
			cur = answerRow{status: NotAssessed}
		}
		if cur.version != c.Version {
			by := cur.by
			if by == "" {
				by = "someone"
			}
			return errs.E(errs.Conflict, "this answer was changed by %s since you read it (version %d, you had %d); reload it and make your change again", by, cur.version, c.Version)
		}
		next, err := c.apply(cur, s.checkNames())
		if err != nil {
			return err
		}
		var maturity, due any
		if next.maturity != nil {
			maturity = *next.maturity
		}
		if next.due != nil {
			due = *next.due
		}
		if exists {
			_, err = tx.ExecContext(ctx, `UPDATE assessment_answers SET status = $1, maturity = $2, owner = $3, due = $4, controls = $5, notes = $6, reason = $7, live_check = $8,
				version = version + 1, updated_by = $9, updated_at = $10 WHERE assessment_id = $11 AND requirement_id = $12 AND version = $13`,
				next.status, maturity, next.owner, due, next.controls, next.notes, next.reason, next.live, sc.Actor().Name, now, aid, rid, cur.version)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO assessment_answers (assessment_id, requirement_id, status, maturity, owner, due, controls, notes, reason, live_check, version, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12)`,
				aid, rid, next.status, maturity, next.owner, due, next.controls, next.notes, next.reason, next.live, sc.Actor().Name, now)
		}
		if store.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "this answer was just given by someone else; reload it and make your change again")
		}
		if err != nil {
			return errs.Wrap(err, "cannot store the answer")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assessments SET updated_at = $1 WHERE id = $2`, now, aid); err != nil {
			return errs.Wrap(err, "cannot store the answer")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "compliance.answer", TargetType: "requirement", TargetID: idString(rid), OrgID: orgID,
			Before: cur.audit(), After: next.audit()})
	})
	if err != nil {
		return Answer{}, err
	}
	a, err := s.Assessment(ctx, sc, idString(orgID), f.ID, "")
	if err != nil {
		return Answer{}, err
	}
	for _, x := range a.Items {
		if strings.EqualFold(x.URN, req) || strings.EqualFold(x.RefID, req) || idString(x.ID) == strings.TrimSpace(req) {
			return x, nil
		}
	}
	return Answer{}, errs.E(errs.Internal, "answer to %s not found after storing it", req)
}

func (r answerRow) audit() map[string]any {
	m := map[string]any{"status": r.status, "owner": r.owner, "live_check": r.live, "applied_controls": r.controls, "notes": r.notes, "reason": r.reason}
	if r.maturity != nil {
		m["maturity"] = *r.maturity
	}
	if r.due != nil {
		m["due"] = r.due.Format("2006-01-02")
	}
	return m
}

// apply checks c against cur and returns the answer it makes.
func (c AnswerChange) apply(cur answerRow, checks []string) (answerRow, error) {
	next := cur
	if c.Status != nil {
		if err := errs.OneOf("status", *c.Status, Statuses); err != nil {
			return cur, err
		}
		next.status = *c.Status
	}
	if c.Maturity != nil {
		switch m := *c.Maturity; {
		case m == -1:
			next.maturity = nil
		case m < 0 || m > 5:
			return cur, errs.Field("maturity", "maturity is 0 (none) to 5 (optimised), or -1 to clear it")
		default:
			next.maturity = &m
		}
	}
	var fs []errs.TextField
	for _, f := range []struct {
		in *string
		errs.TextField
	}{{c.Owner, errs.TextField{Name: "owner", V: &next.owner, Min: 0, Max: 200}}, {c.Controls, errs.TextField{Name: "applied_controls", V: &next.controls, Min: 0, Max: 4000}},
		{c.Notes, errs.TextField{Name: "notes", V: &next.notes, Min: 0, Max: 10000}}, {c.Reason, errs.TextField{Name: "reason", V: &next.reason, Min: 0, Max: 2000}}} {
		if f.in != nil {
			*f.V = *f.in
			fs = append(fs, f.TextField)
		}
	}
	if err := errs.Texts(fs...); err != nil {
		return cur, err
	}
	if c.Due != nil {
		if d := strings.TrimSpace(*c.Due); d == "" {
			next.due = nil
		} else {
			t, err := time.Parse("2006-01-02", d)
			if err != nil {
				return cur, errs.Field("due", "%q is not a date (YYYY-MM-DD)", d)
			}
			next.due = &t
		}
	}
	if c.LiveCheck != nil {
		if l := strings.TrimSpace(*c.LiveCheck); l != "" && !slices.Contains(checks, l) {
			return cur, errs.Field("live_check", "no live check %q; the checks are %s", l, strings.Join(checks, ", "))
		}
		next.live = strings.TrimSpace(*c.LiveCheck)
	}
	if next.status == NotApplicable && strings.TrimSpace(next.reason) == "" {
		return cur, errs.Field("reason", "say why the requirement does not apply")
	}
	if next.status == NotApplicable {
		next.maturity, next.due = nil, nil // nothing to mature or fix
	}
	return next, nil
}

// Summary is one organisation's standing in one framework.
type Summary struct {
	OrgID     int64      `json:"org_id"`
	OrgCode   string     `json:"org_code,omitempty"`
	OrgName   string     `json:"org_name"`
	OrgKind   string     `json:"org_kind"`
	Framework string     `json:"framework"`
	Name      string     `json:"framework_name"`
	Counts    Counts     `json:"counts"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Assessments lists org's standing in every framework.
func (s *Service) Assessments(ctx context.Context, sc access.Scope, orgRef, lang string) ([]Summary, error) {
	if err := mayRead(sc); err != nil {
		return nil, err
	}
	orgID, err := org.InReach(ctx, s.db.Reader(), sc, orgRef)
	if err != nil {
		return nil, err
	}
	h, err := s.heatmap(ctx, []int64{orgID}, lang)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, row := range h.Rows {
		for i, c := range row.Frameworks {
			out = append(out, Summary{OrgID: row.OrgID, OrgCode: row.Code, OrgName: row.Name, OrgKind: row.Kind, Framework: h.Frameworks[i].ID,
				Name: h.Frameworks[i].Name, Counts: c.Counts, UpdatedAt: c.UpdatedAt})
		}
	}
	return out, nil
}

// Change is one change of an answer: when, by whom, and the status,
// owner, maturity, due date and live check before and after.
type Change struct {
	At     time.Time      `json:"at"`
	By     string         `json:"by"`
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
}

// History returns the changes of org's answer to requirement req of
// framework fw, newest first (at most 50), from the audit trail.
func (s *Service) History(ctx context.Context, sc access.Scope, orgRef, fw, req string) ([]Change, error) {
	if err := mayRead(sc); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	orgID, err := org.InReach(ctx, q, sc, orgRef)
	if err != nil {
		return nil, err
	}
	f, _, err := frameworkBySlug(ctx, q, fw, "")
	if err != nil {
		return nil, err
	}
	rid, _, err := findRequirement(ctx, q, f.key, req)
	if err != nil {
		return nil, err
	}
	recs, err := audit.Trail(ctx, q, "compliance.answer", "requirement", idString(rid), orgID, 50)
	if err != nil {
		return nil, err
	}
	out := []Change{}
	for _, r := range recs {
		var d struct {
			Before map[string]any `json:"before"`
			After  map[string]any `json:"after"`
		}
		if err := json.Unmarshal(r.Detail, &d); err != nil {
			return nil, errs.Wrap(err, "cannot read the history of requirement %s", req)
		}
		out = append(out, Change{At: r.At.UTC(), By: r.Actor, Before: d.Before, After: d.After})
	}
	return out, nil
}
