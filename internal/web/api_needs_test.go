package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/needs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

type needPage struct {
	Items []needs.Need `json:"items"`
	Total int          `json:"total"`
	Next  *string      `json:"next"`
}

// TestNeedsAPI walks the needs and feedback channel through the API, every
// answer checked against openapi.json: København's SPOC submits, Roskilde
// reads it (without the person) and votes, governance declines it with a
// reason, the unit answers internally, the submitter is told; the lists
// filter, sort and page; bad input names its field.
func TestNeedsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		e.addUser("spoc-ros", "265", access.RoleSPOC)
		e.addUser("desk-sj", "enhed-sjaelland", access.RoleServiceDesk)
		spoc, ros, gov, desk := e.token("demo-spoc"), e.token("spoc-ros"), e.token("demo-governance"), e.token("demo-servicedesk")
		soc, deskSj, ciso := e.token("demo-soc-analyst"), e.token("desk-sj"), e.token("demo-ciso")

		var n needs.Detail
		r := e.call("POST", "/api/v1/needs", spoc, `{"title":"Fælles bookingsystem","description":"Borgerservice mangler et bookingsystem til mødelokaler.",
			"why":"Dobbeltbookinger hver uge","affected":"Borgerservice","priority":"high","kind":"need"}`, &n)
		if r.StatusCode != http.StatusCreated || n.ID == 0 || n.Status != "received" || n.SubmittedBy != "demo-spoc" || n.Org.Code != "101" || !n.Following {
			t.Fatalf("POST /needs = %d %+v", r.StatusCode, n.Need)
		}
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/needs/%d", n.ID) {
			t.Errorf("Location = %q", loc)
		}
		id := fmt.Sprint(n.ID)
		// The minimal contract: title and description alone.
		var min needs.Detail
		if r := e.call("POST", "/api/v1/needs", ros, `{"title":"Nyt intranet","description":"Intranettet er forældet"}`, &min); r.StatusCode != 201 ||
			min.Kind != "need" || min.Priority != "medium" || min.Org.Code != "265" {
			t.Errorf("POST a minimal need = %d %+v", r.StatusCode, min.Need)
		}
		for _, c := range []struct {
			token, body string
			status      int
			field       string
		}{
			{spoc, `{"description":"x"}`, 400, "title"},
			{spoc, `{"title":"` + strings.Repeat("x", 201) + `","description":"x"}`, 400, "title"},
			{spoc, `{"title":"x","description":""}`, 400, "description"},
			{spoc, `{"title":"x","description":"y","priority":"urgent"}`, 400, "priority"},
			{spoc, `{"title":"x","description":"y","colour":"red"}`, 400, ""},
			{spoc, `{"title":"x","description":"y","org":"265"}`, 400, "org"},
			{soc, `{"title":"x","description":"y","org":"101"}`, 403, ""},
			{gov, `{"title":"x","description":"y"}`, 400, "org"},
		} {
			var p problem
			if r := e.call("POST", "/api/v1/needs", c.token, c.body, &p); r.StatusCode != c.status || (c.field != "" && p.Field != c.field) {
				t.Errorf("POST /needs %.60s = %d %+v; want %d on %q", c.body, r.StatusCode, p, c.status, c.field)
			}
		}
		// Problem details in Danish when asked.
		var p problem
		e.callWith("POST", "/api/v1/needs", gov, `{"title":"x","description":"y"}`, map[string]string{"Accept-Language": "da"}, &p)
		if p.Detail != "angiv den kommune, behovet kommer fra" {
			t.Errorf("governance without org: detail %q; want Danish", p.Detail)
		}

		// Everyone reads; the person only within reach.
		var got needs.Detail
		e.must("GET", "/api/v1/needs/"+id, ros, "", &got)
		if got.SubmittedBy != "" || got.Org.Name == "" || got.Title != n.Title {
			t.Errorf("Roskilde reads %+v; want the need without the person", got.Need)
		}
		e.must("GET", "/api/v1/needs/"+id, soc, "", &got)
		if got.SubmittedBy != "" {
			t.Errorf("the SOC sees the submitter %q", got.SubmittedBy)
		}
		e.must("GET", "/api/v1/needs/"+id, desk, "", &got)
		if got.SubmittedBy != "demo-spoc" || !got.MayDecide {
			t.Errorf("the supplying unit reads %+v; want the person and may_decide", got.Need)
		}
		if r := e.call("GET", "/api/v1/needs/999999", ros, "", nil); r.StatusCode != 404 {
			t.Errorf("GET an unknown need = %d", r.StatusCode)
		}
		if r := e.call("GET", "/api/v1/needs", "", "", nil); r.StatusCode != 401 {
			t.Errorf("GET /needs without a token = %d", r.StatusCode)
		}

		// Roskilde votes, twice; one vote.
		for range 2 {
			e.must("PUT", "/api/v1/needs/"+id+"/vote", ros, "", &got)
		}
		if got.Votes != 1 || !got.Voted || got.Support != 2 || len(got.Voters) != 1 || got.Voters[0].Code != "265" {
			t.Errorf("after Roskilde's votes: %+v", got.Need)
		}
		if r := e.call("PUT", "/api/v1/needs/"+id+"/vote", spoc, "", &p); r.StatusCode != 400 || p.Field != "org" {
			t.Errorf("København voting for its own = %d %+v", r.StatusCode, p)
		}
		e.must("PUT", "/api/v1/needs/"+id+"/vote", desk, `{"org":"147"}`, &got)
		e.must("DELETE", "/api/v1/needs/"+id+"/vote?org=147", desk, "", &got)
		if got.Votes != 1 {
			t.Errorf("after the unit's vote and its withdrawal: %d votes; want 1", got.Votes)
		}

		// The list: filters, sort, paging.
		var pg needPage
		e.must("GET", "/api/v1/needs?sort=votes", ros, "", &pg)
		if pg.Total != 2 || pg.Items[0].ID != n.ID || pg.Next != nil {
			t.Errorf("sort=votes = %+v", pg)
		}
		e.must("GET", "/api/v1/needs?limit=1", ros, "", &pg)
		if pg.Total != 2 || len(pg.Items) != 1 || pg.Next == nil || pg.Items[0].ID != min.ID {
			t.Fatalf("limit=1 = %+v", pg)
		}
		e.must("GET", "/api/v1/needs?limit=1&cursor="+*pg.Next, ros, "", &pg)
		if len(pg.Items) != 1 || pg.Items[0].ID != n.ID || pg.Next != nil {
			t.Errorf("the second page = %+v", pg)
		}
		for q, want := range map[string]int{"org=101": 1, "org=roskilde-kommune": 1, "q=booking": 1, "q=" + url.QueryEscape("INTRANET"): 1,
			"status=received": 2, "status=planned,done": 0, "status=all": 2, "kind=feedback": 0, "following=true": 1} {
			e.must("GET", "/api/v1/needs?"+q, ros, "", &pg)
			if pg.Total != want {
				t.Errorf("GET /needs?%s = %d; want %d", q, pg.Total, want)
			}
		}
		for _, q := range []string{"status=open", "sort=random", "org=999", "limit=0", "following=maybe", "kind=wish"} {
			if r := e.call("GET", "/api/v1/needs?"+q, ros, "", &p); r.StatusCode != 400 || p.Field == "" {
				t.Errorf("GET /needs?%s = %d %+v; want 400 naming the field", q, r.StatusCode, p)
			}
		}

		// Status: governance declines with a reason; Roskilde may not.
		if r := e.call("POST", "/api/v1/needs/"+id+"/status", ros, `{"status":"planned"}`, nil); r.StatusCode != 403 {
			t.Errorf("Roskilde setting the status = %d; want 403", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/needs/"+id+"/status", gov, `{"status":"declined"}`, &p); r.StatusCode != 400 || p.Field != "reason" {
			t.Errorf("declined without a reason = %d %+v", r.StatusCode, p)
		}
		if r := e.call("POST", "/api/v1/needs/"+id+"/status", gov, `{"status":"planned","version":99}`, nil); r.StatusCode != 409 {
			t.Errorf("a stale version = %d; want 409", r.StatusCode)
		}
		e.must("POST", "/api/v1/needs/"+id+"/status", gov, fmt.Sprintf(`{"status":"declined","reason":"Indgår i den nationale løsning","version":%d}`, got.Version), &got)
		if got.Status != "declined" || got.StatusReason != "Indgår i den nationale løsning" {
			t.Errorf("declined = %+v", got.Need)
		}
		// Comments: public for all, internal for the units.
		var cm needs.Comment
		if r := e.call("POST", "/api/v1/needs/"+id+"/comments", ros, `{"body":"Det har vi også brug for i Roskilde."}`, &cm); r.StatusCode != 201 || cm.Org.Code != "265" {
			t.Errorf("Roskilde's comment = %d %+v", r.StatusCode, cm)
		}
		if r := e.call("POST", "/api/v1/needs/"+id+"/comments", spoc, `{"body":"x","internal":true}`, nil); r.StatusCode != 403 {
			t.Errorf("a SPOC's internal comment = %d; want 403", r.StatusCode)
		}
		e.must("POST", "/api/v1/needs/"+id+"/comments", desk, `{"body":"Vi tager det op i porteføljerådet.","internal":true}`, &cm)
		e.must("GET", "/api/v1/needs/"+id, spoc, "", &got)
		if len(got.Comments) != 1 || got.Comments[0].Author != "" {
			t.Errorf("København reads %+v; want Roskilde's comment only, without its author", got.Comments)
		}
		e.must("GET", "/api/v1/needs/"+id, gov, "", &got)
		if len(got.Comments) != 2 || got.Comments[1].Author != "demo-servicedesk" || !got.Comments[1].Internal {
			t.Errorf("governance reads %+v; want both comments", got.Comments)
		}
		// Another unit does not supply København: no internal comments for it.
		e.must("GET", "/api/v1/needs/"+id, deskSj, "", &got)
		if len(got.Comments) != 1 || got.Comments[0].Internal || got.CommentCount != 1 {
			t.Errorf("Sjælland's desk reads %+v; want Roskilde's public comment only", got.Comments)
		}
		if r := e.call("POST", "/api/v1/needs/"+id+"/comments", deskSj, `{"body":"x","internal":true}`, nil); r.StatusCode != 403 {
			t.Errorf("Sjælland's internal comment on København's need = %d; want 403", r.StatusCode)
		}
		// København's audit trail does not name who commented from elsewhere.
		var trail struct {
			Items []struct {
				Action string `json:"action"`
				Actor  string `json:"actor"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/audit?action=need.comment&limit=100", ciso, "", &trail)
		for _, rec := range trail.Items {
			t.Errorf("København's CISO reads %s by %s; want no comment of others in its trail", rec.Action, rec.Actor)
		}
		// Duplicates.
		if r := e.call("POST", "/api/v1/needs/"+id+"/duplicate", gov, fmt.Sprintf(`{"duplicate_of":%d}`, n.ID), &p); r.StatusCode != 400 || p.Field != "duplicate_of" {
			t.Errorf("a need a duplicate of itself = %d %+v", r.StatusCode, p)
		}
		e.must("POST", fmt.Sprintf("/api/v1/needs/%d/duplicate", min.ID), gov, fmt.Sprintf(`{"duplicate_of":%d,"note":"Samme ønske"}`, n.ID), &got)
		if got.Status != "duplicate" || got.DuplicateOf == nil || got.DuplicateOf.ID != n.ID {
			t.Errorf("marked a duplicate = %+v", got.Need)
		}
		e.must("GET", "/api/v1/needs/"+id, ros, "", &got)
		if len(got.DuplicateList) != 1 || got.Duplicates != 1 {
			t.Errorf("the original = %+v; want its duplicate listed", got)
		}
		// Following.
		e.must("PUT", "/api/v1/needs/"+id+"/follow", soc, "", &got)
		if !got.Following {
			t.Errorf("the SOC's follow = %+v", got.Need)
		}
		e.must("DELETE", "/api/v1/needs/"+id+"/follow", soc, "", &got)
		if got.Following {
			t.Errorf("after unfollowing: %+v", got.Need)
		}
		// The submitter was told: the status and Roskilde's comment.
		var inbox struct {
			Items []struct {
				Kind    string `json:"kind"`
				Subject string `json:"subject"`
			} `json:"notifications"`
		}
		e.must("GET", "/api/v1/notifications", spoc, "", &inbox)
		kinds := map[string]int{}
		for _, m := range inbox.Items {
			if strings.Contains(m.Subject, "Fælles bookingsystem") {
				kinds[m.Kind]++
			}
		}
		if kinds["need.status.declined"] != 1 || kinds["need.comment"] != 1 {
			t.Errorf("the submitter's notices about the need = %v; want one status, one comment (not the internal one)", kinds)
		}
		// Audited.
		var recs struct {
			Items []struct {
				Action string `json:"action"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/audit?action=need.&limit=100", gov, "", &recs)
		acts := map[string]int{}
		for _, rec := range recs.Items {
			acts[rec.Action]++
		}
		for _, a := range []string{"need.create", "need.vote", "need.unvote", "need.status", "need.comment", "need.duplicate", "need.follow", "need.unfollow"} {
			if acts[a] == 0 {
				t.Errorf("no %s in the audit trail: %v", a, acts)
			}
		}
	})
}

