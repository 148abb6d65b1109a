package cert

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Candidate keys are the lower-case product names a product or an asset
// may be known by, so that matching compares only what can match (not
// every asset with every product): a product and an asset are compared
// when they share a key. An asset's keys (keyer.keys) are its names'
// (nameKeys), its CPE's product and its purl's name; a product's
// (productKeys) its name, without the vendor's, and the same.

// nameKeys are an asset's keys from its names: the product, the vendor
// and product, and the product without a leading vendor name (withoutVendor).
func nameKeys(vendor, product string) []string {
	keys := []string{norm(product)}
	if vendor != "" {
		keys = append(keys, norm(vendor+" "+product))
		if p, ok := withoutVendor(norm(vendor), norm(product)); ok {
			keys = append(keys, p)
		}
	}
	return keys
}

// withoutVendor returns normalised product without the longest leading
// whole-word prefix of vendor it starts with: "microsoft exchange server"
// of "microsoft corporation" is "exchange server", as match.Affected.Match
// compares them (a vendor agrees with the first words of itself).
func withoutVendor(vendor, product string) (string, bool) {
	for v := vendor; v != ""; {
		if p, ok := strings.CutPrefix(product, v+" "); ok {
			return p, true
		}
		i := strings.LastIndexByte(v, ' ')
		if i < 0 {
			break
		}
		v = v[:i]
	}
	return "", false
}

// cpeKey is the key of a CPE's product ("http_server": "http server").
func cpeKey(cpe string) (string, bool) {
	c, err := match.ParseCPE(cpe)
	if err != nil || cpe == "" {
		return "", false
	}
	return norm(strings.ReplaceAll(c.Product(), "_", " ")), true
}

// purlKey is the key of a purl's package name.
func purlKey(purl string) (string, bool) {
	u, err := match.ParsePURL(purl)
	if err != nil || purl == "" {
		return "", false
	}
	return norm(u.Name), true
}

func productKeys(p Product) []string {
	var keys []string
	if p.Product != "" {
		keys = append(keys, norm(p.Product))
		if rest, ok := withoutVendor(norm(p.Vendor), norm(p.Product)); ok && p.Vendor != "" {
			keys = append(keys, rest)
		}
	}
	if k, ok := cpeKey(p.CPE); ok {
		keys = append(keys, k)
	}
	if k, ok := purlKey(p.PURL); ok {
		keys = append(keys, k)
	}
	return keys
}

