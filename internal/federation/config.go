package federation

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// Config is the federation configuration file (serve --federation FILE):
// the identity providers people may log in through.
type Config struct {
	// PublicURL is how browsers reach samdrift (redirect URIs, SAML
	// metadata); default serve's --public-url.
	PublicURL string     `yaml:"public_url"`
	Providers []Provider `yaml:"providers"`
}

// Provider is one identity provider: OpenID Connect or SAML 2.0.
type Provider struct {
	// ID names the provider in URLs (/auth/oidc/ID/…) and in users'
	// records; it must not change once people have logged in.
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Type is "oidc" or "saml".
	Type string `yaml:"type"`

	// OIDC: the issuer (discovery at ISSUER/.well-known/openid-configuration),
	// the client, and the scopes asked for (default openid, profile, email).
	Issuer          string   `yaml:"issuer"`
	ClientID        string   `yaml:"client_id"`
	ClientIDEnv     string   `yaml:"client_id_env"`
	ClientSecretEnv string   `yaml:"client_secret_env"`
	Scopes          []string `yaml:"scopes"`
	// UserInfo: also read the userinfo endpoint and take claims the ID
	// token lacks from it.
	UserInfo bool `yaml:"userinfo"`

	// SAML: the IdP's metadata (a URL or a file), samdrift's key and
	// certificate as the service provider (PEM files; they sign requests
	// and decrypt encrypted assertions), and the SP's entity id (default
	// PUBLIC_URL/auth/saml/ID/metadata).
	MetadataURL  string `yaml:"metadata_url"`
	MetadataFile string `yaml:"metadata_file"`
	KeyFile      string `yaml:"sp_key_file"`
	CertFile     string `yaml:"sp_cert_file"`
	EntityID     string `yaml:"entity_id"`
	// IdPEntityID is the IdP's entity id; required when the metadata is
	// a federation's aggregate (the IdP is picked from it by this id), and
	// checked against the metadata otherwise.
	IdPEntityID string `yaml:"idp_entity_id"`
	// AllowUnsignedAssertion accepts an assertion whose Response is signed
	// but which is not itself; by default the assertion must be signed
	// (OIOSAML 3).
	AllowUnsignedAssertion bool `yaml:"allow_unsigned_assertion"`

	// Claims names the claims (OIDC) or attributes (SAML) that carry who
	// the person is.
	Claims Claims `yaml:"claims"`
	// Organisation places every person of this provider in one
	// organisation (slug or municipality code). Without it, the
	// organisation comes from Claims.Organisation (or a rule) and must be
	// in AllowedOrganisations.
	Organisation         string   `yaml:"organisation"`
	AllowedOrganisations []string `yaml:"allowed_organisations"`
	// Rules map claims to a role (and optionally an organisation); the
	// first that matches decides. A person no rule matches is refused.
	Rules []Rule `yaml:"rules"`
	// AllowPrivilegedRoles lets the rules give admin and governance,
	// whose reach is every organisation. Off by default: a
	// municipality's directory should not be able to make platform
	// administrators.
	AllowPrivilegedRoles bool `yaml:"allow_privileged_roles"`
	// UsernameDomains, when given, are the only e-mail domains this
	// provider's usernames may have (user@domain), so that one
	// organisation's provider cannot claim another's usernames first.
	UsernameDomains []string `yaml:"username_domains"`
	// MFA says which assertions count as a second factor; when one is
	// made, samdrift does not ask for its own.
	MFA MFA `yaml:"mfa"`
	// DeactivateAfterDays disables users of this provider who have not
	// logged in for so many days (default 90; 0 keeps the default, -1
	// never).
	DeactivateAfterDays int `yaml:"deactivate_after_days"`
	// SingleLogout: logging out of samdrift also logs out at the
	// provider (RP-initiated logout, SAML SLO) when it offers it.
	SingleLogout *bool `yaml:"single_logout"`

	clientID, clientSecret string
}

