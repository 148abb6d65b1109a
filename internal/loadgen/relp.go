package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/relp"
)

// relpSender sends each batch as one RELP window and returns when the
// receiver has acknowledged every message of it.
type relpSender struct{ c *relp.Client }

func dialRELP(ctx context.Context, o Options) (sender, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	var err error
	if o.TLS != nil {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: o.TLS}).DialContext(ctx, "tcp", o.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", o.Addr)
	}
	if err != nil {
		return nil, errs.E(errs.Invalid, "cannot connect to %s: %v", o.Addr, err)
	}
	c, err := relp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, errs.E(errs.Invalid, "%s does not speak RELP: %v", o.Addr, err)
	}
	return &relpSender{c: c}, nil
}

func (s *relpSender) send(_ context.Context, lines [][]byte) error {
	if err := s.c.Send(lines); err != nil {
		return errs.E(errs.Internal, "RELP: %v", err)
	}
	return nil
}

func (s *relpSender) close() error { return s.c.Close() }
