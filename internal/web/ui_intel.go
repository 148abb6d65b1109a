package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
)

func (s *Server) intelPages() {
	s.page("GET /intel", s.intelPage)
	s.page("GET /intel/reports/{id}", s.intelReportPage)
	s.pageWith("POST /intel/import", 64<<20, s.intelImportPage)
	s.page("POST /intel/feeds", s.addFeedPage)
	s.page("POST /intel/feeds/{id}/poll", s.pollFeedPage)
}

type intelData struct {
	Reports  []intel.Report
	Total    int
	Sighted  []indicator.Indicator
	Feeds    []intel.Feed
	MayShare bool // imports (the CERT, the SOC, administrators)
	MayFeeds bool // configures feeds (the CERT, administrators)
	Cols     []intel.Collection
	TLPs     []string
	Kinds    []string
}

func (s *Server) intelPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderIntel(w, r, c, http.StatusOK, nil, "")
}

// renderIntel renders /intel with a problem or a note of what an import did.
func (s *Server) renderIntel(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem, note string) error {
	ctx := r.Context()
	reps, total, err := s.intel.Reports(ctx, c.scope, intel.ReportFilter{Limit: 100})
	if err != nil {
		return err
	}
	sighted, _, err := s.det.Indicators(ctx, c.scope, detect.IndicatorFilter{Sighted: true, Limit: 20})
	if err != nil {
		return err
	}
	cols, err := s.intel.Collections(ctx, c.scope)
	if err != nil {
		return err
	}
	d := intelData{Reports: reps, Total: total, Sighted: sighted, Cols: cols, TLPs: cert.TLPs, Kinds: intel.FeedKinds,
		MayShare: c.scope.Can(access.ManageDetection), MayFeeds: c.scope.Role == access.RoleCERT || c.scope.Role == access.RoleAdmin}
	if d.MayShare {
		if d.Feeds, err = s.intel.Feeds(ctx, c.scope); err != nil {
			return err
		}
	}
	v := s.newView(r, "intel", "intel.title")
	v.Err = problem
	if note != "" {
		v.Flash = note
	}
	v.Data = d
	s.render(w, r, status, "intel", v)
	return nil
}

type intelReportData struct {
	R          intel.Report
	Indicators []indicator.Indicator
}

func (s *Server) intelReportPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.intel.Report(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	inds, _, err := s.det.Indicators(r.Context(), c.scope, detect.IndicatorFilter{Report: id, Limit: 1000})
	if err != nil {
		return err
	}
	v := s.newView(r, "intel", "intel.title")
	v.Title = rep.Title
	v.Data = intelReportData{R: rep, Indicators: inds}
	s.render(w, r, http.StatusOK, "intel_report", v)
	return nil
}

// intelImportPage takes a STIX bundle, a MISP event or a CSAF document.
func (s *Server) intelImportPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	file, hdr, err := r.FormFile("file")
	var data []byte
	if err == nil {
		defer file.Close()
		data, err = io.ReadAll(file)
	}
	var msg string
	if err != nil {
		err = errs.Field("file", "choose the file to import")
	} else {
		name := hdr.Filename
		floor := r.PostFormValue("tlp")
		switch f := r.PostFormValue("format"); f {
		case "stix", "misp":
			opt := intel.ImportOptions{Name: name, TLP: floor}
			var res intel.ImportResult
			if f == "stix" {
				res, err = s.intel.ImportSTIX(r.Context(), c.scope, data, opt)
			} else {
				res, err = s.intel.ImportMISPEvent(r.Context(), c.scope, data, opt)
			}
			msg = langOf(r).T("intel.imported", res.Reports, res.Indicators.Added, res.Advisories+res.AdvisoriesUpdated, len(res.Skipped))
		case "csaf":
			var res cert.ImportResult
			res, err = s.cert.ImportCSAF(r.Context(), c.scope, []string{name}, [][]byte{data}, cert.CSAFOptions{TLP: floor})
			msg = langOf(r).T("intel.importedcsaf", res.Added+res.Updated, res.Matched, res.Notified)
		default:
			err = errs.Field("format", "choose STIX, MISP or CSAF")
		}
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderIntel(w, r, c, p.Status, &p, "")
	} else if err != nil {
		return err
	}
	return s.renderIntel(w, r, c, http.StatusOK, nil, msg)
}

func (s *Server) addFeedPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	name, kind, url, col, env, tlp := f("name"), f("kind"), f("url"), f("collection"), f("token_env"), f("tlp")
	interval := 60
	if v := f("interval"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			p := s.problemFor(r, errs.Field("interval_minutes", "want whole minutes"))
			return s.renderIntel(w, r, c, p.Status, &p, "")
		}
		interval = n
	}
	_, err := s.intel.AddFeed(r.Context(), c.scope, intel.FeedChange{Name: &name, Kind: &kind, URL: &url, Collection: &col, TokenEnv: &env, TLP: &tlp, Interval: &interval})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Forbidden || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderIntel(w, r, c, p.Status, &p, "")
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/intel?msg=intel.feedadded#feeds", http.StatusSeeOther)
	return nil
}

func (s *Server) pollFeedPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.intel.PollNow(r.Context(), c.scope, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/intel?msg=intel.pollednote#feeds", http.StatusSeeOther)
	return nil
}

// Count writes a whole number (int or int64) the locale's way.
func (v view) Count(n any) string {
	switch x := n.(type) {
	case int:
		return v.Num(float64(x), 0)
	case int64:
		return v.Num(float64(x), 0)
	}
	return fmt.Sprint(n)
}
