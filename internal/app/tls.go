package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ingestTLS is the TLS configuration of the syslog TLS receiver: the
// given certificate, or one made (self-signed, under the data directory)
// on first start; client certificates requested and verified when a CA is
// given.
func ingestTLS(o EventOptions, log *slog.Logger) (*tls.Config, error) {
	certFile, keyFile := o.TLSCert, o.TLSKey
	if certFile == "" {
		if o.DataDir == "" {
			return nil, errors.New("--syslog-tls needs --ingest-tls-cert and --ingest-tls-key (or a --data directory to keep a self-signed one in)")
		}
		certFile, keyFile = filepath.Join(o.DataDir, "tls", "ingest.crt"), filepath.Join(o.DataDir, "tls", "ingest.key")
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if err := selfSigned(certFile, keyFile); err != nil {
				return nil, fmt.Errorf("cannot make a self-signed ingest certificate: %w", err)
			}
			log.Warn("made a self-signed certificate for syslog over TLS; give senders its file as their CA, or set --ingest-tls-cert", "cert", certFile)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load the ingest TLS certificate (--ingest-tls-cert/--ingest-tls-key): %w", err)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	log.Info("syslog TLS certificate", "file", certFile, "sha256", hex.EncodeToString(sum[:]))
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if o.ClientCA != "" {
		pemData, err := os.ReadFile(o.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("cannot read --ingest-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("--ingest-client-ca %s holds no PEM certificate", o.ClientCA)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		if o.RequireClientCert {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
	} else if o.RequireClientCert {
		return nil, errors.New("--ingest-require-client-cert needs --ingest-client-ca")
	}
	return cfg, nil
}

// selfSigned writes a self-signed ECDSA certificate for this host and
// 127.0.0.1, valid two years.
func selfSigned(certFile, keyFile string) error {
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "samdrift ingest " + host, Organization: []string{"samdrift"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", host}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		BasicConstraintsValid: true, IsCA: true, // lets senders trust the file itself as their CA
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
