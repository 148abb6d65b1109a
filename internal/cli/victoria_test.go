package cli_test

import (
	"fmt"
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
	done := make(chan string, 1)
	go func() {
		code, out, errb := run(t, "", "loadgen", "--protocol", "relp", "--addr", relpAddr, "--count", fmt.Sprint(n), "--rate", "5000",
			"--batch", "200", "--run-id", "vl1")
		done <- fmt.Sprintf("exit %d: %s %s", code, out, errb)
	}()
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
