package intel

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/intel/stix"
)

// ImportOptions say how an import marks and attributes what it brings.
type ImportOptions struct {
	// Name is the file or URL, for messages and the audit trail.
	Name string
	// TLP is a floor: nothing imported is shared more widely than it
	// (a partner's AMBER collection stays AMBER whatever its objects say).
	TLP string
	// Default marks what carries no TLP of its own (default amber: an
	// unmarked object is never assumed public).
	Default string
	// Org is whose it becomes (AMBER reaches it and the units that serve
	// it; AMBER+STRICT it alone); 0: the importer's organisation.
	Org int64
	// Origin names the publisher when the document does not.
	Origin string
	// Feed is the feed that brought it (0: an upload).
	Feed int64
}

func (o *ImportOptions) check(sc access.Scope) error {
	o.TLP, o.Default = strings.ToLower(o.TLP), strings.ToLower(o.Default)
	if o.TLP != "" {
		if err := checkTLP("tlp", o.TLP); err != nil {
			return err
		}
	}
	if o.Default == "" {
		o.Default = "amber"
	}
	if err := checkTLP("default_tlp", o.Default); err != nil {
		return err
	}
	if o.Org == 0 {
		o.Org = sc.OrgID
	}
	return nil
}

// mark is the TLP an imported object gets: its own (or the default),
// never wider than the floor.
func (o ImportOptions) mark(own string) string {
	if own == "" {
		own = o.Default
	}
	return stricter(own, o.TLP)
}

// ImportResult says what an import did; Skipped names, with where it sat
// and why, everything that was not taken (nothing is dropped silently).
type ImportResult struct {
	Reports           int                    `json:"reports"`
	Advisories        int                    `json:"advisories"`
	AdvisoriesUpdated int                    `json:"advisories_updated"`
	Indicators        detect.IndicatorReport `json:"indicators"`
	Skipped           []string               `json:"skipped"`
}

func (r *ImportResult) add(o ImportResult) {
	r.Reports += o.Reports
	r.Advisories += o.Advisories
	r.AdvisoriesUpdated += o.AdvisoriesUpdated
	r.Indicators.Added += o.Indicators.Added
	r.Indicators.Unchanged += o.Indicators.Unchanged
	r.Indicators.Refreshed += o.Indicators.Refreshed
	r.Indicators.Rejected = append(r.Indicators.Rejected, o.Indicators.Rejected...)
	r.Skipped = append(r.Skipped, o.Skipped...)
}

// levelLabel carries an indicator's level in STIX labels.
const levelLabel = "samdrift-level:"

// ImportSTIX imports a STIX 2.1 bundle (or TAXII envelope): indicators
// whose patterns samdrift can match (with their expiry, grouped under the
// reports that name them), reports, and vulnerabilities as advisories
// matched against every asset. The bundle is checked whole first and
// stored in one transaction: a rejected file leaves nothing behind.
func (s *Service) ImportSTIX(ctx context.Context, sc access.Scope, data []byte, opt ImportOptions) (ImportResult, error) {
	res := ImportResult{Skipped: []string{}}
	if err := mayShare(sc); err != nil {
		return res, err
	}
	if err := opt.check(sc); err != nil {
		return res, err
	}
	b, err := stix.ParseBundle(opt.Name, data)
	if err != nil {
		return res, err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.importSTIX(ctx, tx, sc, b, opt)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "intel.import", TargetType: "stix", TargetID: opt.Name,
			After: map[string]any{"reports": res.Reports, "advisories": res.Advisories, "indicators": res.Indicators.Added, "skipped": len(res.Skipped), "tlp": opt.TLP}})
	})
	return res, err
}

