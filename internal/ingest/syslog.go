package ingest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/sources"
)

// MaxMessage bounds one syslog message; longer ones are cut and marked.
const MaxMessage = 64 << 10

// flushEvery is how long events may wait in a batch before publishing.
const flushEvery = 200 * time.Millisecond

// ServeSyslogTCP accepts syslog over TCP on ln until ctx ends. Framing is
// detected per connection (RFC 6587): a digit first means octet counting,
// anything else newline-separated messages.
func (p *Pipeline) ServeSyslogTCP(ctx context.Context, ln net.Listener) error {
	return p.serveConns(ctx, ln, "syslog-tcp", func(conn net.Conn) { p.syslogConn(ctx, conn, "syslog-tcp", sources.Credential{}) })
}

// MaxConns bounds the connections one stream listener (syslog TCP, TLS,
// RELP) holds at once; one more is closed at once and counted in
// samdrift_ingest_refused_connections_total. A connection silent for
// IdleTimeout is closed (senders reconnect when they have something).
var (
	MaxConns    = 4096
	IdleTimeout = 10 * time.Minute
)

// serveConns accepts connections on ln until ctx ends, handling each in
// its own goroutine, at most MaxConns at once, and waits for them to
// finish.
func (p *Pipeline) serveConns(ctx context.Context, ln net.Listener, protocol string, handle func(net.Conn)) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	limit := MaxConns
	places := make(chan struct{}, limit)
	var lastWarn time.Time
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return err
		}
		select {
		case places <- struct{}{}:
		default:
			conn.Close()
			p.refused.WithLabelValues(protocol).Inc()
			if time.Since(lastWarn) > time.Minute {
				lastWarn = time.Now()
				p.log.Warn("connection refused: the listener holds its most connections", "protocol", protocol, "max", limit,
					"remote", conn.RemoteAddr().String())
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-places }()
			handle(conn)
		}()
	}
}

func remoteAddr(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// syslogConn reads one connection until it closes or ctx ends.
// cred, when set, is the TLS client certificate's identity for
// attribution.
func (p *Pipeline) syslogConn(ctx context.Context, conn net.Conn, protocol string, cred sources.Credential) {
	defer conn.Close()
	addr := remoteAddr(conn.RemoteAddr())
	r := bufio.NewReaderSize(conn, 64<<10)
	parser := event.NewParser(nil)
	batch := p.NewBatcher(protocol, 500)
	// The batch is flushed by a ticker, not by a read deadline: a
	// deadline firing inside a frame (a sender's lost TCP segment is
	// resent after 200 ms or more) lost the frame's start and closed the
	// connection on the "broken" frame after it.
	var mu sync.Mutex
	frames, seenFrames, idleSince := 0, 0, time.Now() // under mu: for the idle timeout
	idle := IdleTimeout
	defer func() {
		mu.Lock()
		batch.finalFlush(ctx, true)
		mu.Unlock()
	}()
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				_ = conn.SetReadDeadline(time.Now())
				return
			case <-t.C:
				mu.Lock()
				var err error
				if batch.Len() > 0 {
					err = batch.Flush(ctx, true)
				}
				if frames != seenFrames {
					seenFrames, idleSince = frames, time.Now()
				}
				mu.Unlock()
				if time.Since(idleSince) > idle {
					p.log.Debug("closing an idle syslog connection", "remote", addr, "idle", idle)
					_ = conn.Close()
					return
				}
				if err != nil {
					p.log.Warn("cannot publish events; closing connection", "remote", addr, "err", err)
					_ = conn.Close()
					return
				}
			}
		}
	}()
	octets := -1 // unknown until the first byte
	from := addr.String()
	for ctx.Err() == nil {
		msg, n, err := readFrame(r, &octets)
		if len(msg) > 0 {
			e := parser.ParseSyslog(msg, time.Now().UTC(), from)
			if n > len(msg) {
				p.markCut(&e, protocol, n, len(msg))
			}
			mu.Lock()
			frames++
			aerr := batch.Add(ctx, e, addr, cred)
			mu.Unlock()
			if aerr != nil {
				p.log.Warn("cannot publish events; closing connection", "remote", addr, "err", aerr)
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				p.log.Debug("syslog connection ended", "remote", addr, "err", err)
			}
			return
		}
	}
}

// readFrame reads one message and returns it with its length as sent: a
// message longer than MaxMessage (octet counting) or the read buffer
// (newline framing) is returned cut to its start, with the length it had.
// octets is -1 before the first frame, then 1 for octet counting or 0 for
// newline framing.
func readFrame(r *bufio.Reader, octets *int) ([]byte, int, error) {
	if *octets < 0 {
		b, err := r.Peek(1)
		if err != nil {
			return nil, 0, err
		}
		*octets = 0
		if b[0] >= '1' && b[0] <= '9' {
			*octets = 1
		}
	}
	if *octets == 1 {
		// "LEN SP MSG"
		n := 0
		for {
			c, err := r.ReadByte()
			if err != nil {
				return nil, 0, err
			}
			if c == ' ' {
				break
			}
			if c < '0' || c > '9' || n > MaxMessage*16 {
				return nil, 0, errors.New("broken octet-counted frame")
			}
			n = n*10 + int(c-'0')
		}
		buf := make([]byte, min(n, MaxMessage))
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, 0, err
		}
		if n > MaxMessage {
			if _, err := r.Discard(n - MaxMessage); err != nil {
				return buf, n, err
			}
		}
		return buf, n, nil
	}
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// A line longer than the buffer: keep its start, skip the rest.
		out := append([]byte(nil), line...)
		n := len(line)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.ReadSlice('\n')
			n += len(line)
		}
		if err == nil {
			n-- // the newline ends the message, it is not part of it
		}
		return out, n, err
	}
	return append([]byte(nil), line...), len(line), err
}

// ServeSyslogUDP reads syslog datagrams from pc until ctx ends. UDP has no
// backpressure: events that meet a full spine are counted as dropped.
func (p *Pipeline) ServeSyslogUDP(ctx context.Context, pc net.PacketConn) error {
	go func() {
		<-ctx.Done()
		pc.Close()
	}()
	parser := event.NewParser(nil)
	batch := p.NewBatcher("syslog-udp", 500)
	defer batch.finalFlush(ctx, false)
	buf := make([]byte, 65536)
	for {
		_ = pc.SetReadDeadline(time.Now().Add(flushEvery))
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if batch.Len() > 0 {
					_ = batch.Flush(ctx, false)
				}
				continue
			}
			return err
		}
		addr := remoteAddr(from)
		e := parser.ParseSyslog(buf[:n], time.Now().UTC(), addr.String())
		if batch.Len() >= 499 {
			_ = batch.Flush(ctx, false)
		}
		_ = batch.Add(ctx, e, addr, sources.Credential{})
	}
}

// ListenUDP opens a UDP socket with a large receive buffer.
func ListenUDP(addr string) (net.PacketConn, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	if u, ok := pc.(*net.UDPConn); ok {
		_ = u.SetReadBuffer(8 << 20)
	}
	return pc, nil
}
