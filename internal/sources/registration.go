package sources

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// SenderMemory is how long the addresses a host-name source sent from
// count as its own when another organisation registers a range.
const SenderMemory = 30 * 24 * time.Hour

// clash is a source of another organisation that a new one overlaps.
type clash struct {
	id    int64
	org   int64
	name  string
	value string
	why   string // "range", "pattern", "certificate", "sender <addr>"
}

// mayRegisterWide reports whether sc may register identities that claim
// many organisations' senders: the platform, administrators, the SOC.
func mayRegisterWide(sc access.Scope) bool {
	return sc.IsSystem() || sc.Role == access.RoleAdmin || (sc.SeesAllSecurity() && sc.Role == access.RoleSOCAnalyst)
}

// collisions lists the sources of other organisations that n overlaps:
//   - cidr: a range that overlaps n's (one contains the other), and any
//     host-name source seen sending from inside n's range since since
//     (ranges win over host names, so n would take that traffic);
//   - hostname: a pattern that some host name matches together with n's;
//   - certificate: the same fingerprint or common name.
//
// Tokens are random and never collide.
func collisions(ctx context.Context, tx *sql.Tx, n NewSource, since time.Time) ([]clash, error) {
	var out []clash
	switch n.Kind {
	case KindToken:
		return nil, nil
	case KindCIDR:
		p := netip.MustParsePrefix(n.Value)
		err := eachSource(ctx, tx, n, func(c clash) {
			if q, err := netip.ParsePrefix(c.value); err == nil && unmapPrefix(q).Overlaps(unmapPrefix(p)) {
				c.why = "range"
				out = append(out, c)
			}
		})
		if err != nil {
			return nil, err
		}
		rows, err := tx.QueryContext(ctx, `SELECT s.id, s.org_id, s.name, s.value, d.addr FROM log_source_senders d JOIN log_sources s ON s.id = d.source_id
			WHERE s.org_id <> $1 AND d.last_seen >= $2 ORDER BY s.id, d.addr`, n.OrgID, since.UnixMicro())
		if err != nil {
			return nil, errs.Wrap(err, "cannot check the senders of other sources")
		}
		defer rows.Close()
		last := int64(0)
		for rows.Next() {
			var c clash
			var addr string
			if err := rows.Scan(&c.id, &c.org, &c.name, &c.value, &addr); err != nil {
				return nil, errs.Wrap(err, "cannot check the senders of other sources")
			}
			if a, err := netip.ParseAddr(addr); err == nil && unmapPrefix(p).Contains(a.Unmap()) && c.id != last {
				c.why, last = "sender "+addr, c.id
				out = append(out, c)
			}
		}
		return out, errs.Wrap(rows.Err(), "cannot check the senders of other sources")
	case KindHostname:
		err := eachSource(ctx, tx, n, func(c clash) {
			if patternsMeet(c.value, n.Value) {
				c.why = "pattern"
				out = append(out, c)
			}
		})
		return out, err
	case KindCertificate:
		err := eachSource(ctx, tx, n, func(c clash) {
			if c.value == n.Value {
				c.why = "certificate"
				out = append(out, c)
			}
		})
		if err != nil {
			return nil, err
		}
		return certClashes(ctx, tx, n, since, out)
	}
	return nil, nil
}

// eachSource calls fn with every source of n's kind that belongs to
// another organisation.
func eachSource(ctx context.Context, tx *sql.Tx, n NewSource, fn func(clash)) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, org_id, name, value FROM log_sources WHERE kind = $1 AND org_id <> $2 ORDER BY id`, n.Kind, n.OrgID)
	if err != nil {
		return errs.Wrap(err, "cannot check other organisations' sources")
	}
	defer rows.Close()
	for rows.Next() {
		var c clash
		if err := rows.Scan(&c.id, &c.org, &c.name, &c.value); err != nil {
			return errs.Wrap(err, "cannot check other organisations' sources")
		}
		fn(c)
	}
	return errs.Wrap(rows.Err(), "cannot check other organisations' sources")
}

// unmapPrefix writes an IPv4-mapped IPv6 prefix as the IPv4 prefix it is,
// so that ::ffff:10.0.0.0/104 and 10.0.0.0/8 are seen to be one range.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// mayOverlap decides whether n may be registered over clashes: only when
// the caller asked to (AllowOverlap) and reaches every organisation
// concerned. The refusal names the other sources only to a caller who may
// see them.
func mayOverlap(ctx context.Context, tx *sql.Tx, sc access.Scope, n NewSource, clashes []clash) error {
	if len(clashes) == 0 {
		return nil
	}
	orgs := map[int64]bool{}
	for _, c := range clashes {
		orgs[c.org] = true
	}
	var a store.Args
	var ids []string
	for id := range orgs {
		ids = append(ids, a.Add(id))
	}
	var reached int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE id IN (`+strings.Join(ids, ", ")+`) AND `+sc.SecurityPredicate("id", &a),
		a.Values()...).Scan(&reached); err != nil {
		return errs.Wrap(err, "cannot check your reach")
	}
	if reached < len(orgs) {
		e := errs.E(errs.Conflict, "%s overlaps a log source of an organisation outside your reach, so it could take that organisation's logs; ask the SOC to settle it", n.Value)
		e.Field = fieldOf(n.Kind)
		return e
	}
	if n.AllowOverlap {
		return nil
	}
	var names []string
	for _, c := range clashes {
		names = append(names, fmt.Sprintf("source %d %q (%s %s, organisation %d)", c.id, c.name, c.why, c.value, c.org))
	}
	e := errs.E(errs.Conflict, "%s overlaps %s; register it with allow_overlap (--allow-overlap) if the senders should move, and the organisations concerned are told",
		n.Value, strings.Join(names, ", "))
	e.Field = fieldOf(n.Kind)
	return e
}

