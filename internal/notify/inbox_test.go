package notify_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestInboxNewestFirstAndOpen: notices stored out of date order (as the
// demo loader backdates them) list newest first; opening one marks it
// read once and only for its owner; a notice held back is not there yet.
func TestInboxNewestFirstAndOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		spoc := env.Scope(t, "demo-spoc")
		other := env.Scope(t, "demo-kommune-it")
		now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
		queue := func(subject string, at, notBefore time.Time) {
			t.Helper()
			if err := db.Write(ctx, func(tx *sql.Tx) error {
				_, err := notify.QueueUser(ctx, tx, spoc.UserID, notify.Notice{Kind: "ticket.escalated", Subject: subject, At: at, NotBefore: notBefore})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		// Stored in this order; made at these times.
		queue("middle", now.Add(-2*time.Hour), time.Time{})
		queue("oldest", now.Add(-48*time.Hour), time.Time{})
		queue("newest", now.Add(-time.Minute), time.Time{})
		queue("held back", now.Add(-3*time.Hour), now.Add(time.Hour))

		inbox := notify.NewInbox(db)
		ms, unread, err := inbox.List(ctx, spoc, now, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Subject)
		}
		if want := []string{"newest", "middle", "oldest"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || unread != 3 {
			t.Fatalf("List = %q, %d unread; want %q, 3 unread", got, unread, want)
		}

		first, err := inbox.Open(ctx, spoc, ms[1].ID, now)
		if err != nil || first.ReadAt == nil || !first.ReadAt.Equal(now) || first.Subject != "middle" {
			t.Fatalf("Open = %+v, %v; want middle, read now", first, err)
		}
		again, err := inbox.Open(ctx, spoc, ms[1].ID, now.Add(time.Hour))
		if err != nil || again.ReadAt == nil || !again.ReadAt.Equal(now) {
			t.Errorf("Open again = %+v, %v; want it read at the first opening", again, err)
		}
		if _, unread, _ = inbox.List(ctx, spoc, now, 50); unread != 2 {
			t.Errorf("unread after opening one = %d; want 2", unread)
		}
		for name, c := range map[string]struct {
			sc access.Scope
			id int64
			at time.Time
		}{
			"another user's": {other, ms[0].ID, now},
			"not yet due":    {spoc, ms[0].ID + 1, now}, // the held-back one was stored last
			"no such":        {spoc, 1 << 40, now},
		} {
			if _, err := inbox.Open(ctx, c.sc, c.id, c.at); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("Open %s notification = %v; want NotFound", name, err)
			}
		}
		if _, unread, _ = inbox.List(ctx, spoc, now, 50); unread != 2 {
			t.Errorf("unread after others' attempts = %d; want 2", unread)
		}
	})
}

// TestNoticeNamesItsNeed: a notice about a need keeps the need's id, by
// every way of queueing, so that the inbox can link to it.
func TestNoticeNamesItsNeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		spoc := env.Scope(t, "demo-spoc")
		now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := notify.QueueUser(ctx, tx, spoc.UserID, notify.Notice{Kind: "need.comment", NeedID: 7, Subject: "#7 user", At: now}); err != nil {
				return err
			}
			if _, err := notify.Queue(ctx, tx, notify.Notice{OrgID: spoc.OrgID, Roles: []access.Role{access.RoleSPOC}, Kind: "need.submitted", NeedID: 8,
				Subject: "#8 org", At: now.Add(time.Second)}); err != nil {
				return err
			}
			_, err := notify.QueueEach(ctx, tx, notify.Notice{Roles: []access.Role{access.RoleSPOC}, Kind: "need.submitted", NeedID: 9, Subject: "#9 each",
				At: now.Add(2 * time.Second)}, []notify.Each{{OrgID: spoc.OrgID, Body: "b"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		inbox := notify.NewInbox(db)
		ms, _, err := inbox.List(ctx, spoc, now.Add(time.Minute), 50)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"#7 user": 7, "#8 org": 8, "#9 each": 9}
		for _, m := range ms {
			if id, ok := want[m.Subject]; ok {
				if m.NeedID != id {
					t.Errorf("notice %q: NeedID %d; want %d", m.Subject, m.NeedID, id)
				}
				delete(want, m.Subject)
			}
		}
		if len(want) != 0 {
			t.Fatalf("notices missing from the inbox: %v (have %+v)", want, ms)
		}
		if m, err := inbox.Open(ctx, spoc, ms[0].ID, now.Add(time.Minute)); err != nil || m.NeedID == 0 {
			t.Errorf("Open = %+v, %v; want the need's id", m, err)
		}
	})
}
