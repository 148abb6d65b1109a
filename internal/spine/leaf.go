package spine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A unit's site runs an ingest node whose in-process NATS server is a
// leaf node of the centre's NATS. The site keeps what it receives on its
// own disk, in its own JetStream domain, under the subject prefix
// OutboxSubject (which never crosses the leaf link), and forwards it to
// the centre's stream in order; a batch leaves the site's disk only once
// the centre has acknowledged it. While the line to the centre is down
// the site goes on accepting and acknowledging logs (up to its MaxBytes),
// and when the line returns it delivers the backlog. A batch forwarded
// twice (its acknowledgement lost on the way back) keeps its id, which
// the centre's stream (within two minutes) and the store (always) take
// once. Forwarding with our own acknowledged publishes, rather than
// JetStream stream sourcing, tells the site exactly what the centre has,
// so it frees its disk by it, and works with centres from NATS 2.9 on
// (sourcing lost batches at a cut on 2.9 and, on 2.10+, waits up to two
// minutes to retry after a long cut: docs/LEAFNODES.md).

// OutboxStream and OutboxSubject are the site's stream and subject
// prefix.
const (
	OutboxStream  = "OUTBOX"
	OutboxSubject = "outbox"
	// forwardConsumer is the site's durable consumer that forwards.
	forwardConsumer = "forward"
	// centreSubject is the subject prefix of the centre's stream.
	centreSubject = "events"
	// LeafUser is the user name sites give the centre's leaf port.
	LeafUser = "samdrift-site"
	// localUser is the centre's own in-process connection once the
	// server has users (a hub).
	localUser = "samdrift"
	// siteInbox prefixes a site's reply subjects (then its domain): the
	// only replies the centre sends across the leaf link.
	siteInbox = "_SITE"
)

// Leaf makes the in-process server a leaf node of the centre's NATS: the
// spine of a unit's site.
type Leaf struct {
	// URL is the centre's leaf node port: nats-leaf://host:7422, or
	// tls://host:7422 for TLS.
	URL string
	// Domain is this site's JetStream domain, its name (letters, digits,
	// '-' and '_').
	Domain string
	// Secret is the password of the centre's leaf port.
	Secret string
	// CA is a PEM file of the CAs that sign the centre's certificate
	// (tls:// URLs; the system's when empty).
	CA string
	// Log is told when the line to the centre goes down and comes back.
	Log *slog.Logger
}

// Hub lets sites' servers connect to the in-process server as leaf nodes
// (a centre that runs on the embedded NATS; an external NATS cluster is
// configured with its own leafnodes block, docs/OPERATIONS.md).
type Hub struct {
	// Listen is the leaf port's address (host:port).
	Listen string
	// Secret is the password sites must give (user LeafUser).
	Secret string
	// TLSCert and TLSKey, when set, serve the leaf port over TLS.
	TLSCert, TLSKey string
}

// HubDomain is the centre's JetStream domain when it accepts sites.
const HubDomain = "hub"

