package ingest_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"
)

// TestSyslogFrameSplitByAPause: a frame whose bytes arrive in two pieces
// with a pause between them (a lost TCP segment is resent after 200 ms or
// more) is still one event, and the frames after it stay in step; with
// both framings.
func TestSyslogFrameSplitByAPause(t *testing.T) {
	e := newIngestEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.p.ServeSyslogTCP(ctx, ln) }()
	defer func() {
		cancel()
		<-served
	}()
	msg := func(i int) string {
		return fmt.Sprintf("<13>1 2026-11-29T08:00:00Z host app - - - split message number %d with some length", i)
	}
	send := func(pieces ...string) {
		t.Helper()
		conn, err := net.Dial("tcp", ln.Addr().String())
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
