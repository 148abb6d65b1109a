package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/eventstore/vltest"
)

// TestServeOnVictoria runs samdrift with its events in VictoriaLogs
// (--events): loadgen sends over RELP while samdrift is killed with
// SIGKILL and started again; every event is in VictoriaLogs exactly once
// (the spine held the batches VictoriaLogs had not flushed, and a batch
// delivered again is checked against what VictoriaLogs has), and the
// search API finds them.
func TestServeOnVictoria(t *testing.T) {
	if testing.Short() {
		t.Skip("runs VictoriaLogs and kills a server")
	}
	t.Parallel()
	vl := "victorialogs://" + strings.TrimPrefix(vltest.Start(t, "-inmemoryDataFlushInterval", "1s"), "http://")
	dir := t.TempDir()
	httpAddr, relpAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	args := []string{"serve", "--demo", "--data", filepath.Join(dir, "data"), "--events", vl, "--events-hold", "4s", "--http", httpAddr, "--relp", relpAddr,
		"--syslog-tcp", "", "--syslog-udp", "", "--syslog-tls", "", "--log-level", "warn"}
	c := startChild(t, args...)
	waitHTTP(t, httpAddr)
	const n = 20000
	done := loadgenInBackground(t, "--protocol", "relp", "--addr", relpAddr, "--count", fmt.Sprint(n), "--rate", "5000", "--batch", "200", "--run-id", "vl1")
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
			t.Logf("first server:\n%s\nsecond server:\n%s", c.output(), c2.output())
		}
	}()
	waitHTTP(t, httpAddr)
	var res string
	select {
	case res = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("loadgen did not finish")
	}
	if !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("loadgen: %s", res)
	}
	code, last := waitVerify(t, "--data", filepath.Join(dir, "data"), "--events", vl, "--run-id", "vl1")
	if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n); code != 0 || last != want {
		t.Fatalf("after kill -9 and restart, in VictoriaLogs: %q; want %q", last, want)
	}
	_, out, _ := run(t, "", "token", "create", "--data", filepath.Join(dir, "data"), "--username", "demo-soc-analyst")
	f := strings.Fields(out)
	if code, last := waitVerify(t, "--api", "http://"+httpAddr, "--token", f[len(f)-1], "--run-id", "vl1"); code != 0 || last != fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n) {
		t.Errorf("the SOC verifying through the search API: %d %q", code, last)
	}
}

// TestServeOnVictoriaCopies runs samdrift with two copies of its events,
// a VictoriaLogs cluster (two storage nodes behind an insert/select node)
// and a single VictoriaLogs, and kills a storage node of the cluster,
// then the single copy, with SIGKILL while loadgen sends over RELP:
// searches keep answering, and every acknowledged event is found once,
// through the search API and in each copy alone (loadgen verify on each)
// after what the killed processes held in memory was sent again and the
// copy that was down caught up.
func TestServeOnVictoriaCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a VictoriaLogs cluster and kills a storage node")
	}
	t.Parallel()
	front, nodes := vltest.Cluster(t, 2, "-inmemoryDataFlushInterval", "1s")
	single := vltest.Run(t, "-inmemoryDataFlushInterval", "1s")
	copyA := "victorialogs://" + front.Addr + "?storage=" + nodes[0].Addr + "," + nodes[1].Addr
	copyB := "victorialogs://" + single.Addr
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	httpAddr, relpAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	c := startChild(t, "serve", "--demo", "--data", data, "--events", copyA, "--events", copyB, "--events-hold", "4s", "--http", httpAddr, "--relp", relpAddr,
		"--syslog-tcp", "", "--syslog-udp", "", "--syslog-tls", "", "--log-level", "warn")
	defer func() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		_ = c.cmd.Wait()
		if t.Failed() {
			t.Logf("server:\n%s", c.output())
		}
	}()
	waitHTTP(t, httpAddr)
	_, out, _ := run(t, "", "token", "create", "--data", data, "--username", "demo-soc-analyst")
	f := strings.Fields(out)
	token := f[len(f)-1]
	const n = 30000
	done := loadgenInBackground(t, "--protocol", "relp", "--addr", relpAddr, "--count", fmt.Sprint(n), "--rate", "3000", "--batch", "200", "--run-id", "copies")
	time.Sleep(2 * time.Second)
	// First a storage node of the cluster dies (its insert node routes
	// new rows to the other; what the dead node held in memory is gone
	// and is sent again), then the whole single copy (its consumer
	// falls behind and catches up). Meanwhile the SOC searches.
	search := func(d time.Duration) {
		t.Helper()
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
			req, _ := http.NewRequest(http.MethodGet, "http://"+httpAddr+"/api/v1/events?q=copies&limit=5", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("search with a copy or a storage node down: %s %s", resp.Status, b)
			}
		}
	}
	backlogs := func() string {
		return "cluster " + metric(t, httpAddr, `samdrift_events_copy_backlog_batches{copy="0"}`) + ", single " + metric(t, httpAddr, `samdrift_events_copy_backlog_batches{copy="1"}`)
	}
	nodes[1].Kill()
	search(4 * time.Second)
	t.Logf("after 4 s with a storage node of the cluster down, the copies' backlogs: %s batches", backlogs())
	nodes[1].Restart()
	single.Kill()
	search(4 * time.Second)
	t.Logf("after 4 s with the single copy down: %s batches", backlogs())
	single.Restart()
	var res string
	select {
	case res = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("loadgen did not finish")
	}
	if !strings.HasPrefix(res, "exit 0") {
		t.Fatalf("loadgen: %s", res)
	}
	want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n)
	if code, last := waitVerify(t, "--api", "http://"+httpAddr, "--token", token, "--run-id", "copies"); code != 0 || last != want {
		for name, u := range map[string]string{"cluster": copyA, "single": copyB} {
			_, o, _ := run(t, "", "loadgen", "verify", "--data", data, "--events", u, "--run-id", "copies")
			t.Logf("%s: %s", name, o)
		}
		t.Fatalf("the SOC verifying through the search API: %d %q; want %q", code, last, want)
	}
	// With copies, the store consumer only detects and counts what
	// sources sent: both still work (the demo's 127.0.0.1 source is
	// København's; loadgen's sshd failures trip the demo's rules).
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+httpAddr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s %v", path, resp.Status, err)
		}
	}
	var srcs struct {
		Items []struct {
			Value    string
			Events   int64
			LastSeen *time.Time `json:"last_seen"`
		}
	}
	get("/api/v1/log-sources", &srcs)
	var local int64
	for _, s := range srcs.Items {
		if s.Value == "127.0.0.1/32" && s.LastSeen != nil {
			local = s.Events
		}
	}
	if local < n {
		t.Errorf("the source 127.0.0.1/32 counted %d events; want at least %d (coverage)", local, n)
	}
	var alerts struct{ Total int }
	get("/api/v1/alerts", &alerts)
	if alerts.Total == 0 {
		t.Error("no alerts from loadgen's events with copies (detection)")
	}
	t.Logf("coverage counted %d events from 127.0.0.1; %d alerts", local, alerts.Total)
	// Each copy alone, once both have caught up.
	if !waitFor(2*time.Minute, func() bool { return backlogs() == "cluster 0, single 0" }) {
		t.Fatalf("the copies did not catch up: backlogs %s", backlogs())
	}
	for name, u := range map[string]string{"cluster": copyA, "single": copyB} {
		if code, last := waitVerify(t, "--data", data, "--events", u, "--run-id", "copies"); code != 0 || last != want {
			t.Errorf("the %s copy alone: %d %q; want %q", name, code, last, want)
		}
	}
}
