package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cli"
)

// TestMain lets a test run this binary as "samdrift serve" in a child
// process (SAMDRIFT_TEST_CHILD=1), so it can be killed with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("SAMDRIFT_TEST_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, os.Args[1:], cli.Stdio())
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// child is a samdrift serve process.
type child struct {
	cmd *exec.Cmd
	out *strings.Builder
	mu  *sync.Mutex // guards out while the process runs
}

// output is what the process has written so far.
func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	return startProcess(t, os.Args[0], []string{"SAMDRIFT_TEST_CHILD=1"}, args...)
}

// startProcess runs bin with args (and env added to the test's),
// keeping what it writes.
func startProcess(t *testing.T, bin string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &child{cmd: cmd, out: &out, mu: &mu}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// waitHTTP waits until the child answers /healthz.
func waitHTTP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("samdrift did not answer on %s", addr)
}

// TestKill9DuringLoad kills the server with SIGKILL while loadgen sends
// over HTTP and over RELP, restarts it, and checks that every event the
// server acknowledged is stored exactly once: loadgen resends what was not
// acknowledged (HTTP with the same Idempotency-Key, RELP the same frames),
// and the receivers give a retransmission the id it had the first time.
func TestKill9DuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server")
	}
	for _, proto := range []string{"http", "relp"} {
		t.Run(proto, func(t *testing.T) {
			dir := t.TempDir()
			if d := os.Getenv("KILLDIR"); d != "" {
				dir = filepath.Join(d, proto)
			}
			httpAddr, relpAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
			args := []string{"serve", "--demo", "--data", dir, "--http", httpAddr, "--relp", relpAddr,
				"--syslog-tcp", "", "--syslog-udp", "", "--syslog-tls", "", "--log-level", "warn"}
			c := startChild(t, args...)
			waitHTTP(t, httpAddr)
			addr := "http://" + httpAddr
			if proto == "relp" {
				addr = relpAddr
			}
			const n = 30000
			done := loadgenInBackground(t, "--protocol", proto, "--addr", addr, "--count", fmt.Sprint(n), "--rate", "6000", "--batch", "200", "--connections", "2", "--run-id", "kill-"+proto)
			time.Sleep(2 * time.Second)
			if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = c.cmd.Wait()
			c2 := startChild(t, args...)
			defer func() {
				_ = c2.cmd.Process.Signal(syscall.SIGTERM)
				_ = c2.cmd.Wait()
				if t.Failed() {
					t.Logf("first server:\n%s\nsecond server:\n%s", c.out, c2.out)
				}
			}()
			waitHTTP(t, httpAddr)
			var res string
			select {
			case res = <-done:
			case <-time.After(3 * time.Minute):
				t.Fatal("loadgen did not finish")
			}
			if !strings.HasPrefix(res, "exit 0") || !strings.Contains(res, fmt.Sprintf("sent %d events", n)) {
				t.Fatalf("loadgen: %s", res)
			}
			code, last := waitVerify(t, "--data", dir, "--run-id", "kill-"+proto)
			if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n); code != 0 || last != want {
				_, out, _ := run(t, "", "loadgen", "verify", "--data", dir, "--run-id", "kill-"+proto)
				t.Errorf("after kill -9 and restart: %q; want %q\n%s\nloadgen: %s", last, want, out, res)
			}
			_ = filepath.Join
		})
	}
}
