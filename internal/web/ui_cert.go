package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/errs"
)

func (s *Server) certPages() {
	s.page("GET /vulnerabilities", s.vulnsPage)
	s.page("GET /vulnerabilities.csv", s.vulnsCSV)
	s.page("POST /vulnerabilities/{id}", s.setVulnPage)
	s.page("GET /advisories", s.advisoriesPage)
	s.page("GET /advisories.csv", s.advisoriesCSV)
	s.page("GET /advisories/{id}", s.advisoryPage)
	s.page("POST /advisories", s.publishPage)
	s.pageWith("POST /advisories/import", 64<<20, s.importKEVPage)
}

type vulnsData struct {
	Exposure *chart // open vulnerabilities over time, when there are any
	Items    []cert.Vulnerability
	Total    int
	MayEdit  bool
	Statuses []string
	Status   string // the status filter
	Sort     string // the order asked for ("" is the default)
	Query    string // the list's query (filters and order)
	Cols     map[string]sortColumn
	Pager    pager
}

// listPageSize is how many rows a page of the vulnerability and advisory
// lists shows.
const listPageSize = 200

// DefaultOrder is the list as it is filtered, in its default order.
func (d vulnsData) DefaultOrder() string { return withoutSort("/vulnerabilities", d.Query) }

func (s *Server) vulnsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderVulns(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderVulns(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	vf, err := s.vulnFilter(r, c)
	if err != nil {
		return err
	}
	vf.Limit, vf.Offset = listPageSize, uiPaging(r)
	items, total, err := s.cert.Vulnerabilities(r.Context(), c.scope, vf)
	if err != nil {
		return err
	}
	v := s.newView(r, "vulns", "vulns.title")
	v.Err = problem
	role := c.scope.Role
	ex, err := s.cert.Exposure(r.Context(), c.scope, 12)
	if err != nil {
		return err
	}
	var ch *chart
	if len(ex.Series) > 0 {
		x := exposureChart(ex, v)
		ch = &x
	}
	q := r.URL.Query()
	q.Del("cursor")
	v.Data = vulnsData{Exposure: ch, Items: items, Total: total, Statuses: cert.Statuses, Status: vf.Status, Sort: vf.Sort.String(), Query: q.Encode(),
		MayEdit: role == access.RoleCISO || role == access.RoleKommuneIT || role == access.RoleUnitManager || role == access.RoleServiceDesk || role == access.RoleCERT || role == access.RoleAdmin,
		Cols: sortHeaders(v, "/vulnerabilities", q, vf.Sort, column{"advisory", "vulns.advisory"}, column{"severity", "cases.severity"}, column{"kev", "vulns.kev"},
			column{"org", "col.org"}, column{"due", "vulns.due"}, column{"status", "col.status"}, column{"found", "vulns.found"}),
		Pager: listPager(v.Lang, "/vulnerabilities", q, vf.Offset, vf.Limit, total)}
	s.render(w, r, status, "vulns", v)
	return nil
}

// vulnFilter reads the vulnerability list's filters (?status=, ?org=)
// and order (?sort=), as the page and its CSV export use them.
func (s *Server) vulnFilter(r *http.Request, c *caller) (cert.VulnFilter, error) {
	vf := cert.VulnFilter{Status: r.URL.Query().Get("status")}
	var err error
	if vf.Sort, err = sortParam(r.URL.Query(), cert.VulnSorts...); err != nil {
		return vf, err
	}
	vf.Org, err = s.orgParam(r, c, "org")
	return vf, err
}

func (s *Server) setVulnPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ch := cert.StatusChange{Status: r.PostFormValue("status"), Reason: r.PostFormValue("reason")}
	if ch.Status == "accepted" {
		if ch.AcceptedUntil, err = localTime(r.PostFormValue("until"), "accepted_until"); err != nil {
			p := s.problemFor(r, err)
			return s.renderVulns(w, r, c, p.Status, &p)
		}
	}
	_, err = s.cert.SetStatus(r.Context(), c.scope, id, ch)
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.NotFound {
		p := s.problemFor(r, err)
		return s.renderVulns(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/vulnerabilities?msg=vulns.saved", http.StatusSeeOther)
	return nil
}

type advisoriesData struct {
	Items      []cert.Advisory
	Total      int
	MayPublish bool
	TLPs       []string
	Severities []string
	Sort       string // the order asked for ("" is the default)
	Query      string // the list's query (its order)
	Cols       map[string]sortColumn
	Pager      pager
}

// DefaultOrder is the list in its default order.
func (d advisoriesData) DefaultOrder() string { return withoutSort("/advisories", d.Query) }

// advisoryFilter reads the advisory list's order (?sort=), as the page
// and its CSV export use it.
func advisoryFilter(r *http.Request) (cert.AdvisoryFilter, error) {
	sort, err := sortParam(r.URL.Query(), cert.AdvisorySorts...)
	return cert.AdvisoryFilter{Sort: sort}, err
}

func (s *Server) advisoriesPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderAdvisories(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderAdvisories(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	f, err := advisoryFilter(r)
	if err != nil {
		return err
	}
	f.Limit, f.Offset = listPageSize, uiPaging(r)
	items, total, err := s.cert.Advisories(r.Context(), c.scope, f)
	if err != nil {
		return err
	}
	v := s.newView(r, "advisories", "advisories.title")
	v.Err = problem
	q := r.URL.Query()
	q.Del("cursor")
	v.Data = advisoriesData{Items: items, Total: total, MayPublish: c.scope.Role == access.RoleCERT || c.scope.Role == access.RoleAdmin,
		TLPs: cert.TLPs, Severities: cert.Severities, Sort: f.Sort.String(), Query: q.Encode(),
		Cols: sortHeaders(v, "/advisories", q, f.Sort, column{"ref", "advisories.ref"}, column{"title", "cases.casetitle"}, column{"severity", "cases.severity"},
			column{"tlp", "csv.tlp"}, column{"published", "advisories.publishedat"}, column{"due", "vulns.due"}),
		Pager: listPager(v.Lang, "/advisories", q, f.Offset, f.Limit, total)}
	s.render(w, r, status, "advisories", v)
	return nil
}

type advisoryData struct {
	A      cert.Advisory
	Matrix []cert.OrgStatus
}

func (s *Server) advisoryPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.cert.Advisory(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	m, err := s.cert.Matrix(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	v := s.newView(r, "advisories", "advisories.title")
	v.Title = a.Ref + " " + a.Title
	v.Data = advisoryData{A: a, Matrix: m}
	s.render(w, r, http.StatusOK, "advisory", v)
	return nil
}

func (s *Server) publishPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	n := cert.NewAdvisory{Title: f("title"), Summary: f("summary"), Severity: f("severity"), Action: f("action"), TLP: f("tlp"), CVEs: strings.Fields(f("cves")),
		Products:   []cert.Product{{Vendor: f("vendor"), Product: f("product"), Versions: f("versions")}},
		Recipients: strings.FieldsFunc(f("recipients"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' })}
	a, err := s.cert.Publish(r.Context(), c.scope, n)
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderAdvisories(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/advisories/"+strconv.FormatInt(a.ID, 10)+"?msg=advisories.published", http.StatusSeeOther)
	return nil
}

func (s *Server) importKEVPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	file, _, err := r.FormFile("file")
	var data []byte
	if err == nil {
		defer file.Close()
		data, err = io.ReadAll(file)
	}
	if err != nil {
		err = errs.Field("file", "choose the catalogue's JSON file")
	} else {
		_, err = s.cert.ImportKEV(r.Context(), c.scope, data)
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderAdvisories(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/advisories?msg=advisories.imported", http.StatusSeeOther)
	return nil
}

// Overdue says whether a due time has passed.
func (v view) Overdue(t *time.Time) bool { return t != nil && time.Now().After(*t) }
