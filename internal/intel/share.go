package intel

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/tlp"
)

// Collection is one sharing audience: the objects of one TLP label that
// the reader's reach allows (a TAXII 2.1 collection).
type Collection struct {
	ID    string `json:"id"`
	Alias string `json:"alias"`
	TLP   string `json:"-"`
	// Title and Description are in English (TAXII clients show them).
	Title       string `json:"title"`
	Description string `json:"description"`
	CanRead     bool   `json:"can_read"`
	CanWrite    bool   `json:"can_write"`
}

var audiences = map[string]string{
	"clear":        "Public: may be shared without restriction",
	"green":        "Community: every municipality and unit of the platform",
	"amber":        "Limited: the organisation that shared it and the units that serve it",
	"amber+strict": "Organisation only: the organisation that shared it",
	"red":          "Named recipients only: the shared SOC and CERT and the people named",
}

// collectionID is a collection's stable id (a UUIDv5 of its label).
func collectionID(tlp string) string {
	return strings.TrimPrefix(stix.DeterministicID("x-samdrift-collection", tlp), "x-samdrift-collection--")
}

// Collections lists the sharing audiences: every reader sees all five;
// can_read says whether its reach lets it read any of one (RED: the
// shared SOC and CERT, and the people named on a RED item).
func (s *Service) Collections(ctx context.Context, sc access.Scope) ([]Collection, error) {
	named, err := tlp.IsRecipient(ctx, s.db.Reader(), sc)
	if err != nil {
		return nil, err
	}
	out := make([]Collection, 0, len(TLPs))
	for _, t := range TLPs {
		out = append(out, collection(sc, t, named))
	}
	return out, nil
}

func collection(sc access.Scope, t string, named bool) Collection {
	read := true
	switch {
	case t == "red":
		read = named || sc.IsSystem() || (sc.SeesAllSecurity() && (sc.Role == access.RoleCERT || sc.Role == access.RoleSOCAnalyst))
	case sc.UserID == 0 && !sc.IsSystem():
		read = false
	}
	return Collection{ID: collectionID(t), Alias: "tlp-" + strings.ReplaceAll(t, "+", "-"), TLP: t, Title: "TLP:" + strings.ToUpper(t),
		Description: audiences[t], CanRead: read, CanWrite: mayShare(sc) == nil}
}

// CollectionByID finds a collection by id or alias (unknown: NotFound).
func (s *Service) CollectionByID(ctx context.Context, sc access.Scope, id string) (Collection, error) {
	cs, err := s.Collections(ctx, sc)
	if err != nil {
		return Collection{}, err
	}
	for _, c := range cs {
		if c.ID == id || c.Alias == id {
			return c, nil
		}
	}
	return Collection{}, errs.E(errs.NotFound, "no collection %q", id)
}

// Kinds of shared object, in the order ties are broken.
const (
	kindAdvisory = iota
	kindReport
	kindIndicator
)

var kindTypes = []string{"vulnerability", "report", "indicator"}

// Cursor is a position in a collection: after the object of kind and id
// added at Added (unix microseconds).
type Cursor struct {
	Added int64
	Kind  int
	ID    int64
}

// AddedAfter is the position after everything added up to t (TAXII's
// added_after): objects added in t's microsecond came before it.
func AddedAfter(t time.Time) Cursor { return Cursor{Added: t.UnixMicro(), Kind: kindIndicator + 1} }

// String encodes the cursor for a TAXII "next".
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Added, 10) + "." + strconv.Itoa(c.Kind) + "." + strconv.FormatInt(c.ID, 10)))
}

// ParseCursor reads a cursor made by String.
func ParseCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.Split(string(b), ".")
	if err != nil || len(parts) != 3 {
		return Cursor{}, errs.Field("next", "not a value from a previous page: %q", s)
	}
	var c Cursor
	var e1, e2, e3 error
	c.Added, e1 = strconv.ParseInt(parts[0], 10, 64)
	c.Kind, e2 = strconv.Atoi(parts[1])
	c.ID, e3 = strconv.ParseInt(parts[2], 10, 64)
	if e1 != nil || e2 != nil || e3 != nil || c.Kind < 0 || c.Kind > kindIndicator {
		return Cursor{}, errs.Field("next", "not a value from a previous page: %q", s)
	}
	return c, nil
}

// Query selects objects of a collection.
type Query struct {
	After Cursor          // objects added after this position
	Until time.Time       // zero: no end (TAXII added_before is not paged)
	Types map[string]bool // STIX types (empty: all)
	IDs   []string        // STIX ids (empty: all)
	Limit int
}

