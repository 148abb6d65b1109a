package cluster

import (
	"context"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/store"
)

// Share runs work for the partitions 0…n-1 of prefix ("partition.") that
// this node holds, until ctx ends: each partition is held by one node at
// a time under the lease prefix+p, and the nodes with role share them
// out — each takes at most its fair share (n divided by the live nodes
// with the role, rounded up), gives up what is beyond it when nodes come,
// and takes over the partitions of nodes that die once their leases
// expire. work runs while the partition is held and must return when its
// context ends (the lease lost, the partition given up, or ctx ended);
// the lease is released after it returns.
func (l *Leases) Share(ctx context.Context, db *store.DB, role, prefix string, n int, work func(ctx context.Context, p int, epoch int64)) {
	type running struct {
		cancel  func()
		done    chan struct{}
		lease   Lease
		renewed time.Time
	}
	held := map[int]*running{}
	stop := func(p int, release bool) {
		r := held[p]
		r.cancel()
		<-r.done
		if release {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = l.Release(rctx, prefix+strconv.Itoa(p))
			cancel()
		}
		delete(held, p)
	}
	defer func() {
		for p := range held {
			stop(p, true)
		}
	}()
	order := rendezvous(l.holder, n)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		now := l.now()
		// Renew what is held; stop what was lost or could not be renewed
		// while a third of the TTL was left.
		for p, r := range held {
			select {
			case <-r.done: // work returned by itself: give the partition up
				stop(p, true)
				continue
			default:
			}
			ls, ok, err := l.Acquire(ctx, prefix+strconv.Itoa(p))
			switch {
			case err == nil && ok && ls.Epoch == r.lease.Epoch:
				r.lease, r.renewed = ls, now
			case err == nil || !now.Before(r.lease.Expires.Add(-l.ttl/3)):
				stop(p, false)
			}
		}
		share := n
		if live := liveWith(ctx, db, role, now, l.ttl); live > 1 {
			share = (n + live - 1) / live
		}
		// Give up what is beyond the share, least preferred first.
		for i := len(order) - 1; i >= 0 && len(held) > share; i-- {
			if held[order[i]] != nil {
				stop(order[i], true)
			}
		}
		// Take free partitions up to the share, most preferred first.
		for _, p := range order {
			if len(held) >= share || ctx.Err() != nil {
				break
			}
			if held[p] != nil {
				continue
			}
			ls, ok, err := l.Acquire(ctx, prefix+strconv.Itoa(p))
			if err != nil || !ok {
				continue
			}
			wctx, cancel := context.WithCancel(ctx)
			r := &running{cancel: cancel, done: make(chan struct{}), lease: ls, renewed: now}
			held[p] = r
			go func() {
				defer close(r.done)
				work(wctx, p, ls.Epoch)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rendezvous orders the partitions by this node's preference (highest
// random weight hashing), so that nodes prefer different partitions and
// reach a spread without talking to each other.
func rendezvous(node string, n int) []int {
	type w struct {
		p int
		h uint32
	}
	ws := make([]w, n)
	for p := range n {
		h := fnv.New32a()
		_, _ = h.Write([]byte(node + "/" + strconv.Itoa(p)))
		ws[p] = w{p, h.Sum32()}
	}
	slices.SortFunc(ws, func(a, b w) int {
		if a.h != b.h {
			if a.h > b.h {
				return -1
			}
			return 1
		}
		return a.p - b.p
	})
	out := make([]int, n)
	for i, x := range ws {
		out[i] = x.p
	}
	return out
}

// liveWith counts the nodes with role that beat within ttl of now (0 when
// the registry cannot be read: then each node takes what it can).
func liveWith(ctx context.Context, db *store.DB, role string, now time.Time, ttl time.Duration) int {
	ns, err := Nodes(ctx, db)
	if err != nil {
		return 0
	}
	live := 0
	for _, nd := range ns {
		if nd.Live(now, ttl) && slices.Contains(nd.Roles, role) {
			live++
		}
	}
	return live
}
