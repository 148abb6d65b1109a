// Package sources registers where logs come from and attributes incoming
// events to their tenant: a municipality's or unit's address ranges (CIDR),
// host name patterns, and ingest tokens. A sender matching nothing goes to
// the quarantine tenant (0), which the SOC sees. The matcher is rebuilt from
// the database when sources change, and read lock-free on the hot path.
package sources

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Kinds of source.
const (
	KindCIDR     = "cidr"
	KindHostname = "hostname"
	KindToken    = "token"
)

// Source is one registered log source.
type Source struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Value     string    `json:"value,omitempty"` // the CIDR or pattern; empty for tokens
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Registry stores sources and attributes events.
type Registry struct {
	db         *store.DB
	matcher    atomic.Pointer[matcher]
	lastReload atomic.Int64 // Unix nanoseconds
}

// New returns a Registry over db; call Reload before attributing.
func New(db *store.DB) *Registry {
	r := &Registry{db: db}
	r.matcher.Store(&matcher{tokens: map[string]ref{}})
	return r
}

type ref struct {
	org  int64
	name string
}

type prefixRef struct {
	p netip.Prefix
	ref
}

type patternRef struct {
	pattern string
	ref
}

// matcher is an immutable snapshot of the sources, most specific first.
type matcher struct {
	prefixes []prefixRef
	patterns []patternRef
	tokens   map[string]ref // token hash → source
}

// Attribution is who an event belongs to.
type Attribution struct {
	Tenant int64  // 0: quarantine
	Source string // the matching source's name, or "unregistered"
}

// Attribute finds the tenant of a message from addr with host name host,
// sent with ingest token (empty for syslog). A token wins, then the most
// specific address range, then a host name pattern.
func (r *Registry) Attribute(addr netip.Addr, host, token string) Attribution {
	m := r.matcher.Load()
	if token != "" {
		if s, ok := m.tokens[hashToken(token)]; ok {
			return Attribution{Tenant: s.org, Source: s.name}
		}
	}
	addr = addr.Unmap()
	for _, p := range m.prefixes {
		if p.p.Contains(addr) {
			return Attribution{Tenant: p.org, Source: p.name}
		}
	}
	if host != "" {
		h := strings.ToLower(host)
		for _, p := range m.patterns {
			if ok, _ := path.Match(p.pattern, h); ok {
				return Attribution{Tenant: p.org, Source: p.name}
			}
		}
	}
	return Attribution{Source: "unregistered"}
}

