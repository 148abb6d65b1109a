package detect

import (
	"context"
	"sync"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// hub fans new and updated alerts out to live subscribers (the SOC
// console's server-sent events), each seeing only what its scope may.
type hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives alerts as they are written. A subscriber too slow
// to keep up is not blocked on: it is marked Lagged (and told to reload)
// rather than silently missing alerts.
type Subscription struct {
	C      chan Alert
	sees   func(tenant int64) bool
	h      *hub
	mu     sync.Mutex
	lagged bool
}

// Lagged reports (and clears) whether alerts were skipped because the
// subscriber's buffer was full.
func (s *Subscription) Lagged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lagged
	s.lagged = false
	return l
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.h.mu.Lock()
	delete(s.h.subs, s)
	s.h.mu.Unlock()
}

// Subscribe streams alerts within sc's reach: a municipality its own, a
// unit its supplied municipalities', the SOC and CERT all. The reach is
// read once, at subscription.
func (d *Detector) Subscribe(ctx context.Context, sc access.Scope) (*Subscription, error) {
	all := sc.SeesAllSecurity()
	set := map[int64]bool{}
	if !all {
		var a store.Args
		rows, err := d.db.Reader().QueryContext(ctx, `SELECT id FROM organizations WHERE `+sc.SecurityPredicate("id", &a), a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read the organisations in your reach")
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, errs.Wrap(err, "cannot read the organisations in your reach")
			}
			set[id] = true
		}
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "cannot read the organisations in your reach")
		}
	}
	s := &Subscription{C: make(chan Alert, 256), h: &d.hub, sees: func(t int64) bool { return all || set[t] }}
	d.hub.mu.Lock()
	if d.hub.subs == nil {
		d.hub.subs = map[*Subscription]struct{}{}
	}
	d.hub.subs[s] = struct{}{}
	d.hub.mu.Unlock()
	return s, nil
}

func (h *hub) publish(as []Alert) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		for _, a := range as {
			if !s.sees(a.Tenant) {
				continue
			}
			select {
			case s.C <- a:
			default:
				s.mu.Lock()
				s.lagged = true
				s.mu.Unlock()
			}
		}
	}
}

// broadcast tells this node's subscribers about alerts written here, and
// other nodes through the relay when one is set.
func (d *Detector) broadcast(as []Alert) {
	if len(as) == 0 {
		return
	}
	d.hub.publish(as)
	if r := d.relay.Load(); r != nil {
		(*r)(as)
	}
}

// SetRelay makes the detector hand every alert it writes or changes to
// send as well, which carries it to the other nodes (over NATS); they
// pass what they receive to Relayed. Without a relay (one node) only
// this node's subscribers hear of alerts.
func (d *Detector) SetRelay(send func([]Alert)) {
	if send == nil {
		d.relay.Store(nil)
		return
	}
	d.relay.Store(&send)
}

// Relayed gives this node's subscribers alerts written on another node.
func (d *Detector) Relayed(as []Alert) { d.hub.publish(as) }
