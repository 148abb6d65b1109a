package sources_test

import (
	"context"
	"net/netip"
	"testing"

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
			_, tok, err := reg.Add(ctx, sys, sources.NewSource{OrgID: org, Name: kind + " " + value, Kind: kind, Value: value})
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
			if got := reg.Attribute(ip(c.addr), c.host, c.token); got.Tenant != c.want {
				t.Errorf("Attribute(%s, %q, token=%v) = %+v; want tenant %d", c.addr, c.host, c.token != "", got, c.want)
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
