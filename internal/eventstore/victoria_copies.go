package eventstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Copies is how many copies of the events the store keeps (VictoriaLogs
// stores given to NewOn; 1 in the database).
func (s *Store) Copies() int { return max(len(s.vls), 1) }

// AppendCopy stores batches in copy c only, as AppendBatches does in
// every copy: each copy has its own spine consumer, so one that is down
// falls behind and catches up without holding the others back.
func (s *Store) AppendCopy(ctx context.Context, c int, batches []Batch) (int, error) {
	if s.vl == nil || c < 0 || c >= len(s.vls) {
		if c == 0 {
			return s.AppendBatches(ctx, batches)
		}
		return 0, errors.New("eventstore: no such copy")
	}
	return s.vlAppend(ctx, []int{c}, batches)
}

// Intact tells whether what copy c acknowledged up to handled is still
// there: VictoriaLogs answers before its data is on disk, so a copy one
// of whose processes started after handled may have lost it (and the
// batches are to be stored again). The database's copy always is.
func (s *Store) Intact(ctx context.Context, c int, handled time.Time) bool {
	if s.vl == nil || c < 0 || c >= len(s.vls) {
		return true
	}
	ok, err := s.vls[c].startedBefore(ctx, handled)
	return err == nil && ok
}

// SetBacklog tells the store how far behind each copy is (the batches its
// spine consumers have not acknowledged, held ones included): reading
// prefers the first copy that is caught up.
func (s *Store) SetBacklog(f func(ctx context.Context, c int) (uint64, error)) { s.backlog = f }

// readOrder caches the order copies are read in for a second.
type readOrder struct {
	mu    sync.Mutex
	order []int
	at    time.Time
}

// backlogSlack is how many batches behind the least a copy may be and
// still count as caught up, beside twice the least: every copy has the
// batches of the last seconds unacknowledged (held, in flight), one that
// is down or catching up more and more.
const backlogSlack = 128

// readOrder returns the copies in the order to read them: those caught
// up first (first the lowest-numbered, so reads stay on one copy), then
// the others by their backlog; a copy found unavailable in the last
// seconds last.
func (s *Store) readOrder(ctx context.Context) []int {
	if len(s.vls) == 1 {
		return []int{0}
	}
	o := &s.order
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.order != nil && time.Since(o.at) < time.Second {
		return o.order
	}
	behind := make([]uint64, len(s.vls))
	least := ^uint64(0)
	for c := range s.vls {
		behind[c] = ^uint64(0)
		if s.backlog == nil {
			behind[c] = 0
		} else if n, err := s.backlog(ctx, c); err == nil {
			behind[c] = n
		}
		least = min(least, behind[c])
	}
	now := time.Now().UnixNano()
	rank := func(c int) (int, uint64) {
		if s.vls[c].downUntil.Load() > now {
			return 2, behind[c]
		}
		if behind[c] <= 2*least+backlogSlack {
			return 0, 0
		}
		return 1, behind[c]
	}
	order := make([]int, len(s.vls))
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, ba := rank(a)
		rb, bb := rank(b)
		if ra != rb {
			return ra - rb
		}
		switch {
		case ba < bb:
			return -1
		case ba > bb:
			return 1
		}
		return 0
	})
	o.order, o.at = order, time.Now()
	return order
}

// vlRead runs read on the copy readOrder prefers, and on the next one
// while a copy answers that it is unavailable.
func vlRead[T any](ctx context.Context, s *Store, read func(v *Victoria) (T, error)) (T, error) {
	var (
		out T
		err error
	)
	for _, c := range s.readOrder(ctx) {
		out, err = read(s.vls[c])
		if err == nil || !errors.Is(err, errUnavailable) || ctx.Err() != nil {
			return out, err
		}
	}
	return out, err
}
