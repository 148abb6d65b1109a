package cluster

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestLeaseAcquireRenewRelease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		a, b := NewLeases(db, "node-a", 10*time.Second), NewLeases(db, "node-b", 10*time.Second)
		a.now = func() time.Time { return clock }
		b.now = func() time.Time { return clock }
		ls, held, err := a.Acquire(ctx, "job.x")
		if err != nil || !held || ls.Epoch != 1 {
			t.Fatalf("first acquire = %+v %v %v; want held at epoch 1", ls, held, err)
		}
		if ls, held, err := b.Acquire(ctx, "job.x"); err != nil || held || ls.Holder != "node-a" {
			t.Fatalf("b acquiring a's lease = %+v %v %v; want refused, held by node-a", ls, held, err)
		}
		clock = clock.Add(5 * time.Second)
		if ls, held, _ := a.Acquire(ctx, "job.x"); !held || ls.Epoch != 1 || !ls.Expires.Equal(clock.Add(10*time.Second).Truncate(time.Millisecond)) {
			t.Fatalf("renewal = %+v %v; want epoch 1 until %s", ls, held, clock.Add(10*time.Second))
		}
		// Nine seconds after the renewal it still holds; eleven, not.
		clock = clock.Add(9 * time.Second)
		if _, held, _ := b.Acquire(ctx, "job.x"); held {
			t.Fatal("b took a lease renewed 9 s ago")
		}
		clock = clock.Add(2 * time.Second)
		ls, held, err = b.Acquire(ctx, "job.x")
		if err != nil || !held || ls.Epoch != 2 || !ls.Acquired.Equal(clock.Truncate(time.Millisecond)) {
			t.Fatalf("b after expiry = %+v %v %v; want held at epoch 2", ls, held, err)
		}
		// The old holder's renewal now fails and says who has it.
		if ls, held, _ := a.Acquire(ctx, "job.x"); held || ls.Holder != "node-b" {
			t.Fatalf("a renewing after takeover = %+v %v; want refused", ls, held)
		}
		// Release hands it over at once; releasing what one does not hold
		// changes nothing.
		if err := a.Release(ctx, "job.x"); err != nil {
			t.Fatal(err)
		}
		if _, held, _ := a.Acquire(ctx, "job.x"); held {
			t.Fatal("a's release freed b's lease")
		}
		if err := b.Release(ctx, "job.x"); err != nil {
			t.Fatal(err)
		}
		if ls, held, _ := a.Acquire(ctx, "job.x"); !held || ls.Epoch != 3 {
			t.Fatalf("a after b's release = %+v %v; want epoch 3", ls, held)
		}
		all, err := a.List(ctx)
		if err != nil || len(all) != 1 || all[0].Holder != "node-a" {
			t.Fatalf("List = %+v %v", all, err)
		}
		if _, err := a.Get(ctx, "nothing"); err == nil {
			t.Fatal("Get of an unknown lease succeeded")
		}
	})
}

// TestLeaseRace: nodes acquiring a free lease at the same instant — on
// PostgreSQL truly in parallel — never both win.
func TestLeaseRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const nodes, rounds = 6, 25
		ls := make([]*Leases, nodes)
		for i := range ls {
			ls[i] = NewLeases(db, fmt.Sprintf("node-%d", i), time.Minute)
		}
		for r := range rounds {
			name := fmt.Sprintf("race.%d", r)
			var wins atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, l := range ls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if _, held, err := l.Acquire(ctx, name); err != nil {
						t.Error(err)
					} else if held {
						wins.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Fatalf("round %d: %d nodes hold the lease; want exactly 1", r, n)
			}
		}
	})
}

