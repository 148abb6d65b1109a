package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

// queueParams reads the queue parameters the page, its CSV export and the
// API share into f: sort, offset, org (code, slug or id: the municipality
// a ticket concerns or the unit that holds it), due (breached or soon)
// and assignee — "me" for the caller, "none" for nobody, else a username.
func (s *Server) queueParams(r *http.Request, c *caller, q url.Values, f *servicedesk.Filter) error {
	var err error
	if f.Sort, err = servicedesk.ParseSort("sort", q.Get("sort")); err != nil {
		return err
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errs.Field("offset", "want a whole number from 0, got %q", v)
		}
		f.Offset = n
	}
	switch v := strings.TrimSpace(q.Get("assignee")); v {
	case "":
	case "me":
		f.Assignee = c.user.Username
		if f.Assignee == "" {
			f.Assignee = c.scope.Username
		}
	case "none":
		f.Unassigned = true
	default:
		if len(v) > 100 {
			return errs.Field("assignee", "want me, none or a username")
		}
		f.Assignee = v
	}
	f.Due, f.Visits = q.Get("due"), q.Get("visits")
	if f.Org, err = s.orgRef(r, c, "org", q.Get("org")); err != nil {
		return err
	}
	return nil
}

// validPriority reports whether p is "" or P1–P4.
func validPriority(p string) bool {
	return p == "" || (len(p) == 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '4')
}

// exportMax bounds the rows of one CSV export of the queue.
const exportMax = 10000

// ticketsCSV sends the queue as the page filters and sorts it, as CSV
// that spreadsheets open without running anything: every text cell that
// could start a formula is defused (csvSafe).
func (s *Server) ticketsCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	_, f, err := s.queueFilter(r, c, r.URL.Query())
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 500, 0
	var all []servicedesk.Ticket
	for len(all) < exportMax {
		p, err := s.sd.List(r.Context(), c.scope, f)
		if err != nil {
			return err
		}
		all = append(all, p.Tickets...)
		if p.NextOffset == 0 {
			break
		}
		f.Offset = p.NextOffset
	}
	if len(all) > exportMax {
		all = all[:exportMax]
	}
	now := time.Now()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="samdrift-tickets-`+now.In(copenhagen).Format("20060102-1504")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\ufeff")) // so that spreadsheets read the Danish letters
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "title", "kind", "status", "priority", "impact", "urgency", "municipality", "unit", "tier", "assignee",
		"requester", "deadline", "deadline_clock", "breached", "created_at", "updated_at"})
	for _, t := range all {
		dl, clock, breached := "", "", ""
		if due, ok := t.Due(); ok {
			dl, clock = due.Deadline.In(copenhagen).Format(time.RFC3339), string(due.Name)
			breached = strconv.FormatBool(t.Breached(now))
		}
		_ = cw.Write([]string{strconv.FormatInt(t.ID, 10), csvSafe(t.Title), string(t.Kind), string(t.Status), t.Priority,
			strconv.Itoa(t.Impact), strconv.Itoa(t.Urgency), csvSafe(t.MunicipalityName), csvSafe(t.UnitName), strconv.Itoa(t.Tier),
			csvSafe(t.Assignee), csvSafe(t.Requester), dl, clock, breached,
			t.CreatedAt.In(copenhagen).Format(time.RFC3339), t.UpdatedAt.In(copenhagen).Format(time.RFC3339)})
	}
	cw.Flush()
	return nil
}
