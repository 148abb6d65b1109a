package spine_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/spine/spinetest"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// hubAndSite opens a centre's spine that accepts sites on a free port and
// a site's spine that reaches it through a line the test can cut.
func hubAndSite(t *testing.T, secret string) (hub, site *spine.Spine, line *spinetest.Line) {
	t.Helper()
	addr := freeAddr(t)
	hub = open(t, spine.Options{Dir: t.TempDir(), Consumers: []string{"store"}, Hub: &spine.Hub{Listen: addr, Secret: "s3cret"}})
	line = spinetest.NewLine(t, addr)
	site = open(t, spine.Options{Dir: t.TempDir(), MaxBatches: 16, Leaf: &spine.Leaf{URL: "nats-leaf://" + line.Addr(), Domain: "site1", Secret: secret}})
	return hub, site, line
}

// received consumes the centre's store consumer into a list the test
// reads as it grows.
type received struct {
	mu  sync.Mutex
	got []spine.Batch
}

func (r *received) run(t *testing.T, hub *spine.Spine) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		_ = hub.Consume(ctx, "store", func(_ context.Context, bs []spine.Batch) error {
			r.mu.Lock()
			r.got = append(r.got, bs...)
			r.mu.Unlock()
			return nil
		})
	}()
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// waitFor polls cond every 50 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestSiteAcrossACut: a unit's site goes on acknowledging batches while
// its line to the centre is cut, keeps them on its own disk, and when
// the line is mended the centre receives every batch exactly once and in
// order, with its tenant; the site then frees what the centre has.
func TestSiteAcrossACut(t *testing.T) {
	hub, site, line := hubAndSite(t, "s3cret")
	var r received
	r.run(t, hub)
	ctx := context.Background()
	publish := func(from, to int) {
		t.Helper()
		for i := from; i < to; i++ {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := site.Publish(pctx, fmt.Sprint(101+i%3), fmt.Sprintf("b-%05d", i), []byte(fmt.Sprintf("batch %d", i)))
			cancel()
			if err != nil {
				t.Fatalf("the site refused batch %d: %v", i, err)
			}
		}
	}
	publish(0, 300)
	if !waitFor(20*time.Second, func() bool { return r.count() == 300 }) {
		t.Fatalf("with the line up the centre received %d of 300 batches", r.count())
	}
	st, err := site.Forwarding(ctx)
	if err != nil || !st.Connected || st.Forwarded != 300 {
		t.Fatalf("the site's forwarding with the line up = %+v, %v; want connected, 300 forwarded", st, err)
	}

	line.Cut()
	publish(300, 700) // acknowledged by the site alone
	time.Sleep(2 * time.Second)
	if n := r.count(); n != 300 {
		t.Fatalf("with the line cut the centre received %d batches; want still 300", n)
	}
	st, err = site.Forwarding(ctx)
	if err != nil || st.Connected || st.Backlog != 400 {
		t.Fatalf("the site's forwarding with the line cut = %+v, %v; want not connected, a backlog of 400", st, err)
	}
	if _, n, err := site.Stored(ctx); err != nil || n < 400 {
		t.Fatalf("the site's disk holds %d batches (%v); want the 400 the centre lacks", n, err)
	}

	line.Mend()
	mended := time.Now()
	if !waitFor(60*time.Second, func() bool { return r.count() >= 700 }) {
		t.Fatalf("after the line was mended the centre received %d of 700 batches", r.count())
	}
	t.Logf("backlog of 400 batches delivered %.1f s after the line was mended", time.Since(mended).Seconds())
	time.Sleep(500 * time.Millisecond) // anything sent twice would arrive now
	r.mu.Lock()
	got := append([]spine.Batch(nil), r.got...)
	r.mu.Unlock()
	if len(got) != 700 {
		t.Fatalf("the centre received %d batches; want 700 exactly once", len(got))
	}
	for i, b := range got {
		if want := fmt.Sprintf("b-%05d", i); b.ID != want || b.Tenant != fmt.Sprint(101+i%3) || string(b.Data) != fmt.Sprintf("batch %d", i) {
			t.Fatalf("the centre's batch %d is %s of tenant %s (%q); want %s of tenant %d, in order", i, b.ID, b.Tenant, b.Data, want, 101+i%3)
		}
	}
	if !waitFor(10*time.Second, func() bool {
		_, n, err := site.Stored(ctx)
		st, _ := site.Forwarding(ctx)
		return err == nil && n == 0 && st.Backlog == 0 && st.Connected
	}) {
		_, n, _ := site.Stored(ctx)
		st, _ := site.Forwarding(ctx)
		t.Fatalf("after delivering, the site still holds %d batches (forwarding %+v); want its disk freed", n, st)
	}
}

