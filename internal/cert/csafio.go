package cert

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/cert/csaf"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/tlp"
)

// CSAFOptions say how CSAF documents are marked and attributed.
type CSAFOptions struct {
	// TLP is a floor (nothing is shared more widely); Default marks a
	// document without distribution.tlp (default amber).
	TLP, Default string
	Feed         int64
	Origin       string // when the document names no publisher
}

func (o *CSAFOptions) mark(own string) string {
	if own == "" {
		own = o.Default
	}
	if own == "" {
		own = "amber"
	}
	return tlp.Stricter(own, o.TLP)
}

// ImportCSAF validates CSAF 2.0 documents (name → content) and imports
// them as advisories (source csaf, keyed by tracking id), each matched
// against every asset. Every document is checked before anything is
// stored, and all are stored in one transaction: one bad file refuses the
// lot, naming the file, the JSON path and the rule.
func (s *Service) ImportCSAF(ctx context.Context, sc access.Scope, names []string, docs [][]byte, opt CSAFOptions) (ImportResult, error) {
	if err := mayPublish(sc); err != nil {
		return ImportResult{}, err
	}
	for _, t := range []string{opt.TLP, opt.Default} {
		if t != "" {
			if err := errs.OneOf("tlp", t, TLPs); err != nil {
				return ImportResult{}, err
			}
		}
	}
	ins := make([]Imported, 0, len(docs))
	for i, data := range docs {
		d, err := csaf.Parse(names[i], data)
		if err != nil {
			return ImportResult{}, err
		}
		in := Imported{NewAdvisory: NewAdvisory{Ref: d.TrackingID, Title: d.Title, Summary: d.Summary, Severity: d.Severity, CVEs: d.CVEs, Action: d.Action,
			TLP: opt.mark(d.TLP)}, Source: "csaf", Published: d.Published, Origin: d.Publisher, FeedID: opt.Feed}
		if in.Origin == "" {
			in.Origin = opt.Origin
		}
		if len(in.Summary) > 20000 {
			in.Summary = in.Summary[:19999]
		}
		if len(in.Action) > 10000 {
			in.Action = in.Action[:9999]
		}
		for _, p := range d.Products {
			in.Products = append(in.Products, Product{Vendor: p.Vendor, Product: p.Product, CPE: p.CPE, PURL: p.PURL, Versions: p.Versions})
		}
		if err := in.checkProducts(names[i]+": ", true); err != nil {
			return ImportResult{}, err
		}
		ins = append(ins, in)
	}
	return s.importAll(ctx, ImportResult{}, len(ins), func(tx *sql.Tx, now time.Time, i int) (bool, error) {
		_, isNew, err := s.storeImported(ctx, tx, sc, names[i]+": ", ins[i], now)
		return isNew, err
	}, func(tx *sql.Tx, res ImportResult) error {
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "advisory.import", TargetType: "csaf", TargetID: strings.Join(names[:min(len(names), 5)], ", "),
			After: map[string]any{"documents": len(ins), "added": res.Added, "updated": res.Updated, "vulnerabilities": res.Matched}})
	})
}

// ExportCSAF writes advisory id as a CSAF 2.0 document, if sc may read
// it. CSAF 2.0 knows TLP 1.0 only: CLEAR is written as WHITE, and an
// AMBER+STRICT advisory is refused (it has no TLP 1.0 label).
func (s *Service) ExportCSAF(ctx context.Context, sc access.Scope, id int64, lang string) ([]byte, Advisory, error) {
	a, err := s.Advisory(ctx, sc, id)
	if err != nil {
		return nil, a, err
	}
	in := csaf.ExportInput{TrackingID: a.Ref, Version: "1", Title: a.Title, Summary: a.Summary, Severity: a.Severity, Action: a.Action, TLP: a.TLP,
		Publisher: "samdrift CERT", PublisherNamespace: "https://samdrift.invalid", CVEs: a.CVEs, Published: a.PublishedAt, Updated: a.PublishedAt, Lang: lang}
	if a.Source != "cert" {
		in.TrackingID = a.Source + "-" + a.Ref
	}
	for _, p := range a.Products {
		in.Products = append(in.Products, csaf.Product{Vendor: p.Vendor, Product: p.Product, CPE: p.CPE, PURL: p.PURL, Versions: p.Versions})
	}
	data, err := csaf.Export(in)
	return data, a, err
}
