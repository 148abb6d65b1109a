package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/logstd"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/sources"
)

func (s *Server) loggingRoutes() {
	s.page("GET /coverage", s.coveragePage)
	s.page("POST /coverage/retention", s.coverageRetention)
	s.page("GET /quarantine", s.quarantinePage)
	s.page("GET /alerts", s.alertsPage)
	s.page("GET /alerts.csv", s.alertsCSV)
	s.page("GET /alerts/live", s.alertsLive)
	s.page("GET /alerts/{id}", s.alertPage)
	s.page("POST /alerts/{id}/triage", s.alertTriage)
	s.page("POST /alerts/triage", s.alertsTriage)
	s.page("GET /detection-rules", s.rulesPage)
}

type coverageData struct {
	Org       org.Organization
	Orgs      []org.Organization // what the caller may pick from
	Coverage  sources.Coverage
	Retention eventstore.Retention
	CanSet    bool
	Signals   []sources.Signal
	Standard  *logstd.Standard
	// Many: the caller sees several organisations; without ?org= the
	// page is the overview of them all.
	Many     bool
	Overview *coverageOverview
}

// Tx is a logging-standard text in the page's language.
func (v view) LT(t logstd.Text) string { return t.In(string(v.Lang)) }

// EventText is an expected event's text in the page's language.
func (v view) EventText(e logstd.ExpectedEvent) string {
	if v.Lang == English {
		return e.En
	}
	return e.Da
}

// Ago says how long ago t was, roughly.
func (v view) Ago(t *time.Time) string {
	if t == nil {
		return v.T("coverage.never")
	}
	d := time.Since(*t)
	switch {
	case d < time.Minute:
		return v.T("ago.seconds")
	case d < time.Hour:
		return v.T("ago.minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return v.T("ago.hours", int(d.Hours()))
	}
	return v.T("ago.days", int(d.Hours()/24))
}

func (s *Server) coveragePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderCoverage(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderCoverage(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem) error {
	ref := strings.TrimSpace(r.URL.Query().Get("org"))
	if r.Method == http.MethodPost {
		ref = r.PostFormValue("org")
	}
	d := coverageData{Standard: logstd.Default(), Many: seesManyTenants(c.scope)}
	// Units, the SOC and the secretariat pick among the organisations they
	// reach; a municipality sees its own.
	if c.scope.Reach != access.ReachOwn || d.Many {
		all, _, err := s.orgs.List(r.Context(), c.scope, org.Filter{Limit: 500})
		if err != nil {
			return err
		}
		for _, x := range all {
			if x.Kind != org.KindMunicipality && x.Kind != org.KindUnit {
				continue
			}
			if c.scope.SeesAllSecurity() || x.ID == c.scope.OrgID || (x.Supplier != nil && x.Supplier.ID == c.scope.OrgID) {
				d.Orgs = append(d.Orgs, x)
			}
		}
	}
	if ref == "" && d.Many {
		return s.renderCoverageOverview(w, r, c, d)
	}
	if ref == "" {
		ref = strconv.FormatInt(c.scope.OrgID, 10)
	}
	// The picker sends the name typed or chosen; a code, slug or id
	// works too.
	for _, x := range d.Orgs {
		if strings.EqualFold(x.Name, ref) {
			ref = strconv.FormatInt(x.ID, 10)
			break
		}
	}
	o, err := s.coverageOrg(r, c, ref)
	if err != nil {
		return err
	}
	d.Org = o
	if d.Coverage, err = s.src.Coverage(r.Context(), c.scope, o.ID, time.Now()); err != nil {
		return err
	}
	if d.Retention, err = s.ev.RetentionOf(r.Context(), c.scope, o.ID); err != nil {
		return err
	}
	d.CanSet = eventstore.MaySetRetention(c.scope, o.ID)
	sigs, err := s.src.Signals(r.Context(), c.scope, false)
	if err != nil {
		return err
	}
	for _, g := range sigs {
		if g.OrgID == o.ID {
			d.Signals = append(d.Signals, g)
		}
	}
	v := s.newView(r, "coverage", "coverage.title")
	v.Title = v.T("coverage.title") + ": " + o.Name
	v.Err = p
	v.Data = d
	s.render(w, r, status, "coverage", v)
	return nil
}

// coverageOrg resolves ref (a code, slug or id) among the organisations
// whose security data the caller reaches: one out of reach answers
// exactly as an unknown one does, naming only what was asked for.
func (s *Server) coverageOrg(r *http.Request, c *caller, ref string) (org.Organization, error) {
	id, err := org.InSecurityReach(r.Context(), s.db.Reader(), c.scope, ref)
	if err != nil {
		return org.Organization{}, err
	}
	return s.orgs.Get(r.Context(), c.scope, strconv.FormatInt(id, 10))
}

func (s *Server) coverageRetention(w http.ResponseWriter, r *http.Request, c *caller) error {
	o, err := s.coverageOrg(r, c, r.PostFormValue("org"))
	if err != nil {
		return err
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil {
		err = errs.Field("days", "give a number of days (0 for the standard's)")
	} else {
		err = s.ev.SetRetention(r.Context(), c.scope, o.ID, days)
	}
	if code := errs.CodeOf(err); code == errs.Invalid {
		p := s.problemFor(r, err)
		return s.renderCoverage(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/coverage?org="+strconv.FormatInt(o.ID, 10)+"&msg=coverage.saved", http.StatusSeeOther)
	return nil
}

type quarantineData struct {
	Senders []eventstore.QuarantinedSender
	Allowed bool
}

func (s *Server) quarantinePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	d := quarantineData{Allowed: c.scope.SeesAllSecurity()}
	if d.Allowed {
		var err error
		if d.Senders, err = s.ev.Quarantine(r.Context(), c.scope, time.Now().Add(-7*24*time.Hour)); err != nil {
			return err
		}
	}
	v := s.newView(r, "quarantine", "quarantine.title")
	v.Data = d
	s.render(w, r, http.StatusOK, "quarantine", v)
	return nil
}
