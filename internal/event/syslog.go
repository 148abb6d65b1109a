package event

import (
	"strconv"
	"time"

	syslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc3164"
	"github.com/leodido/go-syslog/v4/rfc5424"

	"github.com/samdrift/samdrift/internal/locale"
)

// Parser turns raw messages into events. It holds parser state: use one per
// goroutine.
type Parser struct {
	rfc5424 syslog.Machine
	rfc3164 syslog.Machine
	loc     *time.Location
	// the RFC 5424 fast path's interned structured-data keys
	keyBuf []byte
	sdKeys map[string]string
	// tests: fastOff turns the fast path off; fastHit tells whether the
	// last message took it
	fastOff, fastHit bool
}

// Copenhagen is the zone RFC 3164 timestamps (which carry none) are read in.
var Copenhagen = locale.Copenhagen

// NewParser returns a Parser that reads zone-less timestamps in loc
// (nil: Europe/Copenhagen).
func NewParser(loc *time.Location) *Parser {
	if loc == nil {
		loc = Copenhagen
	}
	return &Parser{
		rfc5424: rfc5424.NewParser(rfc5424.WithBestEffort()),
		rfc3164: rfc3164.NewParser(rfc3164.WithBestEffort(), rfc3164.WithYear(rfc3164.CurrentYear{}), rfc3164.WithLocaleTimezone(loc),
			rfc3164.WithRFC3339()),
		loc: loc,
	}
}

// isRFC5424 reports whether msg has the RFC 5424 header "<PRI>VERSION ".
func isRFC5424(msg []byte) bool {
	if len(msg) < 4 || msg[0] != '<' {
		return false
	}
	i := 1
	for i < len(msg) && i <= 4 && msg[i] >= '0' && msg[i] <= '9' {
		i++
	}
	if i == 1 || i >= len(msg) || msg[i] != '>' {
		return false
	}
	i++
	j := i
	for j < len(msg) && j-i < 2 && msg[j] >= '0' && msg[j] <= '9' {
		j++
	}
	return j > i && j < len(msg) && msg[j] == ' ' && msg[i] != '0'
}

// ParseSyslog parses one syslog message (RFC 5424 or RFC 3164, detected
// per message; trailing newlines are ignored) received at received from
// sourceIP, then interprets its message part (CEF, key=value, JSON, sshd,
// sudo). It always returns an event: what cannot be parsed is kept in Raw
// with ParseError set.
func (p *Parser) ParseSyslog(msg []byte, received time.Time, sourceIP string) Event {
	orig := msg
	for len(msg) > 0 && (msg[len(msg)-1] == '\n' || msg[len(msg)-1] == '\r' || msg[len(msg)-1] == 0) {
		msg = msg[:len(msg)-1]
	}
	e := Event{Received: received, Time: received, SourceIP: sourceIP, Severity: -1, Facility: -1, Fields: make([]Field, 0, 16)}
	p.fastHit = !p.fastOff && p.parse5424(msg, &e)
	if p.fastHit {
		e.Format = FormatRFC5424
		interpret(&e)
		return e
	}
	var m syslog.Message
	var err error
	if isRFC5424(msg) {
		e.Format = FormatRFC5424
		m, err = p.rfc5424.Parse(msg)
	} else {
		e.Format = FormatRFC3164
		m, err = p.rfc3164.Parse(msg)
	}
	if m == nil || !m.Valid() {
		e.Format, e.Message, e.Raw = FormatRaw, string(msg), string(orig)
		e.ParseError = "not a syslog message"
		if err != nil {
			e.ParseError += ": " + err.Error()
		}
		return e
	}
	if err != nil {
		// Best effort: keep what was read and the raw input.
		e.ParseError, e.Raw = err.Error(), string(orig)
	}
	var base *syslog.Base
	switch sm := m.(type) {
	case *rfc5424.SyslogMessage:
		base = &sm.Base
		if sm.StructuredData != nil {
			for id, params := range *sm.StructuredData {
				for k, v := range params {
					e.Set("syslog.sd."+id+"."+k, v)
				}
			}
		}
	case *rfc3164.SyslogMessage:
		base = &sm.Base
	}
	if base.Severity != nil {
		e.Severity = int(*base.Severity)
	}
	if base.Facility != nil {
		e.Facility = int(*base.Facility)
	}
	if base.Timestamp != nil && !base.Timestamp.IsZero() {
		t := *base.Timestamp
		if e.Format == FormatRFC3164 && t.Sub(received) > 24*time.Hour {
			t = t.AddDate(-1, 0, 0) // a December message read in January
		}
		e.Time = t.UTC()
	}
	if base.Hostname != nil {
		e.Host = *base.Hostname
		e.Set("host.name", e.Host)
	}
	if base.Appname != nil {
		e.App = *base.Appname
		e.Set("process.name", e.App)
	}
	if base.ProcID != nil {
		if _, err := strconv.Atoi(*base.ProcID); err == nil {
			e.Set("process.pid", *base.ProcID)
		}
	}
	if base.MsgID != nil {
		e.Set("log.syslog.msgid", *base.MsgID)
	}
	if base.Message != nil {
		e.Message = *base.Message
	}
	interpret(&e)
	return e
}
