package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
)

func (s *Server) oncallPages() {
	s.page("GET /oncall", s.oncallPage)
	s.page("GET /oncall/teams/{slug}", s.teamPage)
	s.page("POST /oncall/teams/{slug}/handover", s.teamStep(func(r *http.Request, c *caller, slug string) error {
		_, err := s.oncall.AddHandover(r.Context(), c.scope, slug, r.PostFormValue("body"))
		return err
	}))
	s.page("POST /oncall/teams/{slug}/override", s.teamStep(func(r *http.Request, c *caller, slug string) error {
		f := r.PostFormValue
		level, _ := strconv.Atoi(f("level"))
		from, err := localTime(f("from"), "from")
		if err != nil {
			return err
		}
		until, err := localTime(f("until"), "until")
		if err != nil {
			return err
		}
		if from == nil || until == nil {
			return errs.Field("from", "give when the override starts and ends")
		}
		user := f("user")
		if user == "" {
			user = c.scope.Username
		}
		_, err = s.oncall.AddOverride(r.Context(), c.scope, slug, oncall.NewOverride{Level: level, User: user, From: *from, Until: *until})
		return err
	}))
	s.page("POST /oncall/teams/{slug}/rotation", s.teamStep(func(r *http.Request, c *caller, slug string) error {
		f := r.PostFormValue
		level, _ := strconv.Atoi(f("level"))
		start, err := localTime(f("start"), "start")
		if err != nil {
			return err
		}
		if start == nil {
			return errs.Field("start", "give the first handoff")
		}
		req := RotationRequest{Level: level, Name: f("name"), Members: strings.Fields(strings.ReplaceAll(f("members"), ",", " ")), Period: f("period"),
			Start: *start, Restriction: f("restriction")}
		n, err := req.newRotation()
		if err != nil {
			return err
		}
		_, err = s.oncall.AddRotation(r.Context(), c.scope, slug, n)
		return err
	}))
	s.page("POST /oncall/escalations/{id}/{action}", s.escalationStep)
	s.mux.HandleFunc("GET "+oncall.AckPath+"{token}", s.ackLinkPage)
	s.mux.HandleFunc("POST "+oncall.AckPath+"{token}", s.ackLinkPage)
}

type oncallTeam struct {
	oncall.Team
	Now []oncall.OnCall
}

type oncallData struct {
	Teams       []oncallTeam
	Escalations []oncall.Escalation
}

func (s *Server) oncallPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderOncall(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderOncall(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	teams, err := s.oncall.Teams(r.Context(), c.scope)
	if err != nil {
		return err
	}
	d := oncallData{}
	now := time.Now()
	for _, t := range teams {
		who, err := s.oncall.WhoIsOnCall(r.Context(), c.scope, t.Slug, now)
		if err != nil {
			return err
		}
		d.Teams = append(d.Teams, oncallTeam{Team: t, Now: who})
	}
	if d.Escalations, err = s.oncall.Escalations(r.Context(), c.scope, oncall.Filter{Limit: 50}); err != nil {
		return err
	}
	v := s.newView(r, "oncall", "oncall.title")
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "oncall", v)
	return nil
}

type teamData struct {
	T         oncall.Team
	Now       []oncall.OnCall
	Shifts    []oncall.OnCall
	Rotations []oncall.Rotation
	Overrides []oncall.Override
	Handovers []oncall.Handover
	Policies  []oncall.Policy
	MayManage bool
	IsMember  bool
}

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderTeam(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	ctx, slug, now := r.Context(), r.PathValue("slug"), time.Now()
	t, err := s.oncall.Team(ctx, c.scope, slug)
	if err != nil {
		return err
	}
	d := teamData{T: t, MayManage: c.scope.Can(access.ManageOnCall) && (c.scope.OrgID == t.OrgID || c.scope.Role == access.RoleAdmin)}
	for _, m := range t.Members {
		if m.UserID == c.scope.UserID {
			d.IsMember = true
		}
	}
	if d.Now, err = s.oncall.WhoIsOnCall(ctx, c.scope, slug, now); err != nil {
		return err
	}
	if d.Shifts, err = s.oncall.Shifts(ctx, c.scope, slug, now, now.Add(7*24*time.Hour)); err != nil {
		return err
	}
	if d.Rotations, err = s.oncall.Rotations(ctx, c.scope, slug); err != nil {
		return err
	}
	if d.Overrides, err = s.oncall.Overrides(ctx, c.scope, slug, now, now.Add(31*24*time.Hour)); err != nil {
		return err
	}
	if d.Handovers, err = s.oncall.Handovers(ctx, c.scope, slug, 10); err != nil {
		return err
	}
	if d.Policies, err = s.oncall.Policies(ctx, c.scope, slug); err != nil {
		return err
	}
	v := s.newView(r, "oncall", "oncall.title")
	v.Title = t.Name
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "oncall_team", v)
	return nil
}

