package federation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/federation"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

const oidcConf = `
providers:
  - id: kk
    type: oidc
    issuer: https://login.example/tenant/v2.0
    client_id: c1
    client_secret_env: FED_TEST_SECRET
    organisation: "101"
    allowed_organisations: [faelles-soc-cert]
    rules:
      - {group: g-ciso, role: ciso}
      - {group: g-spoc, role: spoc}
      - {claim: roles, value: it, role: kommune-it}
      - {group: g-soc, role: soc-analyst, organisation: faelles-soc-cert}
`

func TestParseConfig(t *testing.T) {
	t.Setenv("FED_TEST_SECRET", "s3cret")
	c, err := federation.ParseConfig([]byte(oidcConf), "https://samdrift.example.dk/")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers[0]
	if c.PublicURL != "https://samdrift.example.dk" || p.Name != "kk" || p.DeactivateAfterDays != 90 ||
		strings.Join(p.Scopes, " ") != "openid profile email" || p.Claims.Subject != "sub" || p.Rules[0].Claim != "groups" {
		t.Errorf("defaults not filled: %+v %+v", c, p)
	}
	// Each mistake is named with where it is.
	for _, c := range []struct{ conf, field, text string }{
		{"providers: [{id: kk, type: oidc}]", "providers[0].issuer", "issuer URL"},
		{"providers: [{id: KK, type: oidc}]", "providers[0].id", "1–40 characters"},
		{"providers: [{id: kk, type: ldap}]", "providers[0].type", "want oidc or saml"},
		{"providers: [{id: kk, type: oidc, issuer: 'https://x', client_id: c, client_secret_env: NOT_SET_ANYWHERE}]", "providers[0].client_secret_env", "is not set"},
		{"providers: [{id: kk, type: oidc, issuer: 'https://x', client_id: c, client_secret_env: FED_TEST_SECRET, rules: [{group: g, role: spoc}]}]", "providers[0].organisation", "say where people belong"},
		{"providers: [{id: kk, type: oidc, issuer: 'https://x', client_id: c, client_secret_env: FED_TEST_SECRET, claims: {organisation: m}, rules: [{group: g, role: spoc}]}]", "providers[0].allowed_organisations", "list the organisations"},
		{"providers: [{id: kk, type: oidc, issuer: 'https://x', client_id: c, client_secret_env: FED_TEST_SECRET, organisation: '101', rules: [{group: g, role: boss}]}]", "providers[0].rules[0].role", "unknown role"},
		{"providers: [{id: kk, type: saml, metadata_url: 'https://idp/md', organisation: '101', rules: [{group: g, role: spoc}]}]", "providers[0].sp_key_file", "key and certificate"},
		{"providers: [{id: kk, type: oidc, isuer: 'https://x'}]", "", "field isuer not found"},
		// A municipality's provider cannot make platform administrators,
		// nor place people outside its organisations.
		{"providers: [{id: kk, type: oidc, issuer: 'https://x', client_id: c, client_secret_env: FED_TEST_SECRET, organisation: '101', rules: [{group: g, role: admin}]}]", "providers[0].rules[0].role", "allow_privileged_roles"},
		{"providers: [{id: kk, type: oidc, issuer: 'https://x', client_id: c, client_secret_env: FED_TEST_SECRET, organisation: '101', rules: [{group: g, role: spoc, organisation: sekretariatet}]}]", "providers[0].rules[0].organisation", "neither the provider's organisation"},
		{"providers: [{id: kk, type: saml, metadata_url: 'http://idp.example/md', sp_key_file: k, sp_cert_file: c, claims: {username: u}, organisation: '101', rules: [{group: g, role: spoc}]}]", "providers[0].metadata_url", "over https"},
	} {
		_, err := federation.ParseConfig([]byte(c.conf), "https://samdrift.example.dk")
		var e *errs.Error
		if !errorsAs(err, &e) || e.Field != c.field || !strings.Contains(e.Message, c.text) {
			t.Errorf("%s: got %v; want %s: …%s…", c.conf, err, c.field, c.text)
		}
	}
	if _, err := federation.ParseConfig([]byte(oidcConf), ""); err == nil || !strings.Contains(err.Error(), "public_url") {
		t.Errorf("no public URL: %v", err)
	}
}

