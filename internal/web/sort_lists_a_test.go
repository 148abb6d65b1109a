package web_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var (
	orderRowID  = regexp.MustCompile(`<td><a href="/orders/(\d+)">`)
	userRowName = regexp.MustCompile(`<td><a href="/users/\d+">([^<]+)</a></td>`)
	auditRow    = regexp.MustCompile(`<tr>\s*<td>(\d+)</td><td class="nowrap">[^<]*</td><td>([^<]*)</td>`)
)

// csvColumn reads column i of a CSV export's rows (without its heading).
func csvColumn(t *testing.T, body string, i int) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("not a CSV export (%v):\n%.300s", err, body)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestOrdersSorted: /orders sorts by its column headers (aria-sort on the
// current one, the tabs and the CSV export keeping the order), the CSV
// export and GET /api/v1/orders follow ?sort=, and an unknown order is a
// 400 that names the accepted ones.
func TestOrdersSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startOfferings(t, db)
		e.addUser("it-frb", "147", access.RoleKommuneIT)
		e.addUser("it-aal", "851", access.RoleKommuneIT)
		qty := map[string]int{}
		for _, o := range []struct {
			user, service string
			qty           int
		}{
			{"demo-kommune-it", "storage-file", 5}, {"it-aal", "network-lan", 30}, {"it-frb", "storage-block", 2},
			{"demo-kommune-it", "network-lan", 11}, {"it-aal", "storage-block", 7},
		} {
			var got struct {
				ID int64 `json:"id"`
			}
			if r := e.call("POST", "/api/v1/orders", e.token(o.user), `{"service":"`+o.service+`","level":"basis","quantity":`+strconv.Itoa(o.qty)+`}`, &got); r.StatusCode != 201 {
				t.Fatalf("POST /api/v1/orders as %s = %d", o.user, r.StatusCode)
			}
			qty[strconv.FormatInt(got.ID, 10)] = o.qty
		}
		byQty := func(desc bool) []string {
			var ids []string
			for id := range qty {
				ids = append(ids, id)
			}
			slices.SortFunc(ids, func(a, b string) int {
				if desc {
					return qty[b] - qty[a]
				}
				return qty[a] - qty[b]
			})
			return ids
		}
		rowsOf := func(page string) []string {
			var ids []string
			for _, m := range orderRowID.FindAllStringSubmatch(page, -1) {
				ids = append(ids, m[1])
			}
			return ids
		}
		b := newBrowser(t, e.url)
		b.login("demo-governance", e.Passwords["demo-governance"])
		r, page := b.get("/orders?sort=quantity")
		if got := rowsOf(page); r.StatusCode != 200 || !slices.Equal(got, byQty(false)) {
			t.Errorf("/orders?sort=quantity = %d, rows %v; want %v", r.StatusCode, got, byQty(false))
		}
		if !strings.Contains(page, `<th scope="col" aria-sort="ascending"><a href="/orders?sort=-quantity">Antal</a></th>`) ||
			strings.Count(page, "aria-sort") != 1 {
			t.Errorf("/orders?sort=quantity: the quantity header does not carry aria-sort=ascending alone, or does not turn the order")
		}
		if !strings.Contains(page, `<a href="/orders?sort=municipality">Kommune</a>`) {
			t.Errorf("/orders?sort=quantity: no sortable municipality header")
		}
		_, page = b.get("/orders?status=requested&sort=-quantity")
		if got := rowsOf(page); !slices.Equal(got, byQty(true)) {
			t.Errorf("/orders?sort=-quantity rows %v; want %v", got, byQty(true))
		}
		if !strings.Contains(page, `aria-sort="descending"><a href="/orders?sort=quantity&amp;status=requested">`) ||
			!strings.Contains(page, `href="/orders?sort=-quantity&amp;status=inprogress"`) ||
			!strings.Contains(page, `href="/orders.csv?sort=-quantity&amp;status=requested"`) {
			t.Errorf("/orders?status=requested&sort=-quantity: the header, tabs or CSV link lose the filter or the order")
		}
		_, export := b.get("/orders.csv?status=requested&sort=-quantity")
		if got := csvColumn(t, export, 0); !slices.Equal(got, byQty(true)) {
			t.Errorf("/orders.csv?sort=-quantity rows %v; want %v", got, byQty(true))
		}
		r, page = b.get("/orders?sort=colour")
		if r.StatusCode != 400 || !strings.Contains(page, "ukendt sortering") || !strings.Contains(page, "quantity") {
			t.Errorf("/orders?sort=colour = %d; want 400 naming the accepted orders:\n%.2000s", r.StatusCode, page)
		}

		gov := e.token("demo-governance")
		var p struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			Next *string `json:"next"`
		}
		var api []string
		for path := "/api/v1/orders?sort=-quantity&limit=2"; path != ""; {
			p.Next = nil
			if r := e.call("GET", path, gov, "", &p); r.StatusCode != 200 {
				t.Fatalf("GET %s = %d", path, r.StatusCode)
			}
			for _, o := range p.Items {
				api = append(api, strconv.FormatInt(o.ID, 10))
			}
			path = ""
			if p.Next != nil {
				path = "/api/v1/orders?sort=-quantity&limit=2&cursor=" + *p.Next
			}
		}
		if !slices.Equal(api, byQty(true)) {
			t.Errorf("GET /api/v1/orders?sort=-quantity paged by 2 = %v; want %v", api, byQty(true))
		}
		var prob problem
		if r := e.call("GET", "/api/v1/orders?sort=colour", gov, "", &prob); r.StatusCode != 400 || prob.Field != "sort" || !strings.Contains(prob.Detail, "municipality") {
			t.Errorf("GET /api/v1/orders?sort=colour = %d %+v; want 400 on sort naming the keys", r.StatusCode, prob)
		}
	})
}