// norm lowers s and collapses its white space. It returns s itself when
// that changes nothing (most keys), without allocating.
func norm(s string) string {
	space := true // a leading space is not normal
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80 || 'A' <= c && c <= 'Z' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == ' ' && space:
			return strings.Join(strings.Fields(strings.ToLower(s)), " ")
		}
		space = c == ' '
	}
	if space && s != "" {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// keyer computes assets' keys, once for each name, CPE and purl: an
// inventory repeats them.
type keyer struct {
	names       map[[2]string][]string
	cpes, purls map[string]string // the key of each, "" for none
	buf         []string
}

// keys returns a's keys without repeats, valid until the next call.
func (k *keyer) keys(a match.Asset) []string {
	if k.names == nil {
		k.names, k.cpes, k.purls = map[[2]string][]string{}, map[string]string{}, map[string]string{}
	}
	ks, ok := k.names[[2]string{a.Vendor, a.Product}]
	if !ok {
		ks = nameKeys(a.Vendor, a.Product)
		k.names[[2]string{a.Vendor, a.Product}] = ks
	}
	k.buf = append(k.buf[:0], ks...)
	if a.CPE != "" {
		key, ok := k.cpes[a.CPE]
		if !ok {
			key, _ = cpeKey(a.CPE)
			k.cpes[a.CPE] = key
		}
		if key != "" {
			k.buf = append(k.buf, key)
		}
	}
	if a.PURL != "" {
		key, ok := k.purls[a.PURL]
		if !ok {
			key, _ = purlKey(a.PURL)
			k.purls[a.PURL] = key
		}
		if key != "" {
			k.buf = append(k.buf, key)
		}
	}
	out := k.buf[:0] // filtered in place
	for _, key := range k.buf {
		if !slices.Contains(out, key) {
			out = append(out, key)
		}
	}
	return out
}

// loadedProduct is a product an advisory names, with its keys; aff is
// parsed on first use (matchAssets loads every advisory's products, and
// most share no key with the new assets).
type loadedProduct struct {
	advisory int64
	p        Product
	keys     []string
	aff      *match.Affected
}

func loadProduct(advisory int64, p Product) loadedProduct {
	return loadedProduct{advisory: advisory, p: p, keys: productKeys(p)}
}

func (x *loadedProduct) matches(a match.Asset) (bool, string) {
	if x.aff == nil {
		aff := affected(x.p)
		x.aff = &aff
	}
	return x.aff.Match(a)
}

// candidate is an asset as matching reads it.
type candidate struct {
	id, org int64
	a       match.Asset
}

// matchAdvisory matches advisory id against every asset that shares a
// key with one of its products, records a vulnerability per match (an
// existing one keeps its status) and tells the organisations with new
// ones. It finds the assets in asset_keys, after keying any asset that
// is not yet (keyAssets).
func matchAdvisory(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	ps, err := products(ctx, tx, id)
	if err != nil {
		return err
	}
	lp := make([]loadedProduct, len(ps))
	var keys []string
	for i, p := range ps {
		lp[i] = loadProduct(id, p)
		keys = append(keys, lp[i].keys...)
	}
	if len(keys) == 0 {
		return nil
	}
	ky := &keyer{}
	if err := keyAssets(ctx, tx, ky); err != nil {
		return err
	}
	assets, err := candidates(ctx, tx, keys)
	if err != nil {
		return errs.Wrap(err, "cannot find the assets advisory %d may concern", id)
	}
	return record(ctx, tx, lp, assets, ky, now)
}

// candidates reads the assets that have one of keys.
func candidates(ctx context.Context, tx *sql.Tx, keys []string) ([]candidate, error) {
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out []candidate
	for rest := keys; len(rest) > 0; {
		n := min(len(rest), 500)
		var a store.Args
		ps := make([]string, n)
		for i, k := range rest[:n] {
			ps[i] = a.Add(k)
		}
		rest = rest[n:]
		cs, err := readCandidates(ctx, tx, `WHERE id IN (SELECT asset_id FROM asset_keys WHERE key IN (`+strings.Join(ps, ", ")+`))`, a.Values()...)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	if len(keys) > 500 { // an asset may have keys in two parts
		slices.SortFunc(out, func(x, y candidate) int { return cmp.Compare(x.id, y.id) })
		out = slices.CompactFunc(out, func(x, y candidate) bool { return x.id == y.id })
	}
	return out, nil
}

// readCandidates reads the assets that where (a WHERE clause) selects.
func readCandidates(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]candidate, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, org_id, vendor, product, version, cpe, purl FROM assets `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var x candidate
		if err := rows.Scan(&x.id, &x.org, &x.a.Vendor, &x.a.Product, &x.a.Version, &x.a.CPE, &x.a.PURL); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// keyBatch is how many assets keyAssets reads at a time.
const keyBatch = 5_000

// keyAssets stores the keys of every asset not yet keyed: those from
// before asset_keys existed, and any written without storeKeys. After
// keying many, it has the database analyse asset_keys, whose statistics
// would otherwise lead the planner astray until the next automatic
// analysis. Two transactions keying the same assets at once (PostgreSQL)
// store each key once: the second waits for the first's rows, then skips
// them.
func keyAssets(ctx context.Context, tx *sql.Tx, ky *keyer) error {
	keyed, last := 0, int64(0)
	for {
		cs, err := readCandidates(ctx, tx, `WHERE NOT keyed AND id > $1 ORDER BY id LIMIT `+strconv.Itoa(keyBatch), last)
		if err != nil {
			return errs.Wrap(err, "cannot read the assets to key")
		}
		if len(cs) == 0 {
			break
		}
		if err := storeKeys(ctx, tx, cs, ky, true); err != nil {
			return err
		}
		keyed += len(cs)
		last = cs[len(cs)-1].id
	}
	if keyed >= analyseAfter {
		if _, err := tx.ExecContext(ctx, `ANALYZE asset_keys`); err != nil {
			return errs.Wrap(err, "cannot analyse the assets' keys")
		}
	}
	return nil
}

// analyseAfter is how many assets keyAssets keys before it analyses.
const analyseAfter = 10_000

// keyRows bounds the rows of one INSERT into asset_keys.
const keyRows = 200

// storeKeys stores the keys of assets cs and, with mark, marks them
// keyed (new assets are written keyed: one version of the row, not two).
func storeKeys(ctx context.Context, tx *sql.Tx, cs []candidate, ky *keyer, mark bool) error {
	var a store.Args
	var vals []string
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO asset_keys (key, asset_id) VALUES `+strings.Join(vals, ", ")+` ON CONFLICT DO NOTHING`, a.Values()...)
		a, vals = store.Args{}, vals[:0]
		return err
	}
	for _, c := range cs {
		for _, k := range ky.keys(c.a) {
			vals = append(vals, "("+a.Add(k)+", "+a.Add(c.id)+")")
			if len(vals) == keyRows {
				if err := flush(); err != nil {
					return errs.Wrap(err, "cannot store the assets' keys")
				}
			}
		}
	}
	if err := flush(); err != nil {
		return errs.Wrap(err, "cannot store the assets' keys")
	}
	for rest := cs; mark && len(rest) > 0; {
		n := min(len(rest), 500)
		var a store.Args
		ps := make([]string, n)
		for i, c := range rest[:n] {
			ps[i] = a.Add(c.id)
		}
		rest = rest[n:]
		if _, err := tx.ExecContext(ctx, `UPDATE assets SET keyed = TRUE WHERE id IN (`+strings.Join(ps, ", ")+`)`, a.Values()...); err != nil {
			return errs.Wrap(err, "cannot mark assets keyed")
		}
	}
	return nil
}

