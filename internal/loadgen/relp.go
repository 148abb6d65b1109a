package loadgen

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/relp"
)

// relpSender sends each batch as one RELP window and returns when the
// receiver has acknowledged every message of it. When the session breaks
// it reconnects and sends the unacknowledged window again, as rsyslog's
// omrelp does (for up to a minute).
type relpSender struct {
	o Options
	c *relp.Client
}

func dialRELP(ctx context.Context, o Options) (sender, error) {
	s := &relpSender{o: o}
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *relpSender) connect(ctx context.Context) error {
	conn, err := dialStream(ctx, s.o.Addr, s.o.TLS)
	if err != nil {
		return err
	}
	c, err := relp.NewClient(conn)
	if err != nil {
		conn.Close()
		return errs.E(errs.Invalid, "%s does not speak RELP: %v", s.o.Addr, err)
	}
	s.c = c
	return nil
}

func (s *relpSender) send(ctx context.Context, lines [][]byte) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if s.c != nil {
			err := s.c.Send(lines)
			if err == nil {
				return nil
			}
			_ = s.c.Close()
			s.c = nil
			if time.Now().After(deadline) {
				return errs.E(errs.Internal, "RELP: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if err := s.connect(ctx); err != nil && time.Now().After(deadline) {
			return err
		}
	}
}

func (s *relpSender) close() error {
	if s.c == nil {
		return nil
	}
	return s.c.Close()
}