// TestUsersSorted: /users sorts by its column headers, keeps the order in
// the search form and the CSV export, and GET /api/v1/users follows
// ?sort= too.
func TestUsersSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		for _, u := range []struct{ name, display, org string }{
			{"sortxcarl", "Carl", "101"}, {"sortxanna", "Anna", "147"}, {"sortxbo", "Bo", "851"}, {"sortxdan", "Aage", "461"},
		} {
			if _, err := e.Access.CreateUser(ctx, access.System("test"), access.NewUser{Username: u.name, DisplayName: u.display,
				OrgID: e.Org(t, u.org).ID, Role: access.RoleSPOC, Password: "correct horse battery staple " + u.org}); err != nil {
				t.Fatal(err)
			}
		}
		byName := []string{"sortxdan", "sortxanna", "sortxbo", "sortxcarl"} // Aage, Anna, Bo, Carl
		rowsOf := func(page string) []string {
			var out []string
			for _, m := range userRowName.FindAllStringSubmatch(page, -1) {
				out = append(out, m[1])
			}
			return out
		}
		b := newBrowser(t, e.url)
		b.login("demo-governance", e.Passwords["demo-governance"])
		r, page := b.get("/users?q=sortx&sort=name")
		if got := rowsOf(page); r.StatusCode != 200 || !slices.Equal(got, byName) {
			t.Errorf("/users?sort=name = %d, rows %v; want %v", r.StatusCode, got, byName)
		}
		if !strings.Contains(page, `<th scope="col" aria-sort="ascending"><a href="/users?q=sortx&amp;sort=-name">Navn</a></th>`) {
			t.Errorf("/users?sort=name: the name header does not carry aria-sort=ascending or does not turn the order")
		}
		if !strings.Contains(page, `<input type="hidden" name="sort" value="name">`) || !strings.Contains(page, `href="/users.csv?q=sortx&amp;sort=name"`) {
			t.Errorf("/users?sort=name: the search form or the CSV link loses the order")
		}
		_, page = b.get("/users?q=sortx&sort=-name")
		rev := slices.Clone(byName)
		slices.Reverse(rev)
		if got := rowsOf(page); !slices.Equal(got, rev) || !strings.Contains(page, `aria-sort="descending"><a href="/users?q=sortx&amp;sort=name">`) {
			t.Errorf("/users?sort=-name rows %v; want %v with aria-sort=descending", got, rev)
		}
		_, export := b.get("/users.csv?q=sortx&sort=-name")
		if got := csvColumn(t, export, 1); !slices.Equal(got, rev) {
			t.Errorf("/users.csv?sort=-name rows %v; want %v", got, rev)
		}
		if r, page := b.get("/users?sort=shoe"); r.StatusCode != 400 || !strings.Contains(page, "ukendt sortering") || !strings.Contains(page, "username") {
			t.Errorf("/users?sort=shoe = %d; want 400 naming the accepted orders", r.StatusCode)
		}
		var up userPage
		if r := e.call("GET", "/api/v1/users?q=sortx&sort=-org", e.token("demo-governance"), "", &up); r.StatusCode != 200 || len(up.Items) != 4 {
			t.Fatalf("GET /api/v1/users?sort=-org = %d, %d items", r.StatusCode, len(up.Items))
		}
		for i := 1; i < len(up.Items); i++ {
			if strings.ToLower(up.Items[i-1].OrgName) < strings.ToLower(up.Items[i].OrgName) {
				t.Errorf("GET /api/v1/users?sort=-org: %s before %s", up.Items[i-1].OrgName, up.Items[i].OrgName)
			}
		}
		var prob problem
		if r := e.call("GET", "/api/v1/users?sort=shoe", e.token("demo-governance"), "", &prob); r.StatusCode != 400 || prob.Field != "sort" {
			t.Errorf("GET /api/v1/users?sort=shoe = %d %+v; want 400 on sort", r.StatusCode, prob)
		}
	})
}

