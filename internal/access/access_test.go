package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

type fixture struct {
	db    *store.DB
	orgs  *org.Service
	acc   *access.Service
	pw    map[string]string // demo username → password
	users map[string]access.User
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, orgs: org.NewService(db), acc: access.NewService(db, access.DefaultMFARoles()),
		pw: map[string]string{}, users: map[string]access.User{}}
	made, err := demo.Load(ctx, f.orgs, f.acc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range made {
		f.pw[a.Username] = a.Password
	}
	// A few more users in other municipalities and units.
	for _, u := range []struct {
		name, org string
		role      access.Role
	}{
		{"spoc-frederiksberg", "147", access.RoleSPOC},
		{"it-ballerup", "151", access.RoleKommuneIT},
		{"spoc-odense", "461", access.RoleSPOC},
		{"desk-syd", "enhed-syddanmark", access.RoleServiceDesk},
	} {
		f.user(t, u.name, u.org, u.role)
	}
	return f
}

func (f *fixture) user(t *testing.T, name, orgRef string, role access.Role) access.User {
	t.Helper()
	ctx := context.Background()
	o, err := f.orgs.Get(ctx, access.System("test"), orgRef)
	if err != nil {
		t.Fatal(err)
	}
	pw := "correct horse battery staple " + orgRef
	u, err := f.acc.CreateUser(ctx, access.System("test"), access.NewUser{Username: name, OrgID: o.ID, Role: role, Password: pw})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	f.pw[name] = pw
	f.users[name] = u
	return u
}

