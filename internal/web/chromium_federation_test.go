package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestFederatedLoginInChromium: people of two municipalities log in
// through their identity provider in a real browser (OIDC for
// København's, SAML for Odense's), land with their organisation and role,
// and logging out of samdrift logs out at the provider too; a person whom
// no rule maps is told why in Danish. The login page with the providers
// and the refusal pass axe and fit 390 px.
func TestFederatedLoginInChromium(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	f := startFederated(t, storetest.SQLite(t))
	ctx := browse(t, exe)

	// loginAs starts at samdrift's login page, picks the provider and
	// signs in at it as user.
	loginAs := func(idp, user string) {
		t.Helper()
		if err := chromedp.Do(ctx, open(f.url+"/login"), shown(`a[data-idp="`+idp+`"]`),
			chromedp.Click(`a[data-idp="`+idp+`"]`), shown(`#idp-username`),
			chromedp.SendKeys(`#idp-username`, user), chromedp.Click(`#idp-submit`)); err != nil {
			t.Fatalf("login as %s at %s: %v", user, idp, err)
		}
	}
	// logout presses samdrift's log out and waits for the login page,
	// which the provider's logout sends the browser back to.
	logout := func(who string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(`form[action="/logout"] button`), shown(`a[data-idp="kk"]`)); err != nil {
			t.Fatalf("logout of %s: %v", who, err)
		}
	}

	if err := chromedp.Do(ctx, open(f.url+"/login"), shown(`a[data-idp="fed"]`)); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Log ind med Københavns Kommune", "Log ind med Kommunernes fælles IdP", "Lokal konto"} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q:\n%s", want, page)
		}
	}
	checkAxe(t, ctx, axe, "/login with providers")

	loginAs("kk", "anna@kk.dk")
	if err := chromedp.Do(ctx, shown(`form[action="/logout"]`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, "header", "anna@kk.dk · København"); !strings.Contains(got, "anna@kk.dk · København") {
		t.Errorf("anna's page header = %q", got)
	}
	if u := f.user(t, "anna@kk.dk"); u.OrgSlug != f.Org(t, "101").Slug || u.Role != "spoc" {
		t.Errorf("anna = %s %s", u.OrgSlug, u.Role)
	}
	logout("anna")
	if f.oidc.EndSessions() != 1 {
		t.Errorf("the OIDC provider saw %d end-session requests; want 1", f.oidc.EndSessions())
	}

	loginAs("fed", "gorm")
	if err := chromedp.Do(ctx, shown(`form[action="/logout"]`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, "header", "gorm · Odense"); !strings.Contains(got, "gorm · Odense") {
		t.Errorf("gorm's page header = %q", got)
	}
	if u := f.user(t, "gorm"); u.OrgSlug != f.Org(t, "461").Slug || u.Role != "kommune-it" {
		t.Errorf("gorm = %s %s", u.OrgSlug, u.Role)
	}
	ended := f.saml.Ended()
	logout("gorm")
	if f.saml.Ended() != ended+1 {
		t.Errorf("the SAML IdP ended %d sessions at logout; want 1", f.saml.Ended()-ended)
	}

	loginAs("kk", "eve@kk.dk")
	if err := chromedp.Do(ctx, shown(`.error[role="alert"]`)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `.error[role="alert"]`, "ingen af dine grupper"); !strings.Contains(got, "ingen af dine grupper eller roller hos Københavns Kommune giver adgang til samdrift") {
		t.Errorf("eve's refusal = %q", got)
	}
	checkAxe(t, ctx, axe, "refused login")
	narrow(t, ctx, f.url, "/login")
}
