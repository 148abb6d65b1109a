package csaf

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/samdrift/samdrift/internal/errs"
)

// maxDocumentBytes bounds one CSAF document, read or parsed.
const maxDocumentBytes = 16 << 20

// Product is one affected product as samdrift matches it. Any field may be
// empty. CPE is a CPE 2.3 name or 2.2 URI and PURL a Package URL, as the
// advisory gives them; Versions is a purl "vers" range in canonical form
// (for example "vers:generic/>=2.4.0|<2.4.58", or "vers:generic/2.4.1"
// for one version), "" meaning every version.
type Product struct {
	Vendor, Product, CPE, PURL, Versions string
}

// Document is what samdrift takes from one CSAF 2.0 advisory. Times are in
// UTC; slices are nil when the advisory has none.
type Document struct {
	TrackingID string // document.tracking.id
	Version    string // document.tracking.version
	Title      string
	Summary    string // the document notes of category summary (else description), joined by blank lines
	// Severity is low, medium, high or critical: from the highest CVSS
	// v3 (else v2) base score of any vulnerability, else from
	// document.aggregate_severity, else medium.
	Severity string
	CVEs     []string
	// Action holds the remediations of category vendor_fix, mitigation
	// and workaround, one a line as "category: details", without
	// repeats, in the order of the document.
	Action string
	// TLP is the TLP 2.0 label for document.distribution.tlp.label
	// (WHITE is clear); "" when the document has no label or is
	// UNLABELED, which the caller must decide about.
	TLP       string
	Published time.Time // document.tracking.initial_release_date
	Updated   time.Time // document.tracking.current_release_date
	// Products are the products of all vulnerabilities' known_affected,
	// first_affected and last_affected lists, resolved through the
	// product tree, without repeats. A version listed as first_affected
	// becomes ">=" that version, one listed as last_affected "<=" it.
	Products  []Product
	Publisher string // document.publisher.name
}

// Parse validates data as a CSAF 2.0 document and maps it to a Document.
// name, the file name or URL, is used in error messages.
//
// Validation is the CSAF 2.0 JSON schema (as github.com/gocsaf/csaf/v3
// applies it, formats included) and what the mapping needs: each product
// or group ID referred to is defined (CSAF tests 6.1.1 and 6.1.4), none
// twice (6.1.2), and each version range is one package match can read. A
// document that fails gets an *errs.Error with code errs.Invalid, its
// Field the JSON path of the first problem, its text naming the document,
// the path and the rule broken.
func Parse(name string, data []byte) (Document, error) {
	if len(data) > maxDocumentBytes {
		return Document{}, errs.Field("$", "%s is larger than %d MiB, the most a CSAF document may have here", name, maxDocumentBytes>>20)
	}
	raw, err := decodeJSON(data)
	if err != nil {
		return Document{}, errs.Field("$", "%s is not a JSON document: %v", name, err)
	}
	if err := validate(name, raw); err != nil {
		return Document{}, err
	}
	var refs []ref
	groups := map[string]bool{}
	takeRefs(raw, "$", "", &refs, groups)
	var adv gocsaf.Advisory
	clean, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(clean, &adv)
	}
	if err != nil {
		return Document{}, errs.Field("$", "%s: %v", name, err)
	}
	tree, err := indexTree(name, adv.ProductTree)
	if err != nil {
		return Document{}, err
	}
	if err := checkRefs(name, tree, refs, groups); err != nil {
		return Document{}, err
	}
	return mapAdvisory(name, &adv, tree)
}

// decodeJSON decodes exactly one JSON value, numbers kept as json.Number
// for the schema validator.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// validate checks raw against the CSAF 2.0 JSON schema.
func validate(name string, raw any) error {
	problems, err := gocsaf.ValidateCSAF(raw)
	if err != nil {
		return errs.Wrap(err, "cannot validate %s against the CSAF 2.0 JSON schema", name)
	}
	if len(problems) == 0 {
		return nil
	}
	// gocsaf reports "<JSON pointer>: <rule broken>", parents first.
	ptr, _, _ := strings.Cut(problems[0], ": ")
	msg := strings.Join(problems[:min(3, len(problems))], "; ")
	if len(problems) > 3 {
		msg += fmt.Sprintf("; and %d more", len(problems)-3)
	}
	return errs.Field(pointerToPath(ptr), "%s breaks the CSAF 2.0 JSON schema: %s", name, msg)
}

// pointerToPath turns a JSON pointer ("/vulnerabilities/0/cve") into the
// JSONPath form used in Field ("$.vulnerabilities[0].cve").
func pointerToPath(ptr string) string {
	var b strings.Builder
	b.WriteByte('$')
	if ptr == "" {
		return b.String()
	}
	for seg := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
		} else {
			b.WriteString("." + seg)
		}
	}
	return b.String()
}

