package sources_test

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestNoAttributionTakeover is the attack of issue 14: municipality B
// registers an identity that would send municipality A's logs into B's
// tenant. Every overlap kind is tried in both directions (B's identity
// narrower, wider, equal), and A's traffic must stay A's.
func TestNoAttributionTakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		reg := sources.New(db)
		sys := access.System("t")
		cph := e.Org(t, "101").ID      // A: København (demo-kommune-it)
		roskilde := e.Org(t, "265").ID // B: Roskilde, under another unit
		e.AddUser(t, "it-roskilde", "265", access.RoleKommuneIT)
		e.AddUser(t, "mgr-sjaelland", "enhed-sjaelland", access.RoleUnitManager)
		e.AddUser(t, "mgr-hovedstaden", "enhed-hovedstaden", access.RoleUnitManager)
		a, b := e.Scope(t, "demo-kommune-it"), e.Scope(t, "it-roskilde")
		must := func(sc access.Scope, n sources.NewSource) sources.Source {
			t.Helper()
			s, _, err := reg.Add(ctx, sc, n)
			if err != nil {
				t.Fatalf("Add(%s %s) = %v", n.Kind, n.Value, err)
			}
			return s
		}
		must(a, sources.NewSource{OrgID: cph, Name: "net", Kind: sources.KindCIDR, Value: "10.101.0.0/20"})
		must(a, sources.NewSource{OrgID: cph, Name: "dcs", Kind: sources.KindHostname, Value: "dc*.kk.dk"})
		must(a, sources.NewSource{OrgID: cph, Name: "fw", Kind: sources.KindCertificate, Value: "cn:fw1.kk.dk"})
		fp := strings.Repeat("ab", 32)
		must(a, sources.NewSource{OrgID: cph, Name: "relay", Kind: sources.KindCertificate, Value: "sha256:" + fp})
		hosts := must(a, sources.NewSource{OrgID: cph, Name: "servers", Kind: sources.KindHostname, Value: "*.srv.kk.dk"})
		// A's host-name source has been seen sending from 198.51.100.7.
		if err := reg.RecordSeen(ctx, map[int64]sources.Seen{hosts.ID: {Last: time.Now(), Events: 3, Addrs: []string{"198.51.100.7"}}}); err != nil {
			t.Fatal(err)
		}
		attack := []struct {
			name, kind, value string
			code              errs.Code
		}{
			{"narrower range inside A's", sources.KindCIDR, "10.101.7.0/24", errs.Conflict},
			{"A's range exactly", sources.KindCIDR, "10.101.0.0/20", errs.Conflict},
			{"one address of A's", sources.KindCIDR, "10.101.7.7/32", errs.Conflict},
			{"IPv4-mapped form of A's", sources.KindCIDR, "::ffff:10.101.7.0/120", errs.Conflict},
			{"wider range around A's", sources.KindCIDR, "10.101.0.0/16", errs.Conflict},
			{"catch-all", sources.KindCIDR, "0.0.0.0/0", errs.Forbidden},
			{"catch-all IPv6", sources.KindCIDR, "::/0", errs.Forbidden},
			{"the address A's host names send from", sources.KindCIDR, "198.51.100.0/24", errs.Conflict},
			{"longer pattern inside A's", sources.KindHostname, "dc01.kk.dk", errs.Conflict},
			{"A's pattern exactly", sources.KindHostname, "dc*.kk.dk", errs.Conflict},
			{"crossing pattern", sources.KindHostname, "*1.kk.dk", errs.Conflict},
			{"class pattern", sources.KindHostname, "d[a-d]0?.kk.dk", errs.Conflict},
			{"wider pattern around A's", sources.KindHostname, "*.kk.dk", errs.Conflict},
			{"catch-all pattern", sources.KindHostname, "*", errs.Forbidden},
			{"top-level pattern", sources.KindHostname, "*.dk", errs.Forbidden},
			{"label-crossing pattern", sources.KindHostname, "*kk.dk", errs.Forbidden},
			{"A's certificate name", sources.KindCertificate, "cn:FW1.kk.dk", errs.Conflict},
			{"A's certificate fingerprint", sources.KindCertificate, "sha256:" + strings.ToUpper(fp), errs.Conflict},
		}
		for _, c := range attack {
			_, _, err := reg.Add(ctx, b, sources.NewSource{OrgID: roskilde, Name: c.name, Kind: c.kind, Value: c.value, AllowOverlap: true})
			if errs.CodeOf(err) != c.code {
				t.Errorf("B registers %s (%s) = %v; want %s", c.name, c.value, err, c.code)
			}
			if err != nil && strings.Contains(err.Error(), "København") {
				t.Errorf("the refusal of %s names A: %v", c.name, err)
			}
		}
		// What B may register: its own, not touching A.
		must(b, sources.NewSource{OrgID: roskilde, Name: "own net", Kind: sources.KindCIDR, Value: "10.102.0.0/16"})
		must(b, sources.NewSource{OrgID: roskilde, Name: "own dcs", Kind: sources.KindHostname, Value: "dc*.roskilde.dk"})
		must(b, sources.NewSource{OrgID: roskilde, Name: "disjoint", Kind: sources.KindHostname, Value: "dc*.kk.dk.example"})
		// The other direction: A now cannot take B's.
		for _, c := range []struct{ kind, value string }{
			{sources.KindCIDR, "10.102.3.0/24"}, {sources.KindHostname, "dc9.roskilde.dk"}, {sources.KindHostname, "*.roskilde.dk"},
		} {
			if _, _, err := reg.Add(ctx, a, sources.NewSource{OrgID: cph, Name: "x", Kind: c.kind, Value: c.value, AllowOverlap: true}); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("A registers %s %s over B's = %v; want ECONFLICT", c.kind, c.value, err)
			}
		}
		// Nor can Roskilde's unit, which does not supply København.
		if _, _, err := reg.Add(ctx, e.Scope(t, "mgr-sjaelland"), sources.NewSource{OrgID: roskilde, Name: "x", Kind: sources.KindCIDR, Value: "10.101.9.0/24", AllowOverlap: true}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("the other unit registers inside København's range = %v; want ECONFLICT", err)
		}
		ip := netip.MustParseAddr
		for _, c := range []struct {
			addr, host string
			cred       sources.Credential
		}{
			{"10.101.7.7", "", sources.Credential{}},
			{"192.0.2.9", "dc01.kk.dk", sources.Credential{}},
			{"198.51.100.7", "web.srv.kk.dk", sources.Credential{}},
			{"192.0.2.9", "", sources.Credential{CertSHA256: fp, CertSubject: "x"}},
			{"192.0.2.9", "", sources.Credential{CertSHA256: "00", CertSubject: "fw1.kk.dk"}},
		} {
			if got := reg.Attribute(ip(c.addr), c.host, c.cred); got.Tenant != cph {
				t.Errorf("A's sender %s %q after the attack = tenant %d; want København %d", c.addr, c.host, got.Tenant, cph)
			}
		}

		// Someone whose reach covers both may move senders, but only on
		// purpose, and the organisation that had them is told.
		hov := e.Scope(t, "mgr-hovedstaden")
		frb := e.Org(t, "147").ID
		n := sources.NewSource{OrgID: frb, Name: "moved", Kind: sources.KindCIDR, Value: "10.101.8.0/24"}
		if _, _, err := reg.Add(ctx, hov, n); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "allow_overlap") {
			t.Errorf("the unit of both registers over København without allow_overlap = %v; want ECONFLICT naming allow_overlap", err)
		}
		n.AllowOverlap = true
		moved := must(hov, n)
		if got := reg.Attribute(ip("10.101.8.1"), "", sources.Credential{}); got.Tenant != frb {
			t.Errorf("after the unit moved the range: tenant %d; want Frederiksberg", got.Tenant)
		}
		recs, _, err := audit.List(ctx, db.Reader(), e.Scope(t, "demo-ciso"), audit.Filter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		told := false
		for _, r := range recs {
			if r.Action == "logsource.overlapped" && r.TargetID == itoa(moved.ID) {
				told = true
			}
		}
		if !told {
			t.Errorf("København's CISO sees no logsource.overlapped record for source %d in its audit trail", moved.ID)
		}
		var notices int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
			WHERE n.kind = 'logsource.overlapped' AND u.org_id = $1`, cph).Scan(&notices); err != nil || notices == 0 {
			t.Errorf("København's people got %d notices of the overlap (%v); want some", notices, err)
		}
		// The SOC may register wide identities (to collect a shared range);
		// a kommune-it may not, even for itself.
		if _, _, err := reg.Add(ctx, a, sources.NewSource{OrgID: cph, Name: "wide", Kind: sources.KindCIDR, Value: "10.0.0.0/8"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("kommune-it registers 10.0.0.0/8 = %v; want EFORBIDDEN", err)
		}
		if _, _, err := reg.Add(ctx, e.Scope(t, "demo-soc-analyst"), sources.NewSource{OrgID: e.Org(t, "faelles-soc-cert").ID, Name: "wide", Kind: sources.KindCIDR, Value: "172.16.0.0/12"}); err != nil {
			t.Errorf("the SOC registers a wide range = %v", err)
		}
		_ = sys
	})
}

// TestConflictingCertificate: a certificate claimed by fingerprint for one
// organisation and by name for another goes to neither.
func TestConflictingCertificate(t *testing.T) {
	db := storetest.SQLite(t)
	e := demotest.New(t, db, false)
	ctx := context.Background()
	reg := sources.New(db)
	fp := strings.Repeat("cd", 32)
	for _, n := range []sources.NewSource{
		{OrgID: e.Org(t, "101").ID, Name: "a", Kind: sources.KindCertificate, Value: "cn:relay.example"},
		{OrgID: e.Org(t, "147").ID, Name: "b", Kind: sources.KindCertificate, Value: "sha256:" + fp},
	} {
		if _, _, err := reg.Add(ctx, access.System("t"), n); err != nil {
			t.Fatal(err)
		}
	}
	if got := reg.Attribute(netip.MustParseAddr("192.0.2.1"), "", sources.Credential{CertSHA256: fp, CertSubject: "relay.example"}); got.Tenant != 0 || got.Source != "conflicting certificate" {
		t.Errorf("certificate claimed by two organisations = %+v; want the quarantine", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestOverlapRace: two organisations registering overlapping ranges at the
// same moment — exactly one gets it (the check and the insert are one
// locked step on PostgreSQL, one writer on SQLite).
func TestOverlapRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, reg, a, b, _, _ := twoTenants(t, db)
		for round := range 5 {
			cidr := "10.50." + strconv.Itoa(round) + ".0/24"
			errc := make(chan error, 2)
			for _, x := range []struct {
				sc  access.Scope
				org string
			}{{a, "101"}, {b, "265"}} {
				go func() {
					_, _, err := reg.Add(ctx, x.sc, sources.NewSource{OrgID: e.Org(t, x.org).ID, Name: "race", Kind: sources.KindCIDR, Value: cidr})
					errc <- err
				}()
			}
			ok := 0
			for range 2 {
				if err := <-errc; err == nil {
					ok++
				} else if errs.CodeOf(err) != errs.Conflict {
					t.Errorf("round %d: %v", round, err)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: %d of two overlapping registrations succeeded; want 1", round, ok)
			}
		}
	})
}

// TestSenderMemoryCannotBeFlooded: made-up senders under A's host names
// (the host name is the sender's word) fill the memory of A's source, but
// a real sender heard later still gets in, so B's range over it is refused.
func TestSenderMemoryCannotBeFlooded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, reg, a, b, _, _ := twoTenants(t, db)
		hosts, _, err := reg.Add(ctx, a, sources.NewSource{OrgID: e.Org(t, "101").ID, Name: "servers", Kind: sources.KindHostname, Value: "*.srv.kk.dk"})
		if err != nil {
			t.Fatal(err)
		}
		flood := time.Now().Add(-time.Hour)
		for i := 0; i < 1100; i += sources.MaxSeenAddrs {
			var addrs []string
			for j := i; j < i+sources.MaxSeenAddrs; j++ {
				addrs = append(addrs, fmt.Sprintf("2001:db8::%x", j))
			}
			if err := reg.RecordSeen(ctx, map[int64]sources.Seen{hosts.ID: {Last: flood, Events: 1, Addrs: addrs}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := reg.RecordSeen(ctx, map[int64]sources.Seen{hosts.ID: {Last: time.Now(), Events: 1, Addrs: []string{"198.51.100.7"}}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := reg.Add(ctx, b, sources.NewSource{OrgID: e.Org(t, "265").ID, Name: "grab", Kind: sources.KindCIDR, Value: "198.51.100.0/24"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("B registers the range of A's real sender after a flood = %v; want ECONFLICT", err)
		}
	})
}

// TestNoCertificateTakeover: A's TLS senders are attributed by A's range
// (their certificate is not registered); B may not register that
// certificate, by fingerprint or by name, nor the other name of a
// certificate A registered — the review's two certificate attacks.
func TestNoCertificateTakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, reg, a, b, cph, ros := twoTenants(t, db)
		if _, _, err := reg.Add(ctx, a, sources.NewSource{OrgID: cph, Name: "net", Kind: sources.KindCIDR, Value: "10.101.0.0/20"}); err != nil {
			t.Fatal(err)
		}
		fp1, fp2 := strings.Repeat("1a", 32), strings.Repeat("2b", 32)
		if _, _, err := reg.Add(ctx, a, sources.NewSource{OrgID: cph, Name: "relay", Kind: sources.KindCertificate, Value: "sha256:" + fp2}); err != nil {
			t.Fatal(err)
		}
		// A's sender syslog01 (unregistered certificate, attributed by the
		// range) and relay (registered by fingerprint) send.
		for _, c := range []sources.Credential{{CertSHA256: fp1, CertSubject: "syslog01.kk.dk"}, {CertSHA256: fp2, CertSubject: "relay.kk.dk"}} {
			at := reg.Attribute(netip.MustParseAddr("10.101.7.7"), "", c)
			reg.NoteCertificate(c, at.Tenant)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			var n int
			_ = db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM log_cert_sightings`).Scan(&n)
			if n == 2 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, v := range []string{"cn:syslog01.kk.dk", "sha256:" + fp1, "cn:relay.kk.dk"} {
			if _, _, err := reg.Add(ctx, b, sources.NewSource{OrgID: ros, Name: "grab", Kind: sources.KindCertificate, Value: v, AllowOverlap: true}); errs.CodeOf(err) != errs.Conflict {
				t.Errorf("B registers %s = %v; want ECONFLICT", v, err)
			}
		}
		for _, c := range []sources.Credential{{CertSHA256: fp1, CertSubject: "syslog01.kk.dk"}, {CertSHA256: fp2, CertSubject: "relay.kk.dk"}} {
			if at := reg.Attribute(netip.MustParseAddr("10.101.7.7"), "", c); at.Tenant != cph {
				t.Errorf("A's sender %s after the attempts = tenant %d; want København", c.CertSubject, at.Tenant)
			}
		}
		// A certificate nobody's traffic came with is B's to register.
		if _, _, err := reg.Add(ctx, b, sources.NewSource{OrgID: ros, Name: "own", Kind: sources.KindCertificate, Value: "cn:syslog.roskilde.dk"}); err != nil {
			t.Errorf("B registers its own certificate = %v", err)
		}
	})
}

