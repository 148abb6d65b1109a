package cert

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// candidate keys: the lower-case product names a product or an asset may
// be known by, so that matching compares only what can match (not every
// asset with every product).
func assetKeys(a Asset) []string {
	keys := []string{norm(a.Product)}
	if a.Vendor != "" {
		keys = append(keys, norm(a.Vendor+" "+a.Product))
		if p, ok := strings.CutPrefix(norm(a.Product), norm(a.Vendor)+" "); ok {
			keys = append(keys, p)
		}
	}
	if c, err := match.ParseCPE(a.CPE); err == nil && a.CPE != "" {
		keys = append(keys, norm(strings.ReplaceAll(c.Product(), "_", " ")))
	}
	if p, err := match.ParsePURL(a.PURL); err == nil && a.PURL != "" {
		keys = append(keys, norm(p.Name))
	}
	return keys
}

func productKeys(p Product) []string {
	var keys []string
	if p.Product != "" {
		keys = append(keys, norm(p.Product))
		if rest, ok := strings.CutPrefix(norm(p.Product), norm(p.Vendor)+" "); ok && p.Vendor != "" {
			keys = append(keys, rest)
		}
	}
	if c, err := match.ParseCPE(p.CPE); err == nil && p.CPE != "" {
		keys = append(keys, norm(strings.ReplaceAll(c.Product(), "_", " ")))
	}
	if u, err := match.ParsePURL(p.PURL); err == nil && p.PURL != "" {
		keys = append(keys, norm(u.Name))
	}
	return keys
}

func norm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

type loadedProduct struct {
	advisory int64
	p        Product
}

// matchAdvisory matches advisory id against every asset whose product it
// may name, records a vulnerability per match (an existing one keeps its
// status) and tells the organisations with new ones.
func matchAdvisory(ctx context.Context, tx *sql.Tx, id int64, now time.Time) error {
	ps, err := products(ctx, tx, id)
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, p := range ps {
		for _, k := range productKeys(p) {
			keys[k] = true
		}
	}
	var lp []loadedProduct
	for _, p := range ps {
		lp = append(lp, loadedProduct{advisory: id, p: p})
	}
	// Candidates: assets whose product (or its last words) is one of the keys.
	var a store.Args
	var conds []string
	for k := range keys {
		p := a.Add(k)
		conds = append(conds, "LOWER(product) = "+p, "LOWER(vendor || ' ' || product) = "+p, "LOWER(cpe) LIKE "+a.Add("%:"+strings.ReplaceAll(k, " ", "_")+":%"),
			"LOWER(purl) LIKE "+a.Add("%/"+k+"@%"))
	}
	if len(conds) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, org_id, vendor, product, version, cpe, purl FROM assets WHERE `+strings.Join(conds, " OR "), a.Values()...)
	if err != nil {
		return errs.Wrap(err, "cannot find the assets advisory %d may concern", id)
	}
	var assets []Asset
	for rows.Next() {
		var x Asset
		if err := rows.Scan(&x.ID, &x.OrgID, &x.Vendor, &x.Product, &x.Version, &x.CPE, &x.PURL); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read an asset")
		}
		assets = append(assets, x)
	}
	rows.Close()
	return record(ctx, tx, lp, assets, now)
}

// matchAssets matches new assets ids against every advisory.
func matchAssets(ctx context.Context, tx *sql.Tx, ids []int64, now time.Time) error {
	var assets []Asset
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
			var x Asset
			if err := rows.Scan(&x.ID, &x.OrgID, &x.Vendor, &x.Product, &x.Version, &x.CPE, &x.PURL); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot read an asset")
			}
			assets = append(assets, x)
		}
		rows.Close()
		ids = ids[n:]
	}
	rows, err := tx.QueryContext(ctx, `SELECT advisory_id, vendor, product, cpe, purl, versions FROM advisory_products`)
	if err != nil {
		return errs.Wrap(err, "cannot read advisories' products")
	}
	var lp []loadedProduct
	for rows.Next() {
		var x loadedProduct
		if err := rows.Scan(&x.advisory, &x.p.Vendor, &x.p.Product, &x.p.CPE, &x.p.PURL, &x.p.Versions); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read an advisory's product")
		}
		lp = append(lp, x)
	}
	rows.Close()
	return record(ctx, tx, lp, assets, now)
}

// record matches products against assets (by candidate keys first) and
// stores a vulnerability for each match, telling each organisation once
// per advisory of what is new for it.
func record(ctx context.Context, tx *sql.Tx, lp []loadedProduct, assets []Asset, now time.Time) error {
	byKey := map[string][]int{}
	for i, x := range lp {
		for _, k := range productKeys(x.p) {
			byKey[k] = append(byKey[k], i)
		}
	}
	type hit struct {
		advisory, asset, org int64
		reason               string
	}
	var hits []hit
	seen := map[[2]int64]bool{}
	for _, as := range assets {
		tried := map[int]bool{}
		for _, k := range assetKeys(as) {
			for _, i := range byKey[k] {
				if tried[i] || seen[[2]int64{lp[i].advisory, as.ID}] {
					continue
				}
				tried[i] = true
				if ok, why := productMatches(lp[i].p, as); ok {
					seen[[2]int64{lp[i].advisory, as.ID}] = true
					hits = append(hits, hit{lp[i].advisory, as.ID, as.OrgID, why})
				}
			}
		}
	}
	type orgAdv struct{ org, adv int64 }
	fresh := map[orgAdv]int{}
	var order []orgAdv
	for _, h := range hits {
		var due sql.NullTime
		var sev string
		if err := tx.QueryRowContext(ctx, `SELECT due_at, severity FROM advisories WHERE id = $1`, h.advisory).Scan(&due, &sev); err != nil {
			return errs.Wrap(err, "cannot read advisory %d", h.advisory)
		}
		d := now.AddDate(0, 0, dueBySeverity[sev])
		if due.Valid {
			d = due.Time.UTC()
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO vulnerabilities (advisory_id, asset_id, org_id, status, due, matched_by, created_at, updated_at)
			VALUES ($1, $2, $3, 'open', $4, $5, $6, $6) ON CONFLICT (advisory_id, asset_id) DO NOTHING`, h.advisory, h.asset, h.org, d, h.reason, now)
		if err != nil {
			return errs.Wrap(err, "cannot record a vulnerability")
		}
		if n, _ := r.RowsAffected(); n == 1 {
			k := orgAdv{h.org, h.advisory}
			if fresh[k] == 0 {
				order = append(order, k)
			}
			fresh[k]++
		}
	}
	for _, k := range order {
		var title, tlp string
		if err := tx.QueryRowContext(ctx, `SELECT ref || ': ' || title, tlp FROM advisories WHERE id = $1`, k.adv).Scan(&title, &tlp); err != nil {
			return errs.Wrap(err, "cannot read advisory %d", k.adv)
		}
		if err := tell(ctx, tx, k.org, title, tlp, fresh[k], now); err != nil {
			return err
		}
	}
	return nil
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

// productMatches reports whether asset a is affected by product p, and
// why ("cpe", "purl", "name", … or a "version unknown" reason, shown as
// "check" rather than confirmed).
func productMatches(p Product, a Asset) (bool, string) {
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
	return aff.Match(match.Asset{Vendor: a.Vendor, Product: a.Product, Version: a.Version, CPE: a.CPE, PURL: a.PURL})
}