// TestNeedNoticeOpensNeed: a notice about a need opens from the inbox,
// and opening it goes to the need.
func TestNeedNoticeOpensNeed(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	spoc, gov := e.token("demo-spoc"), e.token("demo-governance")
	var n needs.Detail
	e.must("POST", "/api/v1/needs", spoc, `{"title":"Fælles bookingsystem","description":"Borgerservice mangler et bookingsystem."}`, &n)
	e.must("POST", fmt.Sprintf("/api/v1/needs/%d/status", n.ID), gov, `{"status":"planned","reason":"Med i planen"}`, &n)
	b := newBrowser(t, e.url)
	b.login("demo-spoc", e.Passwords["demo-spoc"])
	_, page := b.get("/inbox")
	var nid string
	for _, m := range inboxItem.FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[3], "Fælles bookingsystem") {
			nid = m[1]
		}
	}
	if nid == "" {
		t.Fatalf("the inbox has no notice of the need:\n%.3000s", page)
	}
	if !strings.Contains(page, `action="/inbox/`+nid+`/open"`) {
		t.Errorf("the need's notice %s does not open:\n%.3000s", nid, page)
	}
	want := fmt.Sprintf("/needs/%d", n.ID)
	if r, _ := b.post("/inbox/"+nid+"/open", url.Values{"csrf": {csrfOf(t, page)}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != want {
		t.Errorf("opening the need's notice = %d to %q; want 303 to %s", r.StatusCode, r.Header.Get("Location"), want)
	}
}

func TestNeedNoticeKindsHaveTexts(t *testing.T) {
	kinds := []string{"need.submitted", "need.comment", "need.duplicate"}
	for _, st := range needs.Settable {
		kinds = append(kinds, "need.status."+st)
	}
	for _, k := range kinds {
		if web.Danish.T("notice."+k) == "notice."+k || web.English.T("notice."+k) == "notice."+k {
			t.Errorf("no text for notice %s", k)
		}
	}
}

// TestNeedsPages: the list filters and sorts through the URL, keeps a
// refused submission's input, exports CSV with formulas defused, and the
// detail page shows the deciding forms only to those who decide.
func TestNeedsPages(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	e.addUser("spoc-ros", "265", access.RoleSPOC)
	b := newBrowser(t, e.url)
	b.login("demo-spoc", e.Passwords["demo-spoc"])
	_, page := b.get("/needs")
	if !strings.Contains(page, `id="need-form"`) || !strings.Contains(page, "Indsend") {
		t.Fatalf("/needs has no submit form:\n%.2000s", page)
	}
	// A refused submission keeps what was typed.
	resp, page := b.post("/needs", url.Values{"csrf": {csrfOf(t, page)}, "title": {""}, "description": {"Vi mangler =SUM(A1) et bookingsystem"}, "why": {"Fordi"}})
	if resp.StatusCode != 400 || !strings.Contains(page, "Vi mangler =SUM(A1) et bookingsystem") || !strings.Contains(page, "title") {
		t.Errorf("a refused submission = %d; want 400 with the input kept:\n%.3000s", resp.StatusCode, page)
	}
	resp, _ = b.post("/needs", url.Values{"csrf": {csrfOf(t, page)}, "title": {"=HYPERLINK(\"x\")"}, "description": {"Vi mangler et bookingsystem"}, "priority": {"high"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/needs/") || !strings.HasSuffix(loc, "?msg=needs.done.created") {
		t.Fatalf("submit = %d %s", resp.StatusCode, loc)
	}
	_, page = b.get(loc)
	loc = strings.TrimSuffix(loc, "?msg=needs.done.created")
	if !strings.Contains(page, "behovet er indsendt") || strings.Contains(page, `id="status-form"`) || strings.Contains(page, `id="vote"`) {
		t.Errorf("the submitter's detail page:\n%.3000s", page)
	}
	resp, csvBody := b.get("/needs.csv?sort=votes")
	if resp.StatusCode != 200 || !strings.HasPrefix(csvBody, "\ufeffid,") || !strings.Contains(csvBody, `'=HYPERLINK`) || strings.Contains(csvBody, `,=HYPERLINK`) {
		t.Errorf("needs.csv = %d %q", resp.StatusCode, csvBody)
	}
	// Another municipality votes from the page; the unit decides.
	ros := newBrowser(t, e.url)
	ros.login("spoc-ros", e.Passwords["spoc-ros"])
	_, page = ros.get(loc)
	if !strings.Contains(page, `id="vote"`) || strings.Contains(page, "demo-spoc") {
		t.Errorf("Roskilde's view of the need:\n%.3000s", page)
	}
	resp, _ = ros.post(loc+"/vote", url.Values{"csrf": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("vote = %d", resp.StatusCode)
	}
	_, page = ros.get("/needs?sort=votes&status=received")
	if !strings.Contains(page, "2 kommuner") || !strings.Contains(page, "I har stemt") {
		t.Errorf("the list after the vote:\n%.3000s", page)
	}
	desk := newBrowser(t, e.url)
	desk.login("demo-servicedesk", e.Passwords["demo-servicedesk"])
	_, page = desk.get(loc)
	if !strings.Contains(page, `id="status-form"`) || !strings.Contains(page, "demo-spoc") || !strings.Contains(page, `id="c-internal"`) {
		t.Errorf("the unit's view lacks the status form, the submitter or the internal choice:\n%.3000s", page)
	}
	// A unit that does not supply København gets no internal choice.
	e.addUser("desk-sj", "enhed-sjaelland", access.RoleServiceDesk)
	sj := newBrowser(t, e.url)
	sj.login("desk-sj", e.Passwords["desk-sj"])
	if _, p := sj.get(loc); !strings.Contains(p, `id="comment-form"`) || strings.Contains(p, `id="c-internal"`) {
		t.Errorf("another unit's view of København's need offers an internal comment (or no comment form):\n%.3000s", p)
	}
	resp, page = desk.post(loc+"/status", url.Values{"csrf": {csrfOf(t, page)}, "status": {"declined"}, "version": {"1"}})
	if resp.StatusCode != 400 || !strings.Contains(page, "afvises") {
		t.Errorf("declined without a reason = %d:\n%.2000s", resp.StatusCode, page)
	}
	resp, _ = desk.post(loc+"/status", url.Values{"csrf": {csrfOf(t, page)}, "status": {"planned"}, "reason": {"Med i planen for 2027"}, "version": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("planned = %d", resp.StatusCode)
	}
	_, page = b.get(loc)
	if !strings.Contains(page, "Planlagt") || !strings.Contains(page, "Med i planen for 2027") {
		t.Errorf("the submitter's page after the status:\n%.3000s", page)
	}
	if r, _ := b.get("/needs/99999"); r.StatusCode != 404 {
		t.Errorf("an unknown need's page = %d", r.StatusCode)
	}
}