// TestNoCaptureOfSendersNotYetSeen: B registers a range and a certificate
// that nothing tells apart from A's yet (A's senders have not sent); when
// A's senders then send, A's earlier host-name pattern and range keep
// them. Only the SOC or an administrator, saying so, moves them.
func TestNoCaptureOfSendersNotYetSeen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, reg, a, b, cph, ros := twoTenants(t, db)
		add := func(sc access.Scope, org int64, kind, value string, overlap bool) {
			t.Helper()
			if _, _, err := reg.Add(ctx, sc, sources.NewSource{OrgID: org, Name: value, Kind: kind, Value: value, AllowOverlap: overlap}); err != nil {
				t.Fatalf("Add(%s) = %v", value, err)
			}
		}
		add(a, cph, sources.KindHostname, "*.srv.kk.dk", false)
		add(a, cph, sources.KindCIDR, "10.101.0.0/20", false)
		add(b, ros, sources.KindCIDR, "203.0.113.0/24", true)
		add(b, ros, sources.KindCertificate, "cn:syslog02.kk.dk", true)
		ip := netip.MustParseAddr
		for _, c := range []struct {
			addr, host string
			cred       sources.Credential
			want       int64
		}{
			{"203.0.113.5", "web.srv.kk.dk", sources.Credential{}, cph},                                                      // A's pattern came first
			{"203.0.113.6", "fw.roskilde.dk", sources.Credential{}, ros},                                                     // B's own
			{"10.101.3.3", "", sources.Credential{CertSHA256: strings.Repeat("3c", 32), CertSubject: "syslog02.kk.dk"}, cph}, // A's range came first
			{"192.0.2.77", "", sources.Credential{CertSHA256: strings.Repeat("3c", 32), CertSubject: "syslog02.kk.dk"}, ros}, // nobody else's
		} {
			if got := reg.Attribute(ip(c.addr), c.host, c.cred); got.Tenant != c.want {
				t.Errorf("Attribute(%s, %q, %q) = tenant %d; want %d", c.addr, c.host, c.cred.CertSubject, got.Tenant, c.want)
			}
		}
		// The SOC moves the range on purpose: then it takes the sender.
		soc := e.Scope(t, "demo-soc-analyst")
		add(soc, ros, sources.KindCIDR, "198.51.100.0/24", true)
		if got := reg.Attribute(ip("198.51.100.9"), "db.srv.kk.dk", sources.Credential{}); got.Tenant != ros {
			t.Errorf("a range the SOC registered to move senders = tenant %d; want Roskilde", got.Tenant)
		}
	})
}

// twoTenants is the demo with a registry: A is København (its kommune-it),
// B Roskilde under another unit (a kommune-it added for it).
func twoTenants(t *testing.T, db *store.DB) (e *demotest.Env, reg *sources.Registry, a, b access.Scope, cph, ros int64) {
	t.Helper()
	e = demotest.New(t, db, false)
	reg = sources.New(db)
	e.AddUser(t, "it-roskilde", "265", access.RoleKommuneIT)
	return e, reg, e.Scope(t, "demo-kommune-it"), e.Scope(t, "it-roskilde"), e.Org(t, "101").ID, e.Org(t, "265").ID
}
