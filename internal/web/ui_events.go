package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/org"
)

func (s *Server) eventRoutes() {
	s.page("GET /events", s.eventsPage)
}

type eventsData struct {
	Query     string
	Range     string
	Ranges    []string
	Result    eventstore.Result
	Histogram histogram
	Facets    []facetView
	Sampled   int
	More      string
	Export    string // query string for the export links
	// ManyTenants: the caller sees several organisations' events (the
	// SOC, CERT, governance, admins, a unit), so the results name each
	// event's organisation and OrgFacet counts them.
	ManyTenants bool
	OrgNames    map[int64]string
	OrgFacet    []facetValueView
}

// OrgName is the name of the organisation whose event it is.
func (d eventsData) OrgName(tenant int64) string {
	if n, ok := d.OrgNames[tenant]; ok {
		return n
	}
	return strconv.FormatInt(tenant, 10)
}

type facetView struct {
	Field  string
	Values []facetValueView
}

type facetValueView struct {
	Value string
	Count int
	Href  string // the search narrowed to this value
}

// histogram is a server-rendered SVG bar chart of events over time. The
// picture is for the eye and the mouse: its bars narrow the search but
// take no tab stops (they are hidden from assistive technology, which
// gets the table of the same buckets instead, behind one summary).
type histogram struct {
	Width, Height int
	Left, TickX   int // left edge of the bars; x of the y-axis labels
	Bars          []histBar
	Ticks         []chartTick
	Max           string
	Title         string
	TableLabel    string
}

type histBar struct {
	X, Y, W, H float64
	Label      string // for the <title> tooltip
	From, To   string // the bucket's span, for the table
	Count      string
	Href       string // the search narrowed to this bucket
}

