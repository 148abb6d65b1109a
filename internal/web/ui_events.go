package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
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

// histogram is a server-rendered SVG bar chart of events over time.
type histogram struct {
	Width, Height int
	Bars          []histBar
	Ticks         []chartTick
	Max           int
	Title         string
}

type histBar struct {
	X, Y, W, H float64
	Label      string // for the <title> tooltip
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
			if facets, d.Sampled, err = s.ev.Facets(r.Context(), c.scope, eq, 8, 5); err == nil {
				d.Facets = facetViews(facets, d.Query, d.Range)
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
	h := histogram{Width: 860, Height: 140, Title: v.T("events.histogram")}
	const left, top, plotW, plotH = 48, 8, 800, 100
	for _, b := range bs {
		h.Max = max(h.Max, b.Count)
	}
	if len(bs) == 0 {
		return h
	}
	bw := float64(plotW) / float64(len(bs))
	layout := "15:04"
	if width >= 12*time.Hour {
		layout = "02-01"
	} else if width >= 20*time.Minute {
		layout = "02-01 15:04"
	}
	for i, b := range bs {
		bh := 0.0
		if h.Max > 0 {
			bh = float64(b.Count) / float64(h.Max) * plotH
		}
		nq := url.Values{"q": {query}, "from": {b.Start.Format(time.RFC3339)}, "to": {b.Start.Add(width).Format(time.RFC3339)}}
		h.Bars = append(h.Bars, histBar{X: left + float64(i)*bw, Y: top + plotH - bh, W: max(bw-1, 1), H: bh,
			Label: v.Time(b.Start) + ": " + strconv.Itoa(b.Count), Href: "/events?" + nq.Encode()})
		if i%10 == 0 {
			h.Ticks = append(h.Ticks, chartTick{Pos: left + float64(i)*bw, Label: b.Start.In(copenhagen).Format(layout)})
		}
	}
	return h
}
