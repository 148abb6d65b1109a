package event_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/loadgen"
)

var seeds = []string{
	`<165>1 2026-11-29T10:00:00.123Z fw01.kk.dk evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event`,
	"<38>Nov 29 10:00:00 web01 sshd[123]: Accepted password for root from 10.1.2.3 port 51234 ssh2",
	"<85>Nov 29 10:00:02 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
	`<189>Nov 29 10:00:03 FGT-KK devname="FGT-KK" srcip=10.0.0.5 dstip=8.8.8.8 proto=17 action="accept"`,
	`<134>Nov 29 10:00:04 pa01 CEF:0|Vendor|Product|1|100|name|5|src=10.0.0.1 msg=a\=b c`,
	`<14>Nov 29 10:00:05 app01 myapp: {"level":"error","msg":"x","n":[1,{"a":2}]}`,
	"<0>", "<999>1 -", "no header", "",
}

// FuzzParseSyslog checks the parser never panics and never loses input:
// whatever it could not parse stays in Raw or Message.
func FuzzParseSyslog(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	p := event.NewParser(nil)
	f.Fuzz(func(t *testing.T, in []byte) {
		e := p.ParseSyslog(in, received, "127.0.0.1")
		if e.ParseError != "" && e.Raw == "" && len(in) > 0 {
			t.Fatalf("parse error %q but raw input dropped", e.ParseError)
		}
		if e.Format == "" || e.Received.IsZero() || e.Time.IsZero() {
			t.Fatalf("incomplete event %+v", e)
		}
		if e.Severity < -1 || e.Severity > 7 {
			t.Fatalf("severity %d out of range", e.Severity)
		}
		_ = utf8.ValidString(e.Message)
	})
}

// FuzzParseJSON checks JSON input never panics and broken input is kept.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"EventID":4688,"Hostname":"h","CommandLine":"x"}`, `{"winlog":{"event_id":1}}`, `[1,2]`, `{`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		e := event.ParseJSON(in, received, "")
		if e.Format == event.FormatRaw && e.Raw != string(in) {
			t.Fatalf("raw input not kept")
		}
	})
}

// FuzzParse5424 holds the RFC 5424 fast path to go-syslog's state
// machine: wherever the fast path accepts a message, both give the same
// event (fields compared as sets: go-syslog keeps structured data in a
// map).
func FuzzParse5424(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`<13>1 2026-02-28T23:59:59.999999+01:00 host app 42 - [a b="1" c="x\"y\\z\]w\q"][d@1 e=""] msg`,
		`<191>1 2024-02-29T00:00:00-11:30 - - - - -`,
		`<0>1 - h a p m [x] `,
		`<13>1 2026-11-29T10:00:00Z h a -12 m - ` + "\xEF\xBB\xBFbom",
		`<13>1 2026-11-29T10:00:00.1234567Z h a p m - x`,
		`<13>1 2026-13-01T10:00:00Z h a p m - x`,
		`<13>1 2026-11-29T10:00:00Z h a p m [a b="1"][a b="2"] dup`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, want, took := event.ParseSyslogBoth(in, received, "127.0.0.1")
		if !took {
			return // the fast path declined: the machine decides
		}
		got.Fields, want.Fields = sortedFields(got.Fields), sortedFields(want.Fields)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast    %+v\nmachine %+v", in, got, want)
		}
	})
}

// TestFastPathTakesLoadgenMessages: the RFC 5424 fast path takes every
// RFC 5424 message loadgen sends (what rsyslog and the load tests send
// too) and agrees with the state machine on each.
func TestFastPathTakesLoadgenMessages(t *testing.T) {
	n := 0
	for _, line := range loadgen.Sample(600, received) {
		got, want, took := event.ParseSyslogBoth(line, received, "10.0.0.1")
		if want.Format != event.FormatRFC5424 {
			continue
		}
		n++
		if !took {
			t.Fatalf("fast path declined %q", line)
		}
		if !reflect.DeepEqual(sortedFields(got.Fields), sortedFields(want.Fields)) || got.Message != want.Message || !got.Time.Equal(want.Time) {
			t.Fatalf("%q:\nfast    %+v\nmachine %+v", line, got, want)
		}
	}
	if n < 500 {
		t.Fatalf("only %d of 600 loadgen messages were RFC 5424", n)
	}
}

func sortedFields(fs []event.Field) []event.Field {
	out := slices.Clone(fs)
	slices.SortFunc(out, func(a, b event.Field) int { return strings.Compare(a.Key+"\x00"+a.Value, b.Key+"\x00"+b.Value) })
	return out
}
