package web

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
)

func (s *Server) ticketPageRoutes() {
	s.page("GET /tickets", s.ticketsPage)
	s.page("GET /tickets.csv", s.ticketsCSV)
	s.page("GET /tickets/new", s.ticketNewPage)
	s.page("POST /tickets", s.ticketsCreate)
	s.page("POST /tickets/bulk", s.ticketsBulk)
	s.page("GET /tickets/{id}", s.ticketPage)
	s.page("POST /tickets/{id}/{step}", s.ticketStep)
	s.page("GET /inbox", s.inboxPage)
	s.page("POST /inbox/read", s.inboxRead)
}

// queuePageSize is how many tickets a queue page shows.
const queuePageSize = 50

// queueQuery is the queue's filters and order as its URL carries them.
type queueQuery struct {
	Status   string // the tab: "" active, "all", or one status
	Kind     string
	Priority string
	Org      string
	Assignee string // "", "me", "none" or a username
	Due      string // "", "breached" or "soon"
	Visits   string // "" or "today"
	Query    string
	Sort     string // "" is triage order
	Offset   int
}

// values returns the query as URL parameters, without the empty ones.
func (q queueQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"status": q.Status, "kind": q.Kind, "priority": q.Priority, "org": q.Org, "assignee": q.Assignee,
		"due": q.Due, "visits": q.Visits, "q": q.Query, "sort": q.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	return v
}

// With returns the queue's URL with one parameter changed ("" removes
// it); a new filter or order starts again at the first page.
func (q queueQuery) With(key, value string) string {
	v := q.values()
	v.Del("offset")
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	if len(v) == 0 {
		return "/tickets"
	}
	return "/tickets?" + v.Encode()
}

// Encode is the query string of the queue as it is shown.
func (q queueQuery) Encode() string { return q.values().Encode() }

// queueStatuses are the tabs of the queue: "" is everything still active.
func queueStatuses(tab string) ([]servicedesk.Status, error) {
	switch tab {
	case "":
		return []servicedesk.Status{servicedesk.Open, servicedesk.Escalated, servicedesk.InProgress, servicedesk.Pending}, nil
	case "all":
		return nil, nil
	}
	st, err := servicedesk.ParseStatus("status", tab)
	return []servicedesk.Status{st}, err
}

// queueFilter reads the page's (and its CSV export's) query: the status
// tab, kind, priority, organisation, assignee, search and order, triage
// order by default.
func (s *Server) queueFilter(r *http.Request, c *caller, q url.Values) (queueQuery, servicedesk.Filter, error) {
	qq := queueQuery{Status: q.Get("status"), Kind: q.Get("kind"), Priority: q.Get("priority"), Org: q.Get("org"),
		Assignee: strings.TrimSpace(q.Get("assignee")), Due: q.Get("due"), Visits: q.Get("visits"), Query: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	f := servicedesk.Filter{Query: qq.Query, Limit: queuePageSize, Priority: qq.Priority}
	if len(qq.Query) > 200 {
		return qq, f, errs.Field("q", "at most 200 characters")
	}
	var err error
	if f.Statuses, err = queueStatuses(qq.Status); err != nil {
		return qq, f, err
	}
	if qq.Query != "" && qq.Status == "" {
		f.Statuses = nil // a search looks through closed tickets too ("has this happened before?")
	}
	if qq.Kind != "" {
		if f.Kind, err = servicedesk.ParseKind("kind", qq.Kind); err != nil {
			return qq, f, err
		}
	}
	if !validPriority(qq.Priority) {
		return qq, f, errs.Field("priority", "want P1, P2, P3 or P4")
	}
	if err := s.queueParams(r, c, q, &f); err != nil {
		return qq, f, err
	}
	if f.Sort == servicedesk.SortNewest {
		f.Sort = servicedesk.SortTriage
	}
	qq.Offset = f.Offset
	return qq, f, nil
}

// sortColumn is one sortable header of the queue.
type sortColumn struct {
	Label    string
	Href     string
	AriaSort string // ascending, descending or "" when the list is not sorted by it
}

// bulkLine is one ticket's line in a bulk change's summary.
type bulkLine struct {
	ID   int64
	Done bool
	Text string
}

// bulkSummary is what a bulk change did.
type bulkSummary struct {
	Done, Refused int
	Lines         []bulkLine
}

type ticketsData struct {
	Q            queueQuery
	Kinds        []servicedesk.Kind
	Priorities   []string
	Statuses     []servicedesk.Status
	Orgs         []org.Ref // choices of the organisation filter (none: no filter)
	Page         servicedesk.Page
	From, To     int
	Total        int
	Pager        pager
	Cols         map[string]sortColumn
	CanOpen      bool
	CanBulk      bool
	Assignees    []servicedesk.Assignee // whom the caller may assign to
	BulkStatuses []servicedesk.Status
	Selected     map[int64]bool // tickets ticked again after a bulk change
	Bulk         *bulkSummary
	CSV          string
}

// mayOpen reports whether sc opens incidents and requests (a
// municipality's SPOC or municipal IT).
func mayOpen(sc access.Scope) bool {
	return sc.OrgKind == "municipality" && (sc.Role == access.RoleSPOC || sc.Role == access.RoleKommuneIT)
}

// mayBulk reports whether sc works tickets (and so may change several).
func mayBulk(sc access.Scope) bool {
	switch sc.Role {
	case access.RoleSPOC, access.RoleKommuneIT, access.RoleServiceDesk, access.RoleUnitManager, access.RoleAdmin:
		return true
	}
	return false
}

func (s *Server) ticketsPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderTickets(w, r, c, http.StatusOK, nil, nil, nil)
}

