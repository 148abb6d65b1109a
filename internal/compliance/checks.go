package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Check is a live check: evidence samdrift computes from the platform
// itself for every organisation, such as "every required log source type
// is sending". Its results are kept over time; an answer that rests on
// it (AnswerChange.LiveCheck) is not met while the latest result fails.
type Check struct {
	// Name identifies the check ("log-coverage"); Title and TitleDA say
	// what it checks, in English and Danish.
	Name, Title, TitleDA string
	// Requirements are the URNs of the requirements it is evidence for.
	Requirements []string
	// Evaluate returns the result for each organisation it has one for,
	// at now.
	Evaluate func(ctx context.Context, now time.Time) (map[int64]CheckResult, error)
}

// CheckResult is one evaluation of a check for one organisation.
type CheckResult struct {
	Check  string   `json:"check"`
	Result string   `json:"result"` // pass, fail, unknown
	Value  *float64 `json:"value,omitempty"`
	// Detail and DetailDA say what was found, for people, in English and
	// Danish ("9 of 10 required source types sending; 1 silent source").
	Detail      string    `json:"detail"`
	DetailDA    string    `json:"detail_da"`
	EvaluatedAt time.Time `json:"evaluated_at"`
}

// Register adds live checks; the application registers them at start
// (before any Evaluate).
func (s *Service) Register(cs ...Check) { s.checks = append(s.checks, cs...) }

// Checks returns the registered checks.
func (s *Service) Checks() []Check { return slices.Clone(s.checks) }

func (s *Service) checkNames() []string {
	var out []string
	for _, c := range s.checks {
		out = append(out, c.Name)
	}
	return out
}

// checkTargets maps the installed requirements each live check is
// evidence for (Check.Requirements) to the checks.
func (s *Service) checkTargets(ctx context.Context, q store.Querier) (map[int64][]string, error) {
	byURN := map[string][]string{}
	var urns []string
	for _, c := range s.checks {
		for _, u := range c.Requirements {
			u = strings.ToLower(u)
			if byURN[u] == nil {
				urns = append(urns, u)
			}
			byURN[u] = append(byURN[u], c.Name)
		}
	}
	out := map[int64][]string{}
	err := store.EachIn(ctx, q, `SELECT id, urn FROM requirements WHERE urn IN `, urns, "", func(rows *sql.Rows) error {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			return err
		}
		out[id] = byURN[u]
		return nil
	})
	return out, errs.Wrap(err, "cannot read what the live checks are evidence for")
}

// EvaluateInterval is how often the live checks run.
const EvaluateInterval = 15 * time.Minute

// Evaluate runs every live check and records the results, records the
// quarter's figures (Trends) and reminds organisations of evidence about
// to expire, unless another node did so within EvaluateInterval (force
// runs anyway). It returns how many check results it recorded. A check
// that fails to run is reported in the error, and its last results stand.
func (s *Service) Evaluate(ctx context.Context, force bool) (int, error) {
	now := s.now()
	claimed := false
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		next := now.Add(EvaluateInterval).UnixMicro()
		q := `UPDATE job_claims SET next_at = ` + a.Add(next) + ` WHERE name = 'compliance.evaluate'`
		if !force {
			q += ` AND next_at <= ` + a.Add(now.UnixMicro())
		}
		r, err := tx.ExecContext(ctx, q, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot claim the evaluation")
		}
		if n, _ := r.RowsAffected(); n == 1 {
			claimed = true
			return nil
		}
		r, err = tx.ExecContext(ctx, `INSERT INTO job_claims (name, next_at) VALUES ('compliance.evaluate', $1) ON CONFLICT (name) DO NOTHING`, next)
		if err != nil {
			return errs.Wrap(err, "cannot claim the evaluation")
		}
		n, _ := r.RowsAffected()
		claimed = n == 1
		return nil
	})
	if err != nil || !claimed {
		return 0, err
	}
	total := 0
	var failed []string
	for _, c := range s.checks {
		res, err := c.Evaluate(ctx, now)
		if err != nil {
			failed = append(failed, c.Name+": "+err.Error())
			continue
		}
		if err := s.db.Write(ctx, func(tx *sql.Tx) error { return recordResults(ctx, tx, c.Name, res, now) }); err != nil {
			return total, err
		}
		total += len(res)
	}
	// The quarter's figures for the trend, and reminders of evidence
	// about to expire, ride on the same claimed run.
	if err := s.snapshot(ctx, now); err != nil {
		return total, err
	}
	if err := s.remind(ctx, now); err != nil {
		return total, err
	}
	if len(failed) > 0 {
		return total, errs.E(errs.Internal, "live checks failed: %s", strings.Join(failed, "; "))
	}
	return total, nil
}

