package cert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/tlp"
)

// TLPs are the Traffic Light Protocol 2.0 labels, widest first.
var TLPs = tlp.Labels

// Severities of an advisory.
var Severities = []string{"low", "medium", "high", "critical"}

// Product is what an advisory says is affected: a CPE 2.3 pattern, a
// purl, or a vendor and product name, with the affected versions as a
// "vers" range (e.g. "vers:generic/>=2.4.0|<2.4.58"; empty: every
// version).
type Product struct {
	Vendor   string `json:"vendor,omitempty"`
	Product  string `json:"product,omitempty"`
	CPE      string `json:"cpe,omitempty"`
	PURL     string `json:"purl,omitempty"`
	Versions string `json:"versions,omitempty"`
}

// Advisory is a warning about vulnerable products.
type Advisory struct {
	ID              int64      `json:"id"`
	Source          string     `json:"source"`           // kev, csaf, cert, stix
	Origin          string     `json:"origin,omitempty"` // who published it: CISA KEV, a CSAF publisher, a partner
	Ref             string     `json:"ref"`              // CVE id, CSAF tracking id, the CERT's number
	Title           string     `json:"title"`
	Summary         string     `json:"summary"`
	Severity        string     `json:"severity"`
	CVEs            []string   `json:"cves"`
	Action          string     `json:"action"`
	TLP             string     `json:"tlp"`
	PublishedAt     time.Time  `json:"published_at"`
	DueAt           *time.Time `json:"due_at,omitempty"`
	KnownRansomware bool       `json:"known_ransomware"`
	Products        []Product  `json:"products"`
	// Affected counts the organisations (within the reader's reach) with
	// a vulnerability from it; Open those not yet settled.
	Affected int `json:"affected"`
	Open     int `json:"open"`
	// StixID is the STIX id it came with (read by AdvisoriesByID only).
	StixID string `json:"-"`
	// Recipients are the people a RED advisory is shared with (read by
	// Advisory).
	Recipients []string `json:"recipients,omitempty"`
}

var cveRE = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// advisoryVisible is the predicate that keeps sc to the advisories its
// TLP lets it read: the SOC and CERT read all; CLEAR and GREEN go to every
// user of the platform; AMBER to the organisations it concerns (with a
// vulnerability from it) and the units that serve them; AMBER+STRICT to
// those organisations only; RED to the shared SOC and CERT and the people
// it names (administrators and governance see everything else).
func advisoryVisible(sc access.Scope, a *store.Args) string {
	switch {
	case sc.IsSystem() || (sc.SeesAllSecurity() && (sc.Role == access.RoleCERT || sc.Role == access.RoleSOCAnalyst)):
		return "TRUE"
	case sc.UserID == 0:
		return "FALSE"
	}
	red := "(adv.tlp = 'red' AND " + tlp.Named(sc, a, tlp.KindAdvisory, "adv.id") + ")"
	if sc.SeesAllSecurity() { // administrators and governance: all but RED
		return "(adv.tlp <> 'red' OR " + red + ")"
	}
	return `(adv.tlp IN ('clear', 'green') OR ` + red + `
		OR (adv.tlp = 'amber' AND EXISTS (SELECT 1 FROM vulnerabilities v WHERE v.advisory_id = adv.id AND ` + sc.OrgPredicate("v.org_id", a) + `))
		OR (adv.tlp = 'amber+strict' AND EXISTS (SELECT 1 FROM vulnerabilities v WHERE v.advisory_id = adv.id AND v.org_id = ` + a.Add(sc.OrgID) + `)))`
}

const advisoryColumns = `adv.id, adv.source, adv.ref, adv.title, adv.summary, adv.severity, adv.cves, adv.action, adv.tlp, adv.published_at, adv.due_at, adv.known_ransomware,
	adv.origin`

func scanAdvisory(row interface{ Scan(...any) error }, extra ...any) (Advisory, error) {
	var x Advisory
	var cves string
	var due sql.NullTime
	err := row.Scan(append([]any{&x.ID, &x.Source, &x.Ref, &x.Title, &x.Summary, &x.Severity, &cves, &x.Action, &x.TLP, &x.PublishedAt, &due, &x.KnownRansomware, &x.Origin}, extra...)...)
	x.CVEs, x.PublishedAt, x.DueAt = strings.Fields(cves), x.PublishedAt.UTC(), utcPtr(due)
	if x.CVEs == nil {
		x.CVEs = []string{}
	}
	return x, err
}