// matchAssets stores the keys of new assets ids, which were written with
// keyed = TRUE in the same transaction, and matches them against every
// advisory.
func matchAssets(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) error {
	var assets []candidate
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), 500)
		var a store.Args
		ps := make([]string, n)
		for i, id := range rest[:n] {
			ps[i] = a.Add(id)
		}
		rest = rest[n:]
		cs, err := readCandidates(ctx, tx, `WHERE id IN (`+strings.Join(ps, ", ")+`)`, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot read new assets")
		}
		assets = append(assets, cs...)
	}
	ky := &keyer{}
	if err := storeKeys(ctx, tx, assets, ky, false); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT advisory_id, vendor, product, cpe, purl, versions FROM advisory_products`)
	if err != nil {
		return errs.Wrap(err, "cannot read advisories' products")
	}
	var lp []loadedProduct
	for rows.Next() {
		var id int64
		var p Product
		if err := rows.Scan(&id, &p.Vendor, &p.Product, &p.CPE, &p.PURL, &p.Versions); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read an advisory's product")
		}
		lp = append(lp, loadProduct(id, p))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot read advisories' products")
	}
	return record(ctx, tx, lp, assets, ky, now)
}

// vulnBatch bounds the rows of one INSERT into vulnerabilities (about two
// parameters a row): SQLite (modernc) binds a statement's parameters in
// time that grows faster than their number, and is quickest at a few
// hundred.
const vulnBatch = 100

// record matches products against assets (by candidate keys, from ky,
// first) and stores a vulnerability for each match, telling each
// organisation once per advisory of what is new for it.
func record(ctx context.Context, tx *sql.Tx, lp []loadedProduct, assets []candidate, ky *keyer, now time.Time) error {
	byKey := map[string][]int{}
	for i, x := range lp {
		for _, k := range x.keys {
			byKey[k] = append(byKey[k], i)
		}
	}
	type hit struct {
		advisory, asset, org int64
		reason               string
	}
	var hits []hit
	seen := map[[2]int64]bool{}
	tried := map[int]bool{}
	for _, as := range assets {
		clear(tried)
		for _, k := range ky.keys(as.a) {
			for _, i := range byKey[k] {
				if tried[i] || seen[[2]int64{lp[i].advisory, as.id}] {
					continue
				}
				tried[i] = true
				if ok, why := lp[i].matches(as.a); ok {
					seen[[2]int64{lp[i].advisory, as.id}] = true
					hits = append(hits, hit{lp[i].advisory, as.id, as.org, why})
				}
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	var advs []int64
	for _, h := range hits {
		advs = append(advs, h.advisory)
	}
	meta, err := advisoriesToTell(ctx, tx, advs, now)
	if err != nil {
		return err
	}
	// Insert in batches; RETURNING names the rows that were new (an
	// existing vulnerability keeps its status and is not told again).
	inserted := make(map[[2]int64]bool, len(hits))
	for rest := hits; len(rest) > 0; {
		batch := rest[:min(len(rest), vulnBatch)]
		rest = rest[len(batch):]
		var a store.Args
		at := a.Add(now)
		shared := map[any]string{} // equal values share a placeholder: fewer to bind
		param := func(v any) string {
			p, ok := shared[v]
			if !ok {
				p = a.Add(v)
				shared[v] = p
			}
			return p
		}
		vals := make([]string, len(batch))
		for i, h := range batch {
			vals[i] = "(" + param(h.advisory) + ", " + a.Add(h.asset) + ", " + param(h.org) + ", 'open', " + param(meta[h.advisory].due) + ", " + param(h.reason) + ", " +
				at + ", " + at + ")"
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO vulnerabilities (advisory_id, asset_id, org_id, status, due, matched_by, created_at, updated_at) VALUES `+
			strings.Join(vals, ", ")+` ON CONFLICT (advisory_id, asset_id) DO NOTHING RETURNING advisory_id, asset_id`, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot record vulnerabilities")
		}
		for rows.Next() {
			var k [2]int64
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot record vulnerabilities")
			}
			inserted[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "cannot record vulnerabilities")
		}
	}
	var ts []told
	at := map[[2]int64]int{} // (org, advisory): position in ts
	for _, h := range hits {
		if !inserted[[2]int64{h.advisory, h.asset}] {
			continue
		}
		k := [2]int64{h.org, h.advisory}
		i, ok := at[k]
		if !ok {
			i = len(ts)
			at[k] = i
			ts = append(ts, told{org: h.org, advisory: h.advisory})
		}
		ts[i].count++
	}
	return tell(ctx, tx, ts, meta, now)
}

