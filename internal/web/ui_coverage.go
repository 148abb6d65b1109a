package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/sources"
)

// coverageOverview is /coverage for a caller who sees several
// organisations (the SOC, CERT, governance, admins, a unit): a line per
// municipality and unit in reach, from sources.Registry.Overview, to sort
// and narrow by kind and region, each leading to its detail.
type coverageOverview struct {
	Rows    []coverageRow
	Total   int // organisations in reach, before the filters
	Gaps    int // of Rows: missing a required type or with a silent source
	Kind    string
	Region  string
	Sort    string
	Kinds   []org.Kind
	Regions []string
	// Columns are the sortable column headers, in order.
	Columns []coverageColumn
}

// coverageRow is one organisation's line.
type coverageRow struct {
	sources.OrgCoverage
	Slug, Region string
}

// Gap says whether the organisation misses a required source type or has
// a silent source.
func (r coverageRow) Gap() bool { return r.Missing > 0 || r.Silent > 0 }

// Share is the part of the required source types that are sending, in
// per cent (100 when nothing is required).
func (r coverageRow) Share() float64 {
	if r.Required == 0 {
		return 100
	}
	return 100 * float64(r.Sending) / float64(r.Required)
}

// coverageColumn is a column header that sorts the overview by its key: Href
// sorts by it, Current says the table is sorted by it now (aria-sort).
type coverageColumn struct {
	Key, Label, Href string
	Current          bool
	Descending       bool // the order the key sorts in
}

// coverageSorts are the overview's orders: by name, or worst first.
var coverageSorts = map[string]func(a, b coverageRow) int{
	"name": func(a, b coverageRow) int { return strings.Compare(a.Name, b.Name) },
	"gaps": func(a, b coverageRow) int {
		return cmp.Or(cmp.Compare(b.Missing+b.Silent, a.Missing+a.Silent), strings.Compare(a.Name, b.Name))
	},
	"sending": func(a, b coverageRow) int {
		return cmp.Or(cmp.Compare(a.Share(), b.Share()), strings.Compare(a.Name, b.Name))
	},
	"missing": func(a, b coverageRow) int {
		return cmp.Or(cmp.Compare(b.Missing, a.Missing), strings.Compare(a.Name, b.Name))
	},
	"silent": func(a, b coverageRow) int {
		return cmp.Or(cmp.Compare(b.Silent, a.Silent), strings.Compare(a.Name, b.Name))
	},
	"region": func(a, b coverageRow) int {
		return cmp.Or(strings.Compare(a.Region, b.Region), strings.Compare(a.Name, b.Name))
	},
}

func (s *Server) renderCoverageOverview(w http.ResponseWriter, r *http.Request, c *caller, d coverageData) error {
	lines, err := s.src.Overview(r.Context(), c.scope, time.Now())
	if err != nil {
		return err
	}
	byID := map[int64]org.Organization{}
	for _, o := range d.Orgs {
		byID[o.ID] = o
	}
	q := r.URL.Query()
	ov := &coverageOverview{Kind: q.Get("kind"), Region: q.Get("region"), Sort: q.Get("sort"), Kinds: []org.Kind{org.KindMunicipality, org.KindUnit}, Total: len(lines)}
	if _, ok := coverageSorts[ov.Sort]; !ok {
		ov.Sort = "gaps"
	}
	regions := map[string]bool{}
	for _, l := range lines {
		o := byID[l.OrgID]
		row := coverageRow{OrgCoverage: l, Slug: o.Slug, Region: o.Region}
		if row.Region != "" {
			regions[row.Region] = true
		}
		if (ov.Kind != "" && l.Kind != ov.Kind) || (ov.Region != "" && row.Region != ov.Region) {
			continue
		}
		ov.Rows = append(ov.Rows, row)
		if row.Gap() {
			ov.Gaps++
		}
	}
	for reg := range regions {
		ov.Regions = append(ov.Regions, reg)
	}
	slices.Sort(ov.Regions)
	slices.SortStableFunc(ov.Rows, coverageSorts[ov.Sort])
	v := s.newView(r, "coverage", "coverage.title")
	for _, col := range []struct {
		key, label string
	}{{"name", "coverage.col.org"}, {"region", "col.region"}, {"sending", "coverage.col.sending"}, {"missing", "coverage.col.missing"}, {"silent", "coverage.col.silent"}} {
		sq := url.Values{"sort": {col.key}}
		if ov.Kind != "" {
			sq.Set("kind", ov.Kind)
		}
		if ov.Region != "" {
			sq.Set("region", ov.Region)
		}
		ov.Columns = append(ov.Columns, coverageColumn{Key: col.key, Label: v.T(col.label), Href: "/coverage?" + sq.Encode(), Current: ov.Sort == col.key,
			Descending: col.key == "missing" || col.key == "silent"})
	}
	d.Overview = ov
	v.Title = v.T("coverage.overview.title")
	v.Data = d
	s.render(w, r, http.StatusOK, "coverage", v)
	return nil
}