// TestSiteWrongSecret: a site with the wrong secret is refused at the
// centre's leaf port; what it receives stays on its disk.
func TestSiteWrongSecret(t *testing.T) {
	hub, site, _ := hubAndSite(t, "wrong")
	var r received
	r.run(t, hub)
	if err := site.Publish(context.Background(), "101", "b-1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	st, err := site.Forwarding(context.Background())
	if r.count() != 0 || err != nil || st.Connected || st.Backlog != 1 {
		t.Fatalf("a site with the wrong secret: the centre received %d, the site's forwarding %+v (%v); want nothing received, a backlog of 1", r.count(), st, err)
	}
}

// TestLeafOptionsRefused: the leaf settings that cannot work are refused
// naming the flag to change.
func TestLeafOptionsRefused(t *testing.T) {
	for _, c := range []struct {
		o    spine.Options
		want string
	}{
		{spine.Options{Dir: t.TempDir(), Leaf: &spine.Leaf{URL: "nats-leaf://127.0.0.1:7422", Domain: "site 1"}}, "--leaf-domain"},
		{spine.Options{Dir: t.TempDir(), Leaf: &spine.Leaf{URL: "nats-leaf://127.0.0.1:7422", Domain: "hub"}}, "--leaf-domain"},
		{spine.Options{Dir: t.TempDir(), Leaf: &spine.Leaf{URL: "http://127.0.0.1:7422", Domain: "site1"}}, "--leaf-of"},
		{spine.Options{Dir: t.TempDir(), Hub: &spine.Hub{Listen: "127.0.0.1:7422"}}, "--leaf-secret-file"},
		{spine.Options{Dir: t.TempDir(), Hub: &spine.Hub{Listen: "127.0.0.1", Secret: "x"}}, "--leaf-listen"},
		{spine.Options{URL: "nats://127.0.0.1:4222", Leaf: &spine.Leaf{URL: "nats-leaf://127.0.0.1:7422", Domain: "site1"}}, "--nats"},
	} {
		if _, err := spine.Open(context.Background(), c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%+v) = %v; want a refusal naming %s", c.o, err, c.want)
		}
	}
}