// advisoryToTell is what recording a match needs of its advisory.
type advisoryToTell struct {
	due        time.Time // of its vulnerabilities: the advisory's, else by severity from now
	title, tlp string
}

// advisoriesToTell reads advisories ids (repeats allowed) in queries of
// up to 500.
func advisoriesToTell(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) (map[int64]advisoryToTell, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[int64]advisoryToTell, len(ids))
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), 500)
		var a store.Args
		ps := make([]string, n)
		for i, id := range rest[:n] {
			ps[i] = a.Add(id)
		}
		rest = rest[n:]
		rows, err := tx.QueryContext(ctx, `SELECT id, due_at, severity, ref || ': ' || title, tlp FROM advisories WHERE id IN (`+strings.Join(ps, ", ")+`)`, a.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read advisories")
		}
		for rows.Next() {
			var id int64
			var due sql.NullTime
			var sev string
			var x advisoryToTell
			if err := rows.Scan(&id, &due, &sev, &x.title, &x.tlp); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot read an advisory")
			}
			x.due = now.AddDate(0, 0, dueBySeverity[sev])
			if due.Valid {
				x.due = due.Time.UTC()
			}
			out[id] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "cannot read advisories")
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, errs.E(errs.Internal, "cannot read advisory %d", id)
		}
	}
	return out, nil
}

// check validates a product an advisory names (at, e.g. "products[2].").
func (p *Product) check(at string) error {
	var err error
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"vendor", &p.Vendor, 200}, {"product", &p.Product, 200}, {"cpe", &p.CPE, 500}, {"purl", &p.PURL, 500}, {"versions", &p.Versions, 1000}} {
		if *f.v, err = errs.Text(at+f.name, *f.v, 0, f.max); err != nil {
			return err
		}
	}
	if p.CPE != "" {
		c, err := match.ParseCPE(p.CPE)
		if err != nil {
			return errs.Field(at+"cpe", "%v", err)
		}
		p.CPE = c.String()
	}
	if p.PURL != "" {
		u, err := match.ParsePURL(p.PURL)
		if err != nil {
			return errs.Field(at+"purl", "%v", err)
		}
		p.PURL = u.String()
	}
	if p.Versions != "" {
		r, err := match.ParseRange(p.Versions)
		if err != nil {
			return errs.Field(at+"versions", "%v", err)
		}
		p.Versions = r.String()
	}
	if p.Product == "" && p.CPE == "" && p.PURL == "" {
		return errs.Field(at+"product", "name the product (or give its CPE or purl)")
	}
	return nil
}

// affected is what product p says is vulnerable, for match.Affected.Match,
// which reports whether an asset is affected and why ("cpe", "purl",
// "name", … or a "version unknown" reason, shown as "check" rather than
// confirmed).
func affected(p Product) match.Affected {
	aff := match.Affected{Vendor: p.Vendor, Product: p.Product}
	if p.CPE != "" {
		if c, err := match.ParseCPE(p.CPE); err == nil {
			aff.CPE = &c
		}
	}
	if p.PURL != "" {
		if u, err := match.ParsePURL(p.PURL); err == nil {
			aff.PURL = &u
		}
	}
	if p.Versions != "" {
		if r, err := match.ParseRange(p.Versions); err == nil {
			aff.Range = &r
		}
	}
	return aff
}
