// Package vltest runs VictoriaLogs for tests: the binary built from the
// Go module proxy (go install
// github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.2),
// as a single server or as a small cluster.
package vltest

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// Server is one VictoriaLogs process: a single server, or a cluster's
// storage or insert/select node. It is killed when the test ends.
type Server struct {
	// Addr is its HTTP listener (host:port); URL is http://Addr.
	Addr, URL string

	t    testing.TB
	args []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	out  strings.Builder
}

// Start runs a single VictoriaLogs on a free port with its data
// under a temporary directory (deletion on, as retention needs) and
// returns its URL.
func Start(t testing.TB, extra ...string) string {
	t.Helper()
	return Run(t, extra...).URL
}

// Run starts a single VictoriaLogs as Start does and returns it.
func Run(t testing.TB, extra ...string) *Server {
	t.Helper()
	return run(t, append([]string{"-storageDataPath", t.TempDir()}, extra...))
}

// Cluster starts storage nodes (each a VictoriaLogs with its own data)
// and an insert/select node routing to them, and returns the
// insert/select node and the storage nodes.
func Cluster(t testing.TB, storage int, extra ...string) (*Server, []*Server) {
	t.Helper()
	var nodes []*Server
	var addrs []string
	for range storage {
		// Deletion through the insert/select node (retention) needs
		// the storage nodes' internal delete API.
		s := Run(t, append([]string{"-internaldelete.enable"}, extra...)...)
		nodes = append(nodes, s)
		addrs = append(addrs, s.Addr)
	}
	front := run(t, []string{"-storageNode", strings.Join(addrs, ",")})
	return front, nodes
}

func run(t testing.TB, args []string) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{Addr: freeAddr(t), t: t}
	s.URL = "http://" + s.Addr
	s.args = append([]string{bin, "-httpListenAddr", s.Addr, "-retentionPeriod", "100y", "-loggerLevel", "ERROR", "-delete.enable"}, args...)
	s.Restart()
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			s.mu.Lock()
			t.Logf("victoria-logs %s:\n%s", s.Addr, s.out.String())
			s.mu.Unlock()
		}
	})
	return s
}

// Kill kills the process (SIGKILL) and waits for it.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts the process again (on the same address and data) and
// waits until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatal(err)
	}
	s.cmd = cmd
	s.mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r, err := http.Get(s.URL + "/health"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
	}
	s.t.Fatalf("VictoriaLogs did not answer on %s", s.Addr)
}

// freeAddr is a free 127.0.0.1 port.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
