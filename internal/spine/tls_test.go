package spine_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestExternalNATSOverTLS: the spine reaches a NATS server that speaks
// only TLS when given the CA that signed its certificate, and refuses to
// without it.
func TestExternalNATSOverTLS(t *testing.T) {
	const bin = "/usr/sbin/nats-server"
	if _, err := os.Stat(bin); err != nil {
		if storetest.Required() {
			t.Fatalf("%s is missing but SAMDRIFT_TEST_REQUIRE=1", bin)
		}
		t.Skipf("%s is missing", bin)
	}
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "samdrift test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile, certFile, keyFile := write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("listen: 127.0.0.1:%d\njetstream { store_dir: %q }\ntls { cert_file: %q\n key_file: %q }\n",
		port, filepath.Join(dir, "js"), certFile, keyFile)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("nats-server:\n%s", out.String())
		}
	}()
	url := fmt.Sprintf("tls://127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nats-server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s, err := spine.Open(ctx, spine.Options{URL: url, Stream: "TLSNOCA", Subject: "tlsnoca"}); err == nil {
		s.Close()
		t.Fatal("connected over TLS without the CA that signed the server's certificate")
	}
	s, err := spine.Open(context.Background(), spine.Options{URL: url, CA: caFile, Stream: "TLS", Subject: "tls", Consumers: []string{"store"}})
	if err != nil {
		t.Fatalf("with --nats-ca: %v", err)
	}
	defer s.Close()
	if err := s.Publish(context.Background(), "101", "tls-1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, s, "store", 1, nil); len(got) != 1 || got[0].Tenant != "101" {
		t.Fatalf("over TLS: %+v", got)
	}
}