// TestAuditSorted: /audit sorts by time, actor and action from its
// headers (newest first by default), keeps the order in its filter form
// and CSV export, and GET /api/v1/audit pages a sorted trail by its
// cursor without repeats.
func TestAuditSorted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		for _, actor := range []string{"Carl", "anna", "Dan", "bo", "Eva"} {
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				return audit.Append(ctx, tx, audit.Actor{Name: actor}, audit.Entry{Action: "sortx.test"})
			}); err != nil {
				t.Fatal(err)
			}
		}
		byActor := []string{"anna", "bo", "Carl", "Dan", "Eva"}
		rowsOf := func(page string) (actors, seqs []string) {
			for _, m := range auditRow.FindAllStringSubmatch(page, -1) {
				seqs, actors = append(seqs, m[1]), append(actors, m[2])
			}
			return actors, seqs
		}
		b := newBrowser(t, e.url)
		b.login("demo-governance", e.Passwords["demo-governance"])
		_, page := b.get("/audit?action=sortx.test")
		if got, _ := rowsOf(page); !slices.Equal(got, []string{"Eva", "bo", "Dan", "anna", "Carl"}) || strings.Contains(page, "aria-sort") {
			t.Errorf("/audit by default: actors %v; want newest first and no header claiming the order", got)
		}
		r, page := b.get("/audit?action=sortx.test&sort=actor")
		if got, _ := rowsOf(page); r.StatusCode != 200 || !slices.Equal(got, byActor) {
			t.Errorf("/audit?sort=actor = %d, actors %v; want %v", r.StatusCode, got, byActor)
		}
		if !strings.Contains(page, `aria-sort="ascending"><a href="/audit?action=sortx.test&amp;sort=-actor">`) ||
			!strings.Contains(page, `<input type="hidden" name="sort" value="actor">`) ||
			!strings.Contains(page, `href="/audit.csv?action=sortx.test&amp;sort=actor"`) {
			t.Errorf("/audit?sort=actor: the header, the filter form or the CSV link loses the order")
		}
		_, page = b.get("/audit?action=sortx.test&sort=time")
		if _, seqs := rowsOf(page); len(seqs) != 5 || !slices.IsSortedFunc(seqs, func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		}) {
			t.Errorf("/audit?sort=time: sequence %v; want oldest first", seqs)
		}
		_, export := b.get("/audit.csv?action=sortx.test&sort=-actor")
		rev := slices.Clone(byActor)
		slices.Reverse(rev)
		if got := csvColumn(t, export, 2); !slices.Equal(got, rev) {
			t.Errorf("/audit.csv?sort=-actor actors %v; want %v", got, rev)
		}
		if r, page := b.get("/audit?sort=seq"); r.StatusCode != 400 || !strings.Contains(page, "ukendt sortering") || !strings.Contains(page, "actor") {
			t.Errorf("/audit?sort=seq = %d; want 400 naming the accepted orders", r.StatusCode)
		}
		gov := e.token("demo-governance")
		var p struct {
			Items []audit.Record `json:"items"`
			Next  *string        `json:"next"`
		}
		var api []string
		for path := "/api/v1/audit?action=sortx.test&sort=-actor&limit=2"; path != ""; {
			p.Next = nil
			if r := e.call("GET", path, gov, "", &p); r.StatusCode != 200 {
				t.Fatalf("GET %s = %d", path, r.StatusCode)
			}
			for _, rec := range p.Items {
				api = append(api, rec.Actor)
			}
			path = ""
			if p.Next != nil {
				path = "/api/v1/audit?action=sortx.test&sort=-actor&limit=2&cursor=" + *p.Next
			}
		}
		if !slices.Equal(api, rev) {
			t.Errorf("GET /api/v1/audit?sort=-actor paged by 2 = %v; want %v", api, rev)
		}
		var prob problem
		if r := e.call("GET", "/api/v1/audit?sort=seq", gov, "", &prob); r.StatusCode != 400 || prob.Field != "sort" {
			t.Errorf("GET /api/v1/audit?sort=seq = %d %+v; want 400 on sort", r.StatusCode, prob)
		}
	})
}

