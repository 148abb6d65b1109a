package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/needs"
	"github.com/samdrift/samdrift/internal/org"
)

func init() {
	// The messages the needs pages' redirects show (see flashKeys).
	for _, k := range []string{"needs.done.created", "needs.done.saved", "needs.done.commented", "needs.done.voted", "needs.done.unvoted", "needs.done.followed", "needs.done.unfollowed"} {
		flashKeys[k] = true
	}
}

func (s *Server) needsPages() {
	s.page("GET /needs", s.needsPage)
	s.page("POST /needs", s.submitNeedPage)
	s.page("GET /needs.csv", s.needsCSV)
	s.page("GET /needs/{id}", s.needPage)
	s.page("POST /needs/{id}/status", s.needStatusPage)
	s.page("POST /needs/{id}/duplicate", s.needDuplicatePage)
	s.page("POST /needs/{id}/comments", s.needCommentPage)
	s.page("POST /needs/{id}/vote", s.needVotePage)
	s.page("POST /needs/{id}/unvote", s.needVotePage)
	s.page("POST /needs/{id}/follow", s.needFollowPage)
	s.page("POST /needs/{id}/unfollow", s.needFollowPage)
}

// needsListLimit is how many needs a page of the list shows.
const needsListLimit = 50

type needsData struct {
	Items       []needs.Need
	Total       int
	From, To    int // the rows shown, counted from 1
	Pager       pager
	Q, Status   string
	Kind, Org   string
	Sort        string
	Following   bool
	Statuses    []string
	Kinds       []string
	Priorities  []string
	Sorts       []string
	Orgs        []org.Organization // municipalities, for the filter
	SubmitOrgs  []org.Organization // municipalities the caller submits for besides its own
	OwnIsMuni   bool               // the caller submits for its own municipality
	MayTakePart bool
	CSV         string
	Form        url.Values
}

// Val is the submit form's value of name when it came back.
func (d needsData) Val(name string) string { return d.Form.Get(name) }

// mayTakePartUI: everyone but the shared SOC's staff submits, votes and
// comments (needs.Service decides; this only hides what cannot be used).
func mayTakePartUI(sc access.Scope) bool {
	return sc.OrgKind != string(org.KindSOC) || sc.Role == access.RoleAdmin
}

// needMunicipalities lists every municipality, and those of them sc reaches.
func (s *Server) needMunicipalities(r *http.Request, sc access.Scope) (all, reach []org.Organization, err error) {
	all, _, err = s.orgs.List(r.Context(), sc, org.Filter{Kind: org.KindMunicipality, Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	for _, o := range all {
		if sc.Reach == access.ReachAll || o.ID == sc.OrgID || sc.Reach == access.ReachSupplied && o.Supplier != nil && o.Supplier.ID == sc.OrgID {
			reach = append(reach, o)
		}
	}
	return all, reach, nil
}

func (s *Server) needsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderNeeds(w, r, c, http.StatusOK, nil, nil)
}

func (s *Server) renderNeeds(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem, form url.Values) error {
	q := r.URL.Query()
	d := needsData{Q: q.Get("q"), Status: q.Get("status"), Kind: q.Get("kind"), Org: q.Get("org"), Sort: q.Get("sort"), Following: q.Get("following") == "true",
		Statuses: needs.Statuses, Kinds: needs.Kinds, Priorities: needs.Priorities, Sorts: needs.Sorts, MayTakePart: mayTakePartUI(c.scope), Form: form,
		OwnIsMuni: c.scope.OrgKind == string(org.KindMunicipality)}
	if d.Sort == "" {
		d.Sort = "newest"
	}
	f, err := s.needFilter(r, c)
	if err != nil {
		return err
	}
	offset := uiPaging(r)
	f.Limit, f.Offset = needsListLimit, offset
	if d.Items, d.Total, err = s.cfg.Needs.List(r.Context(), c.scope, f); err != nil {
		return err
	}
	if len(d.Items) > 0 {
		d.From, d.To = offset+1, offset+len(d.Items)
	}
	var reach []org.Organization
	if d.Orgs, reach, err = s.needMunicipalities(r, c.scope); err != nil {
		return err
	}
	if !d.OwnIsMuni || c.scope.Reach == access.ReachAll {
		d.SubmitOrgs = reach
	}
	l := langOf(r)
	d.Pager = s.pagerFor(r, l, offset, needsListLimit, d.Total)
	cq := r.URL.Query()
	cq.Del("cursor")
	d.CSV = "/needs.csv"
	if enc := cq.Encode(); enc != "" {
		d.CSV += "?" + enc
	}
	v := s.newView(r, "needs", "needs.title")
	v.Err = p
	v.Data = d
	s.render(w, r, status, "needs", v)
	return nil
}

// needRefused reports whether err is one a form shows above itself (the
// user can correct it) rather than as an error page.
func needRefused(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Forbidden, errs.Conflict:
		return true
	}
	return false
}

func (s *Server) submitNeedPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := r.PostFormValue
	d, err := s.cfg.Needs.Create(r.Context(), c.scope, needs.NewNeed{Title: f("title"), Description: f("description"), Org: f("org"), Kind: f("kind"),
		Why: f("why"), Affected: f("affected"), Priority: f("priority")})
	if needRefused(err) {
		p := s.problemFor(r, err)
		return s.renderNeeds(w, r, c, p.Status, &p, r.PostForm)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/needs/"+strconv.FormatInt(d.ID, 10)+"?msg=needs.done.created", http.StatusSeeOther)
	return nil
}