// NewAdvisory is the CERT's own advisory (in Danish, as it writes).
type NewAdvisory struct {
	Ref      string    `json:"ref,omitempty"` // default: the CERT's next number
	Title    string    `json:"title"`
	Summary  string    `json:"summary"`
	Severity string    `json:"severity"`
	CVEs     []string  `json:"cves,omitempty"`
	Action   string    `json:"action"`
	TLP      string    `json:"tlp"`
	Products []Product `json:"products"`
	// Due is when the affected must have acted (default by severity:
	// critical 7, high 14, medium 30, low 90 days).
	Due *time.Time `json:"due,omitempty"`
	// Recipients are the people (user names) a TLP:RED advisory is shared
	// with besides the shared SOC and CERT.
	Recipients []string `json:"recipients,omitempty"`
}

// dueBySeverity is the CERT's default time to act.
var dueBySeverity = map[string]int{"critical": 7, "high": 14, "medium": 30, "low": 90}

// mayPublish: the CERT (and administrators, and the platform's imports).
func mayPublish(sc access.Scope) error {
	if sc.IsSystem() || sc.Role == access.RoleAdmin || sc.Role == access.RoleCERT {
		return nil
	}
	return errs.E(errs.Forbidden, "advisories are published by the CERT")
}

func (n *NewAdvisory) check(at string) error { return n.checkProducts(at, true) }

// checkProducts checks n; needProducts says whether it must name an
// affected product (the CERT's own and KEV's do; a partner's STIX
// vulnerability may not, and then matches nothing).
func (n *NewAdvisory) checkProducts(at string, needProducts bool) error {
	var err error
	for _, f := range []struct {
		name     string
		v        *string
		min, max int
	}{{"ref", &n.Ref, 0, 100}, {"title", &n.Title, 3, 300}, {"summary", &n.Summary, 0, 20000}, {"action", &n.Action, 0, 10000}} {
		if *f.v, err = errs.Text(at+f.name, *f.v, f.min, f.max); err != nil {
			return err
		}
	}
	if err := errs.OneOf(at+"severity", n.Severity, Severities); err != nil {
		return err
	}
	if n.TLP == "" {
		n.TLP = "clear"
	}
	n.TLP = strings.ToLower(n.TLP)
	if err := errs.OneOf(at+"tlp", n.TLP, TLPs); err != nil {
		return err
	}
	for i, c := range n.CVEs {
		n.CVEs[i] = strings.ToUpper(strings.TrimSpace(c))
		if !cveRE.MatchString(n.CVEs[i]) {
			return errs.Field(at+"cves", "%q is not a CVE id (CVE-2024-12345)", c)
		}
	}
	switch {
	case len(n.Products) == 0 && needProducts:
		return errs.Field(at+"products", "name at least one affected product")
	case len(n.Products) > 1000:
		return errs.Field(at+"products", "at most 1000 products")
	}
	for i := range n.Products {
		if err := n.Products[i].check(at + "products[" + idString(int64(i)) + "]."); err != nil {
			return err
		}
	}
	return nil
}

