package csaf

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/errs"
)

// ExportInput is the CERT's own advisory, to be written as CSAF.
type ExportInput struct {
	TrackingID string // document.tracking.id
	// Version is the document version: an integer ("1", "2") or
	// MAJOR.MINOR.PATCH; "" means "1". Versions 0 and 0.y.z are drafts.
	Version  string
	Title    string
	Summary  string // optional
	Severity string // low, medium, high or critical; becomes aggregate_severity
	// Action is the recommended action: free text, or lines of
	// "vendor_fix: …", "mitigation: …" and "workaround: …" as Parse
	// writes them. Free text becomes one remediation of category
	// mitigation, so Parse returns it as "mitigation: <text>".
	Action             string
	TLP                string // TLP 2.0: clear, green, amber or red (amber+strict is refused)
	Publisher          string // document.publisher.name
	PublisherNamespace string // document.publisher.namespace: the publisher's https:// address
	CVEs               []string
	Published          time.Time // required
	Updated            time.Time // zero means Published
	// Products are the affected products; at least one. A product
	// without vendor or product name takes them from its CPE or purl.
	Products []Product
	Lang     string // "da" or "en"; "" means "da"
}

// tlpToCSAF maps TLP 2.0 to the TLP 1.0 labels of CSAF 2.0.
var tlpToCSAF = map[string]gocsaf.TLPLabel{
	"clear": gocsaf.TLPLabelWhite,
	"green": gocsaf.TLPLabelGreen,
	"amber": gocsaf.TLPLabelAmber,
	"red":   gocsaf.TLPLabelRed,
}

var (
	cveRE     = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	versionRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})$|^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
)

// words are the few texts Export writes itself, by language.
var words = map[string]map[string]string{
	"da": {"summary": "Resumé", "description": "Beskrivelse", "initial": "Første udgave.", "update": "Opdateret."},
	"en": {"summary": "Summary", "description": "Description", "initial": "Initial version.", "update": "Updated."},
}

