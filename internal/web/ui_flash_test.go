package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// flashOf is the confirmation a page shows ("" for none).
func flashOf(page string) string {
	i := strings.Index(page, `class="flash"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	rest = rest[strings.Index(rest, ">")+1:]
	return rest[:strings.Index(rest, "<")]
}

// TestTicketConfirmationsAreTrue: a ticket's confirmation comes from a
// link anyone can craft (?msg=…&v=…), so it shows only what is true of
// the ticket: the step's text while the ticket is at the version the step
// made and its latest step is the viewer's, of that kind; "saved" once it
// has moved on; nothing for a step the viewer never took.
func TestTicketConfirmationsAreTrue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		spoc := e.token("demo-spoc")
		var tk ticketJSON
		e.call("POST", "/api/v1/tickets", spoc, `{"title":"Netværket på rådhuset","impact":2,"urgency":2}`, &tk)
		id, ver := idOf(tk), strconv.Itoa(tk.Version)
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		// Crafted links on an open, unescalated ticket confirm nothing.
		for _, q := range []string{"msg=tickets.done.resolve", "msg=tickets.done.resolve&v=" + ver, "msg=tickets.done.approve", "msg=tickets.done.object",
			"msg=tickets.done.acknowledge", "msg=tickets.done.escalate&v=" + ver, "msg=tickets.done.close&v=" + ver, "msg=tickets.saved&v=99",
			"msg=tickets.done.assign&v=" + ver} {
			if _, page := b.get("/tickets/" + id + "?" + q); flashOf(page) != "" {
				t.Errorf("/tickets/%s?%s shows %q", id, q, flashOf(page))
			}
		}
		// The user did open it: at another version that is all it says.
		for _, q := range []string{"msg=tickets.created&v=99", "msg=tickets.created"} {
			if _, page := b.get("/tickets/" + id + "?" + q); flashOf(page) != "Sag "+id+" er gemt." {
				t.Errorf("/tickets/%s?%s shows %q; want only saved", id, q, flashOf(page))
			}
		}
		// The ticket's own creation, at its first version, is confirmed.
		if _, page := b.get("/tickets/" + id + "?msg=tickets.created&v=" + ver); !strings.Contains(flashOf(page), "Sag "+id+" er oprettet") {
			t.Errorf("creation at version %s: flash %q", ver, flashOf(page))
		}
		// A real step is confirmed, by its own link, to whom took it.
		_, page := b.get("/tickets/" + id)
		r, _ := b.post("/tickets/"+id+"/escalate", url.Values{"csrf": {csrfOf(t, page)}, "version": {regexpFind(page, `name="version" value="(\d+)"`)},
			"tried": {"Genstart"}, "affected": {"Rådhuset"}, "contact": {"Servicedesk"}})
		done := r.Header.Get("Location")
		if r.StatusCode != 303 || !strings.Contains(done, "msg=tickets.done.escalate&v=") {
			t.Fatalf("escalate = %d to %q", r.StatusCode, done)
		}
		if _, page = b.get(done); !strings.Contains(flashOf(page), "Sag "+id+" er eskaleret til") {
			t.Errorf("%s: flash %q; want the escalation", done, flashOf(page))
		}
		// Another user of the municipality following the link: nothing.
		k := newBrowser(t, e.url)
		loginEnrolled(t, k, "demo-kommune-it", e.Passwords["demo-kommune-it"])
		if _, p := k.get(done); flashOf(p) != "" {
			t.Errorf("another user following %s sees %q", done, flashOf(p))
		}
		// The unit takes it on: the escalation's link now says only
		// "saved", and a link claiming a resolution at the current version
		// says nothing of the kind.
		var now ticketJSON
		e.call("POST", "/api/v1/tickets/"+id+"/assign", e.token("demo-servicedesk"), `{"assignee":"demo-servicedesk"}`, &now)
		if _, p := b.get(done); flashOf(p) != "Sag "+id+" er gemt." {
			t.Errorf("%s after the unit's step: flash %q; want only saved", done, flashOf(p))
		}
		for _, key := range []string{"tickets.done.escalate", "tickets.done.resolve", "tickets.done.assign"} {
			q := "/tickets/" + id + "?msg=" + key + "&v=" + strconv.Itoa(now.Version)
			if _, p := b.get(q); strings.Contains(flashOf(p), "eskaleret") || strings.Contains(flashOf(p), "løst") || strings.Contains(flashOf(p), "tildelt") {
				t.Errorf("%s (current version, the unit's step) shows %q", q, flashOf(p))
			}
		}
	})
}

// TestFlashOnlyOnItsPage: a redirect's confirmation (?msg=) shows only on
// the page that redirect goes to, so a link cannot make another page
// confirm it.
func TestFlashOnlyOnItsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		for _, c := range []struct {
			path string
			show bool
		}{
			{"/account?msg=account.changed", true},
			{"/inbox?msg=account.changed", false},
			{"/accounting?msg=account.changed", false},
			{"/tickets?msg=orders.placed", false},
			{"/needs?msg=orders.placed", false},
			{"/orders?msg=orders.placed", false},
			{"/offerings?msg=offerings.created", true},
			{"/account?msg=offerings.created", false},
			{"/needs?msg=needs.done.created", true},
			{"/tickets?msg=needs.done.created", false},
			{"/tickets?msg=tickets.created", false},
		} {
			_, page := b.get(c.path)
			if got := flashOf(page) != ""; got != c.show {
				t.Errorf("%s shows a confirmation: %v (%q); want %v", c.path, got, flashOf(page), c.show)
			}
		}
	})
}