// Publish stores the CERT's own advisory, matches it against every asset
// and tells each affected organisation.
func (s *Service) Publish(ctx context.Context, sc access.Scope, n NewAdvisory) (Advisory, error) {
	if err := mayPublish(sc); err != nil {
		return Advisory{}, err
	}
	if err := n.check(""); err != nil {
		return Advisory{}, err
	}
	var out Advisory
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if n.Ref == "" {
			var count int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories WHERE source = 'cert'`).Scan(&count); err != nil {
				return errs.Wrap(err, "cannot number the advisory")
			}
			n.Ref = "SAMDRIFT-" + now.In(time.UTC).Format("2006") + "-" + idString(int64(count+1))
		}
		due := now.AddDate(0, 0, dueBySeverity[n.Severity])
		if n.Due != nil {
			due = n.Due.UTC()
		}
		id, _, err := s.store(ctx, tx, sc, advMeta{source: "cert", due: &due}, n, now)
		if err != nil {
			return err
		}
		if err := tlp.Share(ctx, tx, sc, tlp.KindAdvisory, id, n.TLP, n.Recipients, n.Ref+": "+n.Title, now); err != nil {
			return err
		}
		out, err = s.advisory(ctx, tx, sc, id)
		return err
	})
	return out, err
}

// advMeta is what an advisory's origin adds to its content.
type advMeta struct {
	source     string // kev, csaf, cert, stix
	due        *time.Time
	ransomware bool
	origin     string    // who published it (a CSAF publisher, a STIX identity, a feed)
	stixID     string    // its STIX id when it came as one
	feedID     int64     // the feed that brought it
	published  time.Time // zero: now
}

// store inserts or updates advisory (m.source, n.Ref) with its products,
// matches it and audits; it reports the id and whether it was new.
func (s *Service) store(ctx context.Context, tx *sql.Tx, sc access.Scope, m advMeta, n NewAdvisory, now time.Time) (int64, bool, error) {
	var id int64
	var old Advisory
	source, due := m.source, m.due
	published := now
	if !m.published.IsZero() {
		published = m.published.UTC()
	}
	var feed any
	if m.feedID != 0 {
		feed = m.feedID
	}
	stixID := m.stixID
	if stixID == "" {
		stixID = stix.DeterministicID("vulnerability", source+":"+n.Ref)
	}
	err := tx.QueryRowContext(ctx, `SELECT id, tlp FROM advisories WHERE source = $1 AND ref = $2`, source, n.Ref).Scan(&id, &old.TLP)
	isNew := errors.Is(err, sql.ErrNoRows)
	switch {
	case isNew:
		err = tx.QueryRowContext(ctx, `INSERT INTO advisories (source, ref, title, summary, severity, cves, action, tlp, published_at, due_at, known_ransomware,
			created_by, created_at, updated_at, origin, stix_id, feed_id, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, 0) RETURNING id`,
			source, n.Ref, n.Title, n.Summary, n.Severity, strings.Join(n.CVEs, " "), n.Action, n.TLP, published, due, m.ransomware, sc.Actor().Name, now,
			m.origin, stixID, feed).Scan(&id)
	case err == nil:
		// An update never widens what was shared: the stricter TLP stays.
		n.TLP = tlp.Stricter(n.TLP, old.TLP)
		_, err = tx.ExecContext(ctx, `UPDATE advisories SET title = $1, summary = $2, severity = $3, cves = $4, action = $5, tlp = $6, due_at = $7,
			known_ransomware = $8, updated_at = $9, added_at = 0, origin = CASE WHEN $10 = '' THEN origin ELSE $10 END WHERE id = $11`,
			n.Title, n.Summary, n.Severity, strings.Join(n.CVEs, " "), n.Action, n.TLP, due, m.ransomware, now, m.origin, id)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM advisory_products WHERE advisory_id = $1`, id)
		}
	}
	if err != nil {
		return 0, false, errs.Wrap(err, "cannot store advisory %s", n.Ref)
	}
	for _, p := range n.Products {
		if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_products (advisory_id, vendor, product, cpe, purl, versions) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, p.Vendor, p.Product, p.CPE, p.PURL, p.Versions); err != nil {
			return 0, false, errs.Wrap(err, "cannot store the products of advisory %s", n.Ref)
		}
	}
	if err := matchAdvisory(ctx, tx, id, now); err != nil {
		return 0, false, err
	}
	action := "advisory.update"
	if isNew {
		action = "advisory.publish"
	}
	return id, isNew, audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: action, TargetType: "advisory", TargetID: idString(id),
		After: map[string]any{"source": source, "ref": n.Ref, "severity": n.Severity, "tlp": n.TLP, "products": len(n.Products), "origin": m.origin}})
}

