package cert

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// Statuses of a vulnerability: open until the organisation has patched or
// mitigated it, accepted the risk (with a reason, until a date) or found
// it does not apply.
var Statuses = []string{"open", "mitigated", "patched", "accepted", "not-affected"}

// Vulnerability is one advisory's match on one asset of an organisation.
type Vulnerability struct {
	ID          int64    `json:"id"`
	AdvisoryID  int64    `json:"advisory_id"`
	AdvisoryRef string   `json:"advisory_ref"`
	Title       string   `json:"title"`
	CVE         string   `json:"cve"` // the first CVE of the advisory ("" when none)
	CVEs        []string `json:"cves"`
	Severity    string   `json:"severity"`
	// KEV says the advisory is an entry of CISA's Known Exploited
	// Vulnerabilities catalogue (the lists show it; the API's answer does
	// not carry it yet).
	KEV           bool       `json:"-"`
	Action        string     `json:"action"`
	AssetID       int64      `json:"asset_id"`
	Asset         string     `json:"asset"` // vendor, product and version
	Location      string     `json:"location,omitempty"`
	OrgID         int64      `json:"org_id"`
	OrgName       string     `json:"org_name"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason,omitempty"`
	AcceptedUntil *time.Time `json:"accepted_until,omitempty"`
	Due           *time.Time `json:"due"`
	Overdue       bool       `json:"overdue"`
	MatchedBy     string     `json:"matched_by"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

const vulnColumns = `v.id, v.advisory_id, adv.ref, adv.title, adv.cves, adv.severity, adv.action, v.asset_id,
	TRIM(a.vendor || ' ' || a.product || ' ' || a.version), a.location, v.org_id, o.name, v.status, v.reason, v.accepted_until, v.due, v.matched_by,
	v.created_at, v.updated_at, adv.source`

const vulnFrom = ` FROM vulnerabilities v JOIN advisories adv ON adv.id = v.advisory_id JOIN assets a ON a.id = v.asset_id JOIN organizations o ON o.id = v.org_id`

func scanVuln(row interface{ Scan(...any) error }, now time.Time) (Vulnerability, error) {
	var x Vulnerability
	var cves string
	var acc, due sql.NullTime
	var source string
	err := row.Scan(&x.ID, &x.AdvisoryID, &x.AdvisoryRef, &x.Title, &cves, &x.Severity, &x.Action, &x.AssetID, &x.Asset, &x.Location, &x.OrgID, &x.OrgName,
		&x.Status, &x.Reason, &acc, &due, &x.MatchedBy, &x.CreatedAt, &x.UpdatedAt, &source)
	x.KEV = source == "kev"
	x.CVEs = strings.Fields(cves)
	if x.CVEs == nil {
		x.CVEs = []string{}
	}
	if len(x.CVEs) > 0 {
		x.CVE = x.CVEs[0]
	}
	x.AcceptedUntil, x.Due = utcPtr(acc), utcPtr(due)
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	x.Overdue = x.Status == "open" && x.Due != nil && now.After(*x.Due)
	return x, err
}

// VulnFilter narrows a vulnerability listing.
type VulnFilter struct {
	Org      int64
	Status   string // a status, or "" for all
	Advisory int64
	Limit    int
	Offset   int
	// Sort is the order by one of VulnSorts; the zero Sort is the
	// default (open ones first, the earliest due first among them).
	Sort store.Sort
}

// VulnSorts are the keys a vulnerability list sorts by (VulnFilter.Sort):
// its number, its advisory's reference (a CVE id for the KEV catalogue),
// the advisory's severity (most severe first), whether it is on CISA's
// Known Exploited Vulnerabilities catalogue (those first), its status (in
// the order of Statuses), its organisation's name, its due date (none
// last either way) and when it was found.
var VulnSorts = []string{"id", "advisory", "severity", "kev", "status", "org", "due", "found"}

// vulnOrder holds the SQL each of VulnSorts orders by; a descending order
// turns only the last expression around.
var vulnOrder = map[string]string{
	"id":       "v.id",
	"advisory": "LOWER(adv.ref)",
	"severity": severityRank("adv.severity"),
	"kev":      "CASE WHEN adv.source = 'kev' THEN 0 ELSE 1 END",
	"status": "CASE v.status WHEN 'open' THEN 1 WHEN 'mitigated' THEN 2 WHEN 'patched' THEN 3 WHEN 'accepted' THEN 4 " +
		"WHEN 'not-affected' THEN 5 ELSE 6 END",
	"org":   "LOWER(o.name)",
	"due":   "CASE WHEN v.due IS NULL THEN 1 ELSE 0 END, v.due",
	"found": "v.created_at",
}

// severityRank is the SQL rank of a severity column: critical 1 to low 4,
// so that ascending is the most severe first.
func severityRank(col string) string {
	return "CASE " + col + " WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 WHEN 'low' THEN 4 ELSE 5 END"
}

// Vulnerabilities lists the vulnerabilities within sc's reach (a
// municipality its own, a unit its municipalities', the SOC and CERT
// all) in f's order: by default open ones first and the most overdue
// first among them. An order not in VulnSorts is an Invalid error.
func (s *Service) Vulnerabilities(ctx context.Context, sc access.Scope, f VulnFilter) ([]Vulnerability, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if _, err := store.ParseSort("sort", f.Sort.String(), VulnSorts...); err != nil {
		return nil, 0, err
	}
	var a store.Args
	where := []string{sc.SecurityPredicate("v.org_id", &a), advisoryVisible(sc, &a)}
	if f.Org != 0 {
		where = append(where, "v.org_id = "+a.Add(f.Org))
	}
	if f.Status != "" {
		if err := errs.OneOf("status", f.Status, Statuses); err != nil {
			return nil, 0, err
		}
		where = append(where, "v.status = "+a.Add(f.Status))
	}
	if f.Advisory != 0 {
		where = append(where, "v.advisory_id = "+a.Add(f.Advisory))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM vulnerabilities v JOIN advisories adv ON adv.id = v.advisory_id WHERE `+w, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count vulnerabilities")
	}
	// Without a due date last on both databases (which disagree on where
	// NULL goes); ties to the oldest match.
	order := f.Sort.OrderBy(vulnOrder, "CASE WHEN v.status = 'open' THEN 0 ELSE 1 END, CASE WHEN v.due IS NULL THEN 1 ELSE 0 END, v.due", "v.id")
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+vulnColumns+vulnFrom+` WHERE `+w+
		` ORDER BY `+order+` LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list vulnerabilities")
	}
	defer rows.Close()
	now := s.now()
	out := []Vulnerability{}
	for rows.Next() {
		x, err := scanVuln(rows, now)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read a vulnerability")
		}
		out = append(out, x)
	}
	return out, total, errs.Wrap(rows.Err(), "cannot list vulnerabilities")
}

// StatusChange settles (or reopens) a vulnerability.
type StatusChange struct {
	Status string `json:"status"`
	// Reason is required for accepted and not-affected.
	Reason string `json:"reason,omitempty"`
	// AcceptedUntil is required for accepted: when the risk is looked at
	// again (at most a year on).
	AcceptedUntil *time.Time `json:"accepted_until,omitempty"`
}

// SetStatus changes vulnerability id's status as sc: the organisation's
// CISO and municipal IT, its unit's managers and service desk, the CERT.
func (s *Service) SetStatus(ctx context.Context, sc access.Scope, id int64, c StatusChange) (Vulnerability, error) {
	if !mayManageAssets(sc) {
		return Vulnerability{}, errs.E(errs.Forbidden, "a vulnerability's status is set by the organisation's CISO or municipal IT, its unit, or the CERT")
	}
	if err := errs.OneOf("status", c.Status, Statuses); err != nil {
		return Vulnerability{}, err
	}
	var err error
	if c.Reason, err = errs.Text("reason", c.Reason, 0, 4000); err != nil {
		return Vulnerability{}, err
	}
	now := s.now()
	switch {
	case (c.Status == "accepted" || c.Status == "not-affected") && c.Reason == "":
		return Vulnerability{}, errs.Field("reason", "say why the risk is accepted or the product not affected")
	case c.Status == "accepted" && (c.AcceptedUntil == nil || !c.AcceptedUntil.After(now) || c.AcceptedUntil.After(now.AddDate(1, 0, 0))):
		return Vulnerability{}, errs.Field("accepted_until", "an accepted risk is looked at again within a year: give the date")
	case c.Status != "accepted" && c.AcceptedUntil != nil:
		return Vulnerability{}, errs.Field("accepted_until", "a date goes with status accepted")
	}
	var out Vulnerability
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		cur, err := scanVuln(tx.QueryRowContext(ctx, `SELECT `+vulnColumns+vulnFrom+` WHERE v.id = `+a.Add(id)+` AND `+sc.SecurityPredicate("v.org_id", &a)+
			` AND `+advisoryVisible(sc, &a), a.Values()...), now)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no vulnerability %d", id)
		}
		if err != nil {
			return errs.Wrap(err, "cannot read vulnerability %d", id)
		}
		var until any
		if c.AcceptedUntil != nil {
			until = c.AcceptedUntil.UTC()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vulnerabilities SET status = $1, reason = $2, accepted_until = $3, updated_at = $4 WHERE id = $5`,
			c.Status, c.Reason, until, now, id); err != nil {
			return errs.Wrap(err, "cannot update vulnerability %d", id)
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "vulnerability.status", TargetType: "vulnerability", TargetID: idString(id), OrgID: cur.OrgID,
			Before: map[string]any{"status": cur.Status}, After: map[string]any{"status": c.Status, "reason": c.Reason, "accepted_until": until}}); err != nil {
			return err
		}
		a = store.Args{}
		out, err = scanVuln(tx.QueryRowContext(ctx, `SELECT `+vulnColumns+vulnFrom+` WHERE v.id = `+a.Add(id), a.Values()...), now)
		return errs.Wrap(err, "cannot read vulnerability %d", id)
	})
	return out, err
}