// renderTickets shows the queue as r's query asks, with a problem or a
// bulk change's summary when given; selected keeps those tickets ticked.
func (s *Server) renderTickets(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem, bulk *bulkSummary, selected map[int64]bool) error {
	qq, f, err := s.queueFilter(r, c, r.URL.Query())
	if err != nil {
		return err
	}
	d := ticketsData{Q: qq, Statuses: servicedesk.Statuses(), Kinds: servicedesk.Kinds(), Priorities: []string{"P1", "P2", "P3", "P4"},
		CanOpen: mayOpen(c.scope), CanBulk: mayBulk(c.scope), BulkStatuses: servicedesk.BulkStatuses(), Bulk: bulk, Selected: selected}
	ctx := r.Context()
	if d.Page, err = s.sd.List(ctx, c.scope, f); err != nil {
		return err
	}
	if d.Page.Total != nil {
		d.Total = *d.Page.Total
	}
	if n := len(d.Page.Tickets); n > 0 {
		d.From, d.To = f.Offset+1, f.Offset+n
	}
	if d.CanBulk {
		if d.Assignees, err = s.sd.Assignees(ctx, c.scope, 0); err != nil {
			return err
		}
	}
	if d.Orgs, err = s.queueOrgs(r, c); err != nil {
		return err
	}
	v := s.newView(r, "tickets", "tickets.title")
	d.Cols = queueColumns(v, qq)
	d.Pager = pager{PrevLabel: v.T("page.prev"), NextLabel: v.T("page.next")}
	if f.Offset > 0 {
		p := qq
		p.Offset = max(0, f.Offset-queuePageSize)
		d.Pager.Prev = "/tickets?" + p.Encode()
	}
	if d.Page.NextOffset > 0 {
		p := qq
		p.Offset = d.Page.NextOffset
		d.Pager.Next = "/tickets?" + p.Encode()
	}
	csvQ := qq
	csvQ.Offset = 0
	d.CSV = "/tickets.csv"
	if e := csvQ.Encode(); e != "" {
		d.CSV += "?" + e
	}
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "tickets", v)
	return nil
}

// queueOrgs are the organisations the queue can be narrowed to: the
// municipalities a unit supplies, every municipality for those who see
// all; a municipality sees its own tickets only and gets no choice.
func (s *Server) queueOrgs(r *http.Request, c *caller) ([]org.Ref, error) {
	switch c.scope.Reach {
	case access.ReachSupplied:
		o, err := s.orgs.Get(r.Context(), c.scope, strconv.FormatInt(c.scope.OrgID, 10))
		if err != nil {
			return nil, err
		}
		return o.Supplies, nil
	case access.ReachAll:
		ms, _, err := s.orgs.List(r.Context(), c.scope, org.Filter{Kind: org.KindMunicipality, Limit: 200})
		if err != nil {
			return nil, err
		}
		out := make([]org.Ref, len(ms))
		for i, m := range ms {
			out[i] = org.Ref{ID: m.ID, Slug: m.Slug, Code: m.Code, Name: m.Name}
		}
		return out, nil
	}
	return nil, nil
}

