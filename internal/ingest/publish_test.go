package ingest_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// flakySpine is the real spine with the faults seen under load: a publish
// that lands but whose answer times out, and a publish that does not land
// at all (the spine not answering).
type flakySpine struct {
	*spine.Spine
	mu               sync.Mutex
	lostAnswers, out int // how many of each fault are still to come
	faults           int
}

func (f *flakySpine) Publish(ctx context.Context, tenant, id string, batch []byte) error {
	f.mu.Lock()
	lost, out := f.lostAnswers > 0, f.lostAnswers == 0 && f.out > 0
	switch {
	case lost:
		f.lostAnswers--
	case out:
		f.out--
	}
	if lost || out {
		f.faults++
	}
	f.mu.Unlock()
	if out {
		return fmt.Errorf("nats: %w", context.DeadlineExceeded)
	}
	err := f.Spine.Publish(ctx, tenant, id, batch)
	if lost && err == nil {
		return fmt.Errorf("nats: %w", context.DeadlineExceeded)
	}
	return err
}

// TestPublishFailuresNeitherLoseNorDuplicate: over syslog TCP, publishes
// whose answer is lost and publishes that fail are retried under their
// batch id while the connection waits; every line reaches the spine
// exactly once.
func TestPublishFailuresNeitherLoseNorDuplicate(t *testing.T) {
	db := storetest.SQLite(t)
	sp := openSpine(t, 0)
	flaky := &flakySpine{Spine: sp, lostAnswers: 6, out: 6}
	addr := serveOn(t, newPipeline(t, db, flaky).ServeSyslogTCP)
	const conns, perConn = 4, 3000
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			for i := range perConn {
				if _, err := fmt.Fprintf(conn, "<13>1 2026-12-05T10:00:00Z h app - - [seq@1 n=\"%d-%d\"] same text\n", c, i); err != nil {
					t.Errorf("connection %d closed by the server after %d lines: %v", c, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	total := 0
	cctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	_ = sp.Consume(cctx, "store", func(_ context.Context, bs []spine.Batch) error {
		for _, b := range bs {
			evs, err := event.DecodeBatch(b.Data)
			if err != nil {
				return err
			}
			for _, e := range evs {
				seen[e.Get("syslog.sd.seq@1.n")]++
				total++
			}
		}
		if len(seen) == conns*perConn {
			stop()
		}
		return nil
	})
	if flaky.faults != 12 {
		t.Errorf("%d faults injected; want 12 (the test did not exercise the retries)", flaky.faults)
	}
	dups := total - len(seen)
	if len(seen) != conns*perConn || dups != 0 {
		t.Errorf("spine holds %d distinct lines of %d, with %d duplicates; want all, none twice", len(seen), conns*perConn, dups)
	}
}