// Claims names where the person's details are found.
type Claims struct {
	// Subject: the stable id (default sub for OIDC, e.g. oid for Entra ID;
	// the NameID for SAML unless an attribute is named).
	Subject      string `yaml:"subject"`
	Username     string `yaml:"username"`
	Name         string `yaml:"name"`
	Email        string `yaml:"email"`
	Groups       string `yaml:"groups"`
	Organisation string `yaml:"organisation"`
}

// Rule is one mapping: when the claim holds the value (groups: any of
// them), the person gets the role, in the organisation if one is named.
type Rule struct {
	// Group is short for claim: <the groups claim>, value: Group.
	Group        string      `yaml:"group"`
	Claim        string      `yaml:"claim"`
	Value        string      `yaml:"value"`
	Role         access.Role `yaml:"role"`
	Organisation string      `yaml:"organisation"`
}

// MFA lists what counts as a second factor at the provider.
type MFA struct {
	// AMR: OIDC amr values (Entra ID says "mfa").
	AMR []string `yaml:"amr"`
	// ACR: OIDC acr values, or SAML AuthnContextClassRefs.
	ACR []string `yaml:"acr"`
	// Attribute and Values: a claim or attribute whose value says so
	// (OIOSAML 3: https://data.gov.dk/concept/core/nsis/loa with
	// Substantial or High).
	Attribute string   `yaml:"attribute"`
	Values    []string `yaml:"values"`
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// LoadConfig reads and checks the federation file at path. Secrets are
// read from the environment variables it names, never from the file.
func LoadConfig(path, publicURL string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("cannot read the federation file: %w", err)
	}
	return ParseConfig(b, publicURL)
}

// ParseConfig parses and checks a federation file's content; publicURL is
// used when the file names none.
func ParseConfig(b []byte, publicURL string) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, errs.E(errs.Invalid, "federation file: %v", err)
	}
	if c.PublicURL == "" {
		c.PublicURL = publicURL
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Config{}, errs.Field("public_url", "federation needs how browsers reach samdrift (https://samdrift.example.dk): set public_url in the file or serve --public-url")
	}
	seen := map[string]bool{}
	for i := range c.Providers {
		p := &c.Providers[i]
		at := fmt.Sprintf("providers[%d]", i)
		if err := p.check(at); err != nil {
			return Config{}, err
		}
		if seen[p.ID] {
			return Config{}, errs.Field(at+".id", "provider id %q is used twice", p.ID)
		}
		seen[p.ID] = true
	}
	return c, nil
}

