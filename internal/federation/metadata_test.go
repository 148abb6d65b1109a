package federation

import (
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
)

const aggregate = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
<EntityDescriptor entityID="https://rogue.example/idp"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://rogue.example/sso"/></IDPSSODescriptor></EntityDescriptor>
<EntityDescriptor entityID="https://idp.kommune.example/idp"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.kommune.example/sso"/></IDPSSODescriptor></EntityDescriptor>
</EntitiesDescriptor>`

// TestParseMetadata: from a federation's aggregate only the configured
// IdP is trusted, never whichever comes first.
func TestParseMetadata(t *testing.T) {
	if _, err := parseMetadata([]byte(aggregate), ""); err == nil || !strings.Contains(err.Error(), "idp_entity_id") {
		t.Errorf("aggregate without idp_entity_id: %v; want refused", err)
	}
	md, err := parseMetadata([]byte(aggregate), "https://idp.kommune.example/idp")
	if err != nil || md.EntityID != "https://idp.kommune.example/idp" {
		t.Errorf("aggregate with idp_entity_id: %v %v", md, err)
	}
	if _, err := parseMetadata([]byte(aggregate), "https://other.example/idp"); err == nil {
		t.Error("an entity the aggregate lacks was found")
	}
	one := aggregate[strings.Index(aggregate, `<EntityDescriptor entityID="https://rogue`):strings.Index(aggregate, `<EntityDescriptor entityID="https://idp`)]
	one = strings.Replace(one, "<EntityDescriptor ", `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" `, 1)
	if md, err := parseMetadata([]byte(one), ""); err != nil || md.EntityID != "https://rogue.example/idp" {
		t.Errorf("one entity: %v %v", md, err)
	}
	if _, err := parseMetadata([]byte(one), "https://idp.kommune.example/idp"); err == nil {
		t.Error("one entity under another id than configured was accepted")
	}
}

func TestUsernameDomainsAndNumbers(t *testing.T) {
	p := &Provider{Name: "KK", UsernameDomains: []string{"kk.dk"}, Rules: []Rule{{Claim: "groups", Value: "g", Role: access.RoleSPOC}}}
	if err := p.checkUsername("Anna@KK.dk"); err != nil {
		t.Errorf("anna@kk.dk: %v", err)
	}
	for _, u := range []string{"anna@odense.dk", "anna@evilkk.dk", "anna"} {
		if err := p.checkUsername(u); err == nil {
			t.Errorf("%s passed username_domains kk.dk", u)
		}
	}
	// Numeric claims keep their digits.
	a := attributesOf(map[string]any{"oid": float64(1234567), "big": float64(9007199254740992), "ok": true, "list": []any{"a", float64(2)}})
	if a.First("oid") != "1234567" || a.First("big") != "9007199254740992" || a.First("ok") != "true" || strings.Join(a["list"], ",") != "a,2" {
		t.Errorf("attributes = %v", a)
	}
}