// Entry is one object of a page with when it was added.
type Entry struct {
	Object    stix.Object
	DateAdded time.Time
	Cursor    Cursor
}

// Page is a page of a collection.
type Page struct {
	Entries []Entry
	More    bool
	Next    Cursor
}

// Objects pages through collection c as sc may read it, in the order the
// objects were added (advisories as vulnerabilities, reports and
// indicators).
func (s *Service) Objects(ctx context.Context, sc access.Scope, c Collection, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	if !c.CanRead {
		return Page{}, nil
	}
	if _, err := s.Publish(ctx); err != nil {
		return Page{}, err
	}
	refs, err := s.refs(ctx, sc, c.TLP, q)
	if err != nil {
		return Page{}, err
	}
	p := Page{More: len(refs) > q.Limit}
	if p.More {
		refs = refs[:q.Limit]
	}
	if len(refs) > 0 {
		p.Next = refs[len(refs)-1]
	}
	p.Entries, err = s.encode(ctx, sc, refs)
	return p, err
}

// refs reads the positions of up to q.Limit+1 objects after q.After.
func (s *Service) refs(ctx context.Context, sc access.Scope, label string, q Query) ([]Cursor, error) {
	var a store.Args
	var parts []string
	n := q.Limit + 1
	for k, typ := range kindTypes {
		if len(q.Types) > 0 && !q.Types[typ] {
			continue
		}
		var table, alias, vis string
		switch k {
		case kindAdvisory:
			table, alias, vis = "advisories", "adv", cert.AdvisoryVisible(sc, &a)
		case kindReport:
			table, alias, vis = "intel_reports", "r", reportVisible(sc, &a)
		case kindIndicator:
			table, alias, vis = "indicators", "i", tlp.Visible(sc, &a, tlp.Columns{TLP: "i.tlp", Org: "i.org_id", Kind: tlp.KindReport, Ref: "i.report_id"})
		}
		after := a.Add(q.After.Added)
		var pos string
		switch {
		case k > q.After.Kind:
			pos = alias + ".added_at >= " + after
		case k < q.After.Kind:
			pos = alias + ".added_at > " + after
		default:
			pos = "(" + alias + ".added_at > " + after + " OR (" + alias + ".added_at = " + after + " AND " + alias + ".id > " + a.Add(q.After.ID) + "))"
		}
		where := []string{alias + ".tlp = " + a.Add(label), vis, pos}
		if !q.Until.IsZero() {
			where = append(where, alias+".added_at < "+a.Add(q.Until.UnixMicro()))
		}
		if len(q.IDs) > 0 {
			ps := make([]string, len(q.IDs))
			for i, id := range q.IDs {
				if k == kindReport {
					id = strings.TrimPrefix(id, "report--")
				}
				ps[i] = a.Add(id)
			}
			col := alias + ".stix_id"
			if k == kindReport {
				col = alias + ".uuid"
			}
			where = append(where, col+" IN ("+strings.Join(ps, ", ")+")")
		}
		parts = append(parts, `SELECT * FROM (SELECT `+strconv.Itoa(k)+` AS k, `+alias+`.id AS id, `+alias+`.added_at AS added_at FROM `+table+` `+alias+
			` WHERE `+strings.Join(where, " AND ")+` ORDER BY `+alias+`.added_at, `+alias+`.id LIMIT `+strconv.Itoa(n)+`) p`+strconv.Itoa(k))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, strings.Join(parts, " UNION ALL ")+` ORDER BY added_at, k, id LIMIT `+strconv.Itoa(n), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot page the collection")
	}
	defer rows.Close()
	var out []Cursor
	for rows.Next() {
		var c Cursor
		if err := rows.Scan(&c.Kind, &c.ID, &c.Added); err != nil {
			return nil, errs.Wrap(err, "cannot page the collection")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "cannot page the collection")
}

// platformIdentity is who samdrift's own objects are created by.
var platformIdentity = stix.DeterministicID("identity", "samdrift")

// encode reads and encodes the objects at refs, in their order.
func (s *Service) encode(ctx context.Context, sc access.Scope, refs []Cursor) ([]Entry, error) {
	ids := make([][]int64, 3)
	for _, r := range refs {
		ids[r.Kind] = append(ids[r.Kind], r.ID)
	}
	objs := map[[2]int64]stix.Object{}
	q := s.db.Reader()
	if len(ids[kindIndicator]) > 0 {
		inds, err := detect.IndicatorsByID(ctx, q, sc, ids[kindIndicator])
		if err != nil {
			return nil, err
		}
		for _, in := range inds {
			o, err := stix.Encode(indicatorObject(in))
			if err != nil {
				return nil, errs.Wrap(err, "cannot encode indicator %d", in.ID)
			}
			objs[[2]int64{kindIndicator, in.ID}] = o
		}
	}
	if len(ids[kindAdvisory]) > 0 {
		advs, err := s.cert.AdvisoriesByID(ctx, q, sc, ids[kindAdvisory])
		if err != nil {
			return nil, err
		}
		for _, x := range advs {
			o, err := stix.Encode(vulnerabilityObject(x))
			if err != nil {
				return nil, errs.Wrap(err, "cannot encode advisory %d", x.ID)
			}
			objs[[2]int64{kindAdvisory, x.ID}] = o
		}
	}
	if len(ids[kindReport]) > 0 {
		reps, refsOf, err := s.reportsByID(ctx, sc, ids[kindReport])
		if err != nil {
			return nil, err
		}
		for _, r := range reps {
			o, err := stix.Encode(reportObject(r, refsOf[r.ID]))
			if err != nil {
				return nil, errs.Wrap(err, "cannot encode report %d", r.ID)
			}
			objs[[2]int64{kindReport, r.ID}] = o
		}
	}
	out := make([]Entry, 0, len(refs))
	for _, r := range refs {
		if o, ok := objs[[2]int64{int64(r.Kind), r.ID}]; ok {
			out = append(out, Entry{Object: o, DateAdded: time.UnixMicro(r.Added).UTC(), Cursor: r})
		}
	}
	return out, nil
}

// reportsByID reads reports and the STIX ids of their indicators that sc
// may read (at most 10,000 per report).
func (s *Service) reportsByID(ctx context.Context, sc access.Scope, ids []int64) ([]Report, map[int64][]string, error) {
	var a store.Args
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.Add(id)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+reportColumns+` FROM intel_reports r WHERE r.id IN (`+strings.Join(ps, ", ")+`) AND `+reportVisible(sc, &a),
		a.Values()...)
	if err != nil {
		return nil, nil, errs.Wrap(err, "cannot read threat reports")
	}
	var out []Report
	for rows.Next() {
		x, err := scanReport(rows)
		if err != nil {
			rows.Close()
			return nil, nil, errs.Wrap(err, "cannot read a threat report")
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrap(err, "cannot read threat reports")
	}
	refs := map[int64][]string{}
	if len(out) == 0 {
		return out, refs, nil
	}
	// A report names only those of its indicators that are no stricter
	// than itself: passed on under its TLP, it must not reveal (even by
	// their value-derived ids) what was shared more narrowly.
	var b store.Args
	ps = ps[:0]
	for _, r := range out {
		ps = append(ps, b.Add(r.ID))
	}
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT i.report_id, COALESCE(i.stix_id, ''), i.type, i.value FROM indicators i JOIN intel_reports r ON r.id = i.report_id
		WHERE i.report_id IN (`+strings.Join(ps, ", ")+`) AND `+tlp.Visible(sc, &b, tlp.Columns{TLP: "i.tlp", Org: "i.org_id", Kind: tlp.KindReport, Ref: "i.report_id"})+` AND `+tlpRankSQL("i.tlp")+` <= `+tlpRankSQL("r.tlp")+
		` ORDER BY i.report_id, i.id`, b.Values()...)
	if err != nil {
		return nil, nil, errs.Wrap(err, "cannot read the reports' indicators")
	}
	defer rows.Close()
	for rows.Next() {
		var rid int64
		var id, typ, v string
		if err := rows.Scan(&rid, &id, &typ, &v); err != nil {
			return nil, nil, errs.Wrap(err, "cannot read the reports' indicators")
		}
		if len(refs[rid]) >= 10000 {
			continue
		}
		if id == "" {
			id = stix.DeterministicID("indicator", typ+":"+v)
		}
		refs[rid] = append(refs[rid], id)
	}
	return out, refs, errs.Wrap(rows.Err(), "cannot read the reports' indicators")
}

// tlpRankSQL ranks the TLP label in col from CLEAR (0) to RED (4).
func tlpRankSQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, t := range TLPs {
		b.WriteString(" WHEN '" + t + "' THEN " + strconv.Itoa(i))
	}
	b.WriteString(" END")
	return b.String()
}

func indicatorObject(in indicator.Indicator) stix.Indicator {
	name := in.Type + " " + in.Value
	desc := in.Description
	from := in.AddedAt
	if in.ValidUntil != nil && !in.ValidUntil.After(from) {
		// Expired before it was added (a partner's late delivery): STIX
		// wants valid_until after valid_from.
		from = in.ValidUntil.Add(-time.Second)
	}
	return stix.Indicator{ID: in.StixID, Name: name, Description: desc, Pattern: stix.Pattern(stix.Observable{Type: in.Type, Value: in.Value}),
		PatternType: "stix", PatternVersion: "2.1", ValidFrom: from, ValidUntil: in.ValidUntil, Types: []string{"malicious-activity"},
		TLP: in.TLP, CreatedByRef: platformIdentity, Created: in.AddedAt, Modified: in.AddedAt, Labels: []string{levelLabel + in.Level}}
}

func vulnerabilityObject(x cert.Advisory) stix.Vulnerability {
	adv := &stix.Advisory{Source: x.Source, Ref: x.Ref, Severity: x.Severity, Action: x.Action, KnownRansomware: x.KnownRansomware}
	for _, p := range x.Products {
		sp := stix.Product{Vendor: p.Vendor, Product: p.Product, CPE: p.CPE, PURL: p.PURL}
		if p.Versions != "" {
			sp.Versions = []string{p.Versions}
		}
		adv.Products = append(adv.Products, sp)
	}
	if x.DueAt != nil {
		adv.Due = x.DueAt.UTC().Format(time.RFC3339Nano) // to the microsecond, as stored: a round trip keeps it
	}
	id := x.StixID
	if id == "" {
		id = stix.DeterministicID("vulnerability", x.Source+":"+x.Ref)
	}
	return stix.Vulnerability{ID: id, Name: x.Title, Description: x.Summary, CVEs: x.CVEs, Advisory: adv, TLP: x.TLP, CreatedByRef: platformIdentity,
		Created: x.PublishedAt, Modified: x.PublishedAt}
}

func reportObject(r Report, refs []string) stix.Report {
	if len(refs) == 0 {
		refs = []string{platformIdentity}
	}
	return stix.Report{ID: "report--" + r.UUID, Name: r.Title, Description: r.Description, Published: r.PublishedAt, ReportTypes: []string{"threat-report"},
		ObjectRefs: refs, TLP: r.TLP, CreatedByRef: platformIdentity, Created: minTime(r.PublishedAt, r.AddedAt), Modified: maxTime(r.PublishedAt, r.AddedAt), Labels: []string{levelLabel + r.Level}}
}

// ExportSTIX writes, as one STIX 2.1 bundle, every advisory, report and
// indicator sc may read whose TLP is at most maxTLP (default: all it may
// read), with the platform's identity and the TLP marking definitions.
// At most 1,000,000 objects.
func (s *Service) ExportSTIX(ctx context.Context, sc access.Scope, maxTLP string) ([]byte, int, error) {
	objs, err := s.exportObjects(ctx, sc, maxTLP)
	if err != nil {
		return nil, 0, err
	}
	id, err := stix.Encode(stix.Identity{ID: platformIdentity, Name: "samdrift CERT", IdentityClass: "organization", Sectors: []string{"government"}})
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot encode the platform's identity")
	}
	all := append(append([]stix.Object{id}, stix.MarkingDefinitions()...), objs...)
	data, err := stix.WriteBundle(all)
	return data, len(objs), errs.Wrap(err, "cannot write the bundle")
}

func (s *Service) exportObjects(ctx context.Context, sc access.Scope, maxTLP string) ([]stix.Object, error) {
	if maxTLP == "" {
		maxTLP = "red"
	}
	if err := checkTLP("tlp", maxTLP); err != nil {
		return nil, err
	}
	cs, err := s.Collections(ctx, sc)
	if err != nil {
		return nil, err
	}
	var out []stix.Object
	for _, c := range cs[:len(tlp.UpTo(maxTLP))] {
		q := Query{Limit: 10000}
		for {
			p, err := s.Objects(ctx, sc, c, q)
			if err != nil {
				return nil, err
			}
			for _, e := range p.Entries {
				out = append(out, e.Object)
			}
			if len(out) > 1_000_000 {
				return nil, errs.E(errs.Invalid, "more than 1,000,000 objects: export a stricter TLP or page the TAXII collections instead")
			}
			if !p.More {
				break
			}
			q.After = p.Next
		}
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
