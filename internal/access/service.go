// Package access is who may do what: local user accounts with argon2id
// password hashes, login sessions, TOTP second factors, API tokens, roles,
// and the Scope that every store query is filtered by. It must not know the
// web layer: cookies and headers are the web package's business; access
// deals in opaque tokens.
package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/samdrift/samdrift/internal/store"
)

// Service holds access's configuration and state beside the database.
type Service struct {
	db       *store.DB
	mfaRoles map[Role]bool
	// SessionTTL is how long a session lives without use; MaxSessionAge
	// how long it lives at all.
	SessionTTL    time.Duration
	MaxSessionAge time.Duration
	// Issuer names samdrift in authenticator apps.
	Issuer   string
	throttle *addrThrottle
	now      func() time.Time
}

// NewService returns a Service over db that requires a second factor for
// mfaRoles.
func NewService(db *store.DB, mfaRoles []Role) *Service {
	m := make(map[Role]bool, len(mfaRoles))
	for _, r := range mfaRoles {
		m[r] = true
	}
	return &Service{
		db: db, mfaRoles: m,
		SessionTTL: 8 * time.Hour, MaxSessionAge: 24 * time.Hour,
		Issuer:   "samdrift",
		throttle: newAddrThrottle(20, 10*time.Minute),
		now:      store.Now,
	}
}

// RequiresMFA reports whether users with role r must pass a second factor.
func (s *Service) RequiresMFA(r Role) bool { return s.mfaRoles[r] }

// newSecret returns a random secret with the given prefix, and its SHA-256
// hash (hex) under which it is stored. Secrets carry 256 bits, so a fast hash
// is enough: nobody can guess one to match.
func newSecret(prefix string) (plain, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, hashSecret(plain)
}

func hashSecret(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// NewOpaqueID returns a random 256-bit identifier, URL-safe, for values such
// as pre-session cookies that must not be guessable but are not secrets
// stored anywhere.
func NewOpaqueID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
