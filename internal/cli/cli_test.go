package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/samdrift/samdrift/internal/cli"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// run runs a samdrift command line and returns its exit code and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestServeWithCLIBeside(t *testing.T) {
	backends := map[string]func(t *testing.T) ([]string, func(q string)){
		"sqlite": func(t *testing.T) ([]string, func(string)) {
			dir := t.TempDir()
			return []string{"--data", dir}, func(q string) {
				db, err := sql.Open("sqlite", filepath.Join(dir, "samdrift.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
		},
		"postgres": func(t *testing.T) ([]string, func(string)) {
			url := storetest.PostgresURL(t)
			return []string{"--db", url, "--data", t.TempDir()}, func(q string) {
				db, err := sql.Open("pgx", url)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
		},
	}
	for name, backend := range backends {
		t.Run(name, func(t *testing.T) {
			where, exec := backend(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ready := make(chan string, 1)
			var out bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- cli.Run(cli.WithReady(ctx, func(a string) { ready <- a }),
					append([]string{"serve", "--demo", "--http", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0", "--relp", "127.0.0.1:0", "--log-level", "warn"}, where...),
					cli.IO{In: strings.NewReader(""), Out: &out, Err: os.Stderr})
			}()
			var addr string
			select {
			case addr = <-ready:
			case code := <-done:
				t.Fatalf("serve exited with %d before it was ready", code)
			case <-time.After(4 * time.Minute): // the demo load is slow under -race on a busy machine
				t.Fatal("serve not ready after 4 minutes")
			}

			// The operator's CLI works beside the running server on the same database.
			code, stdout, stderr := run(t, "a long enough password\n", append([]string{"user", "add", "--username", "ida", "--org", "147", "--role", "spoc", "--password-stdin"}, where...)...)
			if code != 0 || !strings.Contains(stdout, "Frederiksberg") {
				t.Fatalf("user add = %d %q %q", code, stdout, stderr)
			}
			if code, _, stderr := run(t, "x\n", append([]string{"user", "add", "--username", "bo", "--org", "999", "--role", "spoc", "--password-stdin"}, where...)...); code != 1 || !strings.Contains(stderr, "999") {
				t.Errorf("user add --org 999 = %d %q; want exit 1 naming 999", code, stderr)
			}
			code, stdout, stderr = run(t, "", append([]string{"token", "create", "--username", "ida"}, where...)...)
			if code != 0 {
				t.Fatalf("token create = %d %q", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			words := strings.Fields(lines[len(lines)-1])
			token := words[len(words)-1]
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET /api/v1/me with the CLI's token = %d", resp.StatusCode)
			}
			if code, _, _ := run(t, "another long password\n", append([]string{"user", "passwd", "--username", "ida", "--password-stdin"}, where...)...); code != 0 {
				t.Errorf("user passwd = %d", code)
			}

			// Demo passwords were printed once.
			if !strings.Contains(out.String(), "demo-admin") || strings.Count(out.String(), "demo-spoc") != 1 {
				t.Errorf("serve output lacks the demo users:\n%s", out.String())
			}

			// SIGINT/SIGTERM (the context) stops it cleanly.
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited with %d on shutdown; want 0", code)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop within 30s")
			}

			code, stdout, _ = run(t, "", append([]string{"audit", "verify"}, where...)...)
			if code != 0 || !strings.Contains(stdout, "intact") {
				t.Fatalf("audit verify = %d %q; want 0, intact", code, stdout)
			}
			// An anchor taken now catches the last record removed with the
			// head rewound, which the chain alone cannot.
			anchors := filepath.Join(t.TempDir(), "anchors.jsonl")
			if code, stdout, errb := run(t, "", append([]string{"audit", "anchor", "--to", anchors}, where...)...); code != 0 || !strings.Contains(stdout, "anchored record") {
				t.Fatalf("audit anchor = %d %q %q", code, stdout, errb)
			}
			exec(`DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`)
			exec(`UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)) WHERE id = 1`)
			if code, stdout, _ := run(t, "", append([]string{"audit", "verify"}, where...)...); code != 0 {
				t.Errorf("audit verify without anchors after a consistent truncation = %d %q; want 0 (the chain alone cannot tell)", code, stdout)
			}
			if code, stdout, _ := run(t, "", append([]string{"audit", "verify", "--anchors", anchors}, where...)...); code != 1 || !strings.Contains(stdout, "removed from the end") {
				t.Errorf("audit verify --anchors after the truncation = %d %q; want 1 naming the removed records", code, stdout)
			}
			// serve anchored the chain when it started (audit-anchors.jsonl beside SQLite).
			if where[0] == "--data" {
				if b, err := os.ReadFile(filepath.Join(where[1], "audit-anchors.jsonl")); err != nil || !bytes.Contains(b, []byte(`"hash"`)) {
					t.Errorf("serve's anchor file = %q, %v; want an anchor line", b, err)
				}
			}
			exec(`UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 3`)
			code, stdout, _ = run(t, "", append([]string{"audit", "verify"}, where...)...)
			if code == 0 || !strings.Contains(stdout, "record 3") {
				t.Errorf("audit verify after tampering = %d %q; want non-zero naming record 3", code, stdout)
			}

			// A second start prints no passwords (the demo is there already).
			ctx2, cancel2 := context.WithCancel(context.Background())
			ready2 := make(chan string, 1)
			var out2 bytes.Buffer
			done2 := make(chan int, 1)
			go func() {
				done2 <- cli.Run(cli.WithReady(ctx2, func(a string) { ready2 <- a }),
					append([]string{"serve", "--demo", "--http", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0", "--relp", "127.0.0.1:0", "--log-level", "warn"}, where...),
					cli.IO{In: strings.NewReader(""), Out: &out2, Err: os.Stderr})
			}()
			select {
			case <-ready2:
			case code := <-done2:
				t.Fatalf("second serve exited with %d", code)
			}
			cancel2()
			<-done2
			if strings.Contains(out2.String(), "demo-admin") {
				t.Errorf("second start printed demo passwords again")
			}
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	fileDir, envDir, flagDir := filepath.Join(dir, "file"), filepath.Join(dir, "env"), filepath.Join(dir, "flag")
	cfg := filepath.Join(dir, "samdrift.yaml")
	if err := os.WriteFile(cfg, []byte("data: "+fileDir+"\nhttp: 127.0.0.1:9\ndemo: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(want string, args ...string) {
		t.Helper()
		code, out, errb := run(t, "", append([]string{"migrate", "--config", cfg}, args...)...)
		if code != 0 || !strings.Contains(out, want+"/samdrift.db") {
			t.Errorf("migrate %v = %d %q %q; want it to use %s", args, code, out, errb, want)
		}
	}
	check(fileDir)
	t.Setenv("SAMDRIFT_DATA", envDir)
	check(envDir)
	check(flagDir, "--data", flagDir)
	if code, _, errb := run(t, "", "migrate", "--config", filepath.Join(dir, "missing.yaml")); code == 0 || !strings.Contains(errb, "missing.yaml") {
		t.Errorf("missing config file = %d %q; want an error naming it", code, errb)
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, _, errb := run(t, "", "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help = %d", code)
	}
	for _, flag := range []string{"-http", "-data", "-db", "-demo", "-mfa-roles", "-config", "-tls-cert", "-shutdown-timeout", "SAMDRIFT_"} {
		if !strings.Contains(errb, flag) {
			t.Errorf("serve --help does not document %s", flag)
		}
	}
	if code, out, _ := run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "samdrift ") {
		t.Errorf("version = %d %q", code, out)
	}
	if code, _, errb := run(t, "", "frobnicate"); code == 0 || !strings.Contains(errb, "frobnicate") {
		t.Errorf("unknown command = %d %q", code, errb)
	}
	if code, _, errb := run(t, "", "user", "add", "--username", "x", "--org", "101", "--role", "spoc"); code == 0 || !strings.Contains(errb, "password-stdin") {
		t.Errorf("user add without --password-stdin = %d %q", code, errb)
	}
}

func TestOrgCommands(t *testing.T) {
	dir := t.TempDir()
	if code, out, errb := run(t, "", "org", "import-municipalities", "--data", dir); code != 0 || !strings.Contains(out, "created 98") {
		t.Fatalf("import-municipalities = %d %q %q", code, out, errb)
	}
	if code, out, _ := run(t, "", "org", "import-municipalities", "--data", dir); code != 0 || !strings.Contains(out, "created 0") {
		t.Errorf("second import = %d %q; want created 0", code, out)
	}
	if code, _, errb := run(t, "", "org", "add", "--data", dir, "--kind", "unit", "--name", "IT-enhed Nord", "--region", "Region Nordjylland"); code != 0 {
		t.Fatalf("org add = %d %q", code, errb)
	}
	if code, _, errb := run(t, "", "org", "owners", "--data", dir, "--unit", "it-enhed-nord", "851", "813"); code != 0 {
		t.Fatalf("org owners = %d %q", code, errb)
	}
	if code, _, errb := run(t, "", "org", "owners", "--data", dir, "--unit", "it-enhed-nord", "851", "000"); code == 0 || !strings.Contains(errb, "owners[1]") {
		t.Errorf("org owners with a bad code = %d %q; want an error on owners[1]", code, errb)
	}
	if code, _, errb := run(t, "", "org", "supplier", "--data", dir, "--municipality", "851", "--unit", "it-enhed-nord"); code != 0 {
		t.Fatalf("org supplier = %d %q", code, errb)
	}
	code, out, _ := run(t, "", "org", "list", "--data", dir, "--kind", "municipality")
	if code != 0 || strings.Count(out, "\n") != 99 || !regexp.MustCompile(`aalborg-kommune +Aalborg Kommune +it-enhed-nord`).MatchString(out) {
		t.Errorf("org list = %d, %d lines; want 98 municipalities with Aalborg supplied by it-enhed-nord:\n%s", code, strings.Count(out, "\n"), out)
	}
	if code, _, errb := run(t, "", "org", "add", "--data", dir, "--kind", "municipality", "--name", "Atlantis", "--code", "1"); code == 0 || !strings.Contains(errb, "code") {
		t.Errorf("org add with a bad code = %d %q", code, errb)
	}
}

// TestGracefulShutdown starts a request, signals shutdown while its body is
// still arriving, and checks the request is answered in full and serve exits 0.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(cli.WithReady(ctx, func(a string) { ready <- a }),
			[]string{"serve", "--demo", "--http", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0", "--relp", "127.0.0.1:0", "--data", dir, "--log-level", "warn"},
			cli.IO{In: strings.NewReader(""), Out: io.Discard, Err: os.Stderr})
	}()
	addr := <-ready
	code, out, _ := run(t, "", "token", "create", "--data", dir, "--username", "demo-governance")
	if code != 0 {
		t.Fatal("token create failed")
	}
	fields := strings.Fields(out)
	token := fields[len(fields)-1]

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tokens", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{status: resp.StatusCode}
	}()
	if _, err := pw.Write([]byte(`{"name": "in-flight",`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the handler is now reading the body
	cancel()                           // SIGTERM
	time.Sleep(200 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("serve exited while a request was in flight")
	default:
	}
	if _, err := pw.Write([]byte(` "expires_in_days": 1}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-res
	if r.err != nil || r.status != http.StatusCreated {
		t.Errorf("in-flight request = %d, %v; want 201", r.status, r.err)
	}
	if code := <-done; code != 0 {
		t.Errorf("serve exit = %d; want 0", code)
	}
	// New connections are refused after shutdown.
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}

func TestCatalogValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: \"1\"\ntitle: {da: a, en: b}\nservices:\n  - id: x\n    category: server\n    colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "", "catalog", "validate", bad)
	if code != 1 || !strings.Contains(out, bad+":6: unknown key \"colour\"") || !strings.Contains(out, bad+":4: a service lacks \"name\"") {
		t.Errorf("catalog validate bad = %d %q; want exit 1 with FILE:LINE messages", code, out)
	}
	if code, _, errb := run(t, "", "catalog", "validate", "../catalog/standard/catalog.yaml"); code != 0 || !strings.Contains(errb, "is valid") {
		t.Errorf("catalog validate standard = %d %q", code, errb)
	}
	// Import a new version and diff it against the shipped one.
	src, _ := os.ReadFile("../catalog/standard/catalog.yaml")
	next := strings.Replace(string(src), `version: "2026.1"`, `version: "2026.2"`, 1)
	next = strings.Replace(next, "availability: 99.5", "availability: 99.6", 1)
	file := filepath.Join(dir, "next.yaml")
	_ = os.WriteFile(file, []byte(next), 0o600)
	data := filepath.Join(dir, "data")
	if code, out, errb := run(t, "", "catalog", "import", "--data", data, file); code != 0 || !strings.Contains(out, "published catalog 2026.2") {
		t.Fatalf("catalog import = %d %q %q", code, out, errb)
	}
	// The shipped version is published at first serve; import it here so that diff has both.
	if code, _, errb := run(t, "", "catalog", "import", "--data", data, "../catalog/standard/catalog.yaml"); code != 0 {
		t.Fatalf("import standard = %d %q", code, errb)
	}
	code, out, _ = run(t, "", "catalog", "diff", "--data", data, "2026.1", "2026.2")
	if code != 0 || !strings.Contains(out, "availability: 99.5% → 99.6%") || !strings.Contains(out, "1 changed") {
		t.Errorf("catalog diff = %d %q", code, out)
	}
}

// TestSyslogEndToEnd sends syslog with real clients (util-linux logger over
// TCP with octet counting and over UDP) and with newline framing, and finds
// the events through the search API: as the municipality they belong to,
// not as another.
func TestSyslogEndToEnd(t *testing.T) {
	logger, err := exec.LookPath("logger")
	if err != nil {
		if storetest.Required() {
			t.Fatal("logger (util-linux) is not installed")
		}
		t.Skip("logger not installed")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	recv := map[string]string{}
	var mu sync.Mutex
	done := make(chan int, 1)
	go func() {
		c := cli.WithReceivers(cli.WithReady(ctx, func(a string) { ready <- a }), func(name, addr string) {
			mu.Lock()
			recv[name] = addr
			mu.Unlock()
		})
		done <- cli.Run(c, []string{"serve", "--demo", "--http", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tls", "127.0.0.1:0", "--relp", "127.0.0.1:0",
			"--data", dir, "--log-level", "warn"}, cli.IO{In: strings.NewReader(""), Out: io.Discard, Err: os.Stderr})
	}()
	var addr string
	select {
	case addr = <-ready:
	case <-done:
		t.Fatal("serve exited early")
	}
	mu.Lock()
	tcpAddr, udpAddr := recv["syslog-tcp"], recv["syslog-udp"]
	mu.Unlock()
	tcpHost, tcpPort, _ := net.SplitHostPort(tcpAddr)
	_, udpPort, _ := net.SplitHostPort(udpAddr)
	for _, args := range [][]string{
		{"--tcp", "--octet-count", "--rfc5424", "-n", tcpHost, "-P", tcpPort, "-t", "sshd", "Accepted password for anna from 10.2.3.4 port 4711 ssh2"},
		{"--udp", "--rfc3164", "-n", tcpHost, "-P", udpPort, "-t", "sudo", "bo : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/id"},
	} {
		if out, err := exec.Command(logger, args...).CombinedOutput(); err != nil {
			t.Fatalf("logger %v: %v %s", args, err, out)
		}
	}
	conn, err := net.Dial("tcp", tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().In(event.Copenhagen).Format(time.Stamp)
	fmt.Fprintf(conn, "<38>%s web1.frederiksberg.local sshd[1]: Failed password for root from 203.0.113.9 port 1 ssh2\n", stamp)
	conn.Close()

	token := func(user string) string {
		_, out, _ := run(t, "", "token", "create", "--data", dir, "--username", user)
		f := strings.Fields(out)
		return f[len(f)-1]
	}
	search := func(tok, q string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/events?q="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Total int `json:"total"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&page)
		return page.Total
	}
	cph, soc := token("demo-kommune-it"), token("demo-soc-analyst")
	deadline := time.Now().Add(20 * time.Second)
	for search(soc, "") < 3 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := search(soc, ""); n != 3 {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+soc)
		resp, _ := http.DefaultClient.Do(req)
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("the SOC finds %d events; want 3: %s", n, body)
	}
	if n := search(cph, "user.name:anna"); n != 1 {
		t.Errorf("København finds %d sshd events for anna; want 1 (127.0.0.1 is København's in the demo)", n)
	}
	if n := search(cph, "user.effective.name:root"); n != 1 {
		t.Errorf("København finds %d sudo events over UDP; want 1", n)
	}
	if n := search(cph, "web1.frederiksberg.local"); n != 0 {
		t.Errorf("København sees Frederiksberg's event")
	}
	// HTTP JSON lines with Frederiksberg's ingest token, sent by curl and gzipped by Go.
	code, out, errb := run(t, "", "sources", "add", "--data", dir, "--org", "147", "--token", "--name", "frb-beats")
	if code != 0 {
		t.Fatalf("sources add --token = %d %q", code, errb)
	}
	f := strings.Fields(out)
	ingestToken := f[len(f)-1]
	if code, _, errb := run(t, "a long enough password\n", "user", "add", "--data", dir, "--username", "it-frb", "--org", "147", "--role", "kommune-it", "--password-stdin"); code != 0 {
		t.Fatalf("user add = %d %q", code, errb)
	}
	lines := `{"@timestamp":"` + time.Now().UTC().Format(time.RFC3339) + `","host":{"name":"ws9"},"winlog":{"channel":"Security","event_id":4688,"event_data":{"CommandLine":"cmd.exe /c whoami","NewProcessName":"C:\\Windows\\System32\\cmd.exe"}},"message":"A new process has been created."}` + "\n" +
		`{"message":"plain json line","level":"warning"}` + "\n"
	if curl, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command(curl, "-sS", "-X", "POST", "-H", "Authorization: Bearer "+ingestToken, "--data-binary", lines,
			"http://"+addr+"/ingest/v1/events").CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"accepted":2`) {
			t.Errorf("curl ingest = %v %s", err, out)
		}
	} else {
		t.Log("curl not installed; sending with Go only")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(lines))
	zw.Close()
	req, _ := http.NewRequest("POST", "http://"+addr+"/ingest/v1/events", &gz)
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"accepted":2`) {
		t.Errorf("gzip ingest = %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("POST", "http://"+addr+"/ingest/v1/events", strings.NewReader(lines))
	req.Header.Set("Authorization", "Bearer sdi_wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("ingest with a wrong token = %v %v; want 401", resp.StatusCode, err)
	}
	frb := token("it-frb")
	deadline = time.Now().Add(20 * time.Second)
	for search(frb, "winlog.channel:Security") < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := search(frb, "process.command_line:\"cmd.exe /c whoami\""); n < 1 {
		t.Errorf("Frederiksberg finds %d of its Windows events; want at least 1", n)
	}
	if n := search(cph, "winlog.channel:Security"); n != 0 {
		t.Errorf("København sees %d of Frederiksberg's Windows events", n)
	}

	// Frederiksberg's host name pattern wins over the address only when no
	// address range matches; here 127.0.0.1 is København's, so the event is
	// København's too. The SOC sees all three either way.
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit = %d", code)
	}
}
