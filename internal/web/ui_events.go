package web

import (
	"net/http"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
)

func (s *Server) eventRoutes() {
	s.page("GET /events", s.eventsPage)
}

type eventsData struct {
	Query  string
	Range  string
	Ranges []string
	Result eventstore.Result
	More   string
	Err    bool
}

// eventRanges are the time windows the search page offers.
var eventRanges = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// SeverityName names a syslog severity.
func (v view) SeverityName(s int) string { return event.SeverityName(s) }

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	d := eventsData{Query: q.Get("q"), Range: q.Get("range"), Ranges: []string{"1h", "24h", "7d", "30d"}}
	window, ok := eventRanges[d.Range]
	if !ok {
		d.Range, window = "24h", 24*time.Hour
	}
	to := time.Now().Add(5 * time.Minute)
	v := s.newView(r, "events", "events.title")
	fields, text, err := parseEventQuery(d.Query)
	if err == nil {
		d.Result, err = s.ev.Search(r.Context(), c.scope, eventstore.Query{From: to.Add(-window), To: to, Fields: fields, Text: text,
			Limit: 100, Cursor: q.Get("cursor")})
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
	v.Data = d
	s.render(w, r, http.StatusOK, "events", v)
	return nil
}