// Export writes in as a CSAF 2.0 document of category
// csaf_security_advisory: indented JSON that passes the CSAF 2.0 JSON
// schema (checked before it returns) and the mandatory tests on product
// references and the revision history.
//
// TLP 2.0 becomes TLP 1.0: clear WHITE, green GREEN, amber AMBER, red RED.
// Products form a tree of vendor, product_name and (for a product with
// versions, or sharing its name) product_version for one exact version or
// product_version_range with the vers range, each leaf with its CPE and
// purl. Each CVE (or, without any, one vulnerability without a CVE id)
// lists every product as known_affected, with the summary as its note and
// the action as its remediations.
//
// It returns an errs.Invalid error whose Field names the input ("tlp",
// "version", "products[2].versions", ...) that is missing or bad, TLP
// amber+strict included: TLP 1.0 cannot express it.
func Export(in ExportInput) ([]byte, error) {
	tlp := strings.ToLower(strings.TrimSpace(in.TLP))
	if tlp == "amber+strict" {
		return nil, errs.Field("tlp", "TLP:AMBER+STRICT cannot be exported as CSAF: CSAF 2.0 labels documents with TLP 1.0, which has no AMBER+STRICT, and its AMBER would let recipients pass the advisory on to their clients. Share it as AMBER+STRICT through STIX/TAXII or e-mail instead, or relabel it (AMBER or RED) if that is what you mean")
	}
	label, ok := tlpToCSAF[tlp]
	if !ok {
		return nil, errs.Field("tlp", "unknown TLP label %q; want clear, green, amber or red", in.TLP)
	}
	var id, title, publisher string
	for _, t := range []struct {
		field, in string
		out       *string
	}{{"tracking_id", in.TrackingID, &id}, {"title", in.Title, &title}, {"publisher", in.Publisher, &publisher}} {
		var err error
		if *t.out, err = errs.Text(t.field, t.in, 1, 1000); err != nil {
			return nil, err
		}
	}
	if err := errs.OneOf("severity", in.Severity, severities); err != nil {
		return nil, err
	}
	version := cmp.Or(strings.TrimSpace(in.Version), "1")
	if !versionRE.MatchString(version) {
		return nil, errs.Field("version", "%q is not a document version CSAF accepts here: an integer below 1000 or MAJOR.MINOR.PATCH without pre-release or build parts", in.Version)
	}
	if u, err := url.Parse(strings.TrimSpace(in.PublisherNamespace)); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errs.Field("publisher_namespace", "%q is not the publisher's web address (e.g. https://cert.example.dk)", in.PublisherNamespace)
	}
	lang := cmp.Or(in.Lang, "da")
	if err := errs.OneOf("lang", lang, []string{"da", "en"}); err != nil {
		return nil, err
	}
	var cves []string
	for _, c := range in.CVEs {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !cveRE.MatchString(c) {
			return nil, errs.Field("cves", "%q is not a CVE id (CVE-YYYY-NNNN)", c)
		}
		if !slices.Contains(cves, c) {
			cves = append(cves, c)
		}
	}
	published, updated := in.Published.UTC(), in.Updated.UTC()
	if in.Published.IsZero() {
		return nil, errs.Field("published", "is required")
	}
	if in.Updated.IsZero() {
		updated = published
	}
	if updated.Before(published) {
		return nil, errs.Field("updated", "is before the publication")
	}
	branches, ids, err := exportTree(in.Products)
	if err != nil {
		return nil, err
	}
	w := words[lang]
	revisions, status := revisionHistory(version, published, updated, w)
	summaryText := strings.TrimSpace(in.Summary)
	doc := &gocsaf.Document{
		AggregateSeverity: &gocsaf.AggregateSeverity{Text: ptr(strings.ToUpper(in.Severity[:1]) + in.Severity[1:])},
		Category:          ptr(gocsaf.DocumentCategory("csaf_security_advisory")),
		CSAFVersion:       ptr(gocsaf.CSAFVersion20),
		Distribution:      &gocsaf.DocumentDistribution{TLP: &gocsaf.TLP{DocumentTLPLabel: &label, URL: ptr("https://www.first.org/tlp/v1/")}},
		Lang:              ptr(gocsaf.Lang(lang)),
		Publisher: &gocsaf.DocumentPublisher{
			Category:  ptr(gocsaf.CSAFCategoryCoordinator),
			Name:      &publisher,
			Namespace: ptr(strings.TrimSpace(in.PublisherNamespace)),
		},
		Title: &title,
		Tracking: &gocsaf.Tracking{
			CurrentReleaseDate: ptr(updated.Format(time.RFC3339Nano)),
			Generator:          &gocsaf.Generator{Engine: &gocsaf.Engine{Name: ptr("samdrift")}},
			ID:                 ptr(gocsaf.TrackingID(id)),
			InitialReleaseDate: ptr(published.Format(time.RFC3339Nano)),
			RevisionHistory:    revisions,
			Status:             ptr(status),
			Version:            ptr(gocsaf.RevisionNumber(version)),
		},
	}
	if summaryText != "" {
		doc.Notes = gocsaf.Notes{note("summary", w["summary"], summaryText)}
	}
	vulnNote := note("description", w["description"], cmp.Or(summaryText, title))
	affected := &gocsaf.ProductStatus{KnownAffected: &ids}
	rems := remediations(in.Action, &ids)
	if len(cves) == 0 {
		cves = []string{""} // one vulnerability without a CVE id
	}
	var vulns gocsaf.Vulnerabilities
	for _, c := range cves {
		v := &gocsaf.Vulnerability{Notes: gocsaf.Notes{vulnNote}, ProductStatus: affected, Remediations: rems}
		if c != "" {
			v.CVE = ptr(gocsaf.CVE(c))
		}
		vulns = append(vulns, v)
	}
	adv := &gocsaf.Advisory{Document: doc, ProductTree: &gocsaf.ProductTree{Branches: branches}, Vulnerabilities: vulns}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep vers ranges' < and > readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(adv); err != nil {
		return nil, errs.Wrap(err, "cannot write advisory %s as CSAF", id)
	}
	data := buf.Bytes()
	raw, err := decodeJSON(data)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read back advisory %s", id)
	}
	if err := validate("the CSAF export of "+id, raw); err != nil {
		return nil, err
	}
	return data, nil
}

