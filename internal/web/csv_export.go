package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/soc"
)

// csvBatch is the page size the exports ask the services for (their most).
const csvBatch = 500

// writeCSV sends rows as a CSV download named name-YYYY-MM-DD.csv (the
// date in Copenhagen). header holds message keys, written in the page's
// language; every cell goes through csvSafe, so that a spreadsheet runs
// nothing. A byte-order mark goes first so that Excel reads æøå.
func (s *Server) writeCSV(w http.ResponseWriter, r *http.Request, name string, header []string, rows [][]string) {
	l := langOf(r)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+time.Now().In(copenhagen).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	head := make([]string, len(header))
	for i, k := range header {
		head[i] = csvSafe(l.T(k))
	}
	_ = cw.Write(head)
	for _, row := range rows {
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

// collectCSV pages through a listing with fetch(limit, offset) until it
// runs out, or exportMax rows are read.
func collectCSV[T any](fetch func(limit, offset int) ([]T, int, error)) ([]T, error) {
	var all []T
	for len(all) < exportMax {
		items, total, err := fetch(csvBatch, len(all))
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) < csvBatch || len(all) >= total {
			break
		}
	}
	if len(all) > exportMax {
		all = all[:exportMax]
	}
	return all, nil
}

// CSVLink is the CSV export of the list on the page, with the page's
// filters but not its place in the paging or its flash message.
func (v view) CSVLink() string {
	path, raw, _ := strings.Cut(v.Path, "?")
	q, _ := url.ParseQuery(raw)
	for _, k := range []string{"cursor", "before", "msg", "changed", "unchanged", "limit"} {
		q.Del(k)
	}
	if enc := q.Encode(); enc != "" {
		return path + ".csv?" + enc
	}
	return path + ".csv"
}

// csvTime is t in ISO 8601, Copenhagen time; "" for the zero time.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(copenhagen).Format(time.RFC3339)
}

// csvTimeP is csvTime of an optional time.
func csvTimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

func csvID(id int64) string { return strconv.FormatInt(id, 10) }

func (s *Server) ordersCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, _, err := s.ordersFilter(r, c)
	if err != nil {
		return err
	}
	items, err := collectCSV(func(limit, offset int) ([]orders.Order, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.ord.List(r.Context(), c.scope, f)
	})
	if err != nil {
		return err
	}
	names, _, err := s.serviceNames(r, c)
	if err != nil {
		return err
	}
	l := langOf(r)
	rows := make([][]string, 0, len(items))
	for _, o := range items {
		svc := names[o.Service]
		if svc == "" {
			svc = o.Service
		}
		rows = append(rows, []string{csvID(o.ID), o.MunicipalityName, o.UnitName, svc, levelName(names, o.Service, o.Level),
			strconv.Itoa(o.Quantity), l.T("ostatus." + string(o.Status)), o.CreatedBy, csvTime(o.CreatedAt), csvTime(o.UpdatedAt)})
	}
	s.writeCSV(w, r, "orders", []string{"csv.id", "col.municipality", "col.unitname", "col.service", "catalog.level",
		"col.quantity", "col.status", "csv.createdby", "csv.created", "csv.updated"}, rows)
	return nil
}

func (s *Server) usersCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := usersFilter(r)
	if err != nil {
		return err
	}
	items, err := collectCSV(func(limit, offset int) ([]access.User, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.acc.ListUsers(r.Context(), c.scope, f)
	})
	if err != nil {
		return err
	}
	l := langOf(r)
	rows := make([][]string, 0, len(items))
	for _, u := range items {
		st := l.T("users.active")
		if u.Disabled {
			st = l.T("users.disabled")
		}
		mfa := l.T("mfa.off")
		if u.TOTPEnabled {
			mfa = l.T("mfa.on")
		}
		rows = append(rows, []string{csvID(u.ID), u.Username, u.DisplayName, u.Email, u.OrgName, l.T("role." + string(u.Role)),
			st, mfa, strconv.FormatBool(u.MFARequired), csvTime(u.CreatedAt)})
	}
	s.writeCSV(w, r, "users", []string{"csv.id", "col.username", "users.displayname", "users.email", "col.org", "col.role",
		"col.status", "col.mfa", "mfa.required", "csv.created"}, rows)
	return nil
}

func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.Limit = csvBatch
	var all []audit.Record
	for len(all) < exportMax {
		items, _, err := audit.List(r.Context(), s.db.Reader(), c.scope, f)
		if err != nil {
			return err
		}
		all = append(all, items...)
		if len(items) < csvBatch {
			break
		}
		if f.Sort.Key != "" {
			f.Offset += len(items) // a sorted trail pages by offset
		} else {
			f.Before = items[len(items)-1].Seq
		}
	}
	if len(all) > exportMax {
		all = all[:exportMax]
	}
	rows := make([][]string, 0, len(all))
	for _, a := range all {
		rows = append(rows, []string{csvID(a.Seq), csvTime(a.At), a.Actor, a.RemoteAddr, a.Action, a.TargetType, a.TargetID, string(a.Detail)})
	}
	s.writeCSV(w, r, "audit", []string{"csv.seq", "col.time", "col.actor", "col.from", "col.action", "col.target", "csv.targetid", "col.detail"}, rows)
	return nil
}

