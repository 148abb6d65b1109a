package cert

import (
	"context"
	"database/sql"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"weak"

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
// and product, and the product without a leading vendor name.
func nameKeys(vendor, product string) []string {
	keys := []string{norm(product)}
	if vendor != "" {
		keys = append(keys, norm(vendor+" "+product))
		if p, ok := strings.CutPrefix(norm(product), norm(vendor)+" "); ok {
			keys = append(keys, p)
		}
	}
	return keys
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
		if rest, ok := strings.CutPrefix(norm(p.Product), norm(p.Vendor)+" "); ok && p.Vendor != "" {
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
// ones.
//
// The first advisories of a transaction read their candidates, each in
// one pass over the assets table; from the next on, the transaction reads
// every asset's keys once into an index and finds them there. The index
// costs three (SQLite) to five (PostgreSQL) such passes (500,000 assets,
// BenchmarkMatchAdvisories), so publishing an advisory does not pay for
// it, and an import of a thousand pays once.
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
	m := matchingIn(tx)
	var assets []candidate
	if m.advisories++; m.advisories <= scansBeforeIndex {
		assets, err = candidates(ctx, tx, keys)
	} else {
		if m.index == nil {
			m.index, err = loadAssetIndex(ctx, tx, &m.keys)
		}
		if err == nil {
			assets = m.index.lookup(keys)
		}
	}
	if err != nil {
		return errs.Wrap(err, "cannot find the assets advisory %d may concern", id)
	}
	return record(ctx, tx, lp, assets, &m.keys, now)
}

// scansBeforeIndex is how many advisories a transaction matches by reading
// their candidates before it builds an asset index.
const scansBeforeIndex = 3

// candidates reads the assets that may have one of keys: every asset that
// has one, and some that do not (record compares keys exactly). The
// pattern of a key (likePattern) matches the asset's vendor and product,
// its CPE or its purl, whichever gave it the key. Stored CPEs and purls
// are canonical (NewAsset.check), which keeps letters and digits as they
// are, and CPEs in lower case.
func candidates(ctx context.Context, tx *sql.Tx, keys []string) ([]candidate, error) {
	var a store.Args
	var conds []string
	seen := map[string]bool{}
	for _, k := range keys {
		p := likePattern(k)
		if p == "%" {
			conds = nil // no letter or digit to look for: read them all
			break
		}
		if !seen[p] {
			seen[p] = true
			ph := a.Add(p)
			conds = append(conds, "LOWER(vendor || ' ' || product) LIKE "+ph, "cpe LIKE "+ph, "LOWER(purl) LIKE "+ph)
		}
	}
	q := `SELECT id, org_id, vendor, product, version, cpe, purl FROM assets`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " OR ")
	}
	rows, err := tx.QueryContext(ctx, q, a.Values()...)
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

// likePattern returns a LIKE pattern that the lower-cased text behind key
// k matches: k's ASCII letters and digits in order, anything between
// them. Whatever else k holds may be written otherwise in the text (white
// space collapsed, '_' for a space, a CPE's escapes, a purl's
// %-encoding, a letter SQL's LOWER leaves in upper case), and 'i' and 'k'
// may come from 'İ' and the Kelvin sign, which Go lowers to ASCII.
func likePattern(k string) string {
	b := make([]byte, 0, len(k)+2)
	b = append(b, '%')
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case ('a' <= c && c <= 'z' || '0' <= c && c <= '9') && c != 'i' && c != 'k':
			b = append(b, c)
		case b[len(b)-1] != '%':
			b = append(b, '%')
		}
	}
	if b[len(b)-1] != '%' {
		b = append(b, '%')
	}
	return string(b)
}