func errorsAs(err error, e **errs.Error) bool {
	if x, ok := err.(*errs.Error); ok {
		*e = x
		return true
	}
	return false
}

func TestMap(t *testing.T) {
	t.Setenv("FED_TEST_SECRET", "s3cret")
	c, err := federation.ParseConfig([]byte(oidcConf), "https://samdrift.example.dk")
	if err != nil {
		t.Fatal(err)
	}
	p := &c.Providers[0]
	for _, c := range []struct {
		attrs      federation.Attributes
		org        string
		role       access.Role
		refusedFor string
	}{
		// The first rule that matches decides, in the file's order.
		{federation.Attributes{"groups": {"g-spoc", "g-ciso"}}, "101", access.RoleCISO, ""},
		{federation.Attributes{"groups": {"other", "g-spoc"}}, "101", access.RoleSPOC, ""},
		{federation.Attributes{"roles": {"it"}}, "101", access.RoleKommuneIT, ""},
		{federation.Attributes{"groups": {"g-soc"}}, "faelles-soc-cert", access.RoleSOCAnalyst, ""},
		{federation.Attributes{"groups": {"G-SPOC"}}, "", "", "none of your groups"},
		{federation.Attributes{}, "", "", "none of your groups"},
	} {
		m, err := p.Map(c.attrs)
		if c.refusedFor != "" {
			if err == nil || !strings.Contains(err.Error(), c.refusedFor) {
				t.Errorf("%v: got %+v %v; want refused", c.attrs, m, err)
			}
			continue
		}
		if err != nil || m.Organisation != c.org || m.Role != c.role || m.Decision["rule"] == nil {
			t.Errorf("%v: got %+v %v; want %s %s", c.attrs, m, err, c.org, c.role)
		}
	}
	// With the organisation from a claim, only the allowed ones pass.
	p.Organisation, p.Claims.Organisation, p.AllowedOrganisations = "", "municipality_code", []string{"101", "461"}
	if m, err := p.Map(federation.Attributes{"groups": {"g-spoc"}, "municipality_code": {"461"}}); err != nil || m.Organisation != "461" {
		t.Errorf("claim 461: %+v %v", m, err)
	}
	if _, err := p.Map(federation.Attributes{"groups": {"g-spoc"}, "municipality_code": {"751"}}); err == nil || !strings.Contains(err.Error(), "may not place people in") {
		t.Errorf("claim 751 (not allowed): %v", err)
	}
	if _, err := p.Map(federation.Attributes{"groups": {"g-spoc"}}); err == nil || !strings.Contains(err.Error(), "claim is missing") {
		t.Errorf("no claim: %v", err)
	}
}

