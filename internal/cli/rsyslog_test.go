package cli_test

import (
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
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store/storetest"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// writePEM writes a certificate or key.
func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clientPKI makes a CA and a client certificate signed by it, for
// syslog-over-TLS senders.
func clientPKI(t *testing.T, dir, cn string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test sender CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	writePEM(t, caFile, "CERTIFICATE", caDER)
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kb)
	return caFile, certFile, keyFile
}

// TestRsyslogForwarding sends loadgen events into a real rsyslogd, which
// forwards them to samdrift over TCP with octet counting, over TLS with a
// client certificate, and over RELP (omrelp); every event must arrive once,
// attributed to the right municipality.
func TestRsyslogForwarding(t *testing.T) {
	rsyslogd, err := exec.LookPath("rsyslogd")
	if err == nil {
		_, err = os.Stat("/usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so")
	}
	if err != nil {
		if storetest.Required() {
			t.Fatal("rsyslogd with omrelp (Debian rsyslog, rsyslog-relp, rsyslog-gnutls) is not installed")
		}
		t.Skip("rsyslog, rsyslog-relp or rsyslog-gnutls not installed")
	}
	dir := t.TempDir()
	caFile, certFile, keyFile := clientPKI(t, dir, "syslog.frederiksberg.dk")
	s := startServe(t, filepath.Join(dir, "data"), "--ingest-client-ca", caFile)
	// The sender is on 127.0.0.1, København's range in the demo: the
	// operator moves its traffic to Frederiksberg on purpose.
	if code, _, errb := run(t, "", "sources", "add", "--data", s.dir, "--org", "147", "--certificate", "cn:syslog.frederiksberg.dk",
		"--type", "linux-server", "--allow-overlap"); code != 0 {
		t.Fatalf("sources add --certificate = %d %s", code, errb)
	}
	// An unknown certificate reloads the server's sources at most once a
	// second; let that second pass so the first connection finds it.
	time.Sleep(1100 * time.Millisecond)
	work := filepath.Join(dir, "rsyslog")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	port := func(name string) string { _, p, _ := net.SplitHostPort(s.recv[name]); return p }
	in := map[string]string{"tcp": freePort(t), "tls": freePort(t), "relp": freePort(t)}
	conf := fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k"
  DefaultNetstreamDriverCAFile=%q DefaultNetstreamDriverCertFile=%q DefaultNetstreamDriverKeyFile=%q)
module(load="imtcp")
module(load="omrelp")
template(name="fwd" type="string" string="<%%PRI%%>1 %%TIMESTAMP:::date-rfc3339%% %%HOSTNAME%% %%APP-NAME%% %%PROCID%% %%MSGID%% %%STRUCTURED-DATA%% %%msg%%")
input(type="imtcp" address="127.0.0.1" port=%q ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port=%q ruleset="tls")
input(type="imtcp" address="127.0.0.1" port=%q ruleset="relp")
ruleset(name="tcp") { action(type="omfwd" target="127.0.0.1" port=%q protocol="tcp" TCP_Framing="octet-counted" template="fwd") }
ruleset(name="tls") { action(type="omfwd" target="127.0.0.1" port=%q protocol="tcp" TCP_Framing="octet-counted" template="fwd"
  StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/certvalid") }
ruleset(name="relp") { action(type="omrelp" target="127.0.0.1" port=%q template="fwd") }
`, work, filepath.Join(s.dir, "tls", "ingest.crt"), certFile, keyFile, in["tcp"], in["tls"], in["relp"], port("syslog-tcp"), port("syslog-tls"), port("relp"))
	confFile := filepath.Join(work, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(rsyslogd, "-N1", "-f", confFile).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd rejects the configuration: %v\n%s", err, out)
	}
	cmd := exec.Command(rsyslogd, "-n", "-f", confFile, "-i", filepath.Join(work, "pid"))
	var rlog strings.Builder
	cmd.Stdout, cmd.Stderr = &rlog, &rlog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("rsyslogd said:\n%s", rlog.String())
		}
	}()
	token := func(user string) string {
		_, out, _ := run(t, "", "token", "create", "--data", s.dir, "--username", user)
		f := strings.Fields(out)
		return f[len(f)-1]
	}
	// Wait until rsyslog listens.
	for _, p := range in {
		deadline := time.Now().Add(20 * time.Second)
		for {
			c, err := net.Dial("tcp", "127.0.0.1:"+p)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("rsyslogd does not listen on %s", p)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	const n = 2000
	for name, p := range in {
		code, out, errb := run(t, "", "loadgen", "--protocol", "syslog-tcp", "--addr", "127.0.0.1:"+p, "--count", itoa(n), "--run-id", "rs-"+name)
		if code != 0 {
			t.Fatalf("loadgen into rsyslog %s = %d %s %s", name, code, out, errb)
		}
	}
	for name := range in {
		code, last := waitVerify(t, "--data", s.dir, "--run-id", "rs-"+name)
		if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n); code != 0 || last != want {
			t.Errorf("rsyslog over %s: %q; want %q", name, last, want)
		}
	}
	// Attribution: the client certificate makes the TLS events
	// Frederiksberg's; the others come from 127.0.0.1, København's in the demo.
	cph := token("demo-kommune-it")
	if code, last := waitVerify(t, "--api", "http://"+s.http, "--token", cph, "--run-id", "rs-relp"); code != 0 {
		t.Errorf("København does not see its RELP events: %s", last)
	}
	if code, out, _ := run(t, "", "loadgen", "verify", "--api", "http://"+s.http, "--token", cph, "--run-id", "rs-tls"); code == 0 || !strings.Contains(out, "stored 0 of 0") {
		t.Errorf("København sees the TLS events of Frederiksberg's certificate: %s", out)
	}
}