// matchAssets matches new assets ids against every advisory.
func matchAssets(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) error {
	if m := existingMatchingIn(tx); m != nil {
		m.index = nil // the assets changed
	}
	var assets []candidate
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var a store.Args
		ps := make([]string, n)
		for i, id := range ids[:n] {
			ps[i] = a.Add(id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, org_id, vendor, product, version, cpe, purl FROM assets WHERE id IN (`+strings.Join(ps, ", ")+`)`, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot read new assets")
		}
		for rows.Next() {
			var x candidate
			if err := rows.Scan(&x.id, &x.org, &x.a.Vendor, &x.a.Product, &x.a.Version, &x.a.CPE, &x.a.PURL); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot read an asset")
			}
			assets = append(assets, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "cannot read new assets")
		}
		ids = ids[n:]
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
	return record(ctx, tx, lp, assets, &keyer{}, now)
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
	type orgAdv struct{ org, adv int64 }
	fresh := map[orgAdv]int{}
	var order []orgAdv
	for _, h := range hits {
		if !inserted[[2]int64{h.advisory, h.asset}] {
			continue
		}
		k := orgAdv{h.org, h.advisory}
		if fresh[k] == 0 {
			order = append(order, k)
		}
		fresh[k]++
	}
	for _, k := range order {
		m := meta[k.adv]
		if err := tell(ctx, tx, k.org, m.title, m.tlp, fresh[k], now); err != nil {
			return err
		}
	}
	return nil
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

// assetIndex is every asset, found by its candidate keys.
type assetIndex struct {
	assets []candidate
	byKey  map[string][]int32 // positions in assets, ascending
}

// lookup returns the assets with any of keys (in the order the table was read).
func (x *assetIndex) lookup(keys []string) []candidate {
	var at []int32
	for _, k := range keys {
		at = append(at, x.byKey[k]...)
	}
	slices.Sort(at)
	at = slices.Compact(at)
	out := make([]candidate, len(at))
	for i, j := range at {
		out[i] = x.assets[j]
	}
	return out
}

// loadAssetIndex reads every asset and its keys (from ky).
func loadAssetIndex(ctx context.Context, tx *sql.Tx, ky *keyer) (*assetIndex, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, org_id, vendor, product, version, cpe, purl FROM assets`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	x := &assetIndex{byKey: map[string][]int32{}}
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.org, &c.a.Vendor, &c.a.Product, &c.a.Version, &c.a.CPE, &c.a.PURL); err != nil {
			return nil, err
		}
		at := int32(len(x.assets))
		x.assets = append(x.assets, c)
		for _, k := range ky.keys(c.a) {
			x.byKey[k] = append(x.byKey[k], at)
		}
	}
	return x, rows.Err()
}

// txMatching is what matching keeps for a transaction: how many
// advisories it matched, its assets' keys and, once built, its asset
// index (about 100 MB at 500,000 assets). matchAdvisory sees the
// transaction only, not whether more advisories will follow in it, so
// this is kept beside it (txMatchings) until the transaction is garbage.
// An indexed table of the assets' keys would make both unnecessary, but
// needs a migration.
type txMatching struct {
	advisories int
	keys       keyer
	index      *assetIndex
}

var txMatchings = struct {
	sync.Mutex
	m map[weak.Pointer[sql.Tx]]*txMatching
}{m: map[weak.Pointer[sql.Tx]]*txMatching{}}

func matchingIn(tx *sql.Tx) *txMatching {
	k := weak.Make(tx)
	txMatchings.Lock()
	defer txMatchings.Unlock()
	m := txMatchings.m[k]
	if m == nil {
		m = &txMatching{}
		txMatchings.m[k] = m
		runtime.AddCleanup(tx, func(k weak.Pointer[sql.Tx]) {
			txMatchings.Lock()
			delete(txMatchings.m, k)
			txMatchings.Unlock()
		}, k)
	}
	return m
}

func existingMatchingIn(tx *sql.Tx) *txMatching {
	txMatchings.Lock()
	defer txMatchings.Unlock()
	return txMatchings.m[weak.Make(tx)]
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