// OrgStatus is one organisation's line in an advisory's status matrix.
type OrgStatus struct {
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	Open    int    `json:"open"`
	Settled int    `json:"settled"`
	Overdue int    `json:"overdue"`
}

// Matrix returns, for advisory id, each organisation within sc's reach
// that it concerns, with its open, settled and overdue vulnerabilities,
// overdue first — the CERT's and governance's view.
func (s *Service) Matrix(ctx context.Context, sc access.Scope, id int64) ([]OrgStatus, error) {
	if _, err := s.Advisory(ctx, sc, id); err != nil {
		return nil, err
	}
	var a store.Args
	now := a.Add(s.now())
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT v.org_id, o.name, SUM(CASE WHEN v.status = 'open' THEN 1 ELSE 0 END),
		SUM(CASE WHEN v.status <> 'open' THEN 1 ELSE 0 END), SUM(CASE WHEN v.status = 'open' AND v.due < `+now+` THEN 1 ELSE 0 END)
		FROM vulnerabilities v JOIN organizations o ON o.id = v.org_id WHERE v.advisory_id = `+a.Add(id)+` AND `+sc.SecurityPredicate("v.org_id", &a)+`
		GROUP BY v.org_id, o.name ORDER BY 5 DESC, 3 DESC, o.name`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the status of advisory %d", id)
	}
	defer rows.Close()
	out := []OrgStatus{}
	for rows.Next() {
		var x OrgStatus
		if err := rows.Scan(&x.OrgID, &x.OrgName, &x.Open, &x.Settled, &x.Overdue); err != nil {
			return nil, errs.Wrap(err, "cannot read the status of advisory %d", id)
		}
		out = append(out, x)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the status of advisory %d", id)
}

// told is how many new vulnerabilities one advisory gave one organisation.
type told struct {
	org, advisory int64
	count         int
}

// tell notifies the organisations in ts of their new vulnerabilities as
// far as each advisory's TLP allows: the organisation's CISO and
// municipal IT, and (but for AMBER+STRICT) once per advisory its
// supplying unit's managers and service desk, with the sum over the
// organisations it serves; a RED advisory tells no one outside the CERT.
// Each advisory's notices go out in two statements (notify.QueueEach).
func tell(ctx context.Context, tx *sql.Tx, ts []told, meta map[int64]advisoryToTell, now time.Time) error {
	var orgs []int64
	for _, t := range ts {
		orgs = append(orgs, t.org)
	}
	supplier, err := suppliers(ctx, tx, orgs)
	if err != nil {
		return err
	}
	type sum struct{ assets, orgs int }
	type byAdvisory struct {
		orgs  []notify.Each
		units map[int64]*sum
		order []int64 // of units
	}
	advs := map[int64]*byAdvisory{}
	var order []int64
	for _, t := range ts {
		m := meta[t.advisory]
		if m.tlp == "red" {
			continue
		}
		x := advs[t.advisory]
		if x == nil {
			x = &byAdvisory{units: map[int64]*sum{}}
			advs[t.advisory] = x
			order = append(order, t.advisory)
		}
		x.orgs = append(x.orgs, notify.Each{OrgID: t.org, Body: idString(int64(t.count)) + " asset(s)"})
		unit, ok := supplier[t.org]
		if !ok || m.tlp == "amber+strict" {
			continue
		}
		if x.units[unit] == nil {
			x.units[unit] = &sum{}
			x.order = append(x.order, unit)
		}
		x.units[unit].assets += t.count
		x.units[unit].orgs++
	}
	for _, adv := range order {
		x := advs[adv]
		n := notify.Notice{Kind: "vulnerability.new", Subject: meta[adv].title, At: now, Roles: []access.Role{access.RoleCISO, access.RoleKommuneIT}}
		if _, err := notify.QueueEach(ctx, tx, n, x.orgs); err != nil {
			return err
		}
		if len(x.order) == 0 {
			continue
		}
		units := make([]notify.Each, len(x.order))
		for i, u := range x.order {
			body := idString(int64(x.units[u].assets)) + " asset(s)"
			if x.units[u].orgs > 1 {
				body += ", " + idString(int64(x.units[u].orgs)) + " organisations"
			}
			units[i] = notify.Each{OrgID: u, Body: body}
		}
		n.Roles = []access.Role{access.RoleUnitManager, access.RoleServiceDesk}
		if _, err := notify.QueueEach(ctx, tx, n, units); err != nil {
			return err
		}
	}
	return nil
}

// suppliers returns the supplying unit of each of orgs that has one.
func suppliers(ctx context.Context, tx *sql.Tx, orgs []int64) (map[int64]int64, error) {
	slices.Sort(orgs)
	orgs = slices.Compact(orgs)
	out := map[int64]int64{}
	for rest := orgs; len(rest) > 0; {
		n := min(len(rest), 500)
		var a store.Args
		ps := make([]string, n)
		for i, id := range rest[:n] {
			ps[i] = a.Add(id)
		}
		rest = rest[n:]
		rows, err := tx.QueryContext(ctx, `SELECT id, supplier_id FROM organizations WHERE supplier_id IS NOT NULL AND id IN (`+strings.Join(ps, ", ")+`)`, a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot find who supplies the organisations concerned")
		}
		for rows.Next() {
			var org, unit int64
			if err := rows.Scan(&org, &unit); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot find who supplies the organisations concerned")
			}
			out[org] = unit
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "cannot find who supplies the organisations concerned")
		}
	}
	return out, nil
}
