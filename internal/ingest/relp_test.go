package ingest_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/relp"
	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestRELPAcksOnlyWhatTheSpineHas: while the spine is full, a RELP window
// stays unacknowledged; once the consumer drains it, the acks come, and
// every message is in the spine exactly once.
func TestRELPAcksOnlyWhatTheSpineHas(t *testing.T) {
	db := storetest.SQLite(t)
	sp := openSpine(t, 64<<10)
	addr := serveOn(t, newPipeline(t, db, sp).ServeRELP)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := relp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	// Fill the spine past its 64 KiB with 2 KiB messages, window by window.
	msg := func(i int) []byte {
		return fmt.Appendf(nil, "<13>1 2026-11-29T08:00:00Z h app - - [seq@1 n=\"%d\"] %0*d", i, 2000, i)
	}
	sent := 0
	acked := make(chan error, 1)
	for w := 0; w < 20; w++ {
		window := make([][]byte, 10)
		for i := range window {
			window[i] = msg(sent)
			sent++
		}
		go func() { acked <- c.Send(window) }()
		select {
		case err := <-acked:
			if err != nil {
				t.Fatal(err)
			}
			continue
		case <-time.After(time.Second):
		}
		// Not acked within a second: the spine must be full.
		if w == 0 {
			t.Fatal("the first window was not acknowledged")
		}
		break
	}
	select {
	case err := <-acked:
		t.Fatalf("every window was acknowledged (%v) although the spine holds only 64 KiB of %d KiB sent", err, sent*2)
	default:
	}
	// Drain the spine: the waiting window is then published and acked.
	seen := map[string]int{}
	cctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sp.Consume(cctx, "store", func(_ context.Context, bs []spine.Batch) error {
			for _, b := range bs {
				evs, err := event.DecodeBatch(b.Data)
				if err != nil {
					return err
				}
				for _, e := range evs {
					seen[e.Get("syslog.sd.seq@1.n")]++
				}
			}
			return nil
		})
	}()
	select {
	case err := <-acked:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting window was never acknowledged after the spine drained")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := sp.Pending(context.Background(), "store"); n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	<-done
	for i := 0; i < sent; i++ {
		if n := seen[fmt.Sprint(i)]; n != 1 {
			t.Errorf("message %d reached the spine %d times", i, n)
		}
	}
	_ = c.Close()
}

// TestRELPIdenticalMessagesAreDistinct: ten byte-identical frames in one
// session are ten events, and the same ten sent again in a new session
// (what a RELP client does with what it saw unacknowledged when a session
// broke) are stored once, on SQLite and PostgreSQL.
func TestRELPIdenticalMessagesAreDistinct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sp := openSpine(t, 0)
		addr := serveOn(t, newPipeline(t, db, sp).ServeRELP)
		line := []byte("<134>Dec  5 10:00:00 fw1 kernel: DROP IN=eth0 SRC=192.0.2.7 DST=10.0.0.1 PROTO=TCP DPT=445")
		window := make([][]byte, 10)
		for i := range window {
			window[i] = line
		}
		for session := range 2 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c, err := relp.NewClient(conn)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Send(window); err != nil {
				t.Fatalf("session %d: %v", session, err)
			}
			_ = c.Close()
		}
		seen, stored := storeWhatArrives(t, sp, db, 20)
		ids := map[string]int{}
		for _, e := range seen {
			ids[e.ID]++
		}
		if len(ids) != 10 || sumCounts(ids) != 20 {
			t.Errorf("two sessions of ten identical frames: %d events with %d distinct ids; want 20 with 10 (each id once per session)", sumCounts(ids), len(ids))
		}
		if stored != 10 {
			t.Errorf("stored %d events; want the 10 identical messages once each (the second session is a retransmission)", stored)
		}
	})
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
