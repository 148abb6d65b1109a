package cli_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cli"
)

// server is a samdrift serve running for a test.
type server struct {
	dir, http string
	recv      map[string]string // receiver name → address
	stop      func() int        // cancels and returns the exit code
}

// startServe runs "samdrift serve --demo" on ephemeral ports with extra
// flags and waits until it is ready.
func startServe(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &server{dir: dir, recv: map[string]string{}}
	var mu sync.Mutex
	done := make(chan int, 1)
	go func() {
		c := cli.WithReceivers(cli.WithReady(ctx, func(a string) { ready <- a }), func(name, addr string) {
			mu.Lock()
			s.recv[name] = addr
			mu.Unlock()
		})
		args := append([]string{"serve", "--demo", "--http", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0", "--relp", "127.0.0.1:0",
			"--data", dir, "--log-level", "warn"}, extra...)
		done <- cli.Run(c, args, cli.IO{In: strings.NewReader(""), Out: io.Discard, Err: os.Stderr})
	}()
	select {
	case s.http = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited early with %d", code)
	case <-time.After(4 * time.Minute):
		cancel()
		t.Fatal("serve did not get ready in 4 minutes")
	}
	mu.Lock()
	defer mu.Unlock()
	stopped := false
	s.stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// waitVerify runs loadgen verify until the run is complete, or until the
// stored count has not grown for 30 s (a slow -race build keeps storing
// for a while; a lost event never comes), and returns the last output line
// and exit code.
func waitVerify(t *testing.T, args ...string) (int, string) {
	t.Helper()
	last, lastGrowth := -1, time.Now()
	for {
		code, out, errb := run(t, "", append([]string{"loadgen", "verify"}, args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		line := lines[len(lines)-1]
		stored := -1
		fmt.Sscanf(line, "stored %d of", &stored)
		if stored > last {
			last, lastGrowth = stored, time.Now()
		}
		if code == 0 || time.Since(lastGrowth) > 30*time.Second {
			if code != 0 {
				t.Logf("loadgen verify stderr: %s", errb)
			}
			return code, line
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestLoadgenRoundTrip(t *testing.T) {
	s := startServe(t, t.TempDir())
	code, out, errb := run(t, "", "sources", "add", "--data", s.dir, "--org", "147", "--token", "--name", "frb-http")
	if code != 0 {
		t.Fatalf("sources add --token = %d %q", code, errb)
	}
	f := strings.Fields(out)
	ingestToken := f[len(f)-1]
	for _, c := range []struct {
		run  string
		args []string
		n    int
	}{
		{"tcp1", []string{"--protocol", "syslog-tcp", "--addr", s.recv["syslog-tcp"], "--connections", "2"}, 3000},
		{"udp1", []string{"--protocol", "syslog-udp", "--addr", s.recv["syslog-udp"], "--rate", "5000"}, 1000},
		{"http1", []string{"--protocol", "http", "--addr", "http://" + s.http, "--token", ingestToken, "--gzip", "--batch", "300"}, 2000},
		{"bulk1", []string{"--protocol", "bulk", "--addr", "http://" + s.http, "--token", ingestToken, "--batch", "250"}, 1500},
		{"relp1", []string{"--protocol", "relp", "--addr", s.recv["relp"], "--connections", "3"}, 3000},
		{"tls1", []string{"--protocol", "syslog-tls", "--addr", s.recv["syslog-tls"], "--ca", s.dir + "/tls/ingest.crt"}, 1000},
	} {
		args := append([]string{"loadgen", "--count", itoa(c.n), "--run-id", c.run}, c.args...)
		code, out, errb := run(t, "", args...)
		want := "sent " + itoa(c.n) + " events in "
		if code != 0 || !strings.Contains(out, want) || !strings.HasSuffix(strings.TrimSpace(out), "events/s)") {
			t.Errorf("loadgen %s = %d %q %q; want a line starting %q", c.run, code, out, errb, want)
			continue
		}
		code, last := waitVerify(t, "--data", s.dir, "--run-id", c.run)
		if wantV := "stored " + itoa(c.n) + " of " + itoa(c.n) + ", missing 0, duplicated 0"; code != 0 || last != wantV {
			t.Errorf("verify %s = %d %q; want %q", c.run, code, last, wantV)
		}
	}
	// Through the API: the SOC sees every run; København's own user sees
	// the syslog runs (127.0.0.1 is København's in the demo) but not
	// Frederiksberg's HTTP run.
	token := func(user string) string {
		_, out, _ := run(t, "", "token", "create", "--data", s.dir, "--username", user)
		f := strings.Fields(out)
		return f[len(f)-1]
	}
	soc, cph := token("demo-soc-analyst"), token("demo-kommune-it")
	if code, last := waitVerify(t, "--api", "http://"+s.http, "--token", soc, "--run-id", "http1"); code != 0 || last != "stored 2000 of 2000, missing 0, duplicated 0" {
		t.Errorf("verify over the API as the SOC = %d %q", code, last)
	}
	if code, last := waitVerify(t, "--api", "http://"+s.http, "--token", cph, "--run-id", "tcp1"); code != 0 || last != "stored 3000 of 3000, missing 0, duplicated 0" {
		t.Errorf("verify over the API as København = %d %q", code, last)
	}
	code, out, _ = run(t, "", "loadgen", "verify", "--api", "http://"+s.http, "--token", cph, "--run-id", "http1")
	if code != 1 || !strings.Contains(out, "stored 0 of 0") {
		t.Errorf("København verifying Frederiksberg's run = %d %q; want exit 1, nothing visible", code, out)
	}
	if code := s.stop(); code != 0 {
		t.Errorf("serve exit = %d", code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestIngestOnItsOwnListener: with --ingest-http the HTTP ingest endpoints
// move to their own address, and the main listener no longer has them.
func TestIngestOnItsOwnListener(t *testing.T) {
	s := startServe(t, t.TempDir(), "--ingest-http", "127.0.0.1:0")
	ing := s.recv["ingest-http"]
	if ing == "" {
		t.Fatal("no ingest-http listener reported")
	}
	code, out, errb := run(t, "", "loadgen", "--protocol", "bulk", "--addr", "http://"+ing, "--count", "500", "--run-id", "own1")
	if code != 0 {
		t.Fatalf("loadgen to --ingest-http = %d %s %s", code, out, errb)
	}
	if code, last := waitVerify(t, "--data", s.dir, "--run-id", "own1"); code != 0 {
		t.Errorf("verify = %q", last)
	}
	resp, err := http.Post("http://"+s.http+"/ingest/v1/events", "application/x-ndjson", strings.NewReader("{\"message\":\"x\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Errorf("the main listener still takes ingest with --ingest-http")
	}
}

// loadgenInBackground runs loadgen with args and sends "exit CODE: stdout
// stderr" on the channel when it ends.
func loadgenInBackground(t *testing.T, args ...string) <-chan string {
	done := make(chan string, 1)
	go func() {
		code, out, errb := run(t, "", append([]string{"loadgen"}, args...)...)
		done <- fmt.Sprintf("exit %d: %s %s", code, out, errb)
	}()
	return done
}