func (s *Service) importSTIX(ctx context.Context, tx *sql.Tx, sc access.Scope, b stix.Bundle, opt ImportOptions) (ImportResult, error) {
	res := ImportResult{Skipped: []string{}}
	now := s.now()
	decoded := make([]any, len(b.Objects))
	names := map[string]string{} // identity id → name
	for i, o := range b.Objects {
		v, err := stix.Decode(o)
		if err != nil {
			return res, errs.InField(fmt.Sprintf("$.objects[%d]", i), err)
		}
		decoded[i] = v
		if id, ok := v.(*stix.Identity); ok {
			names[id.ID] = id.Name
		}
	}
	origin := func(ref string) string {
		if n := names[ref]; n != "" {
			return n
		}
		if opt.Origin != "" {
			return opt.Origin
		}
		return opt.Name
	}
	reportOf := map[string]int64{}
	for i, v := range decoded {
		r, ok := v.(*stix.Report)
		if !ok {
			continue
		}
		if r.Revoked {
			res.Skipped = append(res.Skipped, fmt.Sprintf("$.objects[%d]: report %s is revoked", i, r.ID))
			continue
		}
		id, _, err := storeReport(ctx, tx, sc, reportRow{uuid: strings.TrimPrefix(r.ID, "report--"), title: clip(r.Name, 300), description: clip(r.Description, 20000),
			level: levelOf(r.Labels, "medium"), tlp: opt.mark(r.TLP), org: opt.Org, source: "stix", origin: clip(origin(r.CreatedByRef), 200), feed: opt.Feed,
			published: r.Published}, now)
		if err != nil {
			return res, err
		}
		res.Reports++
		for _, ref := range r.ObjectRefs {
			reportOf[ref] = id
		}
	}
	var inds []indicator.Indicator
	var objOf []int // the object each of inds came from
	for i, v := range decoded {
		at := fmt.Sprintf("$.objects[%d]", i)
		switch x := v.(type) {
		case *stix.Indicator:
			if x.Revoked {
				res.Skipped = append(res.Skipped, at+": indicator "+x.ID+" is revoked")
				continue
			}
			if x.PatternType != "" && x.PatternType != "stix" {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s: pattern_type %q (samdrift matches STIX patterns)", at, x.PatternType))
				continue
			}
			obs, err := stix.Matchable(x.Pattern)
			if err != nil {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s.pattern: %v", at, err))
				continue
			}
			// The name samdrift's own export gives ("<type> <value>")
			// only restates the pattern: leave it out, lest every round
			// trip prefix the description with it again.
			name := x.Name
			if len(obs) == 1 && name == obs[0].Type+" "+obs[0].Value {
				name = ""
			}
			desc := x.Description
			switch {
			case name == "" || name == desc:
			case desc == "":
				desc = name
			default:
				desc = name + ": " + desc
			}
			for _, o := range obs {
				in := indicator.Indicator{Type: o.Type, Value: o.Value, Description: desc, Level: levelOf(x.Labels, "high"), TLP: opt.mark(x.TLP), OrgID: opt.Org,
					ValidUntil: x.ValidUntil, ReportID: reportOf[x.ID], FeedID: opt.Feed, Source: clip("STIX: "+origin(x.CreatedByRef), 200)}
				if len(obs) == 1 {
					in.StixID = x.ID
				}
				inds = append(inds, in)
				objOf = append(objOf, i)
			}
		case *stix.Vulnerability:
			if x.Revoked {
				res.Skipped = append(res.Skipped, at+": vulnerability "+x.ID+" is revoked")
				continue
			}
			if err := cert.MayImport(sc); err != nil {
				return res, errs.E(errs.Forbidden, "%s holds vulnerabilities (advisories), which the CERT imports; %v", opt.Name, err)
			}
			in := cert.Imported{NewAdvisory: cert.NewAdvisory{Ref: x.Name, Title: x.Name, Summary: x.Description, Severity: "medium", CVEs: x.CVEs,
				TLP: opt.mark(x.TLP)}, Source: "stix", Published: x.Created, Origin: clip(origin(x.CreatedByRef), 200), StixID: x.ID, FeedID: opt.Feed}
			if a := x.Advisory; a != nil {
				if a.Ref != "" {
					in.Ref = a.Ref
				}
				if a.Severity != "" {
					in.Severity = a.Severity
				}
				in.Action, in.Ransomware = a.Action, a.KnownRansomware
				for _, p := range a.Products {
					vs := p.Versions
					if len(vs) == 0 {
						vs = []string{""}
					}
					for _, r := range vs {
						in.Products = append(in.Products, cert.Product{Vendor: p.Vendor, Product: p.Product, CPE: p.CPE, PURL: p.PURL, Versions: r})
					}
				}
				if a.Due != "" {
					if d, err := time.Parse(time.RFC3339, a.Due); err == nil {
						in.Due = &d
					} else if d, err := time.Parse("2006-01-02", a.Due); err == nil {
						in.Due = &d
					}
				}
			}
			_, isNew, err := s.cert.StoreImported(ctx, tx, sc, at+".", in)
			if err != nil {
				return res, err
			}
			if isNew {
				res.Advisories++
			} else {
				res.AdvisoriesUpdated++
			}
		case *stix.Report, *stix.Identity:
		case *stix.Sighting:
			res.Skipped = append(res.Skipped, at+": sighting "+x.ID+" (partners' sightings are not merged into ours)")
		case nil:
			if o := b.Objects[i]; o.Type != "marking-definition" && o.Type != "extension-definition" {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s: %s objects are not modelled", at, o.Type))
			}
		}
	}
	if err := detect.StoreIndicators(ctx, tx, sc, "STIX: "+opt.Name, inds, 0, &res.Indicators); err != nil {
		return res, err
	}
	// Name what detection refused by the object it came from.
	for k, pos := range res.Indicators.RejectedAt {
		_, why, _ := strings.Cut(res.Indicators.Rejected[k], ": ")
		res.Indicators.Rejected[k] = fmt.Sprintf("$.objects[%d]: %s", objOf[pos], why)
	}
	return res, nil
}