func (p *Provider) check(at string) error {
	if !idRE.MatchString(p.ID) {
		return errs.Field(at+".id", "%q must be 1–40 characters of a–z, 0–9 and '-'", p.ID)
	}
	if p.Name == "" {
		p.Name = p.ID
	}
	switch p.Type {
	case "oidc":
		if u, err := url.Parse(p.Issuer); err != nil || u.Host == "" {
			return errs.Field(at+".issuer", "an OIDC provider needs its issuer URL, got %q", p.Issuer)
		}
		p.clientID = p.ClientID
		if p.ClientIDEnv != "" {
			p.clientID = os.Getenv(p.ClientIDEnv)
		}
		if p.clientID == "" {
			return errs.Field(at+".client_id", "an OIDC provider needs client_id (or client_id_env naming a set environment variable)")
		}
		if p.ClientSecretEnv == "" || os.Getenv(p.ClientSecretEnv) == "" {
			return errs.Field(at+".client_secret_env", "name an environment variable that holds the client secret (it is not read from the file); %q is not set", p.ClientSecretEnv)
		}
		p.clientSecret = os.Getenv(p.ClientSecretEnv)
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"openid", "profile", "email"}
		}
		if !slices.Contains(p.Scopes, "openid") {
			p.Scopes = append([]string{"openid"}, p.Scopes...)
		}
		if p.Claims.Subject == "" {
			p.Claims.Subject = "sub"
		}
		if p.Claims.Username == "" {
			p.Claims.Username = "preferred_username"
		}
		if p.Claims.Name == "" {
			p.Claims.Name = "name"
		}
		if p.Claims.Email == "" {
			p.Claims.Email = "email"
		}
		if p.Claims.Groups == "" {
			p.Claims.Groups = "groups"
		}
		if len(p.MFA.AMR) == 0 && len(p.MFA.ACR) == 0 && p.MFA.Attribute == "" {
			p.MFA.AMR = []string{"mfa"}
		}
	case "saml":
		if (p.MetadataURL == "") == (p.MetadataFile == "") {
			return errs.Field(at+".metadata_url", "a SAML provider needs its metadata: metadata_url or metadata_file, one of them")
		}
		if p.KeyFile == "" || p.CertFile == "" {
			return errs.Field(at+".sp_key_file", "a SAML provider needs samdrift's key and certificate as service provider (sp_key_file, sp_cert_file, PEM)")
		}
		if p.Claims.Username == "" {
			return errs.Field(at+".claims.username", "name the attribute that holds the user name (for example urn:oid:0.9.2342.19200300.100.1.1 or an e-mail attribute)")
		}
		if p.MetadataURL != "" {
			u, err := url.Parse(p.MetadataURL)
			if err != nil || u.Host == "" || (u.Scheme != "https" && !loopback(u.Hostname())) {
				return errs.Field(at+".metadata_url", "the IdP's metadata is its trust anchor: fetch it over https (or keep a copy in metadata_file), got %q", p.MetadataURL)
			}
		}
	default:
		return errs.Field(at+".type", "want oidc or saml, got %q", p.Type)
	}
	if p.Organisation == "" && p.Claims.Organisation == "" && !rulesNameOrganisations(p.Rules) {
		return errs.Field(at+".organisation", "say where people belong: organisation (one for everyone), claims.organisation (with allowed_organisations), or an organisation on every rule")
	}
	if p.Organisation == "" && len(p.AllowedOrganisations) == 0 && p.Claims.Organisation != "" {
		return errs.Field(at+".allowed_organisations", "with the organisation taken from a claim, list the organisations this provider may place people in")
	}
	if len(p.Rules) == 0 {
		return errs.Field(at+".rules", "give at least one rule mapping a claim to a role")
	}
	for j := range p.Rules {
		r := &p.Rules[j]
		rat := fmt.Sprintf("%s.rules[%d]", at, j)
		if r.Group != "" {
			if r.Claim != "" || r.Value != "" {
				return errs.Field(rat+".group", "give group, or claim and value, not both")
			}
			r.Claim, r.Value = p.Claims.Groups, r.Group
			if r.Claim == "" {
				return errs.Field(rat+".group", "a group rule needs claims.groups: the attribute that holds the groups")
			}
		}
		if r.Claim == "" || r.Value == "" {
			return errs.Field(rat+".claim", "a rule needs group, or claim and value")
		}
		if _, err := access.ParseRole(rat+".role", string(r.Role)); err != nil {
			return err
		}
		if (r.Role == access.RoleAdmin || r.Role == access.RoleGovernance) && !p.AllowPrivilegedRoles {
			return errs.Field(rat+".role", "role %s reaches every organisation; a provider may give it only with allow_privileged_roles: true", r.Role)
		}
		allowed := p.AllowedOrganisations
		if p.Organisation != "" {
			allowed = append([]string{p.Organisation}, allowed...)
		}
		if r.Organisation != "" && len(allowed) > 0 && !slices.Contains(allowed, r.Organisation) {
			return errs.Field(rat+".organisation", "organisation %q is neither the provider's organisation nor among allowed_organisations", r.Organisation)
		}
	}
	switch {
	case p.DeactivateAfterDays == 0:
		p.DeactivateAfterDays = 90
	case p.DeactivateAfterDays < -1 || p.DeactivateAfterDays > 3650:
		return errs.Field(at+".deactivate_after_days", "want 1–3650 days, or -1 for never, got %d", p.DeactivateAfterDays)
	}
	return nil
}

// loopback reports whether host is this machine (tests fetch metadata
// from an IdP on 127.0.0.1 over http).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func rulesNameOrganisations(rules []Rule) bool {
	if len(rules) == 0 {
		return false
	}
	for _, r := range rules {
		if r.Organisation == "" {
			return false
		}
	}
	return true
}

func (p *Provider) singleLogout() bool { return p.SingleLogout == nil || *p.SingleLogout }
