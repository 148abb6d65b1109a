package web_test

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

var inboxItem = regexp.MustCompile(`(?s)<li id="n(\d+)" class="(read|unread)">(.*?)</li>`)

// TestInboxOrderAndReading: notices stored out of date order show newest
// first; unread ones say so in words; opening one (its form, a POST with
// the CSRF token) marks it read and goes on to its ticket, while a GET of
// /inbox/{id} — what a cross-site <img> can fire — changes nothing;
// "mark as read" marks one, "mark all read" the rest; nobody else can
// open them.
func TestInboxOrderAndReading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		spoc := e.Scope(t, "demo-spoc")
		now := time.Now().UTC()
		for _, n := range []struct {
			subject string
			ago     time.Duration
			ticket  int64
		}{{"Two hours ago", 2 * time.Hour, 0}, {"Yesterday", 26 * time.Hour, 0}, {"Just now", time.Minute, 42}} {
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				_, err := notify.QueueUser(ctx, tx, spoc.UserID, notify.Notice{Kind: "ticket.escalated", Subject: n.subject, TicketID: n.ticket, At: now.Add(-n.ago)})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		b := newBrowser(t, e.url)
		b.login("demo-spoc", e.Passwords["demo-spoc"])
		items := func() (ids []string, states []string, page string) {
			t.Helper()
			_, page = b.get("/inbox")
			for _, m := range inboxItem.FindAllStringSubmatch(page, -1) {
				ids, states = append(ids, m[1]), append(states, m[2])
				word := map[string]string{"read": ">Læst<", "unread": ">Ulæst<"}[m[2]]
				if !strings.Contains(m[3], word) {
					t.Errorf("notice %s is %s but does not say %s", m[1], m[2], word)
				}
			}
			return ids, states, page
		}
		ids, states, page := items()
		if len(ids) != 3 || !(strings.Index(page, "Just now") < strings.Index(page, "Two hours ago") && strings.Index(page, "Two hours ago") < strings.Index(page, "Yesterday")) {
			t.Fatalf("inbox lists %d notices, not newest first:\n%s", len(ids), page)
		}
		if strings.Join(states, " ") != "unread unread unread" || !strings.Contains(page, "3 ulæste.") || !strings.Contains(page, "Markér alle som læst") {
			t.Errorf("inbox states %v; want three unread and a mark-all button", states)
		}
		// A GET of a message, or a POST without the form's token, reads
		// nothing.
		if r, _ := b.get("/inbox/" + ids[0]); r.StatusCode != 303 || r.Header.Get("Location") != "/inbox#n"+ids[0] {
			t.Errorf("GET /inbox/%s = %d to %q; want 303 to the inbox at it", ids[0], r.StatusCode, r.Header.Get("Location"))
		}
		if r, _ := b.post("/inbox/"+ids[0]+"/open", url.Values{}); r.StatusCode != 403 {
			t.Errorf("opening without the CSRF token = %d; want 403", r.StatusCode)
		}
		if _, states, _ := items(); strings.Join(states, " ") != "unread unread unread" {
			t.Fatalf("after a GET and a token-less POST: %v; want all still unread", states)
		}
		// Opening the newest (about ticket 42) reads it and goes to the ticket.
		if !strings.Contains(page, `<form method="post" action="/inbox/`+ids[0]+`/open" class="inbox-subject">`) {
			t.Fatalf("the newest notice has no opening form")
		}
		csrf := csrfOf(t, page)
		if r, _ := b.post("/inbox/"+ids[0]+"/open", url.Values{"csrf": {csrf}}); r.StatusCode != 303 || r.Header.Get("Location") != "/tickets/42" {
			t.Errorf("opening notice %s = %d to %q; want 303 to /tickets/42", ids[0], r.StatusCode, r.Header.Get("Location"))
		}
		// Marking the second read, with its own button.
		if !strings.Contains(page, `action="/inbox/`+ids[1]+`/read"`) {
			t.Fatalf("notice %s has no mark-as-read button", ids[1])
		}
		if r, _ := b.post("/inbox/"+ids[1]+"/read", url.Values{"csrf": {csrf}}); r.StatusCode != 303 {
			t.Errorf("mark as read = %d; want 303", r.StatusCode)
		}
		if _, states, page = items(); strings.Join(states, " ") != "read read unread" || !strings.Contains(page, "1 ulæste.") {
			t.Errorf("after opening one and marking one: %v", states)
		}
		if strings.Contains(page, `action="/inbox/`+ids[0]+`/read"`) {
			t.Errorf("a read notice still offers mark as read")
		}
		// Someone else cannot open it.
		other := newBrowser(t, e.url)
		other.login("demo-ciso", e.Passwords["demo-ciso"])
		_, otherPage := other.get("/inbox")
		if r, _ := other.post("/inbox/"+ids[2]+"/open", url.Values{"csrf": {csrfOf(t, otherPage)}}); r.StatusCode != 404 {
			t.Errorf("another user opening notice %s = %d; want 404", ids[2], r.StatusCode)
		}
		if _, states, _ = items(); states[2] != "unread" {
			t.Errorf("another user's attempt read notice %s", ids[2])
		}
		// Mark all read.
		if r, _ := b.post("/inbox/read", url.Values{"csrf": {csrf}}); r.StatusCode != 303 {
			t.Errorf("mark all read = %d", r.StatusCode)
		}
		if _, states, page = items(); strings.Join(states, " ") != "read read read" || strings.Contains(page, "Markér alle som læst") {
			t.Errorf("after mark all read: %v", states)
		}
		// The API lists them in the same order.
		var api struct {
			Notifications []struct {
				ID int64 `json:"id"`
			} `json:"notifications"`
		}
		e.call("GET", "/api/v1/notifications", e.token("demo-spoc"), "", &api)
		if len(api.Notifications) != 3 || strconv.FormatInt(api.Notifications[0].ID, 10) != ids[0] || strconv.FormatInt(api.Notifications[2].ID, 10) != ids[2] {
			t.Errorf("API order %+v; want %v", api.Notifications, ids)
		}
	})
}
