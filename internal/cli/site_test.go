package cli_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/spine/spinetest"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// metric reads one value from a node's /metrics ("" when absent).
func metric(t *testing.T, addr, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return v
		}
	}
	return ""
}

// TestSiteAcrossWANCut runs a centre and a unit's site as two samdrift
// processes, the site's NATS a leaf node of the centre's through a line
// the test cuts while loadgen sends RELP to the site: the site keeps
// acknowledging, holds the logs on its disk and says so in its metrics;
// when the line is mended everything reaches the centre's store exactly
// once. The drain time is logged.
func TestSiteAcrossWANCut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers and cuts the line between them")
	}
	t.Parallel()
	pg := storetest.PostgresURL(t)
	secret := filepath.Join(t.TempDir(), "leaf.secret")
	if err := os.WriteFile(secret, []byte("a0b1c2d3e4f5a6b7c8d9e0f1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	leafPort := "127.0.0.1:" + freePort(t)
	centreHTTP, siteHTTP, siteRELP := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	off := []string{"--syslog-tcp", "", "--syslog-udp", "", "--syslog-tls", "", "--log-level", "info", "--leaf-secret-file", secret}
	centre := startChild(t, append([]string{"serve", "--db", pg, "--demo", "--data", filepath.Join(t.TempDir(), "centre"), "--http", centreHTTP, "--relp", "",
		"--leaf-listen", leafPort}, off...)...)
	waitHTTP(t, centreHTTP)
	line := spinetest.NewLine(t, leafPort)
	site := startChild(t, append([]string{"serve", "--db", pg, "--roles", "ingest", "--data", filepath.Join(t.TempDir(), "site"), "--http", siteHTTP, "--relp", siteRELP,
		"--leaf-of", "nats-leaf://" + line.Addr(), "--leaf-domain", "nord"}, off...)...)
	defer func() {
		for _, c := range []*child{site, centre} {
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
			_ = c.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("centre:\n%s\nsite:\n%s", centre.output(), site.output())
		}
	}()
	waitHTTP(t, siteHTTP)

	const n = 20000
	done := loadgenInBackground(t, "--protocol", "relp", "--addr", siteRELP, "--count", fmt.Sprint(n), "--rate", "4000", "--batch", "200", "--run-id", "wan1")
	time.Sleep(1500 * time.Millisecond)
	line.Cut()
	var res string
	select {
	case res = <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("loadgen did not finish: the site stopped acknowledging while the line was cut")
	}
	if !strings.HasPrefix(res, "exit 0") || !strings.Contains(res, fmt.Sprintf("sent %d events", n)) {
		t.Fatalf("loadgen to the site with the line cut: %s", res)
	}
	// The site says the line is down and how much it holds; the centre has
	// stored only what crossed before the cut.
	if !waitFor(20*time.Second, func() bool { return metric(t, siteHTTP, "samdrift_site_centre_connected") == "0" }) {
		t.Fatalf("with the line cut the site reports connected=%q; want 0", metric(t, siteHTTP, "samdrift_site_centre_connected"))
	}
	if b := metric(t, siteHTTP, "samdrift_site_backlog_batches"); b == "" || b == "0" {
		t.Fatalf("with the line cut the site's backlog is %q batches; want the batches the centre lacks", b)
	}
	_, out, _ := run(t, "", "loadgen", "verify", "--db", pg, "--run-id", "wan1")
	var before int
	fmt.Sscanf(strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), "stored %d of", &before)
	if before >= n {
		t.Fatalf("with the line cut the centre stored %d of %d; the cut came too late to test anything", before, n)
	}
	time.Sleep(5 * time.Second)

	line.Mend()
	mended := time.Now()
	code, last := waitVerify(t, "--db", pg, "--run-id", "wan1")
	if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n); code != 0 || last != want {
		t.Fatalf("after the line was mended: %q; want %q", last, want)
	}
	t.Logf("the centre had %d of %d events when the line was cut; the rest were stored %.1f s after it was mended", before, n, time.Since(mended).Seconds())
	if !waitFor(20*time.Second, func() bool {
		return metric(t, siteHTTP, "samdrift_site_backlog_batches") == "0" && metric(t, siteHTTP, "samdrift_site_centre_connected") == "1"
	}) {
		t.Errorf("after delivering, the site reports backlog %q, connected %q; want 0 and 1",
			metric(t, siteHTTP, "samdrift_site_backlog_batches"), metric(t, siteHTTP, "samdrift_site_centre_connected"))
	}
	if !strings.Contains(site.output(), "line to the centre is back") {
		t.Errorf("the site's log does not say the line came back")
	}
}