// TestJobsRunOnceAcrossNodes: two nodes run the same job; it never runs
// on both at once, only the holder runs it, and when the holder stops
// (its context ends, as at shutdown) the other takes over within the
// TTL. Then the new holder dies without releasing (its renewals stop)
// and the first node takes it back after the lease expires.
func TestJobsRunOnceAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const ttl = 600 * time.Millisecond
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var running, overlaps atomic.Int32
		var mu sync.Mutex
		ran := map[string]int{}
		job := func(node string) Job {
			return Job{Name: "sweep", Every: 5 * time.Millisecond, Run: func(ctx context.Context) error {
				if running.Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(2 * time.Millisecond)
				running.Add(-1)
				mu.Lock()
				ran[node]++
				mu.Unlock()
				return nil
			}}
		}
		runs := func(node string) int {
			mu.Lock()
			defer mu.Unlock()
			return ran[node]
		}
		actx, stopA := context.WithCancel(context.Background())
		bctx, stopB := context.WithCancel(context.Background())
		defer stopB()
		aDone, bDone := make(chan struct{}), make(chan struct{})
		go func() { defer close(aDone); NewLeases(db, "node-a", ttl).RunJobs(actx, log, job("node-a")) }()
		waitFor(t, "node-a to run the job", func() bool { return runs("node-a") > 0 })
		go func() { defer close(bDone); NewLeases(db, "node-b", ttl).RunJobs(bctx, log, job("node-b")) }()
		time.Sleep(3 * ttl)
		if n := runs("node-b"); n != 0 {
			t.Fatalf("node-b ran the job %d times while node-a held it", n)
		}
		stopA()
		<-aDone
		stopped := time.Now()
		waitFor(t, "node-b to take over", func() bool { return runs("node-b") > 0 })
		t.Logf("takeover after a clean stop: %s", time.Since(stopped).Round(time.Millisecond))
		if overlaps.Load() != 0 {
			t.Fatalf("the job ran on two nodes at once %d times", overlaps.Load())
		}
		// node-b dies: its lease is no longer renewed (simulated by
		// moving the row's expiry back, as a frozen process would leave it
		// after the TTL), and node-a, started again, takes it over.
		stopB()
		<-bDone
		if err := db.Write(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.ExecContext(context.Background(), `UPDATE leases SET holder = 'node-b', expires_at = $1 WHERE name = 'job.sweep'`,
				time.Now().Add(ttl).UnixMilli())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before := runs("node-a")
		actx2, stopA2 := context.WithCancel(context.Background())
		defer stopA2()
		died := time.Now()
		go NewLeases(db, "node-a", ttl).RunJobs(actx2, log, job("node-a"))
		waitFor(t, "node-a to take over a dead node's lease", func() bool { return runs("node-a") > before })
		took := time.Since(died)
		if took < ttl/2 {
			t.Fatalf("node-a took a live lease after %s (TTL %s)", took, ttl)
		}
		t.Logf("takeover after a holder died: %s (TTL %s)", took.Round(time.Millisecond), ttl)
	})
}

// TestHoldStopsWhenTakenOver: when another node has taken the lease (the
// holder was paused past its TTL), the old holder's work is cancelled at
// its next renewal.
func TestHoldStopsWhenTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const ttl = 600 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		started, ended := make(chan int64, 4), make(chan struct{}, 4)
		go NewLeases(db, "node-a", ttl).Hold(ctx, "detect.0", func(ctx context.Context, epoch int64) {
			started <- epoch
			<-ctx.Done()
			ended <- struct{}{}
		})
		if e := <-started; e != 1 {
			t.Fatalf("first epoch %d", e)
		}
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE leases SET holder = 'node-b', epoch = epoch + 1, expires_at = $1 WHERE name = 'detect.0'`,
				time.Now().Add(time.Hour).UnixMilli())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ended:
		case <-time.After(2 * ttl):
			t.Fatal("the old holder kept working after its lease was taken over")
		}
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReclaimLocal: leases of a process on this host that no longer runs
// are freed at once; those of a live process, or of another host, stay.
func TestReclaimLocal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dead := exec.Command("true")
		if err := dead.Run(); err != nil {
			t.Fatal(err)
		}
		for name, holder := range map[string]string{
			"job.a": NodeID("h1", dead.Process.Pid, "aa"),
			"job.b": NodeID("h1", os.Getpid(), "bb"),
			"job.c": NodeID("h2", dead.Process.Pid, "cc"),
		} {
			if _, held, err := NewLeases(db, holder, time.Minute).Acquire(ctx, name); err != nil || !held {
				t.Fatal(err)
			}
		}
		me := NewLeases(db, NodeID("h1", os.Getpid(), "me"), time.Minute)
		n, err := me.ReclaimLocal(ctx, "h1")
		if err != nil || n != 1 {
			t.Fatalf("ReclaimLocal = %d, %v; want the dead process's one lease", n, err)
		}
		for name, want := range map[string]bool{"job.a": true, "job.b": false, "job.c": false} {
			if _, held, _ := me.Acquire(ctx, name); held != want {
				t.Errorf("%s taken = %v; want %v", name, held, want)
			}
		}
	})
}
