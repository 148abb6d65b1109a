package federation

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// Attributes are the claims or attributes a provider asserted, each as
// its list of string values.
type Attributes map[string][]string

// First returns the first value of name, or "".
func (a Attributes) First(name string) string {
	if v := a[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// attributesOf flattens decoded JSON claims to strings: lists stay lists,
// numbers and booleans are written out, objects are left out.
func attributesOf(claims map[string]any) Attributes {
	out := make(Attributes, len(claims))
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = []string{x}
		case []any:
			for _, e := range x {
				if s, ok := scalar(e); ok {
					out[k] = append(out[k], s)
				}
			}
		default:
			if s, ok := scalar(x); ok {
				out[k] = []string{s}
			}
		}
	}
	return out
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		// JSON numbers arrive as float64: written out in full, not as
		// 1.234567e+06, so that a numeric id stays that id.
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool, int64, int:
		return fmt.Sprint(x), true
	}
	return "", false
}

// Mapped is the outcome of the mapping rules for one person.
type Mapped struct {
	Organisation string
	Role         access.Role
	// Decision records why, for the audit: the rule that matched.
	Decision map[string]any
}

// Map applies p's rules to attrs: the first rule whose claim holds its
// value gives the role; the organisation is the rule's, else the
// provider's, else the organisation claim's, which must be allowed.
func (p *Provider) Map(attrs Attributes) (Mapped, error) {
	for i, r := range p.Rules {
		if !slices.Contains(attrs[r.Claim], r.Value) {
			continue
		}
		org, from := r.Organisation, "rule"
		if org == "" {
			org, from = p.Organisation, "provider"
		}
		if org == "" {
			org, from = strings.TrimSpace(attrs.First(p.Claims.Organisation)), "claim "+p.Claims.Organisation
			if org == "" {
				return Mapped{}, errs.E(errs.Forbidden, "the identity provider %s did not say which organisation you belong to (the %s claim is missing); ask your organisation's samdrift administrator", p.Name, p.Claims.Organisation)
			}
			if !slices.Contains(p.AllowedOrganisations, org) {
				return Mapped{}, errs.E(errs.Forbidden, "the identity provider %s placed you in organisation %q, which it may not place people in; ask your organisation's samdrift administrator", p.Name, org)
			}
		}
		return Mapped{Organisation: org, Role: r.Role, Decision: map[string]any{
			"rule": i + 1, "claim": r.Claim, "value": r.Value, "role": r.Role, "organisation": org, "organisation_from": from,
		}}, nil
	}
	return Mapped{}, errs.E(errs.Forbidden, "none of your groups or roles at %s gives access to samdrift; ask your organisation's samdrift administrator for a group that grants access", p.Name)
}

// checkUsername refuses a username outside p's username_domains.
func (p *Provider) checkUsername(username string) error {
	if len(p.UsernameDomains) == 0 {
		return nil
	}
	u := strings.ToLower(username)
	for _, d := range p.UsernameDomains {
		if strings.HasSuffix(u, "@"+strings.ToLower(d)) {
			return nil
		}
	}
	return errs.E(errs.Forbidden, "the user name %q is not in a domain the identity provider %s may use (%s); ask your organisation's samdrift administrator", username, p.Name, strings.Join(p.UsernameDomains, ", "))
}

// mfaAsserted reports whether attrs (with the OIDC amr and acr, or the
// SAML AuthnContextClassRef as acr) show a second factor as p counts one.
func (p *Provider) mfaAsserted(attrs Attributes, acr string) bool {
	for _, v := range attrs["amr"] {
		if slices.Contains(p.MFA.AMR, v) {
			return true
		}
	}
	if acr != "" && slices.Contains(p.MFA.ACR, acr) {
		return true
	}
	if p.MFA.Attribute != "" {
		for _, v := range attrs[p.MFA.Attribute] {
			if slices.Contains(p.MFA.Values, v) {
				return true
			}
		}
	}
	return false
}

// seenClaims lists the claim names in attrs (not their values) for the
// audit record of a refusal, so that an administrator can see what the
// provider sent.
func seenClaims(attrs Attributes) []string {
	out := make([]string, 0, len(attrs))
	for k := range attrs {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > 50 {
		out = out[:50]
	}
	return out
}
