package cli_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/samdrift/samdrift/internal/store/storetest"
)

// natsServer is the nats-server binary the several-node tests run (Debian's
// package); without it they are skipped, or fail when tests are required.
const natsServer = "/usr/sbin/nats-server"

// startNATS runs a nats-server with JetStream on a free port, storing
// under a temporary directory, and returns its URL; it is stopped when
// the test ends.
func startNATS(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(natsServer); err != nil {
		if storetest.Required() {
			t.Fatalf("%s is missing but SAMDRIFT_TEST_REQUIRE=1: install Debian's nats-server", natsServer)
		}
		t.Skipf("several-node tests skipped: %s is missing (apt-get install nats-server)", natsServer)
	}
	port := freePort(t)
	cmd := exec.Command(natsServer, "-a", "127.0.0.1", "-p", port, "-js", "-sd", t.TempDir())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	waitTCP(t, "127.0.0.1:"+port)
	return "nats://127.0.0.1:" + port
}

// lease is one row of the leases table.
type lease struct {
	name, holder string
	epoch        int64
	expires      time.Time
}

func leasesOf(t *testing.T, db *sql.DB) []lease {
	t.Helper()
	rows, err := db.Query(`SELECT name, holder, epoch, expires_at FROM leases WHERE name LIKE 'job.%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []lease
	for rows.Next() {
		var l lease
		var ms int64
		if err := rows.Scan(&l.name, &l.holder, &l.epoch, &ms); err != nil {
			t.Fatal(err)
		}
		l.expires = time.UnixMilli(ms)
		out = append(out, l)
	}
	return out
}

// holderPID is the process id in a node id (host-pid-random).
func holderPID(id string) int {
	parts := strings.Split(id, "-")
	if len(parts) < 3 {
		return 0
	}
	var pid int
	fmt.Sscanf(parts[len(parts)-2], "%d", &pid)
	return pid
}

// TestTwoNodes runs two samdrift nodes with every role on one PostgreSQL
// and one NATS: the periodic jobs run on one of them; loadgen sends over
// RELP to one and over HTTP to the other; the node holding the jobs is
// killed with SIGKILL mid-run and started again. Every event arrives
// exactly once, and the other node takes the jobs over within the lease
// TTL.
func TestTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills several processes")
	}
	// The runs, and TestNATSServerKilled, each have their own database,
	// NATS and ports: they run side by side, which divides the wall time
	// (most of it is processes starting and leases expiring).
	t.Parallel()
	t.Run("two nodes, one NATS, partitions=1", func(t *testing.T) {
		t.Parallel()
		severalNodes(t, 2, 1, false)
	})
	t.Run("three nodes, three NATS R3, partitions=4", func(t *testing.T) {
		t.Parallel()
		severalNodes(t, 3, 4, true)
	})
}

// bruteForceRule is the demo's correlation: ten failed SSH passwords from
// one address within five minutes.
const bruteForceRule = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c02"

// severalNodes runs count nodes with every role on one PostgreSQL, with
// parts spine partitions, on one nats-server or (cluster) a cluster of
// three with every batch on all three.
func severalNodes(t *testing.T, count, parts int, cluster bool) {
	pg := storetest.PostgresURL(t)
	var nurl string
	var replicas []string
	if cluster {
		var urls []string
		for _, n := range startNATSCluster(t) {
			urls = append(urls, "nats://"+n.client)
		}
		nurl, replicas = strings.Join(urls, ","), []string{"--spine-replicas", "3"}
	} else {
		nurl = startNATS(t)
	}
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const ttl = 2 * time.Second
	type node struct {
		args             []string
		http, relp, sysl string
		c                *child
		name             string
	}
	mk := func(name string, demo bool) *node {
		n := &node{name: name, http: "127.0.0.1:" + freePort(t), relp: "127.0.0.1:" + freePort(t), sysl: "127.0.0.1:" + freePort(t)}
		n.args = []string{"serve", "--db", pg, "--nats", nurl, "--data", filepath.Join(t.TempDir(), name), "--http", n.http, "--relp", n.relp,
			"--syslog-tcp", n.sysl, "--syslog-udp", "", "--syslog-tls", "", "--log-level", "warn", "--lease-ttl", ttl.String(),
			"--partitions", fmt.Sprint(parts)}
		n.args = append(n.args, replicas...)
		if demo {
			n.args = append(n.args, "--demo")
		}
		return n
	}
	all := []*node{mk("a", true)}
	for i := 1; i < count; i++ {
		all = append(all, mk(string(rune('a'+i)), false))
	}
	a, b := all[0], all[1]
	a.c = startChild(t, a.args...)
	waitHTTP(t, a.http)
	for _, n := range all[1:] {
		n.c = startChild(t, n.args...)
	}
	for _, n := range all[1:] {
		waitHTTP(t, n.http)
	}
	defer func() {
		for _, n := range all {
			if n.c != nil && n.c.cmd.ProcessState == nil {
				_ = n.c.cmd.Process.Signal(syscall.SIGTERM)
				_ = n.c.cmd.Wait()
			}
			if t.Failed() {
				t.Logf("node %s:\n%s", n.name, n.c.out)
			}
		}
	}()
	pids := map[int]*node{}
	for _, n := range all {
		pids[n.c.cmd.Process.Pid] = n
	}

	// Every job has one holder, and it is one of the two nodes.
	var jobs []lease
	deadline := time.Now().Add(30 * time.Second)
	for len(jobs) < 10 && time.Now().Before(deadline) {
		jobs = leasesOf(t, db)
		time.Sleep(200 * time.Millisecond)
	}
	if len(jobs) < 10 {
		t.Fatalf("%d job leases after 30 s; want the 10 jobs", len(jobs))
	}
	holders := map[string]int{}
	for _, l := range jobs {
		if pids[holderPID(l.holder)] == nil {
			t.Fatalf("job %s is held by %s, neither node", l.name, l.holder)
		}
		holders[l.holder]++
	}
	var nodes int
	if err := db.QueryRow(`SELECT COUNT(*) FROM nodes`).Scan(&nodes); err != nil || nodes != count {
		t.Fatalf("nodes registered: %d, %v; want %d", nodes, err, count)
	}

	// The partitions are shared out: each node holds at most its share,
	// rounded up, and every partition is held.
	share := (parts + count - 1) / count
	if parts > 1 {
		var spread map[string]int
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			spread = map[string]int{}
			rows, err := db.Query(`SELECT holder FROM leases WHERE name LIKE 'partition.%' AND expires_at > $1`, time.Now().UnixMilli())
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var h string
				_ = rows.Scan(&h)
				spread[h]++
			}
			rows.Close()
			if fairlyShared(spread, count, parts, share) {
				break
			}
		}
		if !fairlyShared(spread, count, parts, share) {
			t.Fatalf("partitions held %v; want all %d held by the %d nodes, at most %d each", spread, parts, count, share)
		}
	}
	_, out, _ := run(t, "", "token", "create", "--db", pg, "--username", "demo-soc-analyst")
	f := strings.Fields(out)
	soc := f[len(f)-1]
	// A brute force against København (127.0.0.1 is its source in the
	// demo), half of it through each node: one alert, as on one node.
	brute := func(n *node, from int) {
		c, err := net.Dial("tcp", n.sysl)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		now := time.Now().UTC()
		for i := from; i < from+5; i++ {
			fmt.Fprintf(c, "<38>1 %s srv02 sshd - - - Failed password for bo from 198.51.100.7 port %d ssh2\n", now.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 40000+i)
		}
	}
	// Both nodes' live streams, opened first, show the alert whichever
	// node raised it.
	streamed := map[string]chan struct{}{}
	for _, n := range all {
		ch := make(chan struct{}, 1)
		streamed[n.name] = ch
		go watchStream(t, n.http, soc, bruteForceRule, ch)
	}
	time.Sleep(500 * time.Millisecond)
	brute(a, 0)
	brute(b, 5)
	alerts := func() int {
		req, _ := http.NewRequest("GET", "http://"+a.http+"/api/v1/alerts?rule="+bruteForceRule, nil)
		req.Header.Set("Authorization", "Bearer "+soc)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct {
			Total int `json:"total"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	deadline = time.Now().Add(90 * time.Second)
	for alerts() == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a second alert, if any, would come now
	if n := alerts(); n != 1 {
		t.Fatalf("the brute force sent half through each node raised %d alerts; want exactly 1", n)
	}
	for name, ch := range streamed {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Errorf("node %s's live alert stream did not show the alert", name)
		}
	}

	// Load to both, then kill the node that holds the SLA job.
	const n = 20000
	done := make(chan string, 2)
	send := func(proto, addr, id string) {
		code, out, errb := run(t, "", "loadgen", "--protocol", proto, "--addr", addr, "--count", fmt.Sprint(n), "--rate", "4000",
			"--batch", "200", "--connections", "2", "--run-id", id)
		done <- fmt.Sprintf("%s exit %d: %s %s", id, code, out, errb)
	}
	go send("relp", a.relp, "two-relp")
	go send("http", "http://"+b.http, "two-http")
	time.Sleep(2 * time.Second)
	var sla lease
	for _, l := range leasesOf(t, db) {
		if l.name == "job.sla" {
			sla = l
		}
	}
	victim := pids[holderPID(sla.holder)]
	if err := victim.c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = victim.c.cmd.Wait()
	survives := func(holder string) bool {
		n := pids[holderPID(holder)]
		return n != nil && n != victim
	}
	// The survivors take every job over once the victim's leases expire.
	var took time.Duration
	for time.Since(killed) < 6*ttl {
		held, moved := leasesOf(t, db), 0
		for _, l := range held {
			if survives(l.holder) && l.expires.After(time.Now()) {
				moved++
			}
		}
		if moved == len(held) {
			took = time.Since(killed)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if took == 0 {
		t.Fatalf("the surviving nodes did not take the jobs over within %s: %+v", 6*ttl, leasesOf(t, db))
	}
	if took < ttl/2 {
		t.Errorf("jobs moved %s after the kill, before the victim's leases (TTL %s) could have expired", took, ttl)
	}
	t.Logf("jobs taken over %s after kill -9 (lease TTL %s)", took.Round(10*time.Millisecond), ttl)
	// And every partition of the spine is stored by a survivor.
	for {
		rows, err := db.Query(`SELECT holder, expires_at FROM leases WHERE name LIKE 'partition.%'`)
		if err != nil {
			t.Fatal(err)
		}
		others, held := 0, 0
		for rows.Next() {
			var h string
			var exp int64
			_ = rows.Scan(&h, &exp)
			held++
			if !survives(h) || exp < time.Now().UnixMilli() {
				others++
			}
		}
		rows.Close()
		if others == 0 && held == parts {
			t.Logf("all %d partitions stored by the survivors %s after kill -9", parts, time.Since(killed).Round(10*time.Millisecond))
			break
		}
		if time.Since(killed) > 6*ttl {
			t.Fatalf("%d of %d partitions not taken over by the survivors %s after the kill", others, parts, 6*ttl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The victim comes back (its loadgen resends what was not
	// acknowledged) as a new node that holds no jobs until it takes one.
	victim.c = startChild(t, victim.args...)
	waitHTTP(t, victim.http)
	for range 2 {
		select {
		case res := <-done:
			if !strings.Contains(res, "exit 0") || !strings.Contains(res, fmt.Sprintf("sent %d events", n)) {
				t.Fatalf("loadgen: %s", res)
			}
		case <-time.After(4 * time.Minute):
			t.Fatal("loadgen did not finish")
		}
	}
	for _, id := range []string{"two-relp", "two-http"} {
		code, last := waitVerify(t, "--db", pg, "--run-id", id)
		if want := fmt.Sprintf("stored %d of %d, missing 0, duplicated 0", n, n); code != 0 || last != want {
			t.Errorf("%s after kill -9 of one node: %q; want %q", id, last, want)
		}
	}
	// Every SLA warning and breach the sweeps raised across the nodes
	// (the demo's tickets have clocks that ran out), the kill and the
	// takeover included, is on its ticket once.
	var raised, twice int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ticket_entries WHERE kind IN ('sla_warning', 'sla_breach')`).Scan(&raised); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM (SELECT ticket_id, kind, detail FROM ticket_entries WHERE kind IN ('sla_warning', 'sla_breach')
		GROUP BY ticket_id, kind, detail HAVING COUNT(*) > 1) d`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if raised == 0 || twice != 0 {
		t.Errorf("SLA warnings and breaches on the tickets: %d, of which %d more than once; want some, none twice", raised, twice)
	}
}

// fairlyShared reports whether spread (partitions per holder) holds all
// parts, at most share (parts over count, rounded up) each. With four
// partitions on three nodes that is 2/1/1 or 2/2/0: both are fair shares.
func fairlyShared(spread map[string]int, count, parts, share int) bool {
	total := 0
	for _, k := range spread {
		if k > share {
			return false
		}
		total += k
	}
	return total == parts && len(spread) <= count && len(spread) >= (parts+share-1)/share
}

// waitTCP waits until addr accepts TCP connections.
func waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// watchStream reads the live alert stream of the node at addr and signals
// got once an alert of rule arrives.
func watchStream(t *testing.T, addr, token, rule string, got chan<- struct{}) {
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/alerts/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("stream on %s: %v", addr, err)
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.Contains(d, rule) {
			got <- struct{}{}
			return
		}
	}
}
