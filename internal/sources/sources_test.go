package sources_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		reg := sources.New(db)
		sys := access.System("t")
		cph, frb, unit := e.Org(t, "101").ID, e.Org(t, "147").ID, e.Org(t, "enhed-hovedstaden").ID
		add := func(org int64, kind, value string) string {
			// The unit's range holds København's (a unit may host its
			// municipalities' senders), which takes an explicit overlap.
			_, tok, err := reg.Add(ctx, sys, sources.NewSource{OrgID: org, Name: kind + " " + value, Kind: kind, Value: value, AllowOverlap: true})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		add(unit, sources.KindCIDR, "10.20.0.0/16")
		add(cph, sources.KindCIDR, "10.20.5.0/24")
		add(frb, sources.KindHostname, "*.frederiksberg.dk")
		tok := add(frb, sources.KindToken, "")
		if tok == "" {
			t.Fatal("no token issued")
		}
		fp := "ab" + strings.Repeat("01", 31)
		add(unit, sources.KindCertificate, "SHA256:"+strings.ToUpper(fp))
		add(frb, sources.KindCertificate, "cn:fw1.frederiksberg.dk")
		ip := netip.MustParseAddr
		for _, c := range []struct {
			addr, host, token string
			want              int64
		}{
			{"10.20.5.9", "", "", cph},                     // the most specific range wins
			{"10.20.6.9", "", "", unit},                    // the unit's wider range
			{"192.0.2.1", "fw1.Frederiksberg.dk", "", frb}, // host name pattern, ignoring case
			{"10.20.5.9", "", tok, frb},                    // a token wins over the address
			{"192.0.2.1", "elsewhere.example", "", 0},      // quarantine
			{"::ffff:10.20.5.9", "", "", cph},              // IPv4-mapped IPv6
		} {
			if got := reg.Attribute(ip(c.addr), c.host, sources.Credential{Token: c.token}); got.Tenant != c.want {
				t.Errorf("Attribute(%s, %q, token=%v) = %+v; want tenant %d", c.addr, c.host, c.token != "", got, c.want)
			}
		}
		// A verified client certificate wins over the address; by
		// fingerprint or by common name.
		if got := reg.Attribute(ip("10.20.5.9"), "", sources.Credential{CertSHA256: fp, CertSubject: "x"}); got.Tenant != unit || got.SourceID == 0 {
			t.Errorf("certificate by fingerprint = %+v; want the unit", got)
		}
		if got := reg.Attribute(ip("10.20.5.9"), "", sources.Credential{CertSHA256: "00", CertSubject: "FW1.frederiksberg.dk"}); got.Tenant != frb {
			t.Errorf("certificate by common name = %+v; want Frederiksberg", got)
		}
		if got := reg.Attribute(ip("10.20.5.9"), "", sources.Credential{CertSHA256: "00", CertSubject: "unknown"}); got.Tenant != cph {
			t.Errorf("an unregistered certificate falls back to the address: %+v", got)
		}
		for _, bad := range []sources.NewSource{
			{OrgID: cph, Name: "x", Kind: sources.KindCertificate, Value: "sha256:abc"},
			{OrgID: cph, Name: "x", Kind: sources.KindCertificate, Value: "serial:1"},
			{OrgID: cph, Name: "x", Kind: sources.KindCIDR, Value: "10.9.0.0/16", Type: "toaster"},
			{OrgID: cph, Name: "x", Kind: sources.KindCIDR, Value: "10.9.0.0/16", SilentAfter: time.Second},
		} {
			if _, _, err := reg.Add(ctx, sys, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("Add(%+v) = %v; want EINVALID", bad, err)
			}
		}
		// Bad input and permissions.
		if _, _, err := reg.Add(ctx, sys, sources.NewSource{OrgID: cph, Name: "x", Kind: sources.KindCIDR, Value: "10.0.0.300/8"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad CIDR = %v; want EINVALID", err)
		}
		if _, _, err := reg.Add(ctx, e.Scope(t, "demo-spoc"), sources.NewSource{OrgID: cph, Name: "x", Kind: sources.KindCIDR, Value: "10.1.0.0/16"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a SPOC registers a source = %v; want EFORBIDDEN", err)
		}
		if _, _, err := reg.Add(ctx, e.Scope(t, "demo-kommune-it"), sources.NewSource{OrgID: frb, Name: "x", Kind: sources.KindCIDR, Value: "10.1.0.0/16"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("kommune-it registers for another municipality = %v; want refusal", err)
		}
		list, err := reg.List(ctx, e.Scope(t, "demo-kommune-it"))
		if err != nil || len(list) != 1 || list[0].OrgID != cph {
			t.Errorf("København lists %d sources; want its own 1", len(list))
		}
	})
}
