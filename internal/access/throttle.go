package access

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

// Account throttling: after accountFreeFailures consecutive failures an
// account is locked for accountLockBase, doubling with each further failure
// up to accountLockMax. It is kept in the database so that every node and
// every restart sees it.
const (
	accountFreeFailures = 5
	accountLockBase     = 30 * time.Second
	accountLockMax      = 15 * time.Minute
)

func accountLock(failures int) time.Duration {
	if failures < accountFreeFailures {
		return 0
	}
	d := accountLockBase
	for i := accountFreeFailures; i < failures && d < accountLockMax; i++ {
		d *= 2
	}
	return min(d, accountLockMax)
}

// addrThrottle limits failed logins per remote address in a sliding window.
// It is per process (an attacker spreading over nodes still meets the
// per-account lock) and bounded in memory.
type addrThrottle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string][]time.Time
}

const addrThrottleMaxKeys = 100_000

func newAddrThrottle(max int, window time.Duration) *addrThrottle {
	return &addrThrottle{max: max, window: window, seen: make(map[string][]time.Time)}
}

// blocked reports whether addr has used up its failures at now, and until when.
func (t *addrThrottle) blocked(addr string, now time.Time) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fails := t.prune(addr, now)
	if len(fails) >= t.max {
		return true, fails[0].Add(t.window)
	}
	return false, time.Time{}
}

func (t *addrThrottle) fail(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.seen) >= addrThrottleMaxKeys {
		for k := range t.seen { // drop stale keys; if none are stale, drop one
			if len(t.prune(k, now)) == 0 {
				continue
			}
			delete(t.seen, k)
			break
		}
	}
	t.seen[addr] = append(t.prune(addr, now), now)
}

// prune drops addr's failures older than the window; call with mu held.
func (t *addrThrottle) prune(addr string, now time.Time) []time.Time {
	fails := t.seen[addr]
	i := 0
	for i < len(fails) && now.Sub(fails[i]) >= t.window {
		i++
	}
	fails = fails[i:]
	if len(fails) == 0 {
		delete(t.seen, addr)
		return nil
	}
	t.seen[addr] = fails
	return fails
}

// failAccount counts one more failed attempt (password or second factor) on
// user uid and on addr, locking the account once it has failed too often. It
// returns the new count of consecutive failures.
func (s *Service) failAccount(ctx context.Context, tx *sql.Tx, uid int64, failures int, addr string, now time.Time) (int, error) {
	s.throttle.fail(addr, now)
	failures++
	var lock any
	if d := accountLock(failures); d > 0 {
		lock = now.Add(d)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`, failures, lock, uid); err != nil {
		return failures, errs.Wrap(err, "cannot count failed attempt")
	}
	return failures, nil
}
