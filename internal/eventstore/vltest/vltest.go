// Package vltest runs VictoriaLogs for tests: the binary built from the
// Go module proxy (go install
// github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.2).
package vltest

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store/storetest"
)

// Binary finds the VictoriaLogs binary: SAMDRIFT_VICTORIALOGS, or
// victoria-logs on the PATH or in $(go env GOPATH)/bin.
func Binary(t testing.TB) string {
	t.Helper()
	cands := []string{os.Getenv("SAMDRIFT_VICTORIALOGS"), "victoria-logs"}
	if home, err := os.UserHomeDir(); err == nil {
		cands = append(cands, filepath.Join(home, "go", "bin", "victoria-logs"))
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	const how = "go install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.2"
	if storetest.Required() {
		t.Fatalf("VictoriaLogs is not installed but SAMDRIFT_TEST_REQUIRE=1: %s (or set SAMDRIFT_VICTORIALOGS)", how)
	}
	t.Skipf("VictoriaLogs tests skipped: %s to run them", how)
	return ""
}

// Start runs a single VictoriaLogs on a free port with its data
// under a temporary directory (deletion on, as retention needs) and
// returns its URL.
func Start(t testing.TB, extra ...string) string {
	t.Helper()
	bin := Binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"-storageDataPath", t.TempDir(), "-httpListenAddr", addr, "-retentionPeriod", "100y", "-loggerLevel", "ERROR", "-delete.enable"}, extra...)
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("victoria-logs:\n%s", out.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get("http://" + addr + "/health"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return "http://" + addr
			}
		}
	}
	t.Fatalf("VictoriaLogs did not answer on %s", addr)
	return ""
}
