package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/store/storetest"
)

const demoSudoShellRule = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c04"

// TestAlertEndToEnd: an event that matches a demo rule, sent with logger
// over syslog from a registered source (127.0.0.1 is København's in the
// demo), becomes an alert for København within 5 seconds: listed for
// København's CISO and the SOC, streamed live to the SOC, and invisible to
// another municipality.
func TestAlertEndToEnd(t *testing.T) {
	logger, err := exec.LookPath("logger")
	if err != nil {
		if storetest.Required() {
			t.Fatal("logger (util-linux) is not installed")
		}
		t.Skip("logger not installed")
	}
	s := startServe(t, t.TempDir())
	token := func(user string) string {
		_, out, _ := run(t, "", "token", "create", "--data", s.dir, "--username", user)
		f := strings.Fields(out)
		return f[len(f)-1]
	}
	if code, _, errb := run(t, "a long enough password\n", "user", "add", "--data", s.dir, "--username", "ciso-frb", "--org", "147", "--role", "ciso", "--password-stdin"); code != 0 {
		t.Fatalf("user add = %d %q", code, errb)
	}
	soc, cph, frb := token("demo-soc-analyst"), token("demo-ciso"), token("ciso-frb")
	alerts := func(tok string) (int, []map[string]any) {
		req, _ := http.NewRequest("GET", "http://"+s.http+"/api/v1/alerts?rule="+demoSudoShellRule, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		return p.Total, p.Items
	}

	// The SOC's live stream, opened before the event is sent.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.http+"/api/v1/alerts/stream", nil)
	req.Header.Set("Authorization", "Bearer "+soc)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("stream = %d %s", resp.StatusCode, ct)
	}
	streamed := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.Contains(d, demoSudoShellRule) {
				streamed <- d
			}
		}
	}()

	host, port, _ := net.SplitHostPort(s.recv["syslog-tcp"])
	sent := time.Now()
	if out, err := exec.Command(logger, "--tcp", "--octet-count", "--rfc5424", "-n", host, "-P", port, "-t", "sudo",
		"anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash").CombinedOutput(); err != nil {
		t.Fatalf("logger: %v %s", err, out)
	}
	var items []map[string]any
	for n := 0; n == 0 && time.Since(sent) < 5*time.Second; {
		n, items = alerts(cph)
		if n == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	took := time.Since(sent)
	if len(items) != 1 {
		t.Fatalf("København's CISO sees %d alerts %v %s after sending; want 1 within 5 s", len(items), items, took)
	}
	t.Logf("alert listed %s after logger sent the event", took.Round(time.Millisecond))
	if items[0]["level"] != "medium" || items[0]["count"].(float64) != 1 {
		t.Errorf("alert = %v", items[0])
	}
	select {
	case d := <-streamed:
		if !strings.Contains(d, `"tenant":`) {
			t.Errorf("streamed %s", d)
		}
	case <-time.After(5*time.Second - took):
		t.Error("the SOC's stream did not carry the alert within 5 s")
	}
	if n, _ := alerts(soc); n != 1 {
		t.Errorf("the SOC sees %d alerts; want 1", n)
	}
	if n, _ := alerts(frb); n != 0 {
		t.Errorf("Frederiksberg's CISO sees %d of København's alerts", n)
	}
}

func TestIndicatorsImportCommand(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/iocs.txt"
	content := "# CERT feed 2026-11-29\n198.51.100.7\ndomain,evil.example,phishing kit\nsha256,nothex\n203.0.113.0/24\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errb := run(t, "", "indicators", "import", "--data", dir, "--source", "cert-feed", file)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], "indicator 3:") || lines[1] != "3 added, 0 already known, 1 rejected" {
		t.Fatalf("indicators import = %d\n%s\n%s", code, out, errb)
	}
	_, out, _ = run(t, "", "indicators", "import", "--data", dir, file)
	if !strings.HasSuffix(strings.TrimSpace(out), "0 added, 3 already known, 1 rejected") {
		t.Fatalf("second import:\n%s", out)
	}
}
