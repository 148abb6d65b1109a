// Package spinetest holds helpers for tests of the event spine across
// machines.
package spinetest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Line is a TCP line between a site and the centre that a test can cut
// and mend: it listens on 127.0.0.1 and relays every connection to the
// target. Cut closes the connections it relays and refuses new ones (it
// accepts and closes them, as a line that drops does) until Mend.
type Line struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

// NewLine starts a line to target (host:port), closed when t ends.
func NewLine(t testing.TB, target string) *Line {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &Line{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go l.accept()
	t.Cleanup(func() {
		ln.Close()
		l.Cut()
	})
	return l
}

// Addr is the address to dial instead of the target.
func (l *Line) Addr() string { return l.ln.Addr().String() }

// Cut drops every relayed connection and refuses new ones.
func (l *Line) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	for c := range l.conns {
		c.Close()
	}
	clear(l.conns)
}

// Mend lets connections through again.
func (l *Line) Mend() {
	l.mu.Lock()
	l.cut = false
	l.mu.Unlock()
}

func (l *Line) accept() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		go l.relay(c)
	}
}

func (l *Line) relay(c net.Conn) {
	l.mu.Lock()
	if l.cut {
		l.mu.Unlock()
		c.Close()
		return
	}
	l.mu.Unlock()
	up, err := net.Dial("tcp", l.target)
	if err != nil {
		c.Close()
		return
	}
	l.mu.Lock()
	if l.cut {
		l.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	l.conns[c], l.conns[up] = struct{}{}, struct{}{}
	l.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	l.mu.Lock()
	delete(l.conns, c)
	delete(l.conns, up)
	l.mu.Unlock()
}