// validDomain reports whether d can name a JetStream domain.
func validDomain(d string) bool {
	if d == "" || len(d) > 64 {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// leafOptions configures the in-process server's leaf side or hub side.
func (o *Options) leafOptions(so *server.Options) error {
	if l := o.Leaf; l != nil {
		if !validDomain(l.Domain) || l.Domain == HubDomain {
			return fmt.Errorf("spine: the site's name %q (--leaf-domain) must be 1-64 letters, digits, '-' or '_', and not %q", l.Domain, HubDomain)
		}
		u, err := url.Parse(l.URL)
		if err != nil || u.Host == "" || (u.Scheme != "nats-leaf" && u.Scheme != "tls" && u.Scheme != "nats") {
			return fmt.Errorf("spine: the centre's leaf port %q (--leaf-of) must be nats-leaf://host:port or tls://host:port", l.URL)
		}
		if l.Secret != "" {
			u.User = url.UserPassword(LeafUser, l.Secret)
		}
		remote := &server.RemoteLeafOpts{
			URLs: []*url.URL{u},
			// The outbox is the site's own: no other server may see it,
			// and no other site's may reach it.
			DenyExports: []string{OutboxSubject + ".>"},
			DenyImports: []string{OutboxSubject + ".>"},
		}
		if u.Scheme == "tls" {
			remote.TLS = true
			cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
			if l.CA != "" {
				pool, err := caPool(l.CA)
				if err != nil {
					return err
				}
				cfg.RootCAs = pool
			}
			remote.TLSConfig = cfg
		}
		so.JetStreamDomain = l.Domain
		so.LeafNode.Remotes = []*server.RemoteLeafOpts{remote}
		so.LeafNode.ReconnectInterval = time.Second
	}
	if h := o.Hub; h != nil {
		if o.Leaf != nil {
			return errors.New("spine: a node is either a site (--leaf-of) or accepts sites (--leaf-listen), not both")
		}
		if h.Secret == "" {
			return errors.New("spine: sites may connect only with a secret: give --leaf-secret-file (a file holding the password every site gives)")
		}
		host, port, err := net.SplitHostPort(h.Listen)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p < 1 || p > 65535 {
			return fmt.Errorf("spine: the leaf port %q (--leaf-listen) must be host:port with a port number", h.Listen)
		}
		so.JetStreamDomain = HubDomain
		so.LeafNode.Host, so.LeafNode.Port = host, p
		// Sites log in as LeafUser, checked against the server's users so
		// that the user's permissions bind them: a site may only add
		// batches to the centre's stream and receive the acknowledgements
		// to its own inbox prefix; it cannot read events, alerts, or
		// another node's replies, nor call the centre's JetStream API.
		// (Permissions are written from the site's side.) The centre's own
		// in-process connection logs in as localUser.
		so.Users = []*server.User{
			{Username: LeafUser, Password: h.Secret, Permissions: &server.Permissions{
				Publish:   &server.SubjectPermission{Allow: []string{centreSubject + ".>"}},
				Subscribe: &server.SubjectPermission{Allow: []string{siteInbox + ".>"}},
			}},
			{Username: localUser, Password: o.localSecret},
		}
		// Sites dial the address they are given (through whatever the
		// unit's network puts between), never one the centre announces.
		so.LeafNode.NoAdvertise = true
		if h.TLSCert != "" || h.TLSKey != "" {
			cert, err := tls.LoadX509KeyPair(h.TLSCert, h.TLSKey)
			if err != nil {
				return fmt.Errorf("spine: cannot load the leaf port's certificate: %w", err)
			}
			so.LeafNode.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		}
	}
	return nil
}

func caPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("spine: cannot read the CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("spine: %s holds no PEM certificate", file)
	}
	return pool, nil
}

// ForwardState is what a site's forwarding looks like now.
type ForwardState struct {
	// Connected is whether the line to the centre is up.
	Connected bool
	// Forwarded counts batches the centre acknowledged since the start.
	Forwarded uint64
	// Backlog is how many batches wait on the site's disk for the centre.
	Backlog uint64
}

// Forwarding returns the state of a site's forwarding (zero elsewhere).
func (s *Spine) Forwarding(ctx context.Context) (ForwardState, error) {
	if s.opts.Leaf == nil {
		return ForwardState{}, nil
	}
	st := ForwardState{Connected: s.hubUp.Load(), Forwarded: s.forwarded.Load()}
	n, err := s.Pending(ctx, forwardConsumer)
	st.Backlog = n
	return st, err
}

// forwardWait bounds how long the forwarder waits for the centre's
// acknowledgements of one round.
const forwardWait = 10 * time.Second

// forward runs on a site until Close: it hands the outbox's batches to
// the centre in order, a round of up to MaxBatches at a time, and
// acknowledges (frees) at the site exactly those the centre acknowledged.
// When one is refused or unanswered (the line is down, the centre's
// stream is full), it and those after it are sent again, one at a time
// until one gets through, after a pause that grows to 5 s, before
// anything newer: the centre gets the batches in the order the site took
// them. (A line that drops and comes back within one round, a few
// milliseconds at full speed, can put that round's later batches ahead
// of its earlier ones; the store takes them as they come, once.)
func (s *Spine) forward() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	log := s.opts.Leaf.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var c jetstream.Consumer
	if err := retry(ctx, time.Hour, func() error {
		var err error
		c, err = s.consumer(ctx, forwardConsumer)
		return err
	}); err != nil {
		return
	}
	var down time.Time
	for ctx.Err() == nil {
		fetch, err := c.Fetch(s.opts.MaxBatches, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		var msgs []jetstream.Msg
		for m := range fetch.Messages() {
			msgs = append(msgs, m)
		}
		pause := 100 * time.Millisecond
		for len(msgs) > 0 && ctx.Err() == nil {
			// While the line is down, one batch at a time: had a round of
			// many started then, and the line come back in its middle, the
			// first would have been refused and the later ones stored
			// ahead of them.
			round := msgs
			if !s.hubUp.Load() {
				round = msgs[:1]
			}
			ok, err := s.forwardRound(ctx, round)
			actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			for _, m := range msgs[:ok] {
				_ = m.DoubleAck(actx)
			}
			msgs = msgs[ok:]
			for _, m := range msgs {
				_ = m.InProgress() // held here, not given to anyone else
			}
			acancel()
			s.forwarded.Add(uint64(ok))
			if err == nil {
				if !s.hubUp.Swap(true) && !down.IsZero() {
					log.Info("the line to the centre is back: forwarding the site's backlog", "down_for", time.Since(down).Round(time.Second).String())
				}
				continue
			}
			if s.hubUp.Swap(false) || down.IsZero() {
				down = time.Now()
				n, _ := s.Pending(ctx, forwardConsumer)
				log.Warn("cannot forward to the centre: keeping the site's logs on its disk until the line is back", "err", err, "backlog", n)
			}
			sleep(ctx, pause)
			pause = min(2*pause, 5*time.Second)
		}
	}
}

// forwardRound publishes msgs to the centre's stream in order and returns
// how many of them, from the first, the centre acknowledged; err says
// why the rest were not.
func (s *Spine) forwardRound(ctx context.Context, msgs []jetstream.Msg) (int, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var err error
	for _, m := range msgs {
		out := &nats.Msg{Subject: centreSubject + strings.TrimPrefix(m.Subject(), OutboxSubject), Data: m.Data(), Header: nats.Header{}}
		out.Header.Set(jetstream.MsgIDHeader, m.Headers().Get(jetstream.MsgIDHeader))
		f, perr := s.js.PublishMsgAsync(out)
		if perr != nil {
			err = perr
			break
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(forwardWait)
	defer timeout.Stop()
	for i, f := range futures {
		select {
		case <-f.Ok():
			continue
		case ferr := <-f.Err():
			return i, ferr
		case <-timeout.C:
			return i, fmt.Errorf("no acknowledgement from the centre within %s", forwardWait)
		case <-ctx.Done():
			return i, ctx.Err()
		}
	}
	return len(futures), err
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