// fieldOf names the request field of a source kind.
func fieldOf(kind string) string {
	switch kind {
	case KindCIDR, KindHostname, KindCertificate:
		return kind
	}
	return "value"
}

func clashIDs(cs []clash) []int64 {
	out := make([]int64, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.id)
	}
	return out
}

// tellOverlapped records, for each organisation whose source s overlaps,
// an audit record in that organisation's trail (its CISO reads it) and a
// notice to its people who register sources.
func tellOverlapped(ctx context.Context, tx *sql.Tx, sc access.Scope, s Source, clashes []clash, now time.Time) error {
	byOrg := map[int64][]clash{}
	var order []int64
	for _, c := range clashes {
		if _, ok := byOrg[c.org]; !ok {
			order = append(order, c.org)
		}
		byOrg[c.org] = append(byOrg[c.org], c)
	}
	for _, org := range order {
		cs := byOrg[org]
		var names []string
		for _, c := range cs {
			names = append(names, fmt.Sprintf("%q (%s)", c.name, c.value))
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "logsource.overlapped", TargetType: "log_source",
			TargetID: strconv.FormatInt(s.ID, 10), OrgID: org, After: map[string]any{"new_source": s.ID, "new_org": s.OrgID, "kind": s.Kind,
				"value": s.Value, "overlaps": clashIDs(cs)}}); err != nil {
			return err
		}
		if _, err := notify.Queue(ctx, tx, notify.Notice{OrgID: org, Roles: []access.Role{access.RoleKommuneIT, access.RoleCISO, access.RoleUnitManager},
			Kind: "logsource.overlapped", At: now,
			Subject: "Logkilde overlapper jeres / A log source overlaps yours",
			Body: fmt.Sprintf("%s registrerede %s %s for organisation %d; det overlapper jeres kilde %s, og logs herfra kan fremover tilskrives dem. / %s registered %s %s for organisation %d; it overlaps your source %s, and logs from there may now be attributed to them.",
				sc.Actor().Name, s.Kind, s.Value, s.OrgID, strings.Join(names, ", "), sc.Actor().Name, s.Kind, s.Value, s.OrgID, strings.Join(names, ", "))}); err != nil {
			return err
		}
	}
	return nil
}

// certClashes adds what certificate sightings say: another organisation's
// traffic arrived with this certificate (a certificate wins over the
// ranges and host names that attributed it), or another organisation
// registered the same certificate under its other name (fingerprint or
// subject name; both would claim it, and its traffic would go nowhere).
func certClashes(ctx context.Context, tx *sql.Tx, n NewSource, since time.Time, out []clash) ([]clash, error) {
	kind, val, _ := strings.Cut(n.Value, ":")
	col, other := "fingerprint", "cn"
	if kind == "cn" {
		col, other = "cn", "fingerprint"
	}
	rows, err := tx.QueryContext(ctx, `SELECT org_id, `+other+` FROM log_cert_sightings WHERE `+col+` = $1 AND last_seen >= $2`, val, since.UnixMicro())
	if err != nil {
		return nil, errs.Wrap(err, "cannot check certificate sightings")
	}
	var names []string // the certificate's other names
	for rows.Next() {
		var org int64
		var name string
		if err := rows.Scan(&org, &name); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot check certificate sightings")
		}
		if org != n.OrgID {
			out = append(out, clash{org: org, name: "traffic that arrived with this certificate", value: n.Value, why: "certificate seen"})
		}
		if name != "" {
			names = append(names, other+":"+name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot check certificate sightings")
	}
	for _, alias := range names {
		if other == "fingerprint" {
			alias = "sha256:" + strings.TrimPrefix(alias, "fingerprint:")
		}
		err := eachSource(ctx, tx, NewSource{OrgID: n.OrgID, Kind: KindCertificate}, func(c clash) {
			if c.value == alias {
				c.why = "the same certificate"
				out = append(out, c)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
