package ingest

import (
	"bufio"
	"context"
	"errors"
	"hash/fnv"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/relp"
	"github.com/samdrift/samdrift/internal/sources"
)

// ServeRELP accepts RELP sessions on ln until ctx ends. A syslog command is
// acknowledged only once the spine has its event: the receiver reads what
// the client has pipelined, publishes it as one batch, then answers every
// command of the batch in order.
func (p *Pipeline) ServeRELP(ctx context.Context, ln net.Listener) error {
	return p.serveConns(ctx, ln, "relp", func(conn net.Conn) {
		cred, err := certIdentity(conn)
		if err != nil {
			p.log.Warn("RELP TLS handshake failed", "remote", conn.RemoteAddr().String(), "err", err)
			conn.Close()
			return
		}
		if cred.CertSHA256 != "" {
			p.sources.CertKnown(ctx, cred)
		}
		p.relpConn(ctx, conn, "relp", cred)
	})
}

// relpCopies bounds the messages a RELP session counts copies of.
const relpCopies = 4096

func (p *Pipeline) relpConn(ctx context.Context, conn net.Conn, protocol string, cred sources.Credential) {
	defer conn.Close()
	addr := remoteAddr(conn.RemoteAddr())
	from := addr.String()
	r := bufio.NewReaderSize(conn, 256<<10)
	w := bufio.NewWriterSize(conn, 64<<10)
	parser := event.NewParser(nil)
	batch := p.NewBatcher(protocol, 1<<30) // flushed here, before acks
	var pending []int                      // txnrs of syslog commands not yet acked
	seen := map[uint64]uint32{}            // content hash → copies so far in this session
	var out []byte
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	pctx, cancel := graceContext(ctx)
	defer cancel()
	// commit publishes what is batched and acks it; false when the events
	// could not be published (the connection is then closed unacked, and
	// the client sends them again).
	commit := func() bool {
		if len(pending) == 0 {
			return w.Flush() == nil // answers to open and unknown commands
		}
		if err := batch.Flush(pctx, true); err != nil {
			p.log.Warn("cannot publish RELP events; closing the session unacknowledged", "remote", addr, "err", err)
			return false
		}
		for _, t := range pending {
			out = relp.AppendFrame(out[:0], t, relp.CmdRsp, []byte("200 OK"))
			_, _ = w.Write(out)
		}
		pending = pending[:0]
		return w.Flush() == nil
	}
	opened := false
	for {
		if r.Buffered() == 0 {
			// Nothing more pipelined: make the batch durable and answer.
			if !commit() {
				return
			}
			_ = conn.SetReadDeadline(time.Now().Add(IdleTimeout))
			if ctx.Err() != nil {
				break
			}
		}
		f, err := relp.ReadFrame(r)
		if err != nil {
			if errors.Is(err, relp.ErrFrame) {
				p.log.Warn("malformed RELP frame; closing the session", "remote", addr, "err", err)
			} else if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				p.log.Debug("RELP session ended", "remote", addr, "err", err)
			}
			break
		}
		switch {
		case f.Command == relp.CmdOpen:
			opened = true
			out = relp.AppendFrame(out[:0], f.Txnr, relp.CmdRsp, []byte("200 OK\nrelp_version=0\nrelp_software=samdrift\ncommands=syslog"))
			_, _ = w.Write(out)
		case !opened:
			out = relp.AppendFrame(out[:0], f.Txnr, relp.CmdRsp, []byte("500 open the session first"))
			_, _ = w.Write(out)
			_ = w.Flush()
			return
		case f.Command == relp.CmdSyslog:
			data, n := f.Data, len(f.Data)
			if f.Cut > 0 {
				n = f.Cut
			}
			if len(data) > MaxMessage {
				data = data[:MaxMessage]
			}
			e := parser.ParseSyslog(data, time.Now().UTC(), from)
			if n > len(data) {
				p.markCut(&e, protocol, n, len(data))
			}
			// RELP clients resend what was unacknowledged when a session
			// broke, in a new session and under new transaction numbers;
			// an id from the content and its occurrence in the session
			// stores such a retransmission once, while identical messages
			// (the n-th copy of a line in a session) stay distinct events.
			// The count is kept for the last relpCopies different
			// messages (a copy further back starts at one again).
			h := fnv.New64a()
			_, _ = h.Write(f.Data)
			k := h.Sum64()
			if len(seen) >= relpCopies {
				clear(seen)
			}
			seen[k]++
			e.ID = event.StableID("relp", from, cred.CertSHA256, string(f.Data), strconv.FormatUint(uint64(seen[k]), 10))
			if err := batch.Add(ctx, e, addr, cred); err != nil {
				return
			}
			pending = append(pending, f.Txnr)
			if len(pending) >= 1000 && !commit() { // bound what waits for an ack
				return
			}
		case f.Command == relp.CmdClose:
			if !commit() {
				return
			}
			out = relp.AppendFrame(out[:0], f.Txnr, relp.CmdRsp, nil)
			_, _ = w.Write(out)
			_ = w.Flush()
			return
		default:
			out = relp.AppendFrame(out[:0], f.Txnr, relp.CmdRsp, []byte("500 unknown command "+f.Command))
			_, _ = w.Write(out)
		}
	}
	// The session ends (shutdown, idle, broken frame): keep and ack what
	// arrived whole, then tell the client the server is closing.
	if commit() {
		out = relp.AppendFrame(out[:0], 0, relp.CmdServerClose, nil)
		_, _ = w.Write(out)
		_ = w.Flush()
	}
}