// recordResults stores one check's results: a result that differs from
// the organisation's latest is a new row (200 a statement); an unchanged
// one moves the latest row's time on. The history thus keeps every
// change and grows with changes, not with evaluations.
func recordResults(ctx context.Context, tx *sql.Tx, check string, res map[int64]CheckResult, now time.Time) error {
	orgs := make([]int64, 0, len(res))
	for id := range res {
		orgs = append(orgs, id)
	}
	slices.Sort(orgs)
	prev, err := latestResults(ctx, tx, orgs)
	if err != nil {
		return err
	}
	var changed, same []int64
	details := map[int64]string{}
	for _, id := range orgs {
		r := res[id]
		if r.Result != "pass" && r.Result != "fail" {
			r.Result = "unknown"
			res[id] = r
		}
		d, _ := json.Marshal(map[string]string{"en": clip(r.Detail, 1000), "da": clip(r.DetailDA, 1000)})
		details[id] = string(d)
		p, ok := prev[id][check]
		if ok && p.Result == r.Result && p.Detail == clip(r.Detail, 1000) && p.DetailDA == clip(r.DetailDA, 1000) && equalValue(p.Value, r.Value) {
			same = append(same, id)
		} else {
			changed = append(changed, id)
		}
	}
	for _, id := range same {
		if _, err := tx.ExecContext(ctx, `UPDATE compliance_check_results SET evaluated_at = $1 WHERE org_id = $2 AND check_name = $3 AND evaluated_at = $4`,
			now, id, check, prev[id][check].EvaluatedAt); err != nil {
			return errs.Wrap(err, "cannot record the results of check %s", check)
		}
	}
	for rest := changed; len(rest) > 0; {
		batch := rest[:min(len(rest), 200)]
		rest = rest[len(batch):]
		var a store.Args
		name, at := a.Add(check), a.Add(now)
		vals := make([]string, len(batch))
		for i, id := range batch {
			r := res[id]
			var v any
			if r.Value != nil {
				v = *r.Value
			}
			vals[i] = "(" + a.Add(id) + ", " + name + ", " + a.Add(r.Result) + ", " + a.Add(v) + ", " + a.Add(details[id]) + ", " + at + ")"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_check_results (org_id, check_name, result, value, detail, evaluated_at) VALUES `+strings.Join(vals, ", "),
			a.Values()...); err != nil {
			return errs.Wrap(err, "cannot record the results of check %s", check)
		}
	}
	return nil
}

func equalValue(a, b *float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// latestResults reads each organisation's latest result of every check.
func latestResults(ctx context.Context, q store.Querier, orgIDs []int64) (map[int64]map[string]CheckResult, error) {
	out := map[int64]map[string]CheckResult{}
	// The latest per organisation and check: no later result of the same.
	err := store.EachIn(ctx, q, `SELECT r.org_id, r.check_name, r.result, r.value, r.detail, r.evaluated_at FROM compliance_check_results r
		WHERE NOT EXISTS (SELECT 1 FROM compliance_check_results n WHERE n.org_id = r.org_id AND n.check_name = r.check_name AND n.evaluated_at > r.evaluated_at)
		AND r.org_id IN `, orgIDs, "", func(rows *sql.Rows) error {
		var id int64
		var r CheckResult
		var v sql.NullFloat64
		if err := rows.Scan(&id, &r.Check, &r.Result, &v, &r.Detail, &r.EvaluatedAt); err != nil {
			return err
		}
		r.EvaluatedAt = r.EvaluatedAt.UTC()
		var d struct{ En, Da string }
		if json.Unmarshal([]byte(r.Detail), &d) == nil {
			r.Detail, r.DetailDA = d.En, d.Da
		}
		if v.Valid {
			x := v.Float64
			r.Value = &x
		}
		if out[id] == nil {
			out[id] = map[string]CheckResult{}
		}
		out[id][r.Check] = r
		return nil
	})
	return out, errs.Wrap(err, "cannot read live check results")
}
