package ingest_test

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/relp"
)

// TestSyslogFrameSplitByAPause: a frame whose bytes arrive in two pieces
// with a pause between them (a lost TCP segment is resent after 200 ms or
// more) is still one event, and the frames after it stay in step; with
// both framings.
func TestSyslogFrameSplitByAPause(t *testing.T) {
	e := newIngestEnv(t)
	addr := serveOn(t, e.p.ServeSyslogTCP)
	msg := func(i int) string {
		return fmt.Sprintf("<13>1 2026-11-29T08:00:00Z host app - - - split message number %d with some length", i)
	}
	send := func(pieces ...string) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for i, p := range pieces {
			if i > 0 {
				time.Sleep(700 * time.Millisecond) // longer than the receiver's flush interval
			}
			if _, err := conn.Write([]byte(p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	octet := func(s string) string { return fmt.Sprintf("%d %s", len(s), s) }
	// Octet counting: the pause falls inside the length, then inside the message.
	f0, f1, f2 := octet(msg(0)), octet(msg(1)), octet(msg(2))
	send(f0[:1], f0[1:20], f0[20:]+f1[:30], f1[30:]+f2)
	// Newline framing: the pause falls inside a line.
	l3, l4 := msg(3)+"\n", msg(4)+"\n"
	send(l3[:25], l3[25:]+l4)
	got := e.drain(t, 5)
	var msgs []string
	for _, ev := range got {
		msgs = append(msgs, ev.Message)
	}
	slices.Sort(msgs)
	var want []string
	for i := range 5 {
		want = append(want, fmt.Sprintf("split message number %d with some length", i))
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("messages after pauses inside frames:\n got %q\nwant %q", msgs, want)
	}
}

// TestTooLongMessagesAreKeptAndMarked: over syslog TCP (both framings) and
// RELP, a message longer than the receiver keeps is stored with its start,
// marked with the length it had, and the messages after it arrive; RELP
// acknowledges it (an error answer would make rsyslog send it forever).
func TestTooLongMessagesAreKeptAndMarked(t *testing.T) {
	e := newIngestEnv(t)
	tcp, rl := serveOn(t, e.p.ServeSyslogTCP), serveOn(t, e.p.ServeRELP)
	long := "<13>1 2026-12-05T08:00:00Z host app - - - long " + strings.Repeat("x", 100_000)
	after := "<13>1 - h a - - - after"
	for _, framing := range []string{
		fmt.Sprintf("%d %s%d %s", len(long), long, len(after), after), // octet counting
		long + "\n" + after + "\n",                                    // newline framing
	} {
		conn, err := net.Dial("tcp", tcp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(framing)); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	conn, err := net.Dial("tcp", rl)
	if err != nil {
		t.Fatal(err)
	}
	c, err := relp.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	huge := "<13>1 2026-12-05T08:00:00Z host app - - - huge " + strings.Repeat("y", relp.MaxData)
	if err := c.Send([][]byte{[]byte(huge), []byte(after)}); err != nil {
		t.Fatalf("RELP with a frame over %d bytes: %v; want it acknowledged", relp.MaxData, err)
	}
	_ = c.Close()
	evs := e.drain(t, 6)
	cut, followed := 0, 0
	for _, ev := range evs {
		switch {
		case ev.Message == "after":
			followed++
		case ev.Get("event.truncated_from") == strconv.Itoa(len(long)) || ev.Get("event.truncated_from") == strconv.Itoa(len(huge)):
			if !strings.Contains(ev.ParseError, "bytes; the first") || !strings.Contains(ev.Message, "xxxx") && !strings.Contains(ev.Message, "yyyy") {
				t.Errorf("cut message: parse error %q, message starts %.40q", ev.ParseError, ev.Message)
			}
			cut++
		default:
			t.Errorf("unexpected event %.120q truncated_from=%q %q", ev.Message, ev.Get("event.truncated_from"), ev.ParseError)
		}
	}
	if cut != 3 || followed != 3 {
		t.Errorf("got %d cut and %d following messages; want 3 and 3", cut, followed)
	}
}

// TestStreamConnectionsBounded: a listener holds at most MaxConns
// connections (one more is closed at once), and closes one that stays
// silent for IdleTimeout.
func TestStreamConnectionsBounded(t *testing.T) {
	oldMax, oldIdle := ingest.MaxConns, ingest.IdleTimeout
	ingest.MaxConns, ingest.IdleTimeout = 3, time.Second
	t.Cleanup(func() { ingest.MaxConns, ingest.IdleTimeout = oldMax, oldIdle }) // after the listener stops
	e := newIngestEnv(t)
	addr := serveOn(t, e.p.ServeSyslogTCP)
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	time.Sleep(100 * time.Millisecond) // let the listener take them
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	_ = extra.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := extra.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Errorf("a connection beyond MaxConns: read = %v; want it closed at once", err)
	}
	// One held connection keeps talking; the silent ones are closed.
	start := time.Now()
	for time.Since(start) < 2500*time.Millisecond {
		if _, err := held[0].Write([]byte("<13>1 - h a - - - alive\n")); err != nil {
			t.Fatalf("the talking connection was closed: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i, c := range held[1:] {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Errorf("silent connection %d after 2.5 s: read = %v; want it closed", i+1, err)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