// TestSiteToExternalHub: a site forwards to a centre on an external NATS
// (Debian's nats-server, configured as docs/OPERATIONS.md shows: the
// sites' user allowed only to add batches and hear its acknowledgements),
// across a cut.
func TestSiteToExternalHub(t *testing.T) {
	const bin = "/usr/sbin/nats-server"
	if _, err := os.Stat(bin); err != nil {
		if storetest.Required() {
			t.Fatalf("%s is missing but SAMDRIFT_TEST_REQUIRE=1: install Debian's nats-server", bin)
		}
		t.Skip("nats-server not installed; skipping the external hub")
	}
	port, leaf := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "hub.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`listen: %s
jetstream { store_dir: %q, domain: hub }
authorization {
  users: [
    {user: samdrift, password: "nodes-nodes-nodes"}
    {user: %s, password: "s3cret-s3cret-s3cret", permissions: {publish: {allow: ["events.>"]}, subscribe: {allow: ["_SITE.>"]}}}
  ]
}
leafnodes {
  listen: %s
  no_advertise: true
}
`, port, filepath.Join(dir, "js"), spine.LeafUser, leaf)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("nats-server:\n%s", out.String())
		}
	})
	if !waitFor(10*time.Second, func() bool {
		c, err := net.Dial("tcp", port)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatalf("nats-server did not listen on %s", port)
	}
	hub := open(t, spine.Options{URL: "nats://samdrift:nodes-nodes-nodes@" + port, Consumers: []string{"store"}})
	line := spinetest.NewLine(t, leaf)
	site := open(t, spine.Options{Dir: t.TempDir(), MaxBatches: 16, Leaf: &spine.Leaf{URL: "nats-leaf://" + line.Addr(), Domain: "nord", Secret: "s3cret-s3cret-s3cret"}})
	var r received
	r.run(t, hub)
	ctx := context.Background()
	for i := range 200 {
		if i == 100 {
			line.Cut()
		}
		if err := site.Publish(ctx, "101", fmt.Sprintf("x-%04d", i), []byte("x")); err != nil {
			t.Fatalf("the site refused batch %d: %v", i, err)
		}
	}
	time.Sleep(time.Second)
	line.Mend()
	if !waitFor(60*time.Second, func() bool { return r.count() >= 200 }) {
		t.Fatalf("the external centre received %d of 200 batches", r.count())
	}
	time.Sleep(500 * time.Millisecond)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != 200 {
		t.Fatalf("the external centre received %d batches; want 200 once each", len(r.got))
	}
	for i, b := range r.got {
		if want := fmt.Sprintf("x-%04d", i); b.ID != want {
			t.Fatalf("batch %d at the centre is %s; want %s, in order", i, b.ID, want)
		}
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// BenchmarkSiteDrain measures how fast a site delivers a backlog to the
// centre once the line is up: b.N batches of 16 KiB (about 125 syslog
// events each) wait in the site's outbox, the line is mended, and the
// time runs until the centre's store consumer has them all.
func BenchmarkSiteDrain(b *testing.B) {
	addr := freeAddr(b)
	hub, err := spine.Open(context.Background(), spine.Options{Dir: b.TempDir(), Consumers: []string{"store"}, Hub: &spine.Hub{Listen: addr, Secret: "s3cret"}})
	if err != nil {
		b.Fatal(err)
	}
	defer hub.Close()
	line := spinetest.NewLine(b, addr)
	line.Cut()
	site, err := spine.Open(context.Background(), spine.Options{Dir: b.TempDir(), Leaf: &spine.Leaf{URL: "nats-leaf://" + line.Addr(), Domain: "nord", Secret: "s3cret"}})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	payload := make([]byte, 16<<10)
	for i := range b.N {
		if err := site.Publish(context.Background(), fmt.Sprint(101+i%7), fmt.Sprintf("d-%d", i), payload); err != nil {
			b.Fatal(err)
		}
	}
	var r received
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = hub.Consume(ctx, "store", func(_ context.Context, bs []spine.Batch) error {
			r.mu.Lock()
			r.got = append(r.got, bs...)
			r.mu.Unlock()
			return nil
		})
	}()
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	line.Mend()
	if !waitFor(10*time.Minute, func() bool { return r.count() >= b.N }) {
		b.Fatalf("the centre received %d of %d", r.count(), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
	b.ReportMetric(float64(b.N)*125/b.Elapsed().Seconds(), "events/s@125")
}

// TestSiteCannotRead: a site holding the secret, configured by hand to
// import everything (no deny of its own), receives none of the centre's
// events, its nodes' replies or alerts, and cannot call the centre's
// JetStream API: the centre's leaf user may only add batches and receive
// replies under the sites' inbox prefix.
func TestSiteCannotRead(t *testing.T) {
	addr := freeAddr(t)
	hub := open(t, spine.Options{Dir: t.TempDir(), Consumers: []string{"store"}, Hub: &spine.Hub{Listen: addr, Secret: "s3cret"}})
	u, _ := url.Parse("nats-leaf://" + addr)
	u.User = url.UserPassword(spine.LeafUser, "s3cret")
	rogue, err := server.NewServer(&server.Options{ServerName: "rogue", DontListen: true, NoSigs: true, NoLog: true, LeafNode: server.LeafNodeOpts{Remotes: []*server.RemoteLeafOpts{{URLs: []*url.URL{u}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rogue.Start()
	t.Cleanup(rogue.Shutdown)
	if !waitFor(10*time.Second, func() bool { return rogue.NumLeafNodes() == 1 }) {
		t.Fatal("the site with the secret did not connect")
	}
	nc, err := nats.Connect("", nats.InProcessServer(rogue))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, api := range []string{"$JS.hub.API.STREAM.INFO.EVENTS", "$JS.API.STREAM.INFO.EVENTS", "$JS.API.CONSUMER.CREATE.EVENTS"} {
		if m, err := nc.Request(api, nil, 2*time.Second); err == nil {
			t.Errorf("the site called the centre's JetStream API (%s): %s", api, m.Data)
		}
	}
	got := make(chan string, 100)
	for _, subj := range []string{"events.>", "samdrift.>", "_INBOX.>", "$JS.>", ">"} {
		if _, err := nc.Subscribe(subj, func(m *nats.Msg) { got <- m.Subject }); err != nil {
			t.Fatal(err)
		}
	}
	_ = nc.Flush()
	time.Sleep(500 * time.Millisecond) // the subscriptions cross the link, if they may
	if err := hub.Publish(context.Background(), "101", "secret-1", []byte("a municipality's log")); err != nil {
		t.Fatal(err)
	}
	var r received
	r.run(t, hub) // the centre's consumer fetches: its replies go to its _INBOX
	if !waitFor(5*time.Second, func() bool { return r.count() == 1 }) {
		t.Fatal("the centre's consumer did not get the batch")
	}
	select {
	case s := <-got:
		t.Fatalf("the site received %s from the centre", s)
	case <-time.After(time.Second):
	}
	// A site may add a batch, and hears the acknowledgement under the
	// sites' inbox prefix only.
	site, err := nats.Connect("", nats.InProcessServer(rogue), nats.CustomInboxPrefix("_SITE.rogue"))
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	js, err := jetstream.New(site)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), "events.101", []byte("x"), jetstream.WithMsgID("rogue-1")); err != nil {
		t.Errorf("a site adding a batch: %v", err)
	}
	if _, err := jetstream.New(nc); err == nil {
		if _, err := nc.Request("events.101", []byte("y"), 2*time.Second); err == nil {
			t.Error("an acknowledgement reached a plain _INBOX across the link")
		}
	}
}
