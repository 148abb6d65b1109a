package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cli"
	"github.com/samdrift/samdrift/internal/federation/idptest"
)

// TestServeFederation: serve --federation reads the providers file; a
// mistake in it stops serve with the field named, and a good file puts
// the provider's button on the login page, whose first step leads to the
// provider.
func TestServeFederation(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("providers:\n  - {id: kk, type: oidc, client_id: c}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "", "serve", "--data", filepath.Join(dir, "d1"), "--http", "127.0.0.1:0", "--public-url", "http://127.0.0.1",
		"--federation", bad, "--log-level", "warn")
	if code == 0 || !strings.Contains(stderr, "providers[0].issuer") {
		t.Errorf("serve with a bad federation file = %d %q; want a failure naming providers[0].issuer", code, stderr)
	}

	op, err := idptest.StartOIDC(nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	good := filepath.Join(dir, "good.yaml")
	conf := "providers:\n  - id: kk\n    name: Københavns Kommune\n    type: oidc\n    issuer: " + op.Issuer + "\n    client_id: " + op.ClientID +
		"\n    client_secret_env: SAMDRIFT_CLI_TEST_SECRET\n    organisation: \"101\"\n    rules: [{group: g, role: spoc}]\n"
	if err := os.WriteFile(good, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAMDRIFT_CLI_TEST_SECRET", op.ClientSecret)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		done <- cli.Run(cli.WithReady(ctx, func(a string) { ready <- a }), []string{"serve", "--demo", "--data", filepath.Join(dir, "d2"),
			"--http", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0", "--relp", "127.0.0.1:0",
			"--public-url", "http://samdrift.test", "--federation", good, "--log-level", "warn"},
			cli.IO{In: strings.NewReader(""), Out: &out, Err: os.Stderr})
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited with %d before it was ready", code)
	case <-time.After(4 * time.Minute):
		t.Fatal("serve not ready after 4 minutes")
	}
	resp, err := http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Log ind med Københavns Kommune") {
		t.Errorf("login page lacks the provider's button")
	}
	nc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = nc.Get("http://" + addr + "/auth/kk/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, op.Issuer+"/authorize?") ||
		!strings.Contains(loc, "redirect_uri=http%3A%2F%2Fsamdrift.test%2Fauth%2Foidc%2Fkk%2Fcallback") || !strings.Contains(loc, "code_challenge_method=S256") {
		t.Errorf("begin = %d → %s; want the provider's authorize endpoint with PKCE and the public callback", resp.StatusCode, loc)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited with %d", code)
	}
}
