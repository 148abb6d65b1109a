package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/detect"
)

// alertRow is the data of the "alert-row" template (alerts.html): one
// alert as the list shows it, whether the server renders the page or
// sends the row to a page already open.
type alertRow struct {
	V         view
	A         detect.Alert
	Org       string
	MayTriage bool
	Fresh     bool // arrived after the page was loaded
}

// Row is alert a's line for the page's template.
func (d alertsData) Row(v view, a detect.Alert) alertRow {
	return alertRow{V: v, A: a, Org: d.Names[a.Tenant], MayTriage: d.MayTriage}
}

// liveRow is what /alerts/live sends for an alert that was raised or
// changed: its row rendered as the page renders it (empty when it no
// longer matches the page's filter, so the page drops it) and the list's
// new total in words.
type liveRow struct {
	ID    int64  `json:"id"`
	HTML  string `json:"html"`
	Total string `json:"total"`
}

// matches reports whether a belongs in a list filtered by f.
func matches(f detect.Filter, a detect.Alert) bool {
	return (f.Level == "" || a.Level == f.Level) && (f.Status == "" || a.Status == f.Status || (f.Status == detect.StatusOpen && a.Status != detect.StatusClosed)) && (f.RuleID == "" || a.RuleID == f.RuleID) &&
		(f.Tenant == 0 || a.Tenant == f.Tenant) && (f.Since.IsZero() || !a.LastSeen.Before(f.Since))
}

// alertsLive streams the rows of the alert list the page was opened with
// (same filter, the caller's language) as server-sent events: "event:
// row" with a liveRow, "event: resync" when the page fell behind and
// should reload. alerts.js puts the rows in the table; it formats
// nothing itself.
func (s *Server) alertsLive(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.alertFilter(r, c)
	if err != nil {
		return err
	}
	sub, err := s.det.Subscribe(r.Context(), c.scope)
	if err != nil {
		return err
	}
	defer sub.Close()
	v := s.newView(r, "alerts", "alerts.title")
	d := alertsData{Names: map[int64]string{0: "—"}, MayTriage: c.scope.Can(access.TriageAlerts)}
	return s.streamAlerts(w, r, c, sub, "samdrift alert rows", func(a detect.Alert) (string, bool) {
		row, err := s.liveRow(r, c, v, &d, f, a)
		if err != nil {
			s.log.Warn("cannot render a live alert row", "alert", a.ID, "err", err)
			return "", false
		}
		b, _ := json.Marshal(row)
		return fmt.Sprintf("event: row\nid: %d\ndata: %s\n\n", a.ID, b), true
	})
}

// liveRow renders alert a for a list filtered by f.
func (s *Server) liveRow(r *http.Request, c *caller, v view, d *alertsData, f detect.Filter, a detect.Alert) (liveRow, error) {
	out := liveRow{ID: a.ID}
	count := f
	count.Limit, count.Offset = 1, 0
	_, total, err := s.det.Alerts(r.Context(), c.scope, count)
	if err != nil {
		return out, err
	}
	out.Total = v.T("alerts.total", v.Int(total))
	if !matches(f, a) {
		return out, nil
	}
	if _, ok := d.Names[a.Tenant]; !ok {
		d.Names[a.Tenant] = strconv.FormatInt(a.Tenant, 10)
		if o, err := s.orgs.Get(r.Context(), c.scope, strconv.FormatInt(a.Tenant, 10)); err == nil {
			d.Names[a.Tenant] = o.Name
		}
	}
	row := d.Row(v, a)
	row.Fresh = true
	var buf bytes.Buffer
	if err := s.pages["alerts"].ExecuteTemplate(&buf, "alert-row", row); err != nil {
		return out, err
	}
	out.HTML = buf.String()
	return out, nil
}