// queueColumns are the sortable headers: a header links to its column
// ascending, or descending when the list is sorted by it ascending.
func queueColumns(v view, q queueQuery) map[string]sortColumn {
	out := map[string]sortColumn{}
	for key, label := range map[string]string{"id": "tickets.number", "priority": "tickets.priority", "status": "col.status",
		"due": "tickets.deadline", "updated": "tickets.updated", "assignee": "tickets.assignee", "org": "tickets.org"} {
		col := sortColumn{Label: v.T(label), Href: q.With("sort", key)}
		switch q.Sort {
		case key:
			col.AriaSort, col.Href = "ascending", q.With("sort", "-"+key)
		case "-" + key:
			col.AriaSort = "descending"
		}
		out[key] = col
	}
	return out
}

// dueView is how the queue shows a ticket's nearest deadline: in words,
// so that a breach is never told by colour alone (WCAG 1.4.1).
type dueView struct {
	Class string // breach, warn or ""
	Text  string // "Overskredet 2 t", "Forfalder om 35 min", "Sat på pause"
	At    string // the deadline
	Clock string // which clock
}

// Due says how t's nearest running deadline stands now.
func (v view) Due(t servicedesk.Ticket) dueView {
	now := time.Now()
	c, ok := t.Due()
	if !ok {
		for _, k := range t.Clocks {
			if k.State == servicedesk.Paused {
				return dueView{Text: v.T("tickets.paused")}
			}
		}
		return dueView{Text: "–"}
	}
	d := dueView{At: v.Time(*c.Deadline), Clock: v.T("clock." + string(c.Name))}
	left := c.Deadline.Sub(now)
	switch {
	case left <= 0:
		d.Class, d.Text = "breach", v.T("tickets.overdue", v.Span(-left))
	case c.WarnAt != nil && !now.Before(*c.WarnAt): // 75% used, as the start page counts "due soon"
		d.Class, d.Text = "warn", v.T("tickets.duein", v.Span(left))
	default:
		d.Text = v.T("tickets.duein", v.Span(left))
	}
	return d
}

// Span writes a wall-clock span shortly: "35 min", "2 t 5 min", "3 d 4 t"
// (in English "2 h 5 min", "3 d 4 h").
func (v view) Span(d time.Duration) string {
	m := int64(d / time.Minute)
	if m < 1 {
		m = 1
	}
	h := "t"
	if v.Lang == English {
		h = "h"
	}
	switch {
	case m < 60:
		return strconv.FormatInt(m, 10) + " min"
	case m < 24*60:
		if m%60 == 0 {
			return strconv.FormatInt(m/60, 10) + " " + h
		}
		return strconv.FormatInt(m/60, 10) + " " + h + " " + strconv.FormatInt(m%60, 10) + " min"
	}
	days, hours := m/(24*60), m%(24*60)/60
	if hours == 0 {
		return strconv.FormatInt(days, 10) + " d"
	}
	return strconv.FormatInt(days, 10) + " d " + strconv.FormatInt(hours, 10) + " " + h
}

// AssigneeName is how the queue names an assignee: the display name when
// the caller can pick them, else the username.
func (d ticketsData) AssigneeName(username string) string {
	for _, a := range d.Assignees {
		if a.Username == username {
			return a.Name()
		}
	}
	return username
}

// BulkValue is a ticket's checkbox value in the bulk form: its id and the
// version the caller sees, so that a ticket changed meanwhile is refused.
func (d ticketsData) BulkValue(t servicedesk.Ticket) string {
	return strconv.FormatInt(t.ID, 10) + ":" + strconv.Itoa(t.Version)
}

