package csaf

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/errs"
)

// treeProduct is one product_id's definition and what the branches above
// it say about it.
type treeProduct struct {
	path    string // JSON path of the full_product_name
	name    string // full_product_name.name
	vendor  string // vendor branch
	product string // product_name branch
	family  string // product_family branch
	version string // product_version branch
	rng     string // product_version_range branch
	verPath string // JSON path of the version or range branch's name
	cpe     string
	purl    string
	ref     string // for a relationship's product: its product_reference
}

// productTree indexes a product tree by product_id.
type productTree map[string]*treeProduct

// indexTree indexes every product_id the product tree defines: in
// branches, in full_product_names and in relationships. A product_id
// defined twice is an error (CSAF test 6.1.2).
func indexTree(name string, pt *gocsaf.ProductTree) (productTree, error) {
	t := productTree{}
	if pt == nil {
		return t, nil
	}
	if err := t.walk(name, pt.Branches, "$.product_tree.branches", treeProduct{}); err != nil {
		return nil, err
	}
	if pt.FullProductNames != nil {
		for i, f := range *pt.FullProductNames {
			if err := t.define(name, f, fmt.Sprintf("$.product_tree.full_product_names[%d]", i), treeProduct{}); err != nil {
				return nil, err
			}
		}
	}
	if pt.RelationShips != nil {
		for i, r := range *pt.RelationShips {
			if r == nil {
				continue
			}
			path := fmt.Sprintf("$.product_tree.relationships[%d]", i)
			if err := t.define(name, r.FullProductName, path+".full_product_name", treeProduct{ref: str(r.ProductReference)}); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

func (t productTree) walk(name string, branches gocsaf.Branches, path string, up treeProduct) error {
	for i, b := range branches {
		if b == nil {
			continue
		}
		p, c := fmt.Sprintf("%s[%d]", path, i), up
		switch v := str(b.Name); str(b.Category) {
		case "vendor":
			c.vendor = v
		case "product_name":
			c.product = v
		case "product_family":
			c.family = v
		case "product_version":
			c.version, c.rng, c.verPath = v, "", p+".name"
		case "product_version_range":
			c.version, c.rng, c.verPath = "", v, p+".name"
		}
		if err := t.define(name, b.Product, p+".product", c); err != nil {
			return err
		}
		if err := t.walk(name, b.Branches, p+".branches", c); err != nil {
			return err
		}
	}
	return nil
}

func (t productTree) define(name string, f *gocsaf.FullProductName, path string, c treeProduct) error {
	if f == nil {
		return nil
	}
	id := str(f.ProductID)
	if prev := t[id]; prev != nil {
		return errs.Field(path+".product_id", "%s: product_id %q is defined twice, here and at %s (CSAF 2.0 test 6.1.2, Multiple Definition of Product ID)", name, id, prev.path)
	}
	c.path, c.name = path, str(f.Name)
	if h := f.ProductIdentificationHelper; h != nil {
		c.cpe, c.purl = str(h.CPE), str(h.PURL)
	}
	t[id] = &c
	return nil
}

// product resolves a product_id listed under status (known_affected,
// first_affected or last_affected) at path into a Product. A relationship's
// product is its product_reference: the component that carries the
// vulnerable code and its version.
func (t productTree) product(name, path, id, status string) (Product, error) {
	tp := t[id]
	for depth := 0; tp != nil && tp.ref != "" && depth < 8; depth++ {
		tp = t[tp.ref]
	}
	if tp == nil || tp.ref != "" {
		return Product{}, errs.Field(path, "%s: product_id %q does not lead to a product in the product tree", name, id)
	}
	p := Product{Vendor: tp.vendor, Product: tp.product, CPE: tp.cpe, PURL: tp.purl}
	if p.Product == "" {
		p.Product = tp.family
	}
	if p.Product == "" && tp.name != tp.cpe && tp.name != tp.purl {
		p.Product = tp.name
	}
	scheme := match.SchemeGeneric
	if pu, err := match.ParsePURL(tp.purl); tp.purl != "" && err == nil {
		scheme = pu.Type
	}
	var spec string
	switch {
	case tp.rng != "":
		spec = tp.rng
		if !hasPrefixFold(spec, "vers:") { // vls: the constraints alone
			spec = "vers:" + scheme + "/" + spec
		}
	case tp.version != "":
		op := map[string]string{"first_affected": ">=", "last_affected": "<="}[status]
		spec = "vers:" + scheme + "/" + op + url.PathEscape(tp.version)
	default:
		return p, nil
	}
	r, err := match.ParseRange(spec)
	if err == nil && tp.rng != "" && spacedVersion(spec) {
		// vers drops blanks, which would make "prior to 4.2" one version.
		err = errs.Field("range", "a version in it has blanks")
	}
	if err != nil && tp.rng == "" && scheme != match.SchemeGeneric {
		// A version the purl type's scheme cannot read: compare it as a vendor's version.
		spec = "vers:generic/" + strings.TrimPrefix(spec, "vers:"+scheme+"/")
		r, err = match.ParseRange(spec)
	}
	if err != nil {
		what := "product_version_range %q is neither a vers range nor a vers-like constraint list (CSAF 2.0 section 3.1.2.3.2)"
		if tp.rng == "" {
			what = "product_version %q is not a single version (CSAF 2.0 section 3.1.2.3.1)"
		}
		e := errs.As(err)
		return Product{}, errs.Field(tp.verPath, "%s: "+what+": %s", name, tp.rng+tp.version, e.Message)
	}
	if !r.All() {
		p.Versions = r.String()
	}
	return p, nil
}

// spacedVersion reports whether a constraint of the vers range spec has a
// blank inside its version.
func spacedVersion(spec string) bool {
	_, list, _ := strings.Cut(spec, "/")
	for c := range strings.SplitSeq(list, "|") {
		if strings.ContainsAny(strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(c), "<>=!")), " \t") {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ref is a product_id or product_group_id the document refers to.
type ref struct {
	path, id string
	group    bool
}

// productRefKeys name the lists of product_ids in CSAF 2.0: product
// groups', remediations', threats' and flags' product_ids, scores'
// products and the product_status lists.
var productRefKeys = map[string]bool{"product_ids": true, "products": true, "first_affected": true, "first_fixed": true, "fixed": true,
	"known_affected": true, "known_not_affected": true, "last_affected": true, "recommended": true, "under_investigation": true}

// takeRefs collects the references in v (found at path under key) and the
// product groups it defines, and removes product_groups and group_ids:
// gocsaf v3.7.0 models them as objects where CSAF 2.0 has arrays, so a
// document that has them does not decode into its csaf.Advisory.
func takeRefs(v any, path, key string, refs *[]ref, groups map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["group_id"].(string); ok && key == "product_groups" {
			groups[id] = true
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			takeRefs(v[k], path+"."+k, k, refs, groups)
		}
		delete(v, "group_ids")
		if key == "product_tree" {
			delete(v, "product_groups")
		}
	case []any:
		for i, x := range v {
			p := fmt.Sprintf("%s[%d]", path, i)
			if id, ok := x.(string); ok && (productRefKeys[key] || key == "group_ids") {
				*refs = append(*refs, ref{p, id, key == "group_ids"})
			} else {
				takeRefs(x, p, key, refs, groups)
			}
		}
	case string:
		if key == "product_reference" || key == "relates_to_product_reference" {
			*refs = append(*refs, ref{path, v, false})
		}
	}
}

// checkRefs applies CSAF tests 6.1.1 and 6.1.4: every product_id and
// product_group_id the document refers to is defined.
func checkRefs(name string, t productTree, refs []ref, groups map[string]bool) error {
	for _, r := range refs {
		switch {
		case r.group && !groups[r.id]:
			return errs.Field(r.path, "%s: product_group_id %q is not defined in the product tree (CSAF 2.0 test 6.1.4, Missing Definition of Product Group ID)", name, r.id)
		case !r.group && t[r.id] == nil:
			return errs.Field(r.path, "%s: product_id %q is not defined in the product tree (CSAF 2.0 test 6.1.1, Missing Definition of Product ID)", name, r.id)
		}
	}
	return nil
}