// advisory reads advisory id as sc may see it.
func (s *Service) advisory(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Advisory, error) {
	var a store.Args
	x, err := scanAdvisory(q.QueryRowContext(ctx, `SELECT `+advisoryColumns+` FROM advisories adv WHERE adv.id = `+a.Add(id)+` AND `+advisoryVisible(sc, &a), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Advisory{}, errs.E(errs.NotFound, "no advisory %d", id)
	}
	if err != nil {
		return Advisory{}, errs.Wrap(err, "cannot read advisory %d", id)
	}
	if x.Products, err = products(ctx, q, id); err != nil {
		return x, err
	}
	if x.TLP == "red" {
		if x.Recipients, err = tlp.Recipients(ctx, q, tlp.KindAdvisory, id); err != nil {
			return x, err
		}
	}
	a = store.Args{}
	err = q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT org_id), COUNT(DISTINCT CASE WHEN status = 'open' THEN org_id END) FROM vulnerabilities
		WHERE advisory_id = `+a.Add(id)+` AND `+sc.SecurityPredicate("org_id", &a), a.Values()...).Scan(&x.Affected, &x.Open)
	return x, errs.Wrap(err, "cannot count who advisory %d concerns", id)
}

func products(ctx context.Context, q store.Querier, id int64) ([]Product, error) {
	rows, err := q.QueryContext(ctx, `SELECT vendor, product, cpe, purl, versions FROM advisory_products WHERE advisory_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the products of advisory %d", id)
	}
	defer rows.Close()
	out := []Product{}
	for rows.Next() {
		var p Product
		if err := rows.Scan(&p.Vendor, &p.Product, &p.CPE, &p.PURL, &p.Versions); err != nil {
			return nil, errs.Wrap(err, "cannot read a product of advisory %d", id)
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the products of advisory %d", id)
}

// Advisory returns advisory id with its products, if its TLP lets sc
// read it.
func (s *Service) Advisory(ctx context.Context, sc access.Scope, id int64) (Advisory, error) {
	return s.advisory(ctx, s.db.Reader(), sc, id)
}

// AdvisoryFilter narrows an advisory listing.
type AdvisoryFilter struct {
	Source   string
	Affected bool // only those with vulnerabilities within the reader's reach
	Limit    int
	Offset   int
	// Sort is the order by one of AdvisorySorts; the zero Sort is the
	// default (the newest first).
	Sort store.Sort
}

// AdvisorySorts are the keys an advisory list sorts by
// (AdvisoryFilter.Sort): when it was published, its reference, its
// title, its severity (most severe first), its TLP (the widest first,
// as TLPs) and its due date (none last either way).
var AdvisorySorts = []string{"published", "ref", "title", "severity", "tlp", "due"}

// advisoryOrder holds the SQL each of AdvisorySorts orders by; a
// descending order turns only the last expression around.
var advisoryOrder = map[string]string{
	"published": "adv.published_at",
	"ref":       "LOWER(adv.ref)",
	"title":     "LOWER(adv.title)",
	"severity":  severityRank("adv.severity"),
	"tlp":       "CASE adv.tlp WHEN 'clear' THEN 1 WHEN 'green' THEN 2 WHEN 'amber' THEN 3 WHEN 'amber+strict' THEN 4 WHEN 'red' THEN 5 ELSE 6 END",
	"due":       "CASE WHEN adv.due_at IS NULL THEN 1 ELSE 0 END, adv.due_at",
}

// Advisories lists the advisories sc may read in f's order (by default
// the newest first). An order not in AdvisorySorts is an Invalid error.
func (s *Service) Advisories(ctx context.Context, sc access.Scope, f AdvisoryFilter) ([]Advisory, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if _, err := store.ParseSort("sort", f.Sort.String(), AdvisorySorts...); err != nil {
		return nil, 0, err
	}
	var a store.Args
	where := []string{advisoryVisible(sc, &a)}
	if f.Source != "" {
		where = append(where, "adv.source = "+a.Add(f.Source))
	}
	if f.Affected {
		where = append(where, "EXISTS (SELECT 1 FROM vulnerabilities v WHERE v.advisory_id = adv.id AND "+sc.SecurityPredicate("v.org_id", &a)+")")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM advisories adv WHERE `+w, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count advisories")
	}
	order := f.Sort.OrderBy(advisoryOrder, "adv.published_at DESC", "adv.id DESC")
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+advisoryColumns+` FROM advisories adv WHERE `+w+` ORDER BY `+order+` LIMIT `+
		a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list advisories")
	}
	out := []Advisory{}
	idx := map[int64]int{}
	for rows.Next() {
		x, err := scanAdvisory(rows)
		if err != nil {
			rows.Close()
			return nil, 0, errs.Wrap(err, "cannot read an advisory")
		}
		x.Products = []Product{}
		idx[x.ID] = len(out)
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, total, errs.Wrap(err, "cannot list advisories")
	}
	// Whom they concern, for the whole page in one query.
	var c store.Args
	ps := make([]string, len(out))
	for i, x := range out {
		ps[i] = c.Add(x.ID)
	}
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT advisory_id, COUNT(DISTINCT org_id), COUNT(DISTINCT CASE WHEN status = 'open' THEN org_id END) FROM vulnerabilities
		WHERE advisory_id IN (`+strings.Join(ps, ", ")+`) AND `+sc.SecurityPredicate("org_id", &c)+` GROUP BY advisory_id`, c.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot count whom advisories concern")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var affected, open int
		if err := rows.Scan(&id, &affected, &open); err != nil {
			return nil, 0, errs.Wrap(err, "cannot count whom advisories concern")
		}
		out[idx[id]].Affected, out[idx[id]].Open = affected, open
	}
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count whom advisories concern")
	}
	return out, total, nil
}