// TokenKnown reports whether token belongs to a registered source. An
// unknown token makes it reload the sources (at most once a second), so a
// token registered by another process works at once.
func (r *Registry) TokenKnown(ctx context.Context, token string) bool {
	if _, ok := r.matcher.Load().tokens[hashToken(token)]; ok {
		return true
	}
	if time.Since(time.Unix(0, r.lastReload.Load())) < time.Second || r.Reload(ctx) != nil {
		return false
	}
	_, ok := r.matcher.Load().tokens[hashToken(token)]
	return ok
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// Reload rebuilds the matcher from the database.
func (r *Registry) Reload(ctx context.Context) error {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT org_id, name, kind, value, token_hash FROM log_sources`)
	if err != nil {
		return errs.Wrap(err, "cannot load log sources")
	}
	defer rows.Close()
	m := &matcher{tokens: map[string]ref{}}
	for rows.Next() {
		var org int64
		var name, kind, value, hash string
		if err := rows.Scan(&org, &name, &kind, &value, &hash); err != nil {
			return errs.Wrap(err, "cannot read log source")
		}
		switch kind {
		case KindCIDR:
			if p, err := netip.ParsePrefix(value); err == nil {
				m.prefixes = append(m.prefixes, prefixRef{p.Masked(), ref{org, name}})
			}
		case KindHostname:
			m.patterns = append(m.patterns, patternRef{strings.ToLower(value), ref{org, name}})
		case KindToken:
			m.tokens[hash] = ref{org, name}
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot load log sources")
	}
	r.lastReload.Store(time.Now().UnixNano())
	sort.Slice(m.prefixes, func(i, j int) bool { return m.prefixes[i].p.Bits() > m.prefixes[j].p.Bits() })
	sort.SliceStable(m.patterns, func(i, j int) bool { return len(m.patterns[i].pattern) > len(m.patterns[j].pattern) })
	r.matcher.Store(m)
	return nil
}

// NewSource is what Add needs.
type NewSource struct {
	OrgID int64
	Name  string
	Kind  string
	Value string // CIDR or host name pattern (path.Match syntax); empty for a token
}

// Add registers a source. Admins register for any organisation; a unit
// manager or kommune-it for its own (a unit also for the municipalities it
// supplies). For a token source it returns the token, shown only now.
func (r *Registry) Add(ctx context.Context, sc access.Scope, n NewSource) (Source, string, error) {
	if !sc.IsSystem() && sc.Role != access.RoleAdmin && sc.Role != access.RoleUnitManager && sc.Role != access.RoleKommuneIT && sc.Role != access.RoleSOCAnalyst {
		return Source{}, "", errs.E(errs.Forbidden, "your role may not register log sources")
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || len(n.Name) > 100 {
		return Source{}, "", errs.Field("name", "give the source a name of 1–100 characters")
	}
	var token, hash string
	switch n.Kind {
	case KindCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(n.Value))
		if err != nil {
			return Source{}, "", errs.Field("cidr", "not an address range such as 10.20.0.0/16: %q", n.Value)
		}
		n.Value = p.Masked().String()
	case KindHostname:
		n.Value = strings.ToLower(strings.TrimSpace(n.Value))
		if _, err := path.Match(n.Value, "x"); err != nil || n.Value == "" || len(n.Value) > 253 {
			return Source{}, "", errs.Field("hostname", "not a host name pattern such as *.kk.dk: %q", n.Value)
		}
	case KindToken:
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		token = "sdi_" + base64.RawURLEncoding.EncodeToString(b)
		hash, n.Value = hashToken(token), ""
	default:
		return Source{}, "", errs.Field("kind", "kind must be cidr, hostname or token, got %q", n.Kind)
	}
	var s Source
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = `+a.Add(n.OrgID)+` AND `+sc.OrgPredicate("id", &a), a.Values()...).Scan(&kind)
		if err == sql.ErrNoRows {
			return errs.Field("org", "no organisation %d in your reach", n.OrgID)
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up organisation %d", n.OrgID)
		}
		now := store.Now()
		s = Source{OrgID: n.OrgID, Name: n.Name, Kind: n.Kind, Value: n.Value, CreatedAt: now, CreatedBy: sc.Actor().Name}
		if err := tx.QueryRowContext(ctx, `INSERT INTO log_sources (org_id, name, kind, value, token_hash, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, n.OrgID, n.Name, n.Kind, n.Value, hash, now, s.CreatedBy).Scan(&s.ID); err != nil {
			return errs.Wrap(err, "cannot store log source")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logsource.create", TargetType: "log_source",
			TargetID: strconv.FormatInt(s.ID, 10), OrgID: n.OrgID, After: map[string]any{"name": n.Name, "kind": n.Kind, "value": n.Value}})
	})
	if err != nil {
		return Source{}, "", err
	}
	return s, token, r.Reload(ctx)
}

// List returns the sources of organisations in sc's reach.
func (r *Registry) List(ctx context.Context, sc access.Scope) ([]Source, error) {
	var a store.Args
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, org_id, name, kind, value, created_at, created_by FROM log_sources WHERE `+
		sc.SecurityPredicate("org_id", &a)+` ORDER BY org_id, id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list log sources")
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		var s Source
		if err := rows.Scan(&s.ID, &s.OrgID, &s.Name, &s.Kind, &s.Value, &s.CreatedAt, &s.CreatedBy); err != nil {
			return nil, errs.Wrap(err, "cannot read log source")
		}
		s.CreatedAt = s.CreatedAt.UTC()
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "cannot list log sources")
}