// levelOf reads a level from samdrift's label, else def.
func levelOf(labels []string, def string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, levelLabel); ok {
			for _, x := range Levels {
				if x == v {
					return v
				}
			}
		}
	}
	return def
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// misp threat levels: 1 high, 2 medium, 3 low, 4 undefined.
var mispLevels = map[int]string{1: "high", 2: "medium", 3: "low", 4: "informational"}

// ImportMISPEvent imports one MISP event (a feed's <uuid>.json) as a
// threat report with its detectable attributes as indicators.
func (s *Service) ImportMISPEvent(ctx context.Context, sc access.Scope, data []byte, opt ImportOptions) (ImportResult, error) {
	if err := mayShare(sc); err != nil {
		return ImportResult{}, err
	}
	if err := opt.check(sc); err != nil {
		return ImportResult{}, err
	}
	e, err := misp.ParseEvent(opt.Name, data)
	if err != nil {
		return ImportResult{}, err
	}
	return s.importMISP(ctx, sc, []misp.Event{e}, opt)
}

func (s *Service) importMISP(ctx context.Context, sc access.Scope, events []misp.Event, opt ImportOptions) (ImportResult, error) {
	res := ImportResult{Skipped: []string{}}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		res = ImportResult{Skipped: []string{}}
		now := s.now()
		for _, e := range events {
			tlp := opt.mark(e.TLP)
			origin := e.OrgName
			if origin == "" {
				origin = opt.Origin
			}
			level := mispLevels[e.ThreatLevel]
			if level == "" {
				level = "medium"
			}
			published := e.Date
			if !e.PublishTimestamp.IsZero() {
				published = e.PublishTimestamp
			}
			id, _, err := storeReport(ctx, tx, sc, reportRow{uuid: e.UUID, title: clip(e.Info, 300), description: strings.Join(e.Tags, ", "), level: level, tlp: tlp,
				org: opt.Org, source: "misp", origin: clip(origin, 200), feed: opt.Feed, published: published}, now)
			if err != nil {
				return err
			}
			res.Reports++
			found, skipped := e.Indicators()
			for _, sk := range skipped {
				res.Skipped = append(res.Skipped, "event "+e.UUID+": "+sk)
			}
			inds := make([]indicator.Indicator, 0, len(found))
			for _, f := range found {
				lv := f.Level
				if lv == "" {
					lv = level
				}
				inds = append(inds, indicator.Indicator{Type: f.Type, Value: f.Value, Description: clip(f.Description, 1000), Level: lv,
					TLP: stricter(opt.mark(f.TLP), tlp), OrgID: opt.Org, ValidUntil: f.ValidUntil, ReportID: id, FeedID: opt.Feed,
					StixID: attributeStixID(f.AttributeUUID), Source: clip("MISP: "+origin, 200)})
			}
			var rep detect.IndicatorReport
			if err := detect.StoreIndicators(ctx, tx, sc, "MISP: "+opt.Name, inds, 0, &rep); err != nil {
				return err
			}
			res.Indicators.Added += rep.Added
			res.Indicators.Unchanged += rep.Unchanged
			res.Indicators.Refreshed += rep.Refreshed
			for _, r := range rep.Rejected {
				res.Indicators.Rejected = append(res.Indicators.Rejected, "event "+e.UUID+": "+r)
			}
		}
		if res.Indicators.Rejected == nil {
			res.Indicators.Rejected = []string{}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "intel.import", TargetType: "misp", TargetID: opt.Name,
			After: map[string]any{"reports": res.Reports, "indicators": res.Indicators.Added, "skipped": len(res.Skipped), "tlp": opt.TLP}})
	})
	return res, err
}

func attributeStixID(uuid string) string {
	if uuid == "" {
		return ""
	}
	return "indicator--" + uuid
}
