package delivery_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/delivery"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// receiver counts what reaches a webhook and a mailbox per notification.
type receiver struct {
	mu    sync.Mutex
	hooks map[int64]int
	// block, when set, is called before a webhook is answered; false
	// refuses it.
	block func(r *http.Request) bool
}

func (rc *receiver) setBlock(f func(r *http.Request) bool) {
	rc.mu.Lock()
	rc.block = f
	rc.mu.Unlock()
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	block := rc.block
	rc.mu.Unlock()
	if block != nil && !block(r) {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if r.Context().Err() != nil {
		return // the sender gave up: not delivered
	}
	var h delivery.Webhook
	if err := jsonUnmarshal(body, &h); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.hooks[h.ID]++
	rc.mu.Unlock()
}

// deliveryFixture queues n notices to demo-spoc, who wants them by e-mail
// and webhook, and returns the ids queued.
func deliveryFixture(t *testing.T, db *store.DB, n int, now time.Time) (*demotest.Env, *receiver, *httptest.Server, *mailbox, string, []int64) {
	t.Helper()
	ctx := context.Background()
	e := demotest.New(t, db, false)
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET email = 'spoc@kk.dk' WHERE username = 'demo-spoc'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rc := &receiver{hooks: map[int64]int{}}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	if _, err := notify.NewInbox(db).SetPreferences(ctx, e.Scope(t, "demo-spoc"), true, hook.URL, false); err != nil {
		t.Fatal(err)
	}
	box, addr := startSMTP(t)
	spoc := e.Scope(t, "demo-spoc").UserID
	var ids []int64
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		for range n {
			q, err := notify.QueueUser(ctx, tx, spoc, notify.Notice{Kind: "sla.breach.first_line", TicketID: 42, Subject: "Printeren", At: now})
			if err != nil {
				return err
			}
			ids = append(ids, q.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return e, rc, hook, box, addr, ids
}

func newDeliverer(db *store.DB, smtpAddr string) *delivery.Deliverer {
	d := delivery.NewDeliverer(db, true)
	d.SMTP = &delivery.SMTP{Addr: smtpAddr, From: "samdrift@drift.example.dk", Security: "none"}
	return d
}

// mailsPerNotice counts the mails box holds per notification id (from
// their Message-ID, <notice-ID@samdrift>).
func mailsPerNotice(box *mailbox) map[string]int {
	box.mu.Lock()
	defer box.mu.Unlock()
	out := map[string]int{}
	for _, m := range box.msgs {
		out[strings.Trim(m.Header.Get("Message-ID"), "<>")]++
	}
	return out
}

// TestDeliverOnTwoNodes: two deliverers (two nodes during a takeover of
// the delivery lease) working through the same queue at once send each
// notification once by e-mail and once by webhook.
func TestDeliverOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		const n = 60
		_, rc, _, box, addr, ids := deliveryFixture(t, db, n, now)
		nodes := []*delivery.Deliverer{newDeliverer(db, addr), newDeliverer(db, addr)}
		var res [2]delivery.Result
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, d := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				if res[i], err = d.Deliver(ctx, now); err != nil {
					t.Errorf("node %d: Deliver = %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		t.Logf("the deliverers sent %+v and %+v", res[0], res[1])
		if e, w := res[0].Emails+res[1].Emails, res[0].Webhooks+res[1].Webhooks; e != n || w != n {
			t.Errorf("two deliverers sent %d e-mails and %d webhooks (%+v); want %d of each", e, w, res, n)
		}
		mails := mailsPerNotice(box)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, id := range ids {
			if h, m := rc.hooks[id], mails["notice-"+strconv.FormatInt(id, 10)+"@samdrift"]; h != 1 || m != 1 {
				t.Errorf("notification %d: %d webhooks, %d e-mails; want 1 and 1", id, h, m)
			}
		}
	})
}

// TestDeliveryClaimExpires: a deliverer that stops after claiming a
// notification (its node died mid-send) leaves it to another once the
// claim has expired, and not before.
func TestDeliveryClaimExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		_, rc, _, _, addr, ids := deliveryFixture(t, db, 1, now)
		dying, die := context.WithCancel(context.Background())
		rc.setBlock(func(r *http.Request) bool { // the node dies while posting
			die()
			<-r.Context().Done()
			return false
		})
		if _, err := newDeliverer(db, addr).Deliver(dying, now); err == nil {
			t.Fatal("Deliver on a node that died mid-send returned no error")
		}
		rc.setBlock(nil)
		ctx := context.Background()
		other := newDeliverer(db, addr)
		if res, err := other.Deliver(ctx, now.Add(time.Minute)); err != nil || res.Webhooks != 0 {
			t.Fatalf("Deliver while the claim holds = %+v, %v; want nothing sent", res, err)
		}
		res, err := other.Deliver(ctx, now.Add(6*time.Minute))
		if err != nil || res.Webhooks != 1 {
			t.Fatalf("Deliver after the claim expired = %+v, %v; want the webhook sent", res, err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if got := rc.hooks[ids[0]]; got != 1 {
			t.Errorf("%d webhooks received; want 1", got)
		}
	})
}

// TestLateDelivererKeepsOutOfTheWay: a deliverer so slow that its claim
// expired and another node took the notification over must not record
// its outcome over the other's (before the fix its failed webhook put
// the notification back to pending, and it was sent a second time).
func TestLateDelivererKeepsOutOfTheWay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		_, rc, _, _, addr, ids := deliveryFixture(t, db, 1, now)
		posting, release := make(chan struct{}), make(chan struct{})
		var first sync.Once
		rc.setBlock(func(*http.Request) bool {
			slow := false
			first.Do(func() { slow = true })
			if !slow {
				return true
			}
			close(posting)
			<-release
			return false // the slow node's post fails in the end
		})
		done := make(chan error, 1)
		go func() {
			_, err := newDeliverer(db, addr).Deliver(ctx, now)
			done <- err
		}()
		<-posting
		// Six minutes on, another node takes the notification over.
		if res, err := newDeliverer(db, addr).Deliver(ctx, now.Add(6*time.Minute)); err != nil || res.Webhooks != 1 {
			t.Fatalf("Deliver after the claim expired = %+v, %v; want the webhook sent", res, err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("the slow deliverer: %v", err)
		}
		if res, err := newDeliverer(db, addr).Deliver(ctx, now.Add(time.Hour)); err != nil || res.Webhooks != 0 {
			t.Errorf("Deliver an hour on = %+v, %v; want nothing left to send", res, err)
		}
		var state string
		if err := db.Reader().QueryRowContext(ctx, `SELECT webhook_state FROM notifications WHERE id = $1`, ids[0]).Scan(&state); err != nil || state != "sent" {
			t.Errorf("webhook state = %q, %v; want sent", state, err)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if got := rc.hooks[ids[0]]; got != 1 {
			t.Errorf("%d webhooks received; want 1", got)
		}
	})
}
