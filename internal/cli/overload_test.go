package cli_test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/sigma/sigmatest"
)

// TestOverload sends to samdrift, with every SigmaHQ rule imported,
// faster than it can store and detect: RELP (acknowledged in windows),
// HTTP (acknowledged per request, 429 with Retry-After when full) and
// syslog over TCP at once, from loadgen processes as fast as they go. It
// checks that samdrift slowed the senders rather than grew: its peak RSS
// stays under the bound, and every event is stored exactly once (the
// acknowledged ones above all).
//
// The server and loadgen are a build without the race detector, as
// deployed (the detector multiplies memory), with the server's default
// memory settings. The spine is small (64 MiB) so that it fills within
// the short run; the default 1 GiB fills the same way, later. CI sends
// 800,000 events (about 12 s of senders outrunning the store on two
// cores); SAMDRIFT_OVERLOAD_EVENTS=6000000 is the long run of about
// three and a half minutes (docs/PERFORMANCE.md), and
// SAMDRIFT_OVERLOAD_RSS_MB changes the bound (512).
func TestOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds samdrift and overloads it")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("SAMDRIFT_TEST_REQUIRE") != "" {
			t.Fatal("the go command is needed to build samdrift without the race detector")
		}
		t.Skip("no go command to build samdrift with")
	}
	total := envInt(t, "SAMDRIFT_OVERLOAD_EVENTS", 800_000)
	bound := envInt(t, "SAMDRIFT_OVERLOAD_RSS_MB", 512)
	rules := filepath.Join(sigmatest.Root(t), "rules")

	dir := t.TempDir()
	bin := filepath.Join(dir, "samdrift")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/samdrift/samdrift/cmd/samdrift")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sam := func(args ...string) string {
		t.Helper()
		var stderr strings.Builder
		cmd := exec.Command(bin, args...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("samdrift %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}
	data := filepath.Join(dir, "data")
	sam("migrate", "--data", data)
	sam("rules", "import", "--data", data, rules)

	httpAddr, relpAddr, tcpAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	srv := startProcess(t, bin, nil, "serve", "--demo", "--data", data, "--http", httpAddr, "--relp", relpAddr, "--syslog-tcp", tcpAddr,
		"--syslog-udp", "", "--syslog-tls", "", "--spine-max-bytes", strconv.Itoa(64<<20), "--log-level", "warn")
	defer func() {
		_ = srv.cmd.Process.Signal(syscall.SIGTERM)
		_ = srv.cmd.Wait()
		if t.Failed() {
			t.Logf("server:\n%s", srv.output())
		}
	}()
	waitHTTP(t, httpAddr)
	f := strings.Fields(sam("sources", "add", "--data", data, "--org", "147", "--token", "--name", "overload-http"))
	token := f[len(f)-1]
	// The server learns a token registered by another process at its
	// next look at the sources (at most once a second).
	if !waitFor(10*time.Second, func() bool {
		req, _ := http.NewRequest("POST", "http://"+httpAddr+"/ingest/v1/events", strings.NewReader(`{"message":"token check"}`+"\n"))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode < 300
	}) {
		t.Fatal("the new ingest token was not accepted within 10 s")
	}

	// Half over RELP, a quarter each over HTTP and syslog TCP.
	runs := []struct {
		id   string
		n    int
		args []string
	}{
		{"over-relp", total / 2, []string{"--protocol", "relp", "--addr", relpAddr, "--connections", "4"}},
		{"over-http", total / 4, []string{"--protocol", "http", "--addr", "http://" + httpAddr, "--token", token, "--connections", "2"}},
		{"over-tcp", total / 4, []string{"--protocol", "syslog-tcp", "--addr", tcpAddr, "--connections", "2"}},
	}
	start := time.Now()
	var wg sync.WaitGroup
	outs := make([]string, len(runs))
	for i, r := range runs {
		wg.Go(func() {
			args := append([]string{"loadgen", "--count", strconv.Itoa(r.n), "--run-id", r.id}, r.args...)
			out, err := exec.Command(bin, args...).CombinedOutput()
			outs[i] = fmt.Sprintf("%v: %s", err, out)
			if err != nil {
				t.Errorf("loadgen %s: %s", r.id, outs[i])
			}
		})
	}
	wg.Wait()
	sent := time.Since(start)
	if !waitFor(5*time.Minute, func() bool {
		n, _ := strconv.ParseFloat(metric(t, httpAddr, "samdrift_events_stored_total"), 64)
		return int(n) >= total+1 // and the token check
	}) {
		t.Errorf("stored %s of %d events after 5 minutes", metric(t, httpAddr, "samdrift_events_stored_total"), total)
	}
	stored := time.Since(start)
	for _, r := range runs {
		code, last := waitVerify(t, "--data", data, "--run-id", r.id)
		if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", r.n, r.n); code != 0 || last != want {
			t.Errorf("%s: %q; want %q", r.id, last, want)
		}
	}
	hwm := peakRSS(t, srv.cmd.Process.Pid)
	waits, busy := metric(t, httpAddr, "samdrift_ingest_backpressure_waits_total"), metric(t, httpAddr, "samdrift_ingest_http_busy_total")
	t.Logf("%d events sent in %.1f s, stored in %.1f s (%.0f events/s); peak RSS %d MiB (bound %d); backpressure waits %s, HTTP 429s %s",
		total, sent.Seconds(), stored.Seconds(), float64(total)/stored.Seconds(), hwm, bound, waits, busy)
	if waits == "" || waits == "0" {
		t.Errorf("the senders were never slowed (samdrift_ingest_backpressure_waits_total %q): the run did not overload samdrift", waits)
	}
	if hwm >= bound {
		t.Errorf("peak RSS %d MiB; want under %d MiB", hwm, bound)
	}
}

// peakRSS is a process's peak resident set (VmHWM) in MiB.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}
