package spine_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// each runs fn against the in-process server and, when SAMDRIFT_TEST_NATS is
// set, against that external server (with a stream of its own).
func each(t *testing.T, fn func(t *testing.T, o spine.Options)) {
	t.Run("in-process", func(t *testing.T) { fn(t, spine.Options{Dir: t.TempDir(), Consumers: []string{"store"}}) })
	t.Run("external", func(t *testing.T) {
		url := os.Getenv("SAMDRIFT_TEST_NATS")
		if url == "" {
			if storetest.Required() {
				t.Fatal("SAMDRIFT_TEST_NATS is not set but SAMDRIFT_TEST_REQUIRE=1: the external NATS tests must run")
			}
			t.Skip("external NATS tests skipped: set SAMDRIFT_TEST_NATS=nats://127.0.0.1:4222 to run them")
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		o := spine.Options{URL: url, Stream: "T_" + id, Subject: "t" + id, Consumers: []string{"store"}}
		t.Cleanup(func() {
			nc, err := nats.Connect(url)
			if err != nil {
				return
			}
			defer nc.Close()
			if js, err := jetstream.New(nc); err == nil {
				_ = js.DeleteStream(context.Background(), o.Stream)
			}
		})
		fn(t, o)
	})
}

func open(t *testing.T, o spine.Options) *spine.Spine {
	t.Helper()
	s, err := spine.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// collect consumes with h until want batches arrived or 20 s passed.
func collect(t *testing.T, s *spine.Spine, name string, want int, fail func(b spine.Batch) bool) []spine.Batch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var got []spine.Batch
	done := make(chan struct{})
	go func() {
		_ = s.Consume(ctx, name, func(ctx context.Context, bs []spine.Batch) error {
			mu.Lock()
			defer mu.Unlock()
			for _, b := range bs {
				if fail != nil && fail(b) {
					return errors.New("handler failed")
				}
			}
			got = append(got, bs...)
			if len(got) >= want {
				select {
				case <-done:
				default:
					close(done)
				}
			}
			return nil
		})
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	// Let the acknowledgements of the last batch go out.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if n, err := s.Pending(context.Background(), name); err == nil && n == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	mu.Lock()
	defer mu.Unlock()
	return append([]spine.Batch(nil), got...)
}

func TestPublishConsumeDedupe(t *testing.T) {
	each(t, func(t *testing.T, o spine.Options) {
		ctx := context.Background()
		s := open(t, o)
		for i := 0; i < 50; i++ {
			if err := s.Publish(ctx, "1042", fmt.Sprintf("b-%d", i), []byte(fmt.Sprintf("batch %d", i))); err != nil {
				t.Fatal(err)
			}
		}
		// A batch published again under the same id is stored once.
		if err := s.Publish(ctx, "1042", "b-7", []byte("batch 7 again")); err != nil {
			t.Fatal(err)
		}
		got := collect(t, s, "store", 50, nil)
		seen := map[string]int{}
		for _, b := range got {
			seen[b.ID]++
			if b.Tenant != "1042" {
				t.Errorf("batch %s tenant %q; want 1042", b.ID, b.Tenant)
			}
		}
		if len(got) != 50 || len(seen) != 50 || seen["b-7"] != 1 {
			t.Errorf("got %d batches, %d distinct, b-7 %d times; want 50, 50, 1", len(got), len(seen), seen["b-7"])
		}
		if n, _ := s.Pending(ctx, "store"); n != 0 {
			t.Errorf("pending after consuming = %d; want 0", n)
		}
		// Acknowledged batches are purged from the stream.
		waitEmpty(t, s)
	})
}

// waitEmpty waits up to 5 s for the stream to hold no batches.
func waitEmpty(t *testing.T, s *spine.Spine) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, msgs, err := s.Stored(context.Background())
		if err == nil && msgs == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("stream still holds %d batches (%v) after every consumer acknowledged them", msgs, err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedeliveryAfterFailedHandler(t *testing.T) {
	each(t, func(t *testing.T, o spine.Options) {
		s := open(t, o)
		if err := s.Publish(context.Background(), "7", "only", []byte("x")); err != nil {
			t.Fatal(err)
		}
		failures := 0
		got := collect(t, s, "store", 1, func(b spine.Batch) bool {
			if failures < 1 {
				failures++
				return true
			}
			return false
		})
		if len(got) != 1 {
			t.Fatalf("after one failure got %+v; want the batch again", got)
		}
		// Handlers rely on batch ids, not on the count; Debian's
		// nats-server 2.9.10 once redelivered a nak'd batch with a count
		// of 1 under load (CI), so the count is held only in-process.
		if got[0].Delivered < 2 && o.URL == "" {
			t.Errorf("after one failure the batch came with Delivered %d; want >= 2", got[0].Delivered)
		}
	})
}

func TestBackpressureWhenFull(t *testing.T) {
	each(t, func(t *testing.T, o spine.Options) {
		o.MaxBytes = 64 << 10
		s := open(t, o)
		payload := make([]byte, 8<<10)
		var err error
		n := 0
		for ; n < 100; n++ {
			if err = s.Publish(context.Background(), "1", fmt.Sprintf("p-%d", n), payload); err != nil {
				break
			}
		}
		if !errors.Is(err, spine.ErrFull) || n > 10 {
			t.Fatalf("after %d batches Publish = %v; want ErrFull within about 8", n, err)
		}
		// Once the consumer catches up, publishing works again.
		collect(t, s, "store", n, nil)
		if err := s.Publish(context.Background(), "1", "after", payload); err != nil {
			t.Errorf("Publish after the consumer caught up = %v", err)
		}
	})
}

func TestDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	o := spine.Options{Dir: dir, Consumers: []string{"store"}, MaxBatches: 5}
	s, err := spine.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := s.Publish(context.Background(), "1", fmt.Sprintf("r-%d", i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Consume exactly one fetch of five, then stop, as a crash after a commit would.
	var first []spine.Batch
	ctx, cancel := context.WithCancel(context.Background())
	err = s.Consume(ctx, "store", func(_ context.Context, bs []spine.Batch) error {
		first = append(first, bs...)
		cancel()
		return nil
	})
	if err != nil || len(first) == 0 || len(first) > 5 {
		t.Fatalf("first consumption: %d batches, %v; want 1–5", len(first), err)
	}
	s.Close()
	s2 := open(t, o)
	rest := collect(t, s2, "store", 10-len(first), nil)
	seen := map[string]bool{}
	for _, b := range append(first, rest...) {
		if seen[b.ID] {
			t.Errorf("batch %s delivered again after it was acknowledged", b.ID)
		}
		seen[b.ID] = true
	}
	if len(seen) != 10 {
		t.Errorf("after restart %d distinct batches were delivered; want 10", len(seen))
	}
}

// TestPurgeWaitsForEveryConsumer: a batch one consumer has acknowledged
// stays in the stream until every configured consumer has.
func TestPurgeWaitsForEveryConsumer(t *testing.T) {
	each(t, func(t *testing.T, o spine.Options) {
		ctx := context.Background()
		o.Consumers = []string{"store", "audit"}
		s := open(t, o)
		for i := 0; i < 20; i++ {
			if err := s.Publish(ctx, "1", fmt.Sprintf("w-%d", i), []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		if got := collect(t, s, "store", 20, nil); len(got) != 20 {
			t.Fatalf("store consumed %d batches; want 20", len(got))
		}
		time.Sleep(600 * time.Millisecond) // more than two purge intervals
		if _, msgs, err := s.Stored(ctx); err != nil || msgs != 20 {
			t.Errorf("after one of two consumers acknowledged, the stream holds %d batches (%v); want 20", msgs, err)
		}
		if got := collect(t, s, "audit", 20, nil); len(got) != 20 {
			t.Fatalf("audit consumed %d batches; want 20", len(got))
		}
		waitEmpty(t, s)
	})
}

// TestHoldAcks: with HoldAcks a handled batch stays in the spine (its
// consumer's pending count) until the hold has passed, then it is
// acknowledged.
func TestHoldAcks(t *testing.T) {
	s := open(t, spine.Options{Dir: t.TempDir(), Consumers: []string{"store"}, HoldAcks: 1500 * time.Millisecond})
	ctx := context.Background()
	for i := range 3 {
		if err := s.Publish(ctx, "101", fmt.Sprint("h", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	handled := 0
	var at time.Time
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Consume(cctx, "store", func(_ context.Context, bs []spine.Batch) error {
			mu.Lock()
			defer mu.Unlock()
			handled += len(bs)
			at = time.Now()
			return nil
		})
	}()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := handled
		mu.Unlock()
		if n == 3 {
			break
		}
	}
	if n, err := s.Pending(ctx, "store"); err != nil || n != 3 {
		t.Fatalf("pending right after handling = %d, %v; want the 3 held", n, err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, _ := s.Pending(ctx, "store"); n == 0 {
			break
		}
	}
	mu.Lock()
	held := time.Since(at)
	mu.Unlock()
	if n, err := s.Pending(ctx, "store"); err != nil || n != 0 || held < 1500*time.Millisecond {
		t.Fatalf("pending = %d (%v) %s after handling; want 0 once the 1.5 s hold passed", n, err, held)
	}
}
