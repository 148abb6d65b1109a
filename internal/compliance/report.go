package compliance

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// Report is the monthly governance report for the IT architecture
// council: the common level across units and municipalities as it stands
// when generated, with the trend over the quarters.
type Report struct {
	GeneratedAt time.Time         `json:"generated_at"`
	Frameworks  []ReportFramework `json:"frameworks"`
	Units       []ReportUnit      `json:"units"`
	// Behind are the organisations with the most gaps past their due date.
	Behind    []ReportOrg   `json:"behind"`
	Checks    []ReportCheck `json:"checks"`
	Standards []Standard    `json:"standards"`
	Trend     []Trend       `json:"trend"`
}

// ReportFramework is one framework across every organisation.
type ReportFramework struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Average is the mean score of the organisations that have assessed
	// anything; Assessed how many those are, of Orgs.
	Average  *float64 `json:"average"`
	Assessed int      `json:"assessed"`
	Orgs     int      `json:"orgs"`
	Overdue  int      `json:"overdue"`
}

// ReportUnit is a unit with its own score and its municipalities'
// average, per framework (in Report.Frameworks' order).
type ReportUnit struct {
	OrgID          int64      `json:"org_id"`
	Name           string     `json:"name"`
	Municipalities int        `json:"municipalities"`
	Own            []*float64 `json:"own"`
	Served         []*float64 `json:"served"`
	Overdue        int        `json:"overdue"`
}

// ReportOrg is one organisation's gaps.
type ReportOrg struct {
	OrgID   int64    `json:"org_id"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Score   *float64 `json:"score"` // over every framework it has assessed
	Overdue int      `json:"overdue"`
	NotMet  int      `json:"not_met"`
}

// ReportCheck is one live check across the organisations.
type ReportCheck struct {
	Check   string `json:"check"`
	Title   string `json:"title"`
	TitleDA string `json:"title_da"`
	Pass    int    `json:"pass"`
	Fail    int    `json:"fail"`
	Unknown int    `json:"unknown"`
}

func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	v := float64(int(s*10/float64(len(xs))+0.5)) / 10
	return &v
}

// Report builds the governance report over the organisations in sc's
// reach (governance and administrators: all), texts in lang.
func (s *Service) Report(ctx context.Context, sc access.Scope, lang string) (Report, error) {
	if sc.Role != access.RoleGovernance && sc.Role != access.RoleAdmin && !sc.IsSystem() {
		return Report{}, errs.E(errs.Forbidden, "the governance report is governance's")
	}
	h, err := s.Heatmap(ctx, sc, lang)
	if err != nil {
		return Report{}, err
	}
	out := Report{GeneratedAt: s.now(), Frameworks: []ReportFramework{}, Units: []ReportUnit{}, Behind: []ReportOrg{}, Checks: []ReportCheck{}}
	supplier := map[int64]int64{}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, supplier_id FROM organizations WHERE supplier_id IS NOT NULL`)
	if err != nil {
		return Report{}, errs.Wrap(err, "cannot read who supplies whom")
	}
	for rows.Next() {
		var id int64
		var sup sql.NullInt64
		if err := rows.Scan(&id, &sup); err != nil {
			rows.Close()
			return Report{}, errs.Wrap(err, "cannot read who supplies whom")
		}
		supplier[id] = sup.Int64
	}
	rows.Close()
	scores := make([][]float64, len(h.Frameworks))
	units := map[int64]*ReportUnit{}
	served := map[int64][][]float64{}
	for _, r := range h.Rows {
		if r.Kind == "unit" {
			units[r.OrgID] = &ReportUnit{OrgID: r.OrgID, Name: r.Name, Own: make([]*float64, len(h.Frameworks)), Served: make([]*float64, len(h.Frameworks))}
		}
	}
	for _, r := range h.Rows {
		o := ReportOrg{OrgID: r.OrgID, Name: r.Name, Kind: r.Kind}
		var all Counts
		for i, c := range r.Frameworks {
			if c.Counts.Score != nil {
				scores[i] = append(scores[i], *c.Counts.Score)
			}
			o.Overdue += c.Counts.Overdue
			o.NotMet += c.Counts.NotMet
			all.Met += c.Counts.Met
			all.Partial += c.Counts.Partial
			all.NotMet += c.Counts.NotMet
			all.NotAssessed += c.Counts.NotAssessed
			if u := units[r.OrgID]; u != nil {
				u.Own[i] = c.Counts.Score
			}
			if u := units[supplier[r.OrgID]]; u != nil && c.Counts.Score != nil {
				if served[u.OrgID] == nil {
					served[u.OrgID] = make([][]float64, len(h.Frameworks))
				}
				served[u.OrgID][i] = append(served[u.OrgID][i], *c.Counts.Score)
			}
		}
		all.finish()
		o.Score = all.Score
		if u := units[supplier[r.OrgID]]; u != nil {
			u.Municipalities++
			u.Overdue += o.Overdue
		}
		if u := units[r.OrgID]; u != nil {
			u.Overdue += o.Overdue
		}
		if o.Overdue > 0 {
			out.Behind = append(out.Behind, o)
		}
	}
	for i, f := range h.Frameworks {
		rf := ReportFramework{ID: f.ID, Name: f.Name, Average: mean(scores[i]), Assessed: len(scores[i]), Orgs: len(h.Rows)}
		for _, r := range h.Rows {
			rf.Overdue += r.Frameworks[i].Counts.Overdue
		}
		out.Frameworks = append(out.Frameworks, rf)
	}
	for _, r := range h.Rows {
		if u := units[r.OrgID]; u != nil {
			for i := range h.Frameworks {
				if sv := served[u.OrgID]; sv != nil {
					u.Served[i] = mean(sv[i])
				}
			}
			out.Units = append(out.Units, *u)
		}
	}
	slices.SortStableFunc(out.Behind, func(a, b ReportOrg) int { return b.Overdue - a.Overdue })
	out.Behind = out.Behind[:min(len(out.Behind), 10)]
	var ids []int64
	for _, r := range h.Rows {
		ids = append(ids, r.OrgID)
	}
	live, err := latestResults(ctx, s.db.Reader(), ids)
	if err != nil {
		return Report{}, err
	}
	for _, c := range s.checks {
		rc := ReportCheck{Check: c.Name, Title: c.Title, TitleDA: c.TitleDA}
		for _, id := range ids {
			switch live[id][c.Name].Result {
			case "pass":
				rc.Pass++
			case "fail":
				rc.Fail++
			default:
				rc.Unknown++
			}
		}
		out.Checks = append(out.Checks, rc)
	}
	std, err := s.Standards(ctx, sc, StandardFilter{})
	if err != nil {
		return Report{}, err
	}
	for _, x := range std {
		if x.Status == Approved || x.Status == Consultation {
			out.Standards = append(out.Standards, x)
		}
	}
	if out.Trend, err = s.Trends(ctx, sc, "", lang); err != nil {
		return Report{}, err
	}
	return out, nil
}