// kevCatalog is what samdrift reads of CISA's Known Exploited
// Vulnerabilities catalogue (JSON).
type kevCatalog struct {
	CatalogVersion  string `json:"catalogVersion"`
	Vulnerabilities []struct {
		CVE            string `json:"cveID"`
		Vendor         string `json:"vendorProject"`
		Product        string `json:"product"`
		Name           string `json:"vulnerabilityName"`
		DateAdded      string `json:"dateAdded"`
		Description    string `json:"shortDescription"`
		RequiredAction string `json:"requiredAction"`
		DueDate        string `json:"dueDate"`
		Ransomware     string `json:"knownRansomwareCampaignUse"`
	} `json:"vulnerabilities"`
}

// ImportResult says what an import did.
type ImportResult struct {
	Added     int    `json:"added"`
	Updated   int    `json:"updated"`
	Matched   int    `json:"vulnerabilities"`        // vulnerabilities now open from them
	Notified  int    `json:"organisations_notified"` // with new vulnerabilities
	Catalogue string `json:"catalogue,omitempty"`
}

// ImportKEV imports CISA's KEV catalogue: each entry becomes (or
// updates) an advisory of TLP CLEAR for the vendor's product in every
// version (KEV names no versions), due by KEV's dueDate, matched against
// every asset. The whole catalogue is checked before anything is stored.
func (s *Service) ImportKEV(ctx context.Context, sc access.Scope, data []byte) (ImportResult, error) {
	if err := mayPublish(sc); err != nil {
		return ImportResult{}, err
	}
	var cat kevCatalog
	if err := json.Unmarshal(data, &cat); err != nil {
		return ImportResult{}, errs.Field("file", "not a KEV catalogue (JSON): %v", err)
	}
	if len(cat.Vulnerabilities) == 0 {
		return ImportResult{}, errs.Field("file", "$.vulnerabilities is empty or missing; is this CISA's known_exploited_vulnerabilities.json?")
	}
	type entry struct {
		n          NewAdvisory
		due        *time.Time
		ransomware bool
	}
	var es []entry
	for i, v := range cat.Vulnerabilities {
		at := "$.vulnerabilities[" + idString(int64(i)) + "]."
		n := NewAdvisory{Ref: v.CVE, Title: strings.TrimSpace(v.Vendor + " " + v.Product + ": " + v.Name), Summary: v.Description, Severity: "critical",
			CVEs: []string{v.CVE}, Action: v.RequiredAction, TLP: "clear", Products: []Product{{Vendor: v.Vendor, Product: v.Product}}}
		if len([]rune(n.Title)) > 300 {
			n.Title = string([]rune(n.Title)[:299]) + "…"
		}
		if err := n.check(at); err != nil {
			return ImportResult{}, err
		}
		var due *time.Time
		if v.DueDate != "" {
			d, err := time.Parse("2006-01-02", v.DueDate)
			if err != nil {
				return ImportResult{}, errs.Field(at+"dueDate", "%q is not a date (YYYY-MM-DD)", v.DueDate)
			}
			due = &d
		}
		es = append(es, entry{n: n, due: due, ransomware: strings.EqualFold(v.Ransomware, "Known")})
	}
	return s.importAll(ctx, ImportResult{Catalogue: cat.CatalogVersion}, len(es), func(tx *sql.Tx, now time.Time, i int) (bool, error) {
		e := es[i]
		_, isNew, err := s.store(ctx, tx, sc, advMeta{source: "kev", due: e.due, ransomware: e.ransomware, origin: "CISA KEV"}, e.n, now)
		return isNew, err
	}, nil)
}

// importAll stores count advisories in one transaction through put (which
// says whether each was new), then counts what the import opened and
// whom it told, and lets finish (if set) audit.
func (s *Service) importAll(ctx context.Context, base ImportResult, count int, put func(tx *sql.Tx, now time.Time, i int) (bool, error),
	finish func(tx *sql.Tx, res ImportResult) error) (ImportResult, error) {
	var res ImportResult
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res = base
		before, err := openCount(ctx, tx)
		if err != nil {
			return err
		}
		for i := range count {
			isNew, err := put(tx, now, i)
			if err != nil {
				return err
			}
			if isNew {
				res.Added++
			} else {
				res.Updated++
			}
		}
		after, err := openCount(ctx, tx)
		if err != nil {
			return err
		}
		res.Matched = after - before
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT org_id) FROM vulnerabilities WHERE created_at = $1`, now).Scan(&res.Notified); err != nil {
			return errs.Wrap(err, "cannot count the organisations told")
		}
		if finish != nil {
			return finish(tx, res)
		}
		return nil
	})
	return res, err
}

func openCount(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vulnerabilities WHERE status = 'open'`).Scan(&n)
	return n, errs.Wrap(err, "cannot count vulnerabilities")
}
