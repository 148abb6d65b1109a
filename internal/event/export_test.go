package event

import "time"

// ParseSyslogBoth parses in with the RFC 5424 fast path and without it,
// and reports whether the fast path took it.
func ParseSyslogBoth(in []byte, received time.Time, ip string) (fast, machine Event, took bool) {
	p := NewParser(time.UTC)
	fast = p.ParseSyslog(in, received, ip)
	took = p.fastHit
	m := NewParser(time.UTC)
	m.fastOff = true
	return fast, m.ParseSyslog(in, received, ip), took
}
