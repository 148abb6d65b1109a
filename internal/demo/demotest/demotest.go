// Package demotest gives tests a real database loaded with the demo data
// and the services over it, and a way to act as any demo (or added) user
// through a real API token. It is for tests only.
package demotest

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/transition"
)

// Env is a demo-loaded database with every service over it.
type Env struct {
	DB      *store.DB
	Orgs    *org.Service
	Access  *access.Service
	Catalog *catalog.Store
	Orders  *orders.Service
	Plan    *transition.Service
	// Passwords of the demo users and of users added with AddUser.
	Passwords map[string]string
}

// New loads the demo organisations and users into db and, with offerings
// true, the standard catalog and the demo units' offerings.
func New(t testing.TB, db *store.DB, offerings bool) *Env {
	t.Helper()
	ctx := context.Background()
	cat := catalog.NewStore(db)
	ord := orders.NewService(db, cat)
	e := &Env{DB: db, Orgs: org.NewService(db), Access: access.NewService(db, access.DefaultMFARoles()), Catalog: cat, Orders: ord,
		Plan: transition.NewService(db, cat, ord), Passwords: map[string]string{}}
	made, err := demo.Load(ctx, e.Orgs, e.Access, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range made {
		e.Passwords[m.Username] = m.Password
	}
	if offerings {
		if _, err := demo.LoadCatalog(ctx, cat, e.Orgs); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Org returns the organisation ref names (code, slug or id).
func (e *Env) Org(t testing.TB, ref string) org.Organization {
	t.Helper()
	o, err := e.Orgs.Get(context.Background(), access.System("test"), ref)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// AddUser creates a user in the organisation ref names.
func (e *Env) AddUser(t testing.TB, name, orgRef string, role access.Role) access.User {
	t.Helper()
	pw := "correct horse battery staple " + orgRef
	u, err := e.Access.CreateUser(context.Background(), access.System("test"), access.NewUser{Username: name, OrgID: e.Org(t, orgRef).ID, Role: role, Password: pw})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	e.Passwords[name] = pw
	return u
}

// Token issues an API token for username.
func (e *Env) Token(t testing.TB, username string) string {
	t.Helper()
	ctx := context.Background()
	u, err := e.Access.UserByName(ctx, access.System("test"), username)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := e.Access.CreateToken(ctx, access.System("test"), u.ID, "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// Scope authenticates as username through an API token, as a client would.
func (e *Env) Scope(t testing.TB, username string) access.Scope {
	t.Helper()
	sc, _, err := e.Access.TokenScope(context.Background(), e.Token(t, username), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