func ptr[T any](v T) *T { return &v }

func note(category, title, text string) *gocsaf.Note {
	return &gocsaf.Note{NoteCategory: ptr(gocsaf.NoteCategory(category)), Title: &title, Text: &text}
}

// revisionHistory lists the revisions leading to version without gaps
// (CSAF test 6.1.21): the first at published, the others at updated. A
// version of 0 or 0.y.z is a draft, any other final.
func revisionHistory(version string, published, updated time.Time, w map[string]string) (gocsaf.Revisions, gocsaf.TrackingStatus) {
	major, _, semver := strings.Cut(version, ".")
	n, _ := strconv.Atoi(major)
	suffix, numbers := "", []string(nil)
	if semver {
		suffix = ".0.0"
	}
	for i := 1; i < n; i++ {
		numbers = append(numbers, strconv.Itoa(i)+suffix)
	}
	numbers = append(numbers, version)
	var revs gocsaf.Revisions
	for i, num := range numbers {
		date, summary := updated, w["update"]
		if i == 0 {
			date, summary = published, w["initial"]
		}
		revs = append(revs, &gocsaf.Revision{Date: ptr(date.Format(time.RFC3339Nano)), Number: ptr(gocsaf.RevisionNumber(num)), Summary: ptr(summary)})
	}
	if n == 0 {
		return revs, gocsaf.CSAFTrackingStatusDraft
	}
	return revs, gocsaf.CSAFTrackingStatusFinal
}

// remediations turns the action text into remediations for ids: a line
// starting "vendor_fix: ", "mitigation: " or "workaround: " starts one of
// that category, other lines continue the one before; text before any
// such line is a mitigation.
func remediations(action string, ids *gocsaf.Products) gocsaf.Remediations {
	type rem struct{ category, details string }
	var list []rem
	for line := range strings.SplitSeq(strings.TrimSpace(action), "\n") {
		cat, details, ok := "", "", false
		for _, c := range actionCategories {
			if details, ok = strings.CutPrefix(line, c+": "); ok {
				cat = c
				break
			}
		}
		switch {
		case ok:
			list = append(list, rem{cat, details})
		case len(list) > 0:
			list[len(list)-1].details += "\n" + line
		case strings.TrimSpace(line) != "":
			list = append(list, rem{"mitigation", line})
		}
	}
	var out gocsaf.Remediations
	for _, r := range list {
		if d := strings.TrimSpace(r.details); d != "" {
			out = append(out, &gocsaf.Remediation{Category: ptr(gocsaf.RemediationCategory(r.category)), Details: &d, ProductIds: ids})
		}
	}
	return out
}

// exportTree builds the product tree for products and returns the
// product_ids of its leaves.
func exportTree(products []Product) (gocsaf.Branches, gocsaf.Products, error) {
	if len(products) == 0 {
		return nil, nil, errs.Field("products", "name at least one affected product: a CSAF security advisory lists the products it concerns")
	}
	type group struct {
		vendor, product string
		items           []Product
	}
	var groups []*group
	var seen []Product
	for i, p := range products {
		p, err := checkProduct(fmt.Sprintf("products[%d]", i), p)
		if err != nil {
			return nil, nil, err
		}
		if slices.Contains(seen, p) {
			continue
		}
		seen = append(seen, p)
		j := slices.IndexFunc(groups, func(g *group) bool { return g.vendor == p.Vendor && g.product == p.Product })
		if j < 0 {
			groups, j = append(groups, &group{vendor: p.Vendor, product: p.Product}), len(groups)
		}
		groups[j].items = append(groups[j].items, p)
	}
	var tree gocsaf.Branches
	var ids gocsaf.Products
	leaf := func(p Product, version string) *gocsaf.FullProductName {
		id := gocsaf.ProductID(fmt.Sprintf("CSAFPID-%04d", len(ids)+1))
		ids = append(ids, &id)
		f := &gocsaf.FullProductName{Name: ptr(strings.TrimSpace(p.Vendor + " " + p.Product + " " + version)), ProductID: &id}
		if p.CPE != "" || p.PURL != "" {
			f.ProductIdentificationHelper = &gocsaf.ProductIdentificationHelper{CPE: (*gocsaf.CPE)(nonEmpty(p.CPE)), PURL: (*gocsaf.PURL)(nonEmpty(p.PURL))}
		}
		return f
	}
	for _, g := range groups {
		var vb *gocsaf.Branch
		if k := slices.IndexFunc(tree, func(b *gocsaf.Branch) bool { return *b.Name == g.vendor }); k >= 0 {
			vb = tree[k]
		} else {
			vb = branch(gocsaf.CSAFBranchCategoryVendor, g.vendor)
			tree = append(tree, vb)
		}
		pb := branch(gocsaf.CSAFBranchCategoryProductName, g.product)
		vb.Branches = append(vb.Branches, pb)
		if len(g.items) == 1 && g.items[0].Versions == "" {
			pb.Product = leaf(g.items[0], "")
			continue
		}
		for _, p := range g.items {
			category, name := versionBranch(p)
			b := branch(category, name)
			b.Product = leaf(p, name)
			pb.Branches = append(pb.Branches, b)
		}
	}
	return tree, ids, nil
}

