package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestShare: six partitions among nodes that come and go. One node alone
// holds all six; three share them two each; when one stops, the other two
// hold three each; no partition is ever worked on by two nodes at once.
func TestShare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const ttl, n = 600 * time.Millisecond, 6
		var mu sync.Mutex
		working := map[int]string{} // partition → node working on it
		byNode := map[string]int{}
		overlaps := 0
		type node struct {
			name string
			stop func()
			done chan struct{}
		}
		startNode := func(name string) *node {
			ctx, cancel := context.WithCancel(context.Background())
			nd := &node{name: name, stop: cancel, done: make(chan struct{})}
			go Heartbeat(ctx, db, Node{ID: name, Host: "test", Roles: []string{"store"}, Version: "test", Started: time.Now()}, ttl)
			go func() {
				defer close(nd.done)
				NewLeases(db, name, ttl).Share(ctx, db, "store", "partition.", n, func(ctx context.Context, p int, epoch int64) {
					mu.Lock()
					if w, ok := working[p]; ok {
						overlaps++
						t.Errorf("partition %d taken by %s while %s works on it", p, name, w)
					}
					working[p] = name
					byNode[name]++
					mu.Unlock()
					<-ctx.Done()
					mu.Lock()
					delete(working, p)
					byNode[name]--
					mu.Unlock()
				})
			}()
			return nd
		}
		counts := func(names ...string) string {
			mu.Lock()
			defer mu.Unlock()
			s := ""
			for _, nm := range names {
				s += fmt.Sprintf("%s=%d ", nm, byNode[nm])
			}
			return s
		}
		waitCounts := func(want string, names ...string) {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for counts(names...) != want {
				if time.Now().After(deadline) {
					t.Fatalf("partitions held: %s; want %s", counts(names...), want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		a := startNode("a")
		waitCounts("a=6 ", "a")
		b, c := startNode("b"), startNode("c")
		start := time.Now()
		waitCounts("a=2 b=2 c=2 ", "a", "b", "c")
		t.Logf("rebalanced onto three nodes in %s", time.Since(start).Round(time.Millisecond))
		c.stop()
		<-c.done
		start = time.Now()
		waitCounts("a=3 b=3 c=0 ", "a", "b", "c")
		t.Logf("rebalanced onto two nodes in %s after a clean stop", time.Since(start).Round(time.Millisecond))
		a.stop()
		b.stop()
		<-a.done
		<-b.done
		mu.Lock()
		defer mu.Unlock()
		if overlaps != 0 || len(working) != 0 {
			t.Fatalf("%d overlaps; %d partitions still worked on after every node stopped", overlaps, len(working))
		}
	})
}
