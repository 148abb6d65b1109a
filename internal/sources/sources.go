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
	"sync"
	"sync/atomic"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/logstd"
	"github.com/samdrift/samdrift/internal/store"
)

// Kinds of source.
const (
	KindCIDR     = "cidr"
	KindHostname = "hostname"
	KindToken    = "token"
	// KindCertificate matches a TLS client certificate (syslog over TLS,
	// RELP over TLS) by "sha256:<hex fingerprint>" or "cn:<common name>"
	// (a CN is trusted only because the listener verified the chain).
	KindCertificate = "certificate"
)

// Credential is what a sender proved besides its address: an ingest token
// (HTTP) or a verified TLS client certificate.
type Credential struct {
	Token       string
	CertSHA256  string // hex fingerprint of the leaf certificate
	CertSubject string // its subject common name
}

// Source is one registered log source.
type Source struct {
	ID    int64  `json:"id"`
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Value string `json:"value,omitempty"` // the CIDR, pattern or certificate; empty for tokens
	// Type is the logging standard's source type (domain-controller,
	// firewall, …); empty when not classified.
	Type string `json:"type,omitempty"`
	// SilentAfter is how long the source may send nothing before a silent
	// signal (0: the standard's for its type).
	SilentAfter time.Duration `json:"-"`
	// HTTPWithoutToken lets senders in the range (a cidr source) use the
	// HTTP ingest endpoints without an ingest token.
	HTTPWithoutToken bool       `json:"http_without_token,omitempty"`
	SilentSecs       int64      `json:"silent_after_seconds,omitempty"`
	LastSeen         *time.Time `json:"last_seen"`
	Events           int64      `json:"events"`
	CreatedAt        time.Time  `json:"created_at"`
	CreatedBy        string     `json:"created_by"`
}

// Registry stores sources and attributes events.
type Registry struct {
	db         *store.DB
	certsNoted sync.Map // "fingerprint/tenant" → time.Time written
	matcher    atomic.Pointer[matcher]
	lastReload atomic.Int64 // Unix nanoseconds
	generation atomic.Uint64
}

// New returns a Registry over db; call Reload before attributing.
func New(db *store.DB) *Registry {
	r := &Registry{db: db}
	r.matcher.Store(&matcher{tokens: map[string]ref{}, certs: map[string]ref{}})
	return r
}

type ref struct {
	org   int64
	id    int64 // ids grow: a smaller one was registered earlier
	name  string
	open  bool // HTTP without a token from this range
	moves bool // registered to take other organisations' senders (moves_senders)
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
	certs    map[string]ref // "sha256:<hex>" or "cn:<name>" → source
	hosts    map[int64]bool // ids of host-name sources
}

// TracksSenders reports whether the addresses a source's events come from
// are worth recording (Seen.Addrs): they are for host-name sources, whose
// traffic an address range registered later would otherwise take unseen.
func (r *Registry) TracksSenders(id int64) bool { return r.matcher.Load().hosts[id] }

// Attribution is who an event belongs to.
type Attribution struct {
	Tenant   int64  // 0: quarantine
	Source   string // the matching source's name, or "unregistered"
	SourceID int64  // 0: none
	// HTTPWithoutToken: the matching source is an address range whose
	// senders may use HTTP ingest without a token.
	HTTPWithoutToken bool
}