// eventRanges are the time windows the search page offers.
var eventRanges = map[string]time.Duration{"15m": 15 * time.Minute, "1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// SeverityName names a syslog severity.
func (v view) SeverityName(s int) string { return event.SeverityName(s) }

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	d := eventsData{Query: q.Get("q"), Range: q.Get("range"), Ranges: []string{"15m", "1h", "24h", "7d", "30d"}}
	window, ok := eventRanges[d.Range]
	if !ok {
		d.Range, window = "24h", 24*time.Hour
	}
	to := time.Now().Add(5 * time.Minute).Truncate(time.Minute)
	from := to.Add(-window)
	// A bar of the histogram narrows to its own from/to.
	if f, t := q.Get("from"), q.Get("to"); f != "" && t != "" {
		ft, err1 := time.Parse(time.RFC3339, f)
		tt, err2 := time.Parse(time.RFC3339, t)
		if err1 == nil && err2 == nil && ft.Before(tt) {
			from, to, d.Range = ft, tt, ""
		}
	}
	v := s.newView(r, "events", "events.title")
	if d.ManyTenants = seesManyTenants(c.scope); d.ManyTenants {
		names, err := s.orgNames(r, c)
		if err != nil {
			return err
		}
		names[0] = v.T("nav.quarantine")
		d.OrgNames = names
	}
	eq := eventstore.Query{From: from, To: to, Q: d.Query, Limit: 100, Cursor: q.Get("cursor")}
	var err error
	d.Result, err = s.ev.Search(r.Context(), c.scope, eq)
	if err == nil && q.Get("cursor") == "" {
		var buckets []eventstore.Bucket
		var width time.Duration
		if buckets, width, err = s.ev.Histogram(r.Context(), c.scope, eq, 60); err == nil {
			d.Histogram = eventHistogram(buckets, width, d.Query, v)
		}
		var facets []eventstore.Facet
		if err == nil {
			if facets, d.Sampled, err = s.ev.Facets(r.Context(), c.scope, eq, 9, 5); err == nil {
				var tenants []eventstore.FacetValue
				facets = slices.DeleteFunc(facets, func(f eventstore.Facet) bool {
					if f.Field == eventstore.TenantFacet {
						tenants = f.Values
						return true
					}
					return false
				})
				d.Facets = facetViews(facets[:min(8, len(facets))], d.Query, d.Range)
				if d.ManyTenants {
					d.OrgFacet = orgFacet(tenants, d.OrgName, d.Query, d.Range)
				}
			}
		}
	}
	if err != nil {
		p := s.problemFor(r, err)
		if p.Status >= 500 {
			return err
		}
		v.Err = &p
	}
	if d.Result.Next != nil {
		nq := r.URL.Query()
		nq.Set("cursor", *d.Result.Next)
		d.More = "/events?" + nq.Encode()
	}
	eqs := url.Values{"q": {d.Query}, "from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}}
	d.Export = eqs.Encode()
	v.Data = d
	s.render(w, r, http.StatusOK, "events", v)
	return nil
}

// narrow adds term to query (ANDed).
func narrow(query, term string) string {
	if strings.TrimSpace(query) == "" {
		return term
	}
	return "(" + query + ") AND " + term
}

// quoteValue writes a value so the query language reads it back exactly.
func quoteValue(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// seesManyTenants reports whether sc sees the security data of more than
// one organisation: the SOC and CERT, governance and admins (every
// tenant) and a unit (its own and its municipalities').
func seesManyTenants(sc access.Scope) bool {
	return sc.SeesAllSecurity() || sc.Reach == access.ReachSupplied
}

// orgNames names every organisation by id (the directory is public to
// everyone logged in).
func (s *Server) orgNames(r *http.Request, c *caller) (map[int64]string, error) {
	all, _, err := s.orgs.List(r.Context(), c.scope, org.Filter{Limit: 500})
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(all))
	for _, o := range all {
		names[o.ID] = o.Name
	}
	return names, nil
}

// orgFacet turns the tenant facet into organisations by name, each
// narrowing the search to its events.
func orgFacet(vals []eventstore.FacetValue, name func(int64) string, query, rng string) []facetValueView {
	var out []facetValueView
	for _, val := range vals {
		id, err := strconv.ParseInt(val.Value, 10, 64)
		if err != nil {
			continue
		}
		nq := url.Values{"q": {narrow(query, eventstore.TenantFacet+":"+val.Value)}, "range": {rng}}
		out = append(out, facetValueView{Value: name(id), Count: val.Count, Href: "/events?" + nq.Encode()})
	}
	return out
}

func facetViews(fs []eventstore.Facet, query, rng string) []facetView {
	out := make([]facetView, 0, len(fs))
	for _, f := range fs {
		fv := facetView{Field: f.Field}
		for _, val := range f.Values {
			nq := url.Values{"q": {narrow(query, f.Field+":"+quoteValue(val.Value))}, "range": {rng}}
			fv.Values = append(fv.Values, facetValueView{Value: val.Value, Count: val.Count, Href: "/events?" + nq.Encode()})
		}
		out = append(out, fv)
	}
	return out
}

func eventHistogram(bs []eventstore.Bucket, width time.Duration, query string, v view) histogram {
	h := histogram{Height: 140, Title: v.T("events.histogram"), TableLabel: v.T("events.histogram.table")}
	const top, plotW, plotH = 8, 800, 100
	peak := 0
	for _, b := range bs {
		peak = max(peak, b.Count)
	}
	h.Max = v.Int(peak)
	// The y axis (its top and 0) is as wide as the highest count.
	h.Left = max(48, int(chartText(h.Max))+10)
	h.TickX = h.Left - 4
	h.Width = h.Left + plotW + 12
	left := float64(h.Left)
	if len(bs) == 0 {
		return h
	}
	bw := float64(plotW) / float64(len(bs))
	// The axis writes what tells the buckets apart: days for wide ones,
	// the time of day within one day, else both.
	oneDay := locale.SameDay(bs[0].Start, bs[len(bs)-1].Start.Add(width-time.Nanosecond))
	tick := func(t time.Time) string {
		switch {
		case width >= 12*time.Hour:
			return locale.DayMonth(v.lang(), t)
		case oneDay:
			return locale.Clock(t)
		}
		return locale.DayMonth(v.lang(), t) + " " + locale.Clock(t)
	}
	labels := make([]string, len(bs))
	for i, b := range bs {
		bh := 0.0
		if peak > 0 {
			bh = float64(b.Count) / float64(peak) * plotH
		}
		end := b.Start.Add(width)
		nq := url.Values{"q": {query}, "from": {b.Start.Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}
		span := v.Time(b.Start) + "–" + locale.Clock(end)
		if !locale.SameDay(b.Start, end.Add(-time.Nanosecond)) {
			span = v.Time(b.Start) + "–" + v.Time(end)
		}
		h.Bars = append(h.Bars, histBar{X: left + float64(i)*bw, Y: top + plotH - bh, W: max(bw-1, 1), H: bh,
			Label: span + ": " + v.Int(b.Count), From: v.Time(b.Start), To: v.Time(end), Count: v.Int(b.Count), Href: "/events?" + nq.Encode()})
		labels[i] = tick(b.Start)
	}
	// Bar i's left edge is where its label is centred; xTicks keeps the
	// labels apart.
	h.Ticks = xTicks(labels, func(i int) float64 { return left + float64(i)*bw })
	for _, t := range h.Ticks {
		if t.Anchor == "middle" {
			h.Width = max(h.Width, int(t.Pos+chartText(t.Label)/2)+4)
		}
	}
	return h
}