func (s *Server) casesCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.casesListFilter(r, c)
	if err != nil {
		return err
	}
	items, err := collectCSV(func(limit, offset int) ([]soc.Case, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.cases.List(r.Context(), c.scope, f)
	})
	if err != nil {
		return err
	}
	l := langOf(r)
	rows := make([][]string, 0, len(items))
	for _, k := range items {
		rows = append(rows, []string{csvID(k.ID), k.Title, l.T("severity." + k.Severity), k.Kind, k.OrgName, l.T("casestatus." + k.Status),
			k.Owner, strconv.Itoa(k.Alerts), strconv.Itoa(k.OpenTasks), csvTime(k.CreatedAt), csvTime(k.UpdatedAt), csvTimeP(k.ClosedAt)})
	}
	s.writeCSV(w, r, "cases", []string{"csv.id", "cases.casetitle", "cases.severity", "csv.kind", "col.org", "col.status",
		"cases.owner", "csv.alerts", "csv.opentasks", "csv.created", "csv.updated", "csv.closed"}, rows)
	return nil
}

func (s *Server) vulnsCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	vf, err := s.vulnFilter(r, c)
	if err != nil {
		return err
	}
	items, err := collectCSV(func(limit, offset int) ([]cert.Vulnerability, int, error) {
		vf.Limit, vf.Offset = limit, offset
		return s.cert.Vulnerabilities(r.Context(), c.scope, vf)
	})
	if err != nil {
		return err
	}
	l := langOf(r)
	rows := make([][]string, 0, len(items))
	for _, v := range items {
		rows = append(rows, []string{csvID(v.ID), v.AdvisoryRef, v.Title, strings.Join(v.CVEs, " "), l.T("severity." + v.Severity),
			v.OrgName, v.Asset, v.Location, l.T("vstatus." + v.Status), v.Reason, csvTimeP(v.Due), strconv.FormatBool(v.Overdue),
			csvTimeP(v.AcceptedUntil), csvTime(v.UpdatedAt)})
	}
	s.writeCSV(w, r, "vulnerabilities", []string{"csv.id", "vulns.advisory", "cases.casetitle", "csv.cves", "cases.severity",
		"col.org", "vulns.asset", "csv.location", "col.status", "vulns.reason", "vulns.due", "vulns.overdue", "csv.accepteduntil", "csv.updated"}, rows)
	return nil
}

func (s *Server) advisoriesCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := advisoryFilter(r)
	if err != nil {
		return err
	}
	items, err := collectCSV(func(limit, offset int) ([]cert.Advisory, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.cert.Advisories(r.Context(), c.scope, f)
	})
	if err != nil {
		return err
	}
	l := langOf(r)
	rows := make([][]string, 0, len(items))
	for _, a := range items {
		rows = append(rows, []string{csvID(a.ID), a.Ref, a.Title, l.T("severity." + a.Severity), l.T("tlp." + a.TLP), a.Source,
			strings.Join(a.CVEs, " "), strconv.Itoa(a.Affected), strconv.Itoa(a.Open), csvTime(a.PublishedAt), csvTimeP(a.DueAt)})
	}
	s.writeCSV(w, r, "advisories", []string{"csv.id", "vulns.advisory", "cases.casetitle", "cases.severity", "csv.tlp",
		"advisories.source", "csv.cves", "advisories.affected", "advisories.open", "csv.published", "vulns.due"}, rows)
	return nil
}

func (s *Server) alertsCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.alertFilter(r, c)
	if err != nil {
		return err
	}
	items, err := collectCSV(func(limit, offset int) ([]detect.Alert, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.det.Alerts(r.Context(), c.scope, f)
	})
	if err != nil {
		return err
	}
	l := langOf(r)
	names := map[int64]string{0: ""}
	rows := make([][]string, 0, len(items))
	for _, a := range items {
		if _, ok := names[a.Tenant]; !ok {
			names[a.Tenant] = fmt.Sprint(a.Tenant)
			if o, err := s.orgs.Get(r.Context(), c.scope, fmt.Sprint(a.Tenant)); err == nil {
				names[a.Tenant] = o.Name
			}
		}
		rows = append(rows, []string{csvID(a.ID), a.Level, a.RuleID, a.Title, names[a.Tenant], a.Key, strconv.FormatInt(a.Count, 10),
			csvTime(a.FirstSeen), csvTime(a.LastSeen), l.T("alerts.status." + a.Status), a.Resolution, a.Assignee})
	}
	s.writeCSV(w, r, "alerts", []string{"csv.id", "alerts.level", "alerts.rule", "cases.casetitle", "alerts.org", "alerts.key",
		"alerts.count", "alerts.first", "alerts.last", "alerts.status", "csv.resolution", "csv.assignee"}, rows)
	return nil
}

func (s *Server) orgsCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	f := org.Filter{Kind: org.Kind(q.Get("kind")), Query: q.Get("q")}
	items, err := collectCSV(func(limit, offset int) ([]org.Organization, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.orgs.List(r.Context(), c.scope, f)
	})
	if err != nil {
		return err
	}
	l := langOf(r)
	rows := make([][]string, 0, len(items))
	for _, o := range items {
		sup := ""
		if o.Supplier != nil {
			sup = o.Supplier.Name
		}
		rows = append(rows, []string{csvID(o.ID), o.Name, o.Code, o.Slug, l.T("kind." + string(o.Kind)), o.Region, sup, csvTime(o.CreatedAt)})
	}
	s.writeCSV(w, r, "organizations", []string{"csv.id", "col.name", "col.code", "csv.slug", "col.kind", "col.region", "col.supplier", "csv.created"}, rows)
	return nil
}