// nonEmpty returns &s, or nil for "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func branch(category gocsaf.BranchCategory, name string) *gocsaf.Branch {
	return &gocsaf.Branch{Category: &category, Name: &name}
}

// checkProduct trims p, checks its CPE, purl and range, puts the range in
// canonical form and fills a missing vendor or product name from the CPE
// or purl.
func checkProduct(field string, p Product) (Product, error) {
	p = Product{Vendor: strings.TrimSpace(p.Vendor), Product: strings.TrimSpace(p.Product), CPE: strings.TrimSpace(p.CPE), PURL: strings.TrimSpace(p.PURL), Versions: strings.TrimSpace(p.Versions)}
	var vendor, product string
	if p.CPE != "" {
		c, err := match.ParseCPE(p.CPE)
		if err != nil {
			return p, errs.InField(field+".cpe", err)
		}
		vendor, product = cpeName(c.Vendor()), cpeName(c.Product())
	}
	if p.PURL != "" {
		u, err := match.ParsePURL(p.PURL)
		if err != nil {
			return p, errs.InField(field+".purl", err)
		}
		if product == "" {
			vendor, product = cmp.Or(u.Namespace, u.Type), u.Name
		}
	}
	p.Vendor, p.Product = cmp.Or(p.Vendor, vendor), cmp.Or(p.Product, product)
	if p.Vendor == "" || p.Product == "" {
		return p, errs.Field(field, "needs a vendor and a product name, or a CPE or purl to take them from")
	}
	if p.Versions != "" {
		r, err := match.ParseRange(p.Versions)
		if err != nil {
			return p, errs.InField(field+".versions", err)
		}
		p.Versions = ""
		if !r.All() {
			p.Versions = r.String()
		}
	}
	return p, nil
}

// cpeName turns a CPE attribute value into a name: escapes dropped, "" for
// ANY and NA.
func cpeName(v string) string {
	if v == match.CPEAny || v == match.CPENA {
		return ""
	}
	return strings.ReplaceAll(v, `\`, "")
}

// versionBranch is the branch under product_name for p: product_version
// for one exact version in the scheme Parse will assume (generic, or the
// purl's type), else product_version_range with the vers range ("vers:all/*"
// for every version).
func versionBranch(p Product) (gocsaf.BranchCategory, string) {
	if p.Versions == "" {
		return gocsaf.CSAFBranchCategoryProductVersionRange, "vers:all/*"
	}
	r := match.MustParseRange(p.Versions) // checked by checkProduct
	scheme := match.SchemeGeneric
	if u, err := match.ParsePURL(p.PURL); p.PURL != "" && err == nil {
		scheme = u.Type
	}
	if c := r.Constraints(); len(c) == 1 && c[0].Op == match.OpEQ && r.Scheme() == scheme {
		return gocsaf.CSAFBranchCategoryProductVersion, c[0].Version
	}
	return gocsaf.CSAFBranchCategoryProductVersionRange, p.Versions
}