// mapAdvisory maps a schema-valid advisory.
func mapAdvisory(name string, adv *gocsaf.Advisory, tree productTree) (Document, error) {
	d := adv.Document
	doc := Document{
		TrackingID: str(d.Tracking.ID),
		Version:    str(d.Tracking.Version),
		Title:      str(d.Title),
		Summary:    summary(d.Notes),
		Publisher:  str(d.Publisher.Name),
	}
	var err error
	if doc.Published, err = parseTime(name, "$.document.tracking.initial_release_date", d.Tracking.InitialReleaseDate); err != nil {
		return Document{}, err
	}
	if doc.Updated, err = parseTime(name, "$.document.tracking.current_release_date", d.Tracking.CurrentReleaseDate); err != nil {
		return Document{}, err
	}
	if d.Distribution != nil && d.Distribution.TLP != nil {
		doc.TLP = tlpFromCSAF[strings.ToUpper(str(d.Distribution.TLP.DocumentTLPLabel))]
	}
	var actions []string
	score := 0
	for vi, v := range adv.Vulnerabilities {
		if v == nil {
			continue
		}
		if c := str(v.CVE); c != "" && !slices.Contains(doc.CVEs, c) {
			doc.CVEs = append(doc.CVEs, c)
		}
		for _, s := range v.Scores {
			score = max(score, scoreRank(s))
		}
		for _, r := range v.Remediations {
			if a := actionLine(r); a != "" && !slices.Contains(actions, a) {
				actions = append(actions, a)
			}
		}
		if v.ProductStatus == nil {
			continue
		}
		for _, st := range []struct {
			name string
			ids  *gocsaf.Products
		}{{"known_affected", v.ProductStatus.KnownAffected}, {"first_affected", v.ProductStatus.FirstAffected}, {"last_affected", v.ProductStatus.LastAffected}} {
			for i := 0; st.ids != nil && i < len(*st.ids); i++ {
				id := (*st.ids)[i]
				p, err := tree.product(name, fmt.Sprintf("$.vulnerabilities[%d].product_status.%s[%d]", vi, st.name, i), str(id), st.name)
				if err != nil {
					return Document{}, err
				}
				if !slices.Contains(doc.Products, p) {
					doc.Products = append(doc.Products, p)
				}
			}
		}
	}
	doc.Action = strings.Join(actions, "\n")
	if score > 0 {
		doc.Severity = severities[score-1]
	} else if doc.Severity = "medium"; d.AggregateSeverity != nil {
		doc.Severity = cmp.Or(severityWords[strings.ToLower(str(d.AggregateSeverity.Text))], "medium")
	}
	return doc, nil
}

// str returns *p, or "" for nil.
func str[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(string(*p))
}

func parseTime(name, path string, s *string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.ToUpper(str(s)))
	if err != nil {
		return time.Time{}, errs.Field(path, "%s: %q is not an RFC 3339 date and time", name, str(s))
	}
	return t.UTC(), nil
}

// summary joins the texts of the notes of category summary, else those of
// category description.
func summary(notes gocsaf.Notes) string {
	for _, cat := range []gocsaf.NoteCategory{"summary", "description"} {
		var texts []string
		for _, n := range notes {
			if n != nil && str(n.NoteCategory) == string(cat) && str(n.Text) != "" {
				texts = append(texts, str(n.Text))
			}
		}
		if len(texts) > 0 {
			return strings.Join(texts, "\n\n")
		}
	}
	return ""
}

// severities are samdrift's severities, lowest first.
var severities = []string{"low", "medium", "high", "critical"}

// scoreRank ranks a score's CVSS base scores on CVSS's own scales (v3:
// medium from 4.0, high from 7.0, critical from 9.0; v2 stops at high) as
// 1 (low) to 4 (critical); 0 when it has none.
func scoreRank(s *gocsaf.Score) int {
	reached := func(score float64, thresholds ...float64) int {
		return 1 + len(slices.DeleteFunc(thresholds, func(t float64) bool { return score < t }))
	}
	rank := 0
	if s != nil && s.CVSS3 != nil && s.CVSS3.BaseScore != nil {
		rank = reached(*s.CVSS3.BaseScore, 4, 7, 9)
	}
	if s != nil && s.CVSS2 != nil && s.CVSS2.BaseScore != nil {
		rank = max(rank, reached(*s.CVSS2.BaseScore, 4, 7))
	}
	return rank
}

// severityWords read aggregate_severity, free text in the publisher's own
// scale ("Important", "Moderate", ...); other words mean medium.
var severityWords = map[string]string{"critical": "critical", "kritisk": "critical", "high": "high", "important": "high", "høj": "high",
	"alvorlig": "high", "low": "low", "lav": "low", "minor": "low", "none": "low", "informational": "low"}

// tlpFromCSAF maps CSAF 2.0's TLP 1.0 labels to TLP 2.0.
var tlpFromCSAF = map[string]string{
	gocsaf.TLPLabelWhite: "clear",
	gocsaf.TLPLabelGreen: "green",
	gocsaf.TLPLabelAmber: "amber",
	gocsaf.TLPLabelRed:   "red",
}

// actionCategories are the remediation categories that tell what to do.
var actionCategories = []string{"vendor_fix", "mitigation", "workaround"}

// actionLine renders a remediation as "category: details", with its URL
// after the details; "" for other categories.
func actionLine(r *gocsaf.Remediation) string {
	if r == nil || !slices.Contains(actionCategories, str(r.Category)) || str(r.Details) == "" {
		return ""
	}
	line := str(r.Category) + ": " + str(r.Details)
	if u := str(r.URL); u != "" {
		line += " (" + u + ")"
	}
	return line
}
