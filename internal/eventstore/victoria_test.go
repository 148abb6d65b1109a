package eventstore_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// victoriaLogs finds the VictoriaLogs binary: SAMDRIFT_VICTORIALOGS, or
// victoria-logs on the PATH or in $(go env GOPATH)/bin.
func victoriaLogs(t *testing.T) string {
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

// startVictoria runs a single VictoriaLogs on a free port with its data
// under a temporary directory and returns its URL.
func startVictoria(t *testing.T) string {
	t.Helper()
	bin := victoriaLogs(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-storageDataPath", t.TempDir(), "-httpListenAddr", addr, "-retentionPeriod", "100y", "-loggerLevel", "ERROR")
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

// TestQueryLanguageOnVictoria runs the SQL stores' query corpus on
// VictoriaLogs: every query finds the same events. A second tenant holds
// the same events and is never found reading the first.
func TestQueryLanguageOnVictoria(t *testing.T) {
	v, err := eventstore.NewVictoria(startVictoria(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	corpus := queryCorpus()
	other := slices.Clone(corpus)
	for i := range other {
		other[i].Tenant, other[i].ID = 1002, "other-"+other[i].ID
	}
	if _, err := v.Append(ctx, append(corpus, other...)); err != nil {
		t.Fatal(err)
	}
	base := queryCorpusBase
	for _, c := range queryCases {
		got, err := eventstore.SearchIDs(v, ctx, 1001, base.Add(-time.Hour), base.Add(time.Hour), c.q)
		if err != nil {
			t.Errorf("%q: %v", c.q, err)
			continue
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q found %v; want %s", c.q, got, c.want)
		}
	}
	// Crafted queries stay queries: whatever LogsQL or regular
	// expression syntax they hold is matched as text, and the other
	// tenant is never read.
	for _, q := range []string{`* | delete`, `"x) OR (*"`, `user.name:.*`, `"| stats count()"`, `_stream:*`, `"AccountID:1002"`, `\*`, `message:"(?i).*"`} {
		got, err := eventstore.SearchIDs(v, ctx, 1001, base.Add(-time.Hour), base.Add(time.Hour), q)
		if err != nil {
			continue // refused by our parser: fine
		}
		for _, id := range got {
			if strings.HasPrefix(id, "other-") {
				t.Errorf("%q read the other tenant's %s", q, id)
			}
		}
		if len(got) > 0 && q != `* | delete` {
			t.Errorf("%q found %v; a crafted query matches its text only, which no event holds", q, got)
		}
	}
}
