package compliance

import (
	"context"
	"database/sql"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Heatmap is the compliance of every organisation in reach, framework by
// framework and section by section: governance's view across units and
// municipalities.
type Heatmap struct {
	Frameworks []HeatFramework `json:"frameworks"`
	Rows       []HeatRow       `json:"rows"`
}

// HeatFramework is a framework's column group.
type HeatFramework struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Sections []HeatSection `json:"sections"`
}

// HeatSection is one top-level part of a framework.
type HeatSection struct {
	ID    int64  `json:"id"`
	RefID string `json:"ref_id"`
	Name  string `json:"name"`
}

// HeatRow is one organisation.
type HeatRow struct {
	OrgID      int64      `json:"org_id"`
	Code       string     `json:"code,omitempty"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Frameworks []HeatCell `json:"frameworks"` // in Heatmap.Frameworks' order
}

// HeatCell is one organisation's standing in one framework.
type HeatCell struct {
	Counts    Counts     `json:"counts"`
	UpdatedAt *time.Time `json:"updated_at"`
	// Sections are the scores per section (in HeatFramework.Sections'
	// order), nil where nothing applicable is assessed.
	Sections []*float64 `json:"sections"`
}

// Heatmap returns the heatmap of the municipalities and units in sc's
// reach.
func (s *Service) Heatmap(ctx context.Context, sc access.Scope, lang string) (Heatmap, error) {
	if err := mayRead(sc); err != nil {
		return Heatmap{}, err
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT o.id FROM organizations o WHERE o.kind IN ('municipality', 'unit') AND `+sc.OrgPredicate("o.id", &a)+
		` ORDER BY o.kind DESC, o.name`, a.Values()...)
	if err != nil {
		return Heatmap{}, errs.Wrap(err, "cannot list organisations")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return Heatmap{}, errs.Wrap(err, "cannot list organisations")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Heatmap{}, errs.Wrap(err, "cannot list organisations")
	}
	return s.heatmap(ctx, ids, lang)
}

// heatmap evaluates every framework for orgIDs (in that order).
func (s *Service) heatmap(ctx context.Context, orgIDs []int64, lang string) (Heatmap, error) {
	q := s.db.Reader()
	out := Heatmap{Frameworks: []HeatFramework{}, Rows: []HeatRow{}}
	rows, err := q.QueryContext(ctx, `SELECT `+frameworkColumns+` FROM frameworks f JOIN compliance_libraries l ON l.id = f.library_id ORDER BY f.slug`)
	if err != nil {
		return out, errs.Wrap(err, "cannot list frameworks")
	}
	type fwData struct {
		Framework
		locale string
		reqs   []Requirement
		at     map[int64]int // section id → position in Sections
	}
	var fws []fwData
	for rows.Next() {
		f, locale, err := scanFramework(rows, lang)
		if err != nil {
			rows.Close()
			return out, errs.Wrap(err, "cannot read a framework")
		}
		fws = append(fws, fwData{Framework: f, locale: locale, at: map[int64]int{}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, errs.Wrap(err, "cannot list frameworks")
	}
	for i := range fws {
		f := &fws[i]
		if f.reqs, err = requirementsOf(ctx, q, f.key, lang, f.locale); err != nil {
			return out, err
		}
		hf := HeatFramework{ID: f.ID, Name: f.Name, Sections: []HeatSection{}}
		for _, r := range f.reqs {
			if r.ParentID == 0 {
				f.at[r.ID] = len(hf.Sections)
				hf.Sections = append(hf.Sections, HeatSection{ID: r.ID, RefID: r.RefID, Name: r.Name})
			}
		}
		out.Frameworks = append(out.Frameworks, hf)
	}
	all, err := mappingsOf(ctx, q, `(SELECT id FROM frameworks)`)
	if err != nil {
		return out, err
	}
	edges := map[int64][]edge{}
	for _, e := range all {
		edges[e.from] = append(edges[e.from], e)
	}
	answers, err := answersOf(ctx, q, orgIDs)
	if err != nil {
		return out, err
	}
	live, err := latestResults(ctx, q, orgIDs)
	if err != nil {
		return out, err
	}
	targets, err := s.checkTargets(ctx, q)
	if err != nil {
		return out, err
	}
	updated, err := assessmentTimes(ctx, q, orgIDs)
	if err != nil {
		return out, err
	}
	names, err := orgNames(ctx, q, orgIDs)
	if err != nil {
		return out, err
	}
	now := s.now()
	for _, id := range orgIDs {
		row := names[id]
		row.Frameworks = make([]HeatCell, len(fws))
		for i, f := range fws {
			items := make([]Answer, len(f.reqs))
			for j, r := range f.reqs {
				items[j] = Answer{Requirement: r}
			}
			cell := HeatCell{Counts: evaluate(items, answers[id], edges, liveView{results: live[id], targets: targets}, nil, now), UpdatedAt: updated[[2]int64{id, f.key}],
				Sections: make([]*float64, len(f.at))}
			per := make([]Counts, len(f.at))
			for _, a := range items {
				if p, ok := f.at[a.SectionID]; ok && a.Assessable {
					per[p].add(a)
				}
			}
			for p := range per {
				per[p].finish()
				cell.Sections[p] = per[p].Score
			}
			row.Frameworks[i] = cell
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func assessmentTimes(ctx context.Context, q store.Querier, orgIDs []int64) (map[[2]int64]*time.Time, error) {
	out := map[[2]int64]*time.Time{}
	err := store.EachIn(ctx, q, `SELECT org_id, framework_id, updated_at FROM assessments WHERE org_id IN `, orgIDs, "", func(rows *sql.Rows) error {
		var o, f int64
		var t time.Time
		if err := rows.Scan(&o, &f, &t); err != nil {
			return err
		}
		t = t.UTC()
		out[[2]int64{o, f}] = &t
		return nil
	})
	return out, errs.Wrap(err, "cannot read assessments")
}

func orgNames(ctx context.Context, q store.Querier, orgIDs []int64) (map[int64]HeatRow, error) {
	out := map[int64]HeatRow{}
	err := store.EachIn(ctx, q, `SELECT id, COALESCE(code, ''), name, kind FROM organizations WHERE id IN `, orgIDs, "", func(rows *sql.Rows) error {
		var r HeatRow
		if err := rows.Scan(&r.OrgID, &r.Code, &r.Name, &r.Kind); err != nil {
			return err
		}
		out[r.OrgID] = r
		return nil
	})
	return out, errs.Wrap(err, "cannot read organisations")
}