// teamStep runs one form of the team page.
func (s *Server) teamStep(fn func(r *http.Request, c *caller, slug string) error) func(http.ResponseWriter, *http.Request, *caller) error {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		slug := r.PathValue("slug")
		err := fn(r, c, slug)
		if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden {
			p := s.problemFor(r, err)
			return s.renderTeam(w, r, c, p.Status, &p)
		} else if err != nil {
			return err
		}
		http.Redirect(w, r, "/oncall/teams/"+slug+"?msg=oncall.saved", http.StatusSeeOther)
		return nil
	}
}

// escalationStep acknowledges, snoozes (for the chosen minutes) or
// resolves an escalation from the on-call page.
func (s *Server) escalationStep(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	switch r.PathValue("action") {
	case "ack":
		_, err = s.oncall.Ack(r.Context(), c.scope, id)
	case "resolve":
		_, err = s.oncall.Resolve(r.Context(), c.scope, id)
	case "snooze":
		minutes, perr := strconv.Atoi(r.PostFormValue("minutes"))
		if perr != nil || minutes < 1 {
			err = errs.Field("minutes", "choose how long to snooze")
		} else {
			_, err = s.oncall.Snooze(r.Context(), c.scope, id, time.Now().Add(time.Duration(minutes)*time.Minute))
		}
	default:
		return errs.E(errs.NotFound, "no page at %s", r.URL.Path)
	}
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden || code == errs.NotFound {
		p := s.problemFor(r, err)
		return s.renderOncall(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/oncall?msg=oncall.saved", http.StatusSeeOther)
	return nil
}

type ackData struct {
	E     oncall.Escalation
	Token string
	Done  bool
}

// ackLinkPage serves the signed link of a page's e-mail: GET shows what
// is to be acknowledged with a button (so that mail scanners opening
// links acknowledge nothing), POST acknowledges as the paged user. The
// link is the credential; no login is needed.
func (s *Server) ackLinkPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	token := r.PathValue("token")
	pre := s.preSession(w, r)
	v := s.newView(r, "", "oncall.ack.title")
	v.User = nil
	v.CSRF = s.csrfToken("p:" + pre)
	w.Header().Set("Referrer-Policy", "no-referrer")
	fail := func(err error) {
		p := s.problemFor(r, err)
		v.Err = &p
		s.render(w, r, p.Status, "oncall_ack", v)
	}
	claims, err := s.oncall.CheckToken(r.Context(), token, time.Now())
	if err != nil {
		fail(err)
		return
	}
	e, err := s.oncall.Escalation(r.Context(), access.System("ack link"), claims.EscalationID)
	if err != nil {
		fail(err)
		return
	}
	d := ackData{E: e.Escalation, Token: token}
	if r.Method == http.MethodPost {
		if err := s.checkCSRF(r); err != nil {
			fail(err)
			return
		}
		if d.E, err = s.oncall.AckByToken(r.Context(), token, time.Now()); err != nil {
			v.Data = d
			fail(err)
			return
		}
		d.Done = true
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "oncall_ack", v)
}

// PeriodName is a rotation's period in the page's language.
func (v view) PeriodName(p oncall.Period) string {
	switch p {
	case oncall.Daily:
		return v.T("oncall.period.daily")
	case oncall.Weekly:
		return v.T("oncall.period.weekly")
	}
	return p.String()
}