// needsCSV writes the needs the list's filters match (at most 10,000) as
// CSV, with a byte-order mark so that spreadsheets read the Danish
// letters, and every cell that a spreadsheet would take for a formula
// defused.
func (s *Server) needsCSV(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := s.needFilter(r, c)
	if err != nil {
		return err
	}
	l := langOf(r)
	f.Limit = 500
	var all []needs.Need
	for {
		list, total, err := s.cfg.Needs.List(r.Context(), c.scope, f)
		if err != nil {
			return err
		}
		all = append(all, list...)
		if len(list) < f.Limit || len(all) >= total || len(all) >= 10000 {
			break
		}
		f.Offset += f.Limit
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="behov.csv"`)
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return nil
	}
	cw := csv.NewWriter(w)
	head := []string{"id"}
	for _, k := range []string{"col.kind", "needs.titlef", "needs.org", "col.status", "needs.reason", "needs.priority", "needs.support", "needs.votes",
		"needs.duplicateof", "needs.created", "needs.updated", "needs.description", "needs.why", "needs.affected"} {
		head = append(head, l.T(k))
	}
	_ = cw.Write(head)
	for _, x := range all {
		dup := ""
		if x.DuplicateOf != nil {
			dup = strconv.FormatInt(x.DuplicateOf.ID, 10)
		}
		row := []string{strconv.FormatInt(x.ID, 10), l.T("needs.kind." + x.Kind), x.Title, x.Org.Name, l.T("needs.status." + x.Status), x.StatusReason,
			l.T("needs.priority." + x.Priority), strconv.Itoa(x.Support), strconv.Itoa(x.Votes), dup, x.CreatedAt.In(copenhagen).Format("2006-01-02 15:04"),
			x.UpdatedAt.In(copenhagen).Format("2006-01-02 15:04"), x.Description, x.Why, x.Affected}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return nil // the header is out; the client went away
		}
	}
	cw.Flush()
	return nil
}

type needData struct {
	N            needs.Detail
	MayTakePart  bool
	SeesInternal bool
	// MayVote: the caller's municipality may say it needs this too (it
	// did not submit it).
	MayVote    bool
	MayFollow  bool
	Others     []needs.Need // the duplicate picker's choices
	Settable   []string
	Form       url.Values
	FormAction string // the form the Form values came back from
}

// Val is a form's value of name when it came back from action.
func (d needData) Val(action, name string) string {
	if d.FormAction != action {
		return ""
	}
	return d.Form.Get(name)
}

func (s *Server) needPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderNeed(w, r, c, http.StatusOK, nil, "", nil)
}

func (s *Server) renderNeed(w http.ResponseWriter, r *http.Request, c *caller, status int, p *Problem, action string, form url.Values) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.cfg.Needs.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	d := needData{N: n, MayTakePart: mayTakePartUI(c.scope), SeesInternal: n.SeesInternal, MayFollow: c.scope.UserID != 0,
		MayVote: c.scope.OrgKind == string(org.KindMunicipality) && n.Org.ID != c.scope.OrgID, Settable: needs.Settable, Form: form, FormAction: action}
	if n.MayDecide {
		list, _, err := s.cfg.Needs.List(r.Context(), c.scope, needs.Filter{Statuses: []string{needs.Received, needs.UnderConsideration, needs.Planned, needs.Done, needs.Declined},
			Limit: 500})
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.ID != n.ID {
				d.Others = append(d.Others, x)
			}
		}
	}
	v := s.newView(r, "needs", "needs.title")
	v.Title = n.Title
	v.Err = p
	v.Data = d
	s.render(w, r, status, "need", v)
	return nil
}

// needDone answers a form on need id: back to the need with msg, or the
// need again with the refusal and the form's input kept.
func (s *Server) needDone(w http.ResponseWriter, r *http.Request, c *caller, err error, action, msg string) error {
	if needRefused(err) {
		p := s.problemFor(r, err)
		return s.renderNeed(w, r, c, p.Status, &p, action, r.PostForm)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/needs/"+r.PathValue("id")+"?msg="+msg, http.StatusSeeOther)
	return nil
}

func (s *Server) needStatusPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.cfg.Needs.SetStatus(r.Context(), c.scope, id, needs.StatusChange{Status: r.PostFormValue("status"), Reason: r.PostFormValue("reason"), Version: version})
	return s.needDone(w, r, c, err, "status", "needs.done.saved")
}

func (s *Server) needDuplicatePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	of, _ := strconv.ParseInt(r.PostFormValue("duplicate_of"), 10, 64)
	_, err = s.cfg.Needs.MarkDuplicate(r.Context(), c.scope, id, needs.DuplicateChange{Of: of, Note: r.PostFormValue("note"), Version: version})
	return s.needDone(w, r, c, err, "duplicate", "needs.done.saved")
}

func (s *Server) needCommentPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.cfg.Needs.AddComment(r.Context(), c.scope, id, needs.NewComment{Body: r.PostFormValue("body"), Internal: r.PostFormValue("internal") == "on"})
	return s.needDone(w, r, c, err, "comment", "needs.done.commented")
}

func (s *Server) needVotePage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	msg := "needs.done.voted"
	if strings.HasSuffix(r.URL.Path, "/unvote") {
		msg = "needs.done.unvoted"
		_, err = s.cfg.Needs.Unvote(r.Context(), c.scope, id, "")
	} else {
		_, err = s.cfg.Needs.Vote(r.Context(), c.scope, id, "")
	}
	return s.needDone(w, r, c, err, "vote", msg)
}

func (s *Server) needFollowPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	msg := "needs.done.followed"
	if strings.HasSuffix(r.URL.Path, "/unfollow") {
		msg = "needs.done.unfollowed"
		_, err = s.cfg.Needs.Unfollow(r.Context(), c.scope, id)
	} else {
		_, err = s.cfg.Needs.Follow(r.Context(), c.scope, id)
	}
	return s.needDone(w, r, c, err, "follow", msg)
}