// formValue finds the value attribute of the input named name.
func formValue(page, name string) string {
	m := regexp.MustCompile(`<input id="[^"]*" name="` + name + `"[^>]*value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return "<no input " + name + ">"
	}
	return html.UnescapeString(m[1])
}

// textareaOf finds the text of the textarea named name.
func textareaOf(page, name string) string {
	m := regexp.MustCompile(`(?s)<textarea id="[^"]*" name="` + name + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
	if m == nil {
		return "<no textarea " + name + ">"
	}
	return html.UnescapeString(m[1])
}

// TestOrderFormsKeepInput: a refused order (400 or 409) shows the order
// form again with what the user chose and typed, the offer named as no
// longer offered when it was withdrawn meanwhile; a refused step on an
// order keeps the note and, on a conflict, says what the order's status
// is now and was when the page was loaded.
func TestOrderFormsKeepInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startOfferings(t, db)
		ctx := context.Background()
		it := newBrowser(t, e.url)
		it.login("demo-kommune-it", e.Passwords["demo-kommune-it"])
		_, page := it.get("/orders")
		opts := regexp.MustCompile(`<option value="([^"/]+/[^"]+)">`).FindAllStringSubmatch(page, -1)
		if len(opts) < 3 {
			t.Fatalf("the order form offers %d choices", len(opts))
		}
		offer := opts[2][1]
		reqs := `RHEL 9 & "to" <servere>`
		r, again := it.post("/orders", url.Values{"csrf": {csrfOf(t, page)}, "offer": {offer}, "quantity": {"0"}, "requirements": {reqs}})
		if r.StatusCode != 400 || !strings.Contains(again, `<option value="`+offer+`" selected>`) || formValue(again, "quantity") != "0" || textareaOf(again, "requirements") != reqs {
			t.Errorf("order with quantity 0 = %d; want 400 with offer %s, quantity 0 and the requirements kept:\n%s", r.StatusCode, offer, again)
		}
		r, again = it.post("/orders", url.Values{"csrf": {csrfOf(t, page)}, "offer": {offer}, "quantity": {"tolv"}, "requirements": {reqs}})
		if r.StatusCode != 400 || formValue(again, "quantity") != "tolv" || textareaOf(again, "requirements") != reqs {
			t.Errorf("order with quantity tolv = %d; want 400 with the input kept", r.StatusCode)
		}
		// The unit withdraws the offering while the form is open: 409, the
		// choice kept and named as no longer offered.
		svc, level, _ := strings.Cut(offer, "/")
		hov := e.Org(t, "enhed-hovedstaden")
		offs, err := e.Catalog.Offerings(ctx, access.System("test"), catalog.OfferingFilter{UnitID: hov.ID, Service: svc, Status: catalog.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range offs {
			if o.LevelID == level {
				if _, err := e.Catalog.Withdraw(ctx, e.Scope(t, "demo-unit-manager"), o.ID, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		r, again = it.post("/orders", url.Values{"csrf": {csrfOf(t, page)}, "offer": {offer}, "quantity": {"12"}, "requirements": {reqs}})
		if r.StatusCode != 409 || !regexp.MustCompile(`<option value="`+regexp.QuoteMeta(offer)+`" selected>[^<]+ \(udbydes ikke længere\)</option>`).MatchString(again) ||
			formValue(again, "quantity") != "12" || textareaOf(again, "requirements") != reqs {
			t.Errorf("order of a withdrawn offering = %d; want 409 with the choice named as withdrawn and the input kept:\n%s", r.StatusCode, again)
		}

		// A step on an order: 400 keeps the note; 409 keeps it and says
		// what the status is now.
		var o struct {
			ID int64 `json:"id"`
		}
		if r := e.call("POST", "/api/v1/orders", e.token("demo-kommune-it"), `{"service":"network-lan","level":"basis","quantity":3}`, &o); r.StatusCode != 201 {
			t.Fatalf("POST /api/v1/orders = %d", r.StatusCode)
		}
		path := "/orders/" + strconv.FormatInt(o.ID, 10)
		desk := newBrowser(t, e.url)
		desk.login("demo-servicedesk", e.Passwords["demo-servicedesk"])
		_, form := desk.get(path)
		long := strings.Repeat("lang begrundelse ", 120)
		r, again = desk.post(path+"/status", url.Values{"csrf": {csrfOf(t, form)}, "seen": {"requested"}, "status": {"accepted"}, "note": {long}})
		if r.StatusCode != 400 || textareaOf(again, "note") != long {
			t.Errorf("a step with a note too long = %d; want 400 with the note kept", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/orders/"+strconv.FormatInt(o.ID, 10)+"/status", e.token("demo-unit-manager"), `{"status":"accepted"}`, nil); r.StatusCode != 200 {
			t.Fatalf("the manager accepts = %d", r.StatusCode)
		}
		note := "Vi har ikke kapacitet før 1. kvartal"
		r, again = desk.post(path+"/status", url.Values{"csrf": {csrfOf(t, form)}, "seen": {"requested"}, "status": {"rejected"}, "note": {note}})
		if r.StatusCode != 409 || textareaOf(again, "note") != note ||
			!strings.Contains(again, "Bestillingen har nu status »Accepteret«. Da du åbnede siden, var den »Anmodet«.") ||
			!strings.Contains(again, `name="seen" value="accepted"`) {
			t.Errorf("a step on an order changed meanwhile = %d; want 409 with the note kept and the status now and then:\n%s", r.StatusCode, again)
		}
	})
}

// TestOfferingFormKeepsInput: a refused offering (400 or 409) shows the
// form again with everything the manager chose and typed.
func TestOfferingFormKeepsInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := startOfferings(t, db)
		ctx := context.Background()
		mgr := newBrowser(t, e.url)
		mgr.login("demo-unit-manager", e.Passwords["demo-unit-manager"])
		_, page := mgr.get("/offerings")
		check := func(name string, r int, again string, wantStatus int, f url.Values) {
			t.Helper()
			if r != wantStatus || !strings.Contains(again, `<option value="`+f.Get("offer")+`" selected>`) ||
				formValue(again, "valid_from") != f.Get("valid_from") || formValue(again, "price") != f.Get("price") ||
				formValue(again, "sub_supplier") != f.Get("sub_supplier") ||
				!strings.Contains(again, `<option value="`+f.Get("delivery")+`" selected>`) ||
				!strings.Contains(again, `name="attest" type="checkbox" value="1" required checked>`) {
				t.Errorf("%s = %d; want %d with the form kept:\n%s", name, r, wantStatus, again)
			}
		}
		// Invalid: a sub-supplier without a name.
		f := url.Values{"csrf": {csrfOf(t, page)}, "offer": {"network-wifi/standard"}, "valid_from": {"2031-02-01"}, "price": {"450,50"},
			"delivery": {"sub-supplier"}, "sub_supplier": {""}, "attest": {"1"}}
		r, again := mgr.post("/offerings", f)
		check("an offering without the sub-supplier's name", r.StatusCode, again, 400, f)
		// Conflict: an offering the unit has already.
		offs, err := e.Catalog.Offerings(ctx, access.System("test"), catalog.OfferingFilter{UnitID: e.Org(t, "enhed-hovedstaden").ID, Status: catalog.StatusActive})
		if err != nil || len(offs) == 0 {
			t.Fatalf("Offerings = %d, %v", len(offs), err)
		}
		f = url.Values{"csrf": {csrfOf(t, page)}, "offer": {offs[0].ServiceID + "/" + offs[0].LevelID}, "valid_from": {"2031-03-01"}, "price": {"99"},
			"delivery": {"sub-supplier"}, "sub_supplier": {"Leverandør & Co"}, "attest": {"1"}}
		r, again = mgr.post("/offerings", f)
		check("an offering the unit has already", r.StatusCode, again, 409, f)
	})
}