// NoteCertificate remembers that traffic attributed to tenant arrived with
// client certificate c, so that another organisation cannot later register
// that certificate and take the traffic. It writes at most once an hour
// per certificate and tenant on this node, in the background.
func (r *Registry) NoteCertificate(c Credential, tenant int64) {
	if c.CertSHA256 == "" || tenant == 0 {
		return
	}
	key := c.CertSHA256 + "/" + strconv.FormatInt(tenant, 10)
	now := time.Now()
	if last, ok := r.certsNoted.Load(key); ok && now.Sub(last.(time.Time)) < time.Hour {
		return
	}
	r.certsNoted.Store(key, now)
	go func() {
		_ = r.db.Write(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO log_cert_sightings (fingerprint, cn, org_id, last_seen) VALUES ($1, $2, $3, $4)
				ON CONFLICT (fingerprint, org_id) DO UPDATE SET cn = excluded.cn, last_seen = excluded.last_seen`,
				c.CertSHA256, strings.ToLower(c.CertSubject), tenant, now.UnixMicro())
			return err
		})
	}()
}

func (x ref) attribution() Attribution {
	return Attribution{Tenant: x.org, Source: x.name, SourceID: x.id, HTTPWithoutToken: x.open}
}

// Attribute finds the tenant of a message from addr with host name host,
// sent with credential c. A token wins, then a client certificate, then
// the most specific address range, then the longest host name pattern —
// except that a stronger identity registered after a weaker one of another
// organisation that also matches does not take the sender from it, unless
// an administrator or the SOC registered it to (moves_senders): so no
// registration captures another organisation's senders, not even ones that
// had not sent yet when it was made.
func (r *Registry) Attribute(addr netip.Addr, host string, c Credential) Attribution {
	m := r.matcher.Load()
	if c.Token != "" {
		if s, ok := m.tokens[hashToken(c.Token)]; ok {
			return s.attribution()
		}
	}
	// The candidates, strongest first.
	var cands [3]*ref
	if c.CertSHA256 != "" {
		fp, byFP := m.certs["sha256:"+c.CertSHA256]
		cn, byCN := m.certs["cn:"+strings.ToLower(c.CertSubject)]
		byCN = byCN && c.CertSubject != ""
		switch {
		case byFP && byCN && fp.org != cn.org:
			// Two organisations claim one certificate (one by its
			// fingerprint, one by its name): neither gets the traffic.
			return Attribution{Source: "conflicting certificate"}
		case byFP:
			cands[0] = &fp
		case byCN:
			cands[0] = &cn
		}
	}
	addr = addr.Unmap()
	for i := range m.prefixes {
		if m.prefixes[i].p.Contains(addr) {
			cands[1] = &m.prefixes[i].ref
			break
		}
	}
	if host != "" {
		h := strings.ToLower(host)
		for i := range m.patterns {
			if ok, _ := path.Match(m.patterns[i].pattern, h); ok {
				cands[2] = &m.patterns[i].ref
				break
			}
		}
	}
	var win *ref
	for _, c := range cands {
		switch {
		case c == nil:
		case win == nil:
			win = c
		case c.org != win.org && c.id < win.id && !win.moves:
			win = c // registered first, and not moved on purpose
		}
	}
	if win == nil {
		return Attribution{Source: "unregistered"}
	}
	return win.attribution()
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

// CertKnown reports whether a client certificate belongs to a registered
// source, reloading the sources (at most once a second) when it does not,
// so a certificate registered by another process works at once.
func (r *Registry) CertKnown(ctx context.Context, c Credential) bool {
	known := func() bool {
		m := r.matcher.Load()
		_, a := m.certs["sha256:"+c.CertSHA256]
		_, b := m.certs["cn:"+strings.ToLower(c.CertSubject)]
		return a || (b && c.CertSubject != "")
	}
	if c.CertSHA256 == "" || known() {
		return c.CertSHA256 != ""
	}
	if time.Since(time.Unix(0, r.lastReload.Load())) < time.Second || r.Reload(ctx) != nil {
		return false
	}
	return known()
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// Reload rebuilds the matcher from the database.
func (r *Registry) Reload(ctx context.Context) error {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, org_id, name, kind, value, token_hash, http_without_token, moves_senders FROM log_sources`)
	if err != nil {
		return errs.Wrap(err, "cannot load log sources")
	}
	defer rows.Close()
	m := &matcher{tokens: map[string]ref{}, certs: map[string]ref{}, hosts: map[int64]bool{}}
	for rows.Next() {
		var id, org int64
		var name, kind, value, hash string
		var open, moves bool
		if err := rows.Scan(&id, &org, &name, &kind, &value, &hash, &open, &moves); err != nil {
			return errs.Wrap(err, "cannot read log source")
		}
		x := ref{org: org, id: id, name: name, open: open, moves: moves}
		switch kind {
		case KindCIDR:
			if p, err := netip.ParsePrefix(value); err == nil {
				m.prefixes = append(m.prefixes, prefixRef{p.Masked(), x})
			}
		case KindHostname:
			m.patterns = append(m.patterns, patternRef{strings.ToLower(value), x})
			m.hosts[id] = true
		case KindToken:
			m.tokens[hash] = x
		case KindCertificate:
			m.certs[value] = x
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot load log sources")
	}
	r.lastReload.Store(time.Now().UnixNano())
	sort.Slice(m.prefixes, func(i, j int) bool { return m.prefixes[i].p.Bits() > m.prefixes[j].p.Bits() })
	sort.SliceStable(m.patterns, func(i, j int) bool { return len(m.patterns[i].pattern) > len(m.patterns[j].pattern) })
	r.matcher.Store(m)
	r.generation.Add(1)
	return nil
}

// Generation changes whenever the sources are reloaded, so callers may
// cache attributions until it does.
func (r *Registry) Generation() uint64 { return r.generation.Load() }

// NewSource is what Add needs.
type NewSource struct {
	OrgID int64
	Name  string
	Kind  string
	// Value is a CIDR, a host name pattern (path.Match syntax), or for a
	// certificate "sha256:<hex>" or "cn:<common name>"; empty for a token.
	Value string
	// Type is the logging standard's source type id (optional).
	Type string
	// SilentAfter overrides the type's silence threshold (0: keep it).
	SilentAfter time.Duration
	// HTTPWithoutToken lets the range's senders use HTTP ingest without
	// a token (cidr sources only).
	HTTPWithoutToken bool
	// AllowOverlap registers the source although it overlaps a source of
	// another organisation; only a caller whose reach covers every
	// organisation concerned may (see Add).
	AllowOverlap bool
}

// Add registers a source. Admins and the SOC's analysts register for any
// organisation; a unit manager or kommune-it for its own (a unit also for
// the municipalities it supplies). For a token source it returns the
// token, shown only now.
//
// No source may take another organisation's traffic: one that overlaps a
// source of another organisation (see collisions) is refused with
// ECONFLICT, unless the caller's reach covers every organisation concerned
// and n.AllowOverlap says they mean it; then each of those organisations
// gets an audit record and a notice. Wide ranges and patterns (wideRange,
// widePattern) are for administrators and the SOC only (EFORBIDDEN).
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
		if strings.IndexFunc(n.Value, func(c rune) bool { return c >= 0x80 || c <= 0x20 }) >= 0 {
			return Source{}, "", errs.Field("hostname", "write the pattern in ASCII without spaces (an international name in its xn-- form): %q", n.Value)
		}
	case KindCertificate:
		v := strings.TrimSpace(n.Value)
		kind, val, _ := strings.Cut(v, ":")
		switch strings.ToLower(kind) {
		case "sha256":
			val = strings.ToLower(strings.ReplaceAll(val, ":", ""))
			if b, err := hex.DecodeString(val); err != nil || len(b) != sha256.Size {
				return Source{}, "", errs.Field("certificate", "sha256: needs the certificate's 64-hex-digit SHA-256 fingerprint")
			}
			n.Value = "sha256:" + val
		case "cn":
			if val == "" || len(val) > 253 {
				return Source{}, "", errs.Field("certificate", "cn: needs the certificate's subject common name")
			}
			n.Value = "cn:" + strings.ToLower(val)
		default:
			return Source{}, "", errs.Field("certificate", "write sha256:<fingerprint> or cn:<common name>, got %q", v)
		}
	case KindToken:
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		token = "sdi_" + base64.RawURLEncoding.EncodeToString(b)
		hash, n.Value = hashToken(token), ""
	default:
		return Source{}, "", errs.Field("kind", "kind must be cidr, hostname, token or certificate, got %q", n.Kind)
	}
	if n.HTTPWithoutToken && n.Kind != KindCIDR {
		return Source{}, "", errs.Field("http_without_token", "only an address range can send over HTTP without a token")
	}
	if n.Type != "" {
		if _, ok := logstd.Default().Type(n.Type); !ok {
			return Source{}, "", errs.Field("type", "no source type %q in the logging standard; see GET /api/v1/logging-standard", n.Type)
		}
	}
	if n.SilentAfter < 0 || (n.SilentAfter > 0 && n.SilentAfter < time.Minute) || n.SilentAfter > 30*24*time.Hour {
		return Source{}, "", errs.Field("silent_after", "a silence threshold is 1 minute to 30 days")
	}
	if n.Kind == KindCIDR && wideRange(netip.MustParsePrefix(n.Value)) && !mayRegisterWide(sc) {
		return Source{}, "", errs.E(errs.Forbidden, "%s is wider than /%d (IPv6 /%d) and would take the traffic of many organisations; only the SOC or an administrator may register it",
			n.Value, minIPv4Bits, minIPv6Bits)
	}
	if n.Kind == KindHostname && !mayRegisterWide(sc) {
		if widePattern(n.Value) {
			return Source{}, "", errs.E(errs.Forbidden, "the pattern %q is not anchored in a domain (write *.kommune.dk or dc*.kommune.dk); only the SOC or an administrator may register it", n.Value)
		}
	}
	var s Source
	err := r.db.Write(ctx, func(tx *sql.Tx) error {
		if err := r.db.Lock(ctx, tx, store.LockSources); err != nil {
			return errs.Wrap(err, "cannot register log source")
		}
		var a store.Args
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = `+a.Add(n.OrgID)+` AND `+sc.SecurityPredicate("id", &a), a.Values()...).Scan(&kind)
		if err == sql.ErrNoRows {
			return errs.Field("org", "no organisation %d in your reach", n.OrgID)
		}
		if err != nil {
			return errs.Wrap(err, "cannot look up organisation %d", n.OrgID)
		}
		now := store.Now()
		clashes, err := collisions(ctx, tx, n, now.Add(-SenderMemory))
		if err != nil {
			return err
		}
		if err := mayOverlap(ctx, tx, sc, n, clashes); err != nil {
			return err
		}
		s = Source{OrgID: n.OrgID, Name: n.Name, Kind: n.Kind, Value: n.Value, Type: n.Type, SilentAfter: n.SilentAfter,
			SilentSecs: int64(n.SilentAfter / time.Second), HTTPWithoutToken: n.HTTPWithoutToken, CreatedAt: now, CreatedBy: sc.Actor().Name}
		moves := n.AllowOverlap && mayRegisterWide(sc)
		if err := tx.QueryRowContext(ctx, `INSERT INTO log_sources (org_id, name, kind, value, token_hash, source_type, silent_after, http_without_token, moves_senders, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, n.OrgID, n.Name, n.Kind, n.Value, hash, n.Type, s.SilentSecs, n.HTTPWithoutToken, moves, now, s.CreatedBy).Scan(&s.ID); err != nil {
			return errs.Wrap(err, "cannot store log source")
		}
		after := map[string]any{"name": n.Name, "kind": n.Kind, "value": n.Value, "type": n.Type, "silent_after_seconds": s.SilentSecs,
			"http_without_token": n.HTTPWithoutToken, "moves_senders": moves}
		if len(clashes) > 0 {
			after["overlaps"] = clashIDs(clashes)
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logsource.create", TargetType: "log_source",
			TargetID: strconv.FormatInt(s.ID, 10), OrgID: n.OrgID, After: after}); err != nil {
			return err
		}
		return tellOverlapped(ctx, tx, sc, s, clashes, now)
	})
	if err != nil {
		return Source{}, "", err
	}
	return s, token, r.Reload(ctx)
}

const sourceColumns = `id, org_id, name, kind, value, source_type, silent_after, http_without_token, last_seen, events, created_at, created_by`

func scanSource(rows *sql.Rows) (Source, error) {
	var s Source
	var last int64
	if err := rows.Scan(&s.ID, &s.OrgID, &s.Name, &s.Kind, &s.Value, &s.Type, &s.SilentSecs, &s.HTTPWithoutToken, &last, &s.Events, &s.CreatedAt, &s.CreatedBy); err != nil {
		return s, errs.Wrap(err, "cannot read log source")
	}
	s.CreatedAt = s.CreatedAt.UTC()
	s.SilentAfter = time.Duration(s.SilentSecs) * time.Second
	if last > 0 {
		t := time.UnixMicro(last).UTC()
		s.LastSeen = &t
	}
	return s, nil
}

// List returns the sources of organisations in sc's reach.
func (r *Registry) List(ctx context.Context, sc access.Scope) ([]Source, error) {
	var a store.Args
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT `+sourceColumns+` FROM log_sources WHERE `+
		sc.SecurityPredicate("org_id", &a)+` ORDER BY org_id, id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list log sources")
	}
	defer rows.Close()
	out := []Source{}
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "cannot list log sources")
}
