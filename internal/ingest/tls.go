package ingest

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"net"
	"time"

	"github.com/samdrift/samdrift/internal/sources"
)

// certIdentity completes a TLS handshake (plain connections return an
// empty credential) and returns the verified client certificate's
// fingerprint and common name. A failed handshake is returned as an error
// so the connection can be closed.
func certIdentity(conn net.Conn) (sources.Credential, error) {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return sources.Credential{}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return sources.Credential{}, err
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return sources.Credential{}, nil
	}
	leaf := st.PeerCertificates[0]
	sum := sha256.Sum256(leaf.Raw)
	return sources.Credential{CertSHA256: hex.EncodeToString(sum[:]), CertSubject: leaf.Subject.CommonName}, nil
}

// ServeSyslogTLS accepts syslog over TLS (RFC 5425; the same framing
// detection as TCP) on ln, a TLS listener, until ctx ends. A verified
// client certificate attributes the connection's events to its registered
// source.
func (p *Pipeline) ServeSyslogTLS(ctx context.Context, ln net.Listener) error {
	return p.serveConns(ctx, ln, "syslog-tls", func(conn net.Conn) {
		cred, err := certIdentity(conn)
		if err != nil {
			p.log.Warn("syslog TLS handshake failed", "remote", conn.RemoteAddr().String(), "err", err)
			conn.Close()
			return
		}
		if cred.CertSHA256 != "" && !p.sources.CertKnown(ctx, cred) {
			p.log.Info("TLS sender's certificate is not registered; attributing by address", "remote", conn.RemoteAddr().String(), "cn", cred.CertSubject, "sha256", cred.CertSHA256)
		}
		p.syslogConn(ctx, conn, "syslog-tls", cred)
	})
}