// scope authenticates as username through an API token, as a client would.
func (f *fixture) scope(t *testing.T, username string) access.Scope {
	t.Helper()
	ctx := context.Background()
	u, err := f.acc.UserByName(ctx, access.System("test"), username)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := f.acc.CreateToken(ctx, access.System("test"), u.ID, "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sc, _, err := f.acc.TokenScope(ctx, plain, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestUserVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sys := access.System("test")

		// A municipality's user sees its own organisation's users only.
		spoc := f.scope(t, "demo-spoc")
		list, total, err := f.acc.ListUsers(ctx, spoc, access.UserFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(list) != 3 {
			t.Errorf("demo-spoc sees %d users (total %d); want the 3 of København", len(list), total)
		}
		for _, u := range list {
			if u.OrgID != spoc.OrgID {
				t.Errorf("demo-spoc sees %s of %s", u.Username, u.OrgSlug)
			}
		}
		other := f.users["spoc-frederiksberg"]
		if _, err := f.acc.GetUser(ctx, spoc, other.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("demo-spoc GetUser(frederiksberg) = %v; want ENOTFOUND", err)
		}
		if _, _, err := f.acc.ListUsers(ctx, spoc, access.UserFilter{OrgID: other.OrgID}); err != nil {
			t.Fatal(err)
		} else if l, n, _ := f.acc.ListUsers(ctx, spoc, access.UserFilter{OrgID: other.OrgID}); n != 0 || len(l) != 0 {
			t.Errorf("demo-spoc filtering on Frederiksberg sees %d users; want 0", n)
		}

		// A unit's user sees exactly its own and its supplied municipalities' users.
		desk := f.scope(t, "demo-servicedesk")
		all, _, err := f.acc.ListUsers(ctx, sys, access.UserFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		unit, err := f.orgs.Get(ctx, sys, "enhed-hovedstaden")
		if err != nil {
			t.Fatal(err)
		}
		inReach := map[int64]bool{unit.ID: true}
		for _, m := range unit.Supplies {
			inReach[m.ID] = true
		}
		want := map[string]bool{}
		for _, u := range all {
			if inReach[u.OrgID] {
				want[u.Username] = true
			}
		}
		seen, n, err := f.acc.ListUsers(ctx, desk, access.UserFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(want) || len(seen) != len(want) {
			t.Errorf("demo-servicedesk sees %d users; want %d", n, len(want))
		}
		for _, u := range seen {
			if !want[u.Username] {
				t.Errorf("demo-servicedesk sees %s of %s, outside its reach", u.Username, u.OrgSlug)
			}
		}
		if !want["spoc-frederiksberg"] || want["spoc-odense"] {
			t.Errorf("reach of enhed-hovedstaden wrong: %v", want)
		}
		if _, err := f.acc.GetUser(ctx, desk, f.users["spoc-odense"].ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("demo-servicedesk GetUser(odense) = %v; want ENOTFOUND", err)
		}

		// Governance sees all; only admins manage.
		gov := f.scope(t, "demo-governance")
		if _, n, err := f.acc.ListUsers(ctx, gov, access.UserFilter{}); err != nil || n != len(all) {
			t.Errorf("governance sees %d users, %v; want %d", n, err, len(all))
		}
		if _, err := f.acc.CreateUser(ctx, gov, access.NewUser{Username: "x1", OrgID: spoc.OrgID, Role: access.RoleSPOC, Password: "long enough password"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("governance CreateUser = %v; want EFORBIDDEN", err)
		}
		admin := f.scope(t, "demo-admin")
		role := access.RoleKommuneIT
		u, err := f.acc.UpdateUser(ctx, admin, other.ID, access.UserChange{Role: &role})
		if err != nil || u.Role != role {
			t.Fatalf("admin UpdateUser(role) = %+v, %v", u, err)
		}
		bad := access.RoleServiceDesk
		if _, err := f.acc.UpdateUser(ctx, admin, other.ID, access.UserChange{Role: &bad}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("servicedesk role in a municipality = %v; want EINVALID", err)
		}
		// The last administrator cannot disable itself.
		yes := true
		if _, err := f.acc.UpdateUser(ctx, admin, admin.UserID, access.UserChange{Disabled: &yes}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("disabling the last admin = %v; want ECONFLICT", err)
		}
	})
}

func TestCreateUserRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sys := access.System("test")
		cph, _ := f.orgs.Get(ctx, sys, "101")
		cases := []struct {
			name  string
			nu    access.NewUser
			field string
		}{
			{"short password", access.NewUser{Username: "ab", OrgID: cph.ID, Role: access.RoleSPOC, Password: "short"}, "password"},
			{"bad username", access.NewUser{Username: "Ab Cd!", OrgID: cph.ID, Role: access.RoleSPOC, Password: "long enough password"}, "username"},
			{"unknown role", access.NewUser{Username: "abc", OrgID: cph.ID, Role: "king", Password: "long enough password"}, "role"},
			{"role in wrong kind", access.NewUser{Username: "abc", OrgID: cph.ID, Role: access.RoleCERT, Password: "long enough password"}, "role"},
			{"no such org", access.NewUser{Username: "abc", OrgID: 99999, Role: access.RoleSPOC, Password: "long enough password"}, "org"},
			{"taken", access.NewUser{Username: "demo-spoc", OrgID: cph.ID, Role: access.RoleSPOC, Password: "long enough password"}, "username"},
		}
		for _, c := range cases {
			_, err := f.acc.CreateUser(ctx, sys, c.nu)
			if e := errs.As(err); e == nil || e.Field != c.field {
				t.Errorf("%s: CreateUser = %v; want an error on field %q", c.name, err, c.field)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sys := access.System("test")
		u := f.users["it-ballerup"]
		plain, tok, err := f.acc.CreateToken(ctx, sys, u.ID, "ci", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		sc, _, err := f.acc.TokenScope(ctx, plain, "127.0.0.1")
		if err != nil || sc.UserID != u.ID || sc.Reach != access.ReachOwn {
			t.Fatalf("TokenScope = %+v, %v; want user %d with own reach", sc, err, u.ID)
		}
		if _, _, err := f.acc.TokenScope(ctx, plain+"x", ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("TokenScope(wrong) = %v; want EUNAUTHORIZED", err)
		}
		// Another user cannot revoke it; its owner can, and it is refused at once.
		other := f.scope(t, "spoc-frederiksberg")
		if err := f.acc.RevokeToken(ctx, other, tok.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("RevokeToken by another user = %v; want ENOTFOUND", err)
		}
		if err := f.acc.RevokeToken(ctx, sc, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenScope(ctx, plain, ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("revoked token = %v; want EUNAUTHORIZED", err)
		}
		// Disabling a user refuses its tokens at once.
		plain2, _, _ := f.acc.CreateToken(ctx, sys, u.ID, "second", time.Hour)
		yes := true
		if _, err := f.acc.UpdateUser(ctx, sys, u.ID, access.UserChange{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenScope(ctx, plain2, ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("token of disabled user = %v; want EUNAUTHORIZED", err)
		}
		if _, _, err := f.acc.CreateToken(ctx, sys, u.ID, "x", 2*access.MaxTokenTTL); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("CreateToken(too long) = %v; want EINVALID", err)
		}
	})
}

// TestTokensAndSecondFactorAndReset: a user whose role needs two-step
// verification gets no token (from itself or an administrator) before
// enrolling, and an administrator's password reset revokes the user's
// tokens.
func TestTokensAndSecondFactorAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		sys := access.System("test")
		admin, err := f.acc.UserByName(ctx, sys, "demo-admin")
		if err != nil {
			t.Fatal(err)
		}
		soc, err := f.acc.UserByName(ctx, sys, "demo-soc-analyst")
		if err != nil {
			t.Fatal(err)
		}
		// The operator issues the administrator a token (a service
		// account); with it, the administrator asks for one for the
		// analyst, who has not set up a second factor.
		plain, _, err := f.acc.CreateToken(ctx, sys, admin.ID, "ops", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		adminScope, _, err := f.acc.TokenScope(ctx, plain, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.CreateToken(ctx, adminScope, soc.ID, "x", time.Hour); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a token for an analyst without a second factor = %v; want ECONFLICT", err)
		}
		if _, _, err := f.acc.CreateToken(ctx, adminScope, admin.ID, "more", time.Hour); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("an administrator without a second factor issues itself a token with a token = %v; want ECONFLICT", err)
		}
		// A reset revokes what the user had.
		u := f.users["it-ballerup"]
		old, _, err := f.acc.CreateToken(ctx, sys, u.ID, "ci", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.acc.SetPassword(ctx, adminScope, u.ID, "a brand new secret for Ballerup 2026"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenScope(ctx, old, ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("a token after the administrator reset the password = %v; want EUNAUTHORIZED", err)
		}
		// A token made under one role does not carry over to another (a
		// kommune-it promoted to administrator), nor past a reset second
		// factor.
		before, _, err := f.acc.CreateToken(ctx, sys, u.ID, "before promotion", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		admin2 := access.RoleAdmin
		if _, err := f.acc.UpdateUser(ctx, sys, u.ID, access.UserChange{Role: &admin2}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenScope(ctx, before, ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("a kommune-it's token after promotion to administrator = %v; want EUNAUTHORIZED", err)
		}
		svc, _, err := f.acc.CreateToken(ctx, sys, u.ID, "service", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.acc.ResetTOTP(ctx, sys, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.acc.TokenScope(ctx, svc, ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("a token after the second factor was reset = %v; want EUNAUTHORIZED", err)
		}
	})
}

func TestLoginThrottleAndMFA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)

		// A role without MFA gets a usable session at once.
		res, err := f.acc.Login(ctx, access.Credentials{Username: "demo-spoc", Password: f.pw["demo-spoc"], RemoteAddr: "10.0.0.1"})
		if err != nil || res.NeedMFA || res.NeedEnrol {
			t.Fatalf("Login(spoc) = %+v, %v; want a session without MFA", res, err)
		}
		sess, err := f.acc.SessionByToken(ctx, res.SessionToken, "10.0.0.1")
		if err != nil || sess.MFAPending || sess.User.Username != "demo-spoc" {
			t.Fatalf("SessionByToken = %+v, %v", sess, err)
		}
		if err := f.acc.Logout(ctx, sess.Scope, res.SessionToken); err != nil {
			t.Fatal(err)
		}
		if _, err := f.acc.SessionByToken(ctx, res.SessionToken, ""); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("session after logout = %v; want EUNAUTHORIZED", err)
		}

		// Per-account lock after repeated failures, even with the right password.
		for i := 0; i < 5; i++ {
			_, err := f.acc.Login(ctx, access.Credentials{Username: "spoc-odense", Password: "wrong password!", RemoteAddr: "10.0.1." + string(rune('1'+i))})
			if errs.CodeOf(err) != errs.Unauthorized {
				t.Fatalf("failed login %d = %v; want EUNAUTHORIZED", i, err)
			}
		}
		// Locked, the right password is refused, and with the very answer
		// a username that does not exist gets: the answer tells no one
		// which usernames exist.
		_, locked := f.acc.Login(ctx, access.Credentials{Username: "spoc-odense", Password: f.pw["spoc-odense"], RemoteAddr: "10.0.2.1"})
		_, unknown := f.acc.Login(ctx, access.Credentials{Username: "no-such-user", Password: "wrong password!", RemoteAddr: "10.0.2.2"})
		if locked == nil || unknown == nil || locked.Error() != unknown.Error() {
			t.Errorf("login to a locked account = %v; an unknown user = %v; want the same refusal", locked, unknown)
		}
		// Per-address throttle across accounts.
		var last error
		for i := 0; i < 25; i++ {
			_, last = f.acc.Login(ctx, access.Credentials{Username: "nobody", Password: "x", RemoteAddr: "10.9.9.9"})
		}
		if errs.CodeOf(last) != errs.TooMany {
			t.Errorf("25th failed login from one address = %v; want ETOOMANY", last)
		}

		// admin requires MFA: first enrol, then prompt at next login.
		res, err = f.acc.Login(ctx, access.Credentials{Username: "demo-admin", Password: f.pw["demo-admin"], RemoteAddr: "10.0.0.2"})
		if err != nil || !res.NeedEnrol {
			t.Fatalf("Login(admin) = %+v, %v; want NeedEnrol", res, err)
		}
		sess, _ = f.acc.SessionByToken(ctx, res.SessionToken, "")
		if !sess.MFAPending || sess.Scope.MFA {
			t.Fatalf("admin session before enrolment: pending=%v mfa=%v; want pending", sess.MFAPending, sess.Scope.MFA)
		}
		enr, err := f.acc.BeginTOTP(ctx, sess.Scope)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.acc.ConfirmTOTP(ctx, sess.Scope, res.SessionToken, "000000"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ConfirmTOTP(wrong) = %v; want EINVALID", err)
		}
		code, _ := totp.GenerateCode(enr.Secret, time.Now())
		if err := f.acc.ConfirmTOTP(ctx, sess.Scope, res.SessionToken, code); err != nil {
			t.Fatal(err)
		}
		sess, _ = f.acc.SessionByToken(ctx, res.SessionToken, "")
		if sess.MFAPending || !sess.Scope.MFA {
			t.Errorf("admin session after enrolment still pending")
		}
		res, err = f.acc.Login(ctx, access.Credentials{Username: "demo-admin", Password: f.pw["demo-admin"], RemoteAddr: "10.0.0.2"})
		if err != nil || !res.NeedMFA || res.NeedEnrol {
			t.Fatalf("second Login(admin) = %+v, %v; want NeedMFA", res, err)
		}
		// The code used for enrolment cannot be replayed.
		if err := f.acc.VerifyTOTP(ctx, res.SessionToken, code, "10.0.0.2"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("replayed TOTP = %v; want EINVALID", err)
		}
		next, _ := totp.GenerateCode(enr.Secret, time.Now().Add(30*time.Second))
		if err := f.acc.VerifyTOTP(ctx, res.SessionToken, next, "10.0.0.2"); err != nil {
			t.Fatalf("VerifyTOTP(next step) = %v", err)
		}
		sess, _ = f.acc.SessionByToken(ctx, res.SessionToken, "")
		if sess.MFAPending {
			t.Errorf("session still pending after VerifyTOTP")
		}
	})
}

func TestPasswordHash(t *testing.T) {
	h, err := access.HashPassword("a fine password")
	if err != nil {
		t.Fatal(err)
	}
	if !access.CheckPassword(h, "a fine password") || access.CheckPassword(h, "a fine passwore") {
		t.Errorf("CheckPassword does not tell right from wrong")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1,t=1,p=1$$", "plain"} {
		if access.CheckPassword(bad, "") {
			t.Errorf("CheckPassword(%q, \"\") = true", bad)
		}
	}
}