// bulkTargets reads the ticked tickets ("id:version") of the bulk form.
func bulkTargets(vals []string) ([]servicedesk.BulkTarget, error) {
	var out []servicedesk.BulkTarget
	for _, v := range vals {
		id, ver, _ := strings.Cut(v, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 1 {
			return nil, errs.Field("tickets", "want ticket numbers, got %q", v)
		}
		t := servicedesk.BulkTarget{ID: n}
		if ver != "" {
			if t.Version, err = strconv.Atoi(ver); err != nil || t.Version < 1 {
				return nil, errs.Field("tickets", "want ticket numbers, got %q", v)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// ticketsBulk applies one change to the ticked tickets and shows the queue
// again (as it was filtered, from the form's back field) with what was
// done to each and why any was refused.
func (s *Server) ticketsBulk(w http.ResponseWriter, r *http.Request, c *caller) error {
	back, err := url.ParseQuery(r.PostFormValue("back"))
	if err != nil || len(r.PostFormValue("back")) > 2000 {
		back = url.Values{}
	}
	back.Del("offset")
	q := r.Clone(r.Context())
	q.URL = &url.URL{Path: "/tickets", RawQuery: back.Encode()}
	targets, err := bulkTargets(r.PostForm["ticket"])
	ch := servicedesk.BulkChange{}
	f := r.PostFormValue
	switch f("action") {
	case "assign":
		ch.Assignee = f("assignee")
		if ch.Assignee == "" && err == nil {
			err = errs.Field("assignee", "choose whom to assign the tickets to")
		}
	case "status":
		ch.Status, ch.Note = servicedesk.Status(f("status")), f("note")
		if ch.Status == "" && err == nil {
			err = errs.Field("status", "choose the status to set")
		}
	case "priority":
		ch.Impact, ch.Urgency, ch.Note = formInt(r, "impact"), formInt(r, "urgency"), f("reason")
		if (ch.Impact < 1 || ch.Impact > 3 || ch.Urgency < 1 || ch.Urgency > 3) && err == nil {
			err = errs.Field("impact", "choose impact and urgency")
		}
	default:
		if err == nil {
			err = errs.Field("action", "choose what to do with the tickets")
		}
	}
	var res servicedesk.BulkResult
	if err == nil {
		res, err = s.sd.Bulk(r.Context(), c.scope, targets, ch)
	}
	selected := map[int64]bool{}
	for _, t := range targets {
		selected[t.ID] = true
	}
	if code := errs.CodeOf(err); code == errs.Invalid {
		p := s.problemFor(r, err)
		return s.renderTickets(w, q, c, p.Status, &p, nil, selected)
	} else if err != nil && len(res.Outcomes) == 0 {
		return err
	}
	l := langOf(r)
	sum := &bulkSummary{Done: res.Done, Refused: res.Refused}
	refused := map[int64]bool{}
	for _, o := range res.Outcomes {
		line := bulkLine{ID: o.ID, Done: o.Done}
		if o.Done {
			line.Text = bulkDoneText(l, ch, o.Ticket)
		} else {
			refused[o.ID] = true
			reason := o.Err.Error()
			if e := errs.As(o.Err); e != nil {
				reason = e.In(string(l))
			}
			line.Text = l.T("tickets.bulk.refused", o.ID, reason)
		}
		sum.Lines = append(sum.Lines, line)
	}
	if err != nil { // an internal error part way: show what was done, then the error
		p := s.problemFor(r, err)
		return s.renderTickets(w, q, c, p.Status, &p, sum, refused)
	}
	return s.renderTickets(w, q, c, http.StatusOK, nil, sum, refused)
}

// bulkDoneText says what a bulk change did to t, built from t itself.
func bulkDoneText(l Lang, ch servicedesk.BulkChange, t servicedesk.Ticket) string {
	switch {
	case ch.Assignee != "":
		return l.T("tickets.done.assign", t.ID, t.Assignee)
	case ch.Status != "":
		return l.T("tickets.bulk.status", t.ID, l.T("tstatus."+string(t.Status)))
	}
	return l.T("tickets.bulk.priority", t.ID, t.Priority)
}

func formInt(r *http.Request, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	return n
}

// newTicketForm is the form that opens a ticket, as the user filled it.
type newTicketForm struct {
	Kind, Title, Description, Requester string
	Impact, Urgency                     int
}

func (s *Server) ticketNewPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderNewTicket(w, r, c, http.StatusOK, newTicketForm{Kind: "incident", Impact: 2, Urgency: 2}, nil)
}

func (s *Server) renderNewTicket(w http.ResponseWriter, r *http.Request, c *caller, status int, form newTicketForm, problem *Problem) error {
	if !mayOpen(c.scope) {
		return errs.E(errs.Forbidden, "only a municipality's SPOC or municipal IT opens tickets here; a unit receives them by escalation")
	}
	v := s.newView(r, "tickets", "tickets.new")
	v.Err = problem
	v.Data = form
	s.render(w, r, status, "ticket_new", v)
	return nil
}

func (s *Server) ticketsCreate(w http.ResponseWriter, r *http.Request, c *caller) error {
	form := newTicketForm{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Requester: r.PostFormValue("requester"), Impact: formInt(r, "impact"), Urgency: formInt(r, "urgency")}
	t, err := s.sd.Create(r.Context(), c.scope, servicedesk.NewTicket{Kind: servicedesk.Kind(form.Kind), Title: form.Title,
		Description: form.Description, Requester: form.Requester, Impact: form.Impact, Urgency: form.Urgency})
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict {
		p := s.problemFor(r, err)
		return s.renderNewTicket(w, r, c, p.Status, form, &p)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, doneURL(t.ID, "tickets.created", t.Version), http.StatusSeeOther)
	return nil
}

// doneURL is where a step on ticket id sends the browser: the ticket, with
// the confirmation's key and the version the step made. Only the key and
// two numbers travel in the link; the page builds the text from the
// ticket itself, and only while it still has that version.
func doneURL(id int64, key string, version int) string {
	u := "/tickets/" + strconv.FormatInt(id, 10) + "?msg=" + url.QueryEscape(key)
	if version > 0 {
		u += "&v=" + strconv.Itoa(version)
	}
	return u
}

// stepDone names the confirmation of each step posted from the ticket
// page (and the change and problem steps beside them).
var stepDone = map[string]string{
	"escalate": "tickets.done.escalate", "assign": "tickets.done.assign", "comment": "tickets.done.comment", "pending": "tickets.done.pending",
	"resume": "tickets.done.resume", "resolve": "tickets.done.resolve", "reopen": "tickets.done.reopen", "close": "tickets.done.close",
	"priority": "tickets.done.priority", "visit": "tickets.done.visit", "attach": "tickets.done.attach",
	"acknowledge": "tickets.done.acknowledge", "object": "tickets.done.object", "approve": "tickets.done.approve",
	"reject": "tickets.done.reject", "problem": "tickets.done.problem", "link": "tickets.done.link",
}

// stepEntry is the timeline entry each confirmation stands for: the kind
// of entry the step writes.
var stepEntry = map[string]string{
	"tickets.created": "created", "tickets.done.escalate": "escalate", "tickets.done.assign": "assign", "tickets.done.comment": "comment",
	"tickets.done.pending": "pending", "tickets.done.resume": "resumed", "tickets.done.resolve": "resolved", "tickets.done.reopen": "reopened",
	"tickets.done.close": "closed", "tickets.done.priority": "priority", "tickets.done.visit": "visit", "tickets.done.attach": "attachment",
	"tickets.done.acknowledge": "change_acknowledged", "tickets.done.object": "change_objected", "tickets.done.approve": "change_approved",
	"tickets.done.reject": "change_rejected", "tickets.done.problem": "problem", "tickets.done.link": "link",
}

// ticketFlash is the confirmation key shows to actor on ticket t. A link
// carries only the key and the version the step made, and anyone can
// craft one, so the text must be true of t as it is: the step's own text
// (built from t: its number, unit, assignee or priority) only while t
// still has that version and its latest step — the entries written
// together at its end — is actor's and of the key's kind; a plain
// "saved" when actor took such a step but the ticket has moved on since;
// nothing otherwise.
func ticketFlash(l Lang, key string, version int, t servicedesk.Ticket, actor string) string {
	kind, known := stepEntry[key]
	if !known && key != "tickets.saved" {
		return ""
	}
	last := lastStep(t.Entries)
	current := version > 0 && version == t.Version && len(last) > 0 && last[0].Actor == actor &&
		(!known || slices.ContainsFunc(last, func(e servicedesk.Entry) bool { return e.Kind == kind }))
	if current {
		switch key {
		case "tickets.created":
			return l.T("tickets.done.created", t.ID, t.Priority)
		case "tickets.done.escalate":
			return l.T(key, t.ID, t.UnitName)
		case "tickets.done.assign":
			if t.Assignee != "" {
				return l.T(key, t.ID, t.Assignee)
			}
		case "tickets.done.priority":
			return l.T(key, t.Priority)
		case "tickets.done.comment", "tickets.done.pending", "tickets.done.resume", "tickets.done.resolve", "tickets.done.reopen",
			"tickets.done.close", "tickets.done.attach":
			return l.T(key, t.ID)
		case "tickets.done.visit", "tickets.done.acknowledge", "tickets.done.object", "tickets.done.approve", "tickets.done.reject",
			"tickets.done.problem", "tickets.done.link":
			return l.T(key)
		}
		return l.T("tickets.done.saved", t.ID)
	}
	if known && slices.ContainsFunc(t.Entries, func(e servicedesk.Entry) bool { return e.Actor == actor && e.Kind == kind }) {
		return l.T("tickets.done.saved", t.ID)
	}
	return ""
}

// lastStep returns the entries the ticket's latest step wrote: the last
// entry and those before it with the same actor and time (one step writes
// its entries in one transaction, at one instant).
func lastStep(es []servicedesk.Entry) []servicedesk.Entry {
	if len(es) == 0 {
		return nil
	}
	end := es[len(es)-1]
	i := len(es) - 1
	for i > 0 && es[i-1].Actor == end.Actor && es[i-1].At.Equal(end.At) {
		i--
	}
	return es[i:]
}

// ticketForm is a form posted from the ticket page that is shown again:
// which step, and what the user had typed.
type ticketForm struct {
	Step   string
	Values url.Values
}

// fieldChange is one field of a ticket that changed after the user loaded
// the page.
type fieldChange struct {
	Label, Before, After string
}

type ticketData struct {
	T        servicedesk.Ticket
	Muni     bool // the caller acts for the municipality
	Unit     bool // the caller acts for the unit
	Holder   bool // the caller's side holds the ticket
	Calendar map[string]string
	// Seen is what the page shows of the ticket, posted back by every form
	// (seenOf), so that a conflict can show what changed since.
	Seen string
	// Form is the form shown again after a refusal, with the user's input.
	Form ticketForm
	// Changes and Since say what changed between loading the page and
	// posting the form: fields before and after, and the timeline entries.
	Changes []fieldChange
	Since   []servicedesk.Entry
	// Assignees are whom the caller may assign the ticket to.
	Assignees []servicedesk.Assignee
}

// In returns what the user typed in field of the form for step, when the
// page shows that form again; "" otherwise.
func (d ticketData) In(step, field string) string {
	if d.Form.Step != step {
		return ""
	}
	return d.Form.Values.Get(field)
}

// Pick is In with a default: the value the form starts with.
func (d ticketData) Pick(step, field, def string) string {
	if d.Form.Step != step {
		return def
	}
	return d.Form.Values.Get(field)
}

// Open reports whether the page shows the form for step again (its
// disclosure then starts open).
func (d ticketData) Open(step string) bool { return d.Form.Step == step }

// Checked reports whether a checkbox of the form for step was ticked.
func (d ticketData) Checked(step, field string) bool { return d.In(step, field) == "on" }

// AssignChoice is whom the assign picker starts at: what the user chose
// when the form is shown again, else the caller when they may be
// assigned, else the current assignee.
func (d ticketData) AssignChoice(me string) string {
	if d.Form.Step == "assign" {
		return d.Form.Values.Get("assignee")
	}
	for _, a := range d.Assignees {
		if a.Username == me {
			return me
		}
	}
	return d.T.Assignee
}

// seenOf is what a form remembers of t: the fields a conflict compares
// and the last timeline entry the user could see.
func seenOf(t servicedesk.Ticket) string {
	v := url.Values{"version": {strconv.Itoa(t.Version)}, "status": {string(t.Status)}, "tier": {strconv.Itoa(t.Tier)},
		"priority": {t.Priority}, "assignee": {t.Assignee}}
	if n := len(t.Entries); n > 0 {
		v.Set("entry", strconv.FormatInt(t.Entries[n-1].ID, 10))
	}
	return v.Encode()
}

// changesSince compares what the user saw (seen, from seenOf) with t now.
// Values that are not what seenOf writes are left out: the field comes
// from the browser.
func changesSince(l Lang, seen string, t servicedesk.Ticket) ([]fieldChange, []servicedesk.Entry) {
	if len(seen) > 1000 {
		return nil, nil
	}
	v, err := url.ParseQuery(seen)
	if err != nil || v.Get("version") == "" || v.Get("version") == strconv.Itoa(t.Version) {
		return nil, nil
	}
	var out []fieldChange
	if st := v.Get("status"); st != string(t.Status) && slices.Contains(servicedesk.Statuses(), servicedesk.Status(st)) {
		out = append(out, fieldChange{l.T("col.status"), l.T("tstatus." + st), l.T("tstatus." + string(t.Status))})
	}
	if tier := v.Get("tier"); (tier == "1" || tier == "2") && tier != strconv.Itoa(t.Tier) {
		out = append(out, fieldChange{l.T("tickets.tier"), l.T("tier." + tier), l.T("tier." + strconv.Itoa(t.Tier))})
	}
	if p := v.Get("priority"); validPriority(p) && p != "" && p != t.Priority {
		out = append(out, fieldChange{l.T("tickets.priority"), p, t.Priority})
	}
	if a := v.Get("assignee"); a != t.Assignee && len(a) <= 100 {
		before, after := a, t.Assignee
		if before == "" {
			before = "–"
		}
		if after == "" {
			after = "–"
		}
		out = append(out, fieldChange{l.T("tickets.assignee"), before, after})
	}
	var since []servicedesk.Entry
	if last, err := strconv.ParseInt(v.Get("entry"), 10, 64); err == nil || v.Get("entry") == "" {
		for _, e := range t.Entries {
			if e.ID > last {
				since = append(since, e)
			}
		}
		if len(since) > 10 {
			since = since[len(since)-10:]
		}
	}
	return out, since
}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.renderTicket(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, c *caller, status int, problem *Problem) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.sd.Get(r.Context(), c.scope, id)
	if err != nil {
		return err
	}
	sc := c.scope
	admin := sc.Role == access.RoleAdmin
	d := ticketData{T: t, Calendar: map[string]string{}, Seen: seenOf(t),
		Muni: admin || (sc.OrgID == t.MunicipalityID && (sc.Role == access.RoleSPOC || sc.Role == access.RoleKommuneIT)),
		Unit: admin || (sc.OrgID == t.UnitID && t.Tier == 2 && (sc.Role == access.RoleServiceDesk || sc.Role == access.RoleUnitManager))}
	d.Holder = (t.Tier == 1 && d.Muni) || (t.Tier == 2 && d.Unit)
	if d.Unit && t.Tier == 2 {
		if d.Assignees, err = s.sd.Assignees(r.Context(), sc, t.ID); err != nil {
			return err
		}
	}
	v := s.newView(r, "tickets", "tickets.title")
	if r.Method == http.MethodPost && problem != nil {
		d.Form = ticketForm{Step: stepOf(r), Values: r.PostForm}
		d.Changes, d.Since = changesSince(v.Lang, r.PostFormValue("seen"), t)
	} else if q := r.URL.Query(); q.Get("msg") != "" {
		ver, _ := strconv.Atoi(q.Get("v"))
		v.Flash = ticketFlash(v.Lang, q.Get("msg"), ver, t, sc.Actor().Name)
	}
	for _, cal := range calendar.Standard() {
		d.Calendar[cal.ID] = cal.Name.In(string(v.Lang))
	}
	v.Title = v.T("tickets.ticket", t.ID) + ": " + t.Title
	v.Err = problem
	v.Data = d
	s.render(w, r, status, "ticket", v)
	return nil
}

// ticketStep runs one workflow step posted from the ticket page.
func (s *Server) ticketStep(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, sc, ver := r.Context(), c.scope, formInt(r, "version")
	f := r.PostFormValue
	var t servicedesk.Ticket
	switch r.PathValue("step") {
	case "escalate":
		t, err = s.sd.Escalate(ctx, sc, id, ver, 0, servicedesk.Handover{Tried: f("tried"), Affected: f("affected"), Contact: f("contact")})
	case "assign":
		assignee := f("assignee")
		if assignee == "" {
			assignee = c.user.Username
		}
		t, err = s.sd.Assign(ctx, sc, id, ver, assignee)
	case "comment":
		t, err = s.sd.Comment(ctx, sc, id, f("body"), f("internal") == "on")
	case "pending":
		t, err = s.sd.Pend(ctx, sc, id, ver, f("question"))
	case "resume":
		t, err = s.sd.Resume(ctx, sc, id, ver)
	case "resolve":
		t, err = s.sd.Resolve(ctx, sc, id, ver, f("resolution"))
	case "reopen":
		t, err = s.sd.Reopen(ctx, sc, id, ver, f("reason"))
	case "close":
		t, err = s.sd.Close(ctx, sc, id, ver, formInt(r, "satisfaction"), f("comment"))
	case "priority":
		t, err = s.sd.SetPriority(ctx, sc, id, ver, formInt(r, "impact"), formInt(r, "urgency"), f("reason"))
	case "visit":
		var st, en time.Time
		st, err = time.ParseInLocation("2006-01-02T15:04", f("starts_at"), calendar.Copenhagen)
		if err == nil {
			en, err = time.ParseInLocation("2006-01-02T15:04", f("ends_at"), calendar.Copenhagen)
		}
		if err != nil {
			err = errs.Field("starts_at", "give when the visit starts and ends")
		} else {
			t, err = s.sd.ScheduleVisit(ctx, sc, id, ver, servicedesk.NewVisit{Address: f("address"), StartsAt: st, EndsAt: en,
				Technician: f("technician"), Note: f("note")})
		}
	default:
		return errs.E(errs.NotFound, "no step %q", r.PathValue("step"))
	}
	return s.ticketStepResult(w, r, c, id, t.Version, err)
}

// ticketStepResult ends a step posted from the ticket page: bad input, a
// conflict or a refusal shows the page again with the reason, the user's
// input and what changed meanwhile; success goes back to the ticket with
// a confirmation of the step, tied to the version the step made (see
// ticketFlash).
func (s *Server) ticketStepResult(w http.ResponseWriter, r *http.Request, c *caller, id int64, version int, err error) error {
	if code := errs.CodeOf(err); code == errs.Invalid || code == errs.Conflict || code == errs.Forbidden {
		p := s.problemFor(r, err)
		return s.renderTicket(w, r, c, p.Status, &p)
	} else if err != nil {
		return err
	}
	key, ok := stepDone[stepOf(r)]
	if !ok {
		key = "tickets.saved"
	}
	http.Redirect(w, r, doneURL(id, key, version), http.StatusSeeOther)
	return nil
}

// stepOf names the step a form on the ticket page posted: the last part
// of its path (/tickets/12/assign, /tickets/12/change/approve,
// /tickets/12/attach).
func stepOf(r *http.Request) string {
	if st := r.PathValue("step"); st != "" {
		return st
	}
	return path.Base(r.URL.Path)
}

type inboxData struct {
	Items  []notify.Message
	Unread int
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request, c *caller) error {
	ms, unread, err := s.inbox.List(r.Context(), c.scope, time.Now().UTC(), 100)
	if err != nil {
		return err
	}
	v := s.newView(r, "inbox", "inbox.title")
	v.Data = inboxData{Items: ms, Unread: unread}
	s.render(w, r, http.StatusOK, "inbox", v)
	return nil
}

func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.inbox.MarkRead(r.Context(), c.scope, 0, time.Now().UTC()); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	return nil
}

// Minutes writes a number of minutes as "1 t 30 min" / "1 h 30 min".
func (v view) Minutes(m int64) string {
	h, mm := m/60, m%60
	unit := "t"
	if v.Lang == English {
		unit = "h"
	}
	switch {
	case h == 0:
		return strconv.FormatInt(mm, 10) + " min"
	case mm == 0:
		return strconv.FormatInt(h, 10) + " " + unit
	}
	return strconv.FormatInt(h, 10) + " " + unit + " " + strconv.FormatInt(mm, 10) + " min"
}

// TimeP is Time for an optional instant ("" when nil).
func (v view) TimeP(t *time.Time) string {
	if t == nil {
		return ""
	}
	return v.Time(*t)
}

// TicketLevels are the impact and urgency levels, high first, as form
// values.
func (v view) TicketLevels() []string { return []string{"1", "2", "3"} }

// Satisfactions are the satisfaction marks, best first, as form values.
func (v view) Satisfactions() []string { return []string{"5", "4", "3", "2", "1"} }