// TestProvisionAndDeactivate: a person the provider vouches for is made
// once and updated on each login, a username held by a local account is
// not taken over, and users unseen for longer than the provider's days
// are disabled, their sessions ended, and enabled again at their next
// login.
func TestProvisionAndDeactivate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		id := access.FederatedIdentity{Provider: "kk", ProviderName: "KK", Subject: "s-1", Username: "Mette@KK.dk", DisplayName: "Mette",
			Email: "mette@kk.dk", OrgRef: "101", Role: access.RoleSPOC, IdPSession: "sid-1"}
		res, err := e.Access.FederatedLogin(ctx, id)
		if err != nil || res.User.Username != "mette@kk.dk" || res.User.IdP != "kk" || res.NeedMFA || res.NeedEnrol {
			t.Fatalf("first login: %+v %v", res.User, err)
		}
		id.OrgRef, id.Role, id.DisplayName = "461", access.RoleCISO, "Mette M."
		res2, err := e.Access.FederatedLogin(ctx, id)
		if err != nil || res2.User.ID != res.User.ID || res2.User.OrgSlug != e.Org(t, "461").Slug || res2.User.Role != access.RoleCISO || res2.User.DisplayName != "Mette M." {
			t.Fatalf("second login: %+v %v", res2.User, err)
		}
		// The first session went with the old organisation.
		if _, err := e.Access.SessionByToken(ctx, res.SessionToken, ""); err == nil {
			t.Error("the session of the old organisation and role lives on")
		}
		// A local account's username is not taken by a provider's person.
		e.AddUser(t, "lars@kk.dk", "101", access.RoleSPOC)
		if _, err := e.Access.FederatedLogin(ctx, access.FederatedIdentity{Provider: "kk", ProviderName: "KK", Subject: "s-2", Username: "lars@kk.dk",
			OrgRef: "101", Role: access.RoleSPOC}); err == nil || !strings.Contains(err.Error(), "already belongs to another samdrift account") {
			t.Errorf("taking over a local username: %v", err)
		}
		// A role the organisation's kind cannot hold is refused.
		if _, err := e.Access.FederatedLogin(ctx, access.FederatedIdentity{Provider: "kk", ProviderName: "KK", Subject: "s-3", Username: "x3",
			OrgRef: "101", Role: access.RoleServiceDesk}); err == nil || !strings.Contains(err.Error(), "cannot be held") {
			t.Errorf("service desk in a municipality: %v", err)
		}
		// Nobody is unseen yet; a cut-off in the future makes Mette unseen.
		if n, err := e.Access.DeactivateUnseen(ctx, "kk", time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Errorf("DeactivateUnseen (an hour ago) = %d %v; want 0", n, err)
		}
		if n, err := e.Access.DeactivateUnseen(ctx, "kk", time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("DeactivateUnseen (an hour ahead) = %d %v; want 1", n, err)
		}
		if _, err := e.Access.SessionByToken(ctx, res2.SessionToken, ""); err == nil {
			t.Error("an unseen user's session lives on")
		}
		if u, _ := e.Access.UserByName(ctx, access.System("t"), "mette@kk.dk"); !u.Disabled {
			t.Error("unseen user not disabled")
		}
		res3, err := e.Access.FederatedLogin(ctx, id)
		if err != nil || res3.User.Disabled {
			t.Errorf("login after being unseen: %+v %v; want enabled again", res3.User, err)
		}
		// Back-channel logout by subject, narrowed to the provider.
		if n, err := e.Access.EndIdPSessions(ctx, "other", access.IdPSessions{Subject: "s-1"}, "test"); err != nil || n != 0 {
			t.Errorf("another provider ended %d sessions (%v)", n, err)
		}
		if n, err := e.Access.EndIdPSessions(ctx, "kk", access.IdPSessions{Subject: "s-1"}, "test"); err != nil || n != 1 {
			t.Errorf("EndIdPSessions(subject) = %d %v; want 1", n, err)
		}
		// An administrator's edit that leaves "disabled" as it was does not
		// turn federation's disable into the administrator's: Mette, unseen
		// again, still comes back at her next login.
		if n, err := e.Access.DeactivateUnseen(ctx, "kk", time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("DeactivateUnseen = %d %v", n, err)
		}
		name, yes := "Mette Madsen", true
		if _, err := e.Access.UpdateUser(ctx, access.System("t"), res.User.ID, access.UserChange{DisplayName: &name, Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Access.FederatedLogin(ctx, id); err != nil {
			t.Errorf("login after an administrator's edit of an unseen user: %v", err)
		}
		// Users of a provider taken out of the configuration are disabled.
		if n, err := e.Access.DeactivateRemovedProviders(ctx, []string{"fed"}); err != nil || n != 1 {
			t.Errorf("DeactivateRemovedProviders = %d %v; want 1 (mette of kk)", n, err)
		}
		if n, err := e.Access.DeactivateRemovedProviders(ctx, []string{"fed"}); err != nil || n != 0 {
			t.Errorf("DeactivateRemovedProviders again = %d %v; want 0", n, err)
		}
	})
}
