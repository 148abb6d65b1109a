package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store/storetest"
)

// natsNode is one nats-server process of a test cluster.
type natsNode struct {
	name, client string
	conf         string
	cmd          *exec.Cmd
	out          *strings.Builder
}

func (n *natsNode) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(natsServer, "-c", n.conf)
	n.out = &strings.Builder{}
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

// startNATSCluster runs three nats-server processes clustered with
// JetStream on 127.0.0.1 and returns them; they stop when the test ends.
func startNATSCluster(t *testing.T) []*natsNode {
	t.Helper()
	if _, err := os.Stat(natsServer); err != nil {
		if storetest.Required() {
			t.Fatalf("%s is missing but SAMDRIFT_TEST_REQUIRE=1", natsServer)
		}
		t.Skipf("NATS cluster tests skipped: %s is missing", natsServer)
	}
	dir := t.TempDir()
	var nodes []*natsNode
	var routes []string
	cports := make([]string, 3)
	for i := range 3 {
		cports[i] = freePort(t)
		routes = append(routes, "nats-route://127.0.0.1:"+cports[i])
	}
	for i := range 3 {
		n := &natsNode{name: fmt.Sprintf("n%d", i+1), client: "127.0.0.1:" + freePort(t), conf: filepath.Join(dir, fmt.Sprintf("n%d.conf", i+1))}
		conf := fmt.Sprintf(`server_name: %s
listen: %s
jetstream { store_dir: %q }
cluster {
  name: samdrift
  listen: 127.0.0.1:%s
  routes: [%s]
}
`, n.name, n.client, filepath.Join(dir, n.name), cports[i], strings.Join(routes, ", "))
		if err := os.WriteFile(n.conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		n.start(t)
		nodes = append(nodes, n)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n.cmd.ProcessState == nil {
				_ = n.cmd.Process.Signal(syscall.SIGTERM)
				_ = n.cmd.Wait()
			}
			if t.Failed() {
				t.Logf("nats %s:\n%s", n.name, n.out)
			}
		}
	})
	for _, n := range nodes {
		waitTCP(t, n.client)
	}
	return nodes
}

// TestNATSServerKilled: samdrift on a three-server NATS cluster with the
// spine replicated three times; one NATS server is killed with SIGKILL
// while loadgen sends over RELP, and later started again. No
// acknowledged event is lost and none is stored twice.
func TestNATSServerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills several processes")
	}
	t.Parallel()
	pg := storetest.PostgresURL(t)
	nats := startNATSCluster(t)
	var urls []string
	for _, n := range nats {
		urls = append(urls, "nats://"+n.client)
	}
	httpAddr, relp := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	c := startChild(t, "serve", "--demo", "--db", pg, "--nats", strings.Join(urls, ","), "--spine-replicas", "3", "--data", t.TempDir(),
		"--http", httpAddr, "--relp", relp, "--syslog-tcp", "", "--syslog-udp", "", "--syslog-tls", "", "--log-level", "warn")
	defer func() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		_ = c.cmd.Wait()
		if t.Failed() {
			t.Logf("samdrift:\n%s", c.out)
		}
	}()
	waitHTTP(t, httpAddr)
	const n = 30000
	done := loadgenInBackground(t, "--protocol", "relp", "--addr", relp, "--count", fmt.Sprint(n), "--rate", "5000", "--batch", "200", "--connections", "2", "--run-id", "nats-kill")
	time.Sleep(2 * time.Second)
	victim := nats[0]
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	t.Logf("killed NATS server %s", victim.name)
	time.Sleep(3 * time.Second)
	victim.start(t)
	var res string
	select {
	case res = <-done:
	case <-time.After(4 * time.Minute):
		t.Fatal("loadgen did not finish")
	}
	if !strings.HasPrefix(res, "exit 0") || !strings.Contains(res, fmt.Sprintf("sent %d events", n)) {
		t.Fatalf("loadgen: %s", res)
	}
	code, last := waitVerify(t, "--db", pg, "--run-id", "nats-kill")
	if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n); code != 0 || last != want {
		t.Errorf("after a NATS server was killed: %q; want %q\nloadgen: %s", last, want, res)
	}
}
