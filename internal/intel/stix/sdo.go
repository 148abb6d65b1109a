package stix

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

// ExternalReference points to information outside STIX (STIX 2.1 §2.5).
type ExternalReference struct {
	SourceName  string            `json:"source_name"`
	Description string            `json:"description,omitempty"`
	URL         string            `json:"url,omitempty"`
	ExternalID  string            `json:"external_id,omitempty"`
	Hashes      map[string]string `json:"hashes,omitempty"`
}

// KillChainPhase names a phase of a kill chain (STIX 2.1 §2.8).
type KillChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

// Indicator is a STIX indicator as samdrift models it. Types holds
// indicator_types. Encode writes pattern_type "stix" when PatternType is
// empty and valid_from = Created when ValidFrom is zero; Matchable tells
// which STIX patterns samdrift can detect on.
type Indicator struct {
	ID                 string              `json:"-"`
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	Pattern            string              `json:"pattern"`
	PatternType        string              `json:"pattern_type"`
	PatternVersion     string              `json:"pattern_version"`
	ValidFrom          time.Time           `json:"valid_from"`
	ValidUntil         *time.Time          `json:"valid_until"`
	Types              []string            `json:"indicator_types"`
	KillChainPhases    []KillChainPhase    `json:"kill_chain_phases"`
	Confidence         int                 `json:"confidence"`
	Revoked            bool                `json:"revoked"`
	TLP                string              `json:"-"`
	CreatedByRef       string              `json:"-"`
	Created, Modified  time.Time           `json:"-"`
	Labels             []string            `json:"labels"`
	ExternalReferences []ExternalReference `json:"external_references"`
}

// Vulnerability is a STIX vulnerability. CVEs are the external references
// whose source_name is "cve" (STIX 2.1 §4.19); ExternalReferences holds
// the others. Advisory, when set, is samdrift's own advisory carried in
// the custom property x_samdrift_advisory, so that an export re-imports
// without loss.
type Vulnerability struct {
	ID                 string              `json:"-"`
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	CVEs               []string            `json:"-"`
	Advisory           *Advisory           `json:"x_samdrift_advisory"`
	Confidence         int                 `json:"confidence"`
	Revoked            bool                `json:"revoked"`
	TLP                string              `json:"-"`
	CreatedByRef       string              `json:"-"`
	Created, Modified  time.Time           `json:"-"`
	Labels             []string            `json:"labels"`
	ExternalReferences []ExternalReference `json:"external_references"`
}

// Advisory is the x_samdrift_advisory property of a vulnerability: the
// advisory fields that have no STIX property. Title, summary, CVEs, TLP
// and the publication time travel as the vulnerability's name,
// description, external references, marking and created. Due is when
// the action is due, as an RFC 3339 date or timestamp.
type Advisory struct {
	Source          string    `json:"source,omitempty"`
	Ref             string    `json:"ref,omitempty"`
	Severity        string    `json:"severity,omitempty"`
	Action          string    `json:"action,omitempty"`
	Products        []Product `json:"products,omitempty"`
	Due             string    `json:"due,omitempty"`
	KnownRansomware bool      `json:"known_ransomware,omitempty"`
}

// Product is one product an advisory concerns; Versions are range strings
// as the advisory gives them (e.g. "< 4.2.1").
type Product struct {
	Vendor   string   `json:"vendor,omitempty"`
	Product  string   `json:"product,omitempty"`
	CPE      string   `json:"cpe,omitempty"`
	PURL     string   `json:"purl,omitempty"`
	Versions []string `json:"versions,omitempty"`
}

// Report is a STIX report: a threat report and the objects it comprises
// (ObjectRefs, at least one). Published is required.
type Report struct {
	ID                 string              `json:"-"`
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	Published          time.Time           `json:"published"`
	ReportTypes        []string            `json:"report_types"`
	ObjectRefs         []string            `json:"object_refs"`
	Confidence         int                 `json:"confidence"`
	Revoked            bool                `json:"revoked"`
	TLP                string              `json:"-"`
	CreatedByRef       string              `json:"-"`
	Created, Modified  time.Time           `json:"-"`
	Labels             []string            `json:"labels"`
	ExternalReferences []ExternalReference `json:"external_references"`
}

// Identity is a STIX identity: an organisation, sector or person that
// creates objects or where something was sighted. IdentityClass is from
// identity-class-ov (individual, group, system, organization, class).
type Identity struct {
	ID                 string              `json:"-"`
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	IdentityClass      string              `json:"identity_class"`
	Sectors            []string            `json:"sectors"`
	ContactInformation string              `json:"contact_information"`
	Confidence         int                 `json:"confidence"`
	Revoked            bool                `json:"revoked"`
	TLP                string              `json:"-"`
	CreatedByRef       string              `json:"-"`
	Created, Modified  time.Time           `json:"-"`
	Labels             []string            `json:"labels"`
	ExternalReferences []ExternalReference `json:"external_references"`
}

// Sighting is a STIX sighting: SightingOfRef (required) was seen Count
// times (0: not given) between FirstSeen and LastSeen by or at
// WhereSightedRefs (identities or locations).
type Sighting struct {
	ID                 string              `json:"-"`
	Description        string              `json:"description"`
	SightingOfRef      string              `json:"sighting_of_ref"`
	Count              int                 `json:"count"`
	FirstSeen          *time.Time          `json:"first_seen"`
	LastSeen           *time.Time          `json:"last_seen"`
	WhereSightedRefs   []string            `json:"where_sighted_refs"`
	ObservedDataRefs   []string            `json:"observed_data_refs"`
	Summary            bool                `json:"summary"`
	Confidence         int                 `json:"confidence"`
	Revoked            bool                `json:"revoked"`
	TLP                string              `json:"-"`
	CreatedByRef       string              `json:"-"`
	Created, Modified  time.Time           `json:"-"`
	Labels             []string            `json:"labels"`
	ExternalReferences []ExternalReference `json:"external_references"`
}

// Decode turns an Object into *Indicator, *Vulnerability, *Report,
// *Identity or *Sighting, with the common properties taken from the
// Object's fields and TLP from its marking refs. For other types it
// returns nil, nil: callers count those as skipped. A property of the
// wrong JSON type, a bad timestamp or a missing required property is an
// Invalid error whose Field is "<id>.<property>" where it can tell.
func Decode(o Object) (any, error) {
	d := decoder{o: o}
	switch o.Type {
	case "indicator":
		v := &Indicator{}
		d.unmarshal(v)
		d.meta(&v.ID, &v.TLP, &v.CreatedByRef, &v.Created, &v.Modified)
		d.required("pattern", v.Pattern != "")
		d.required("valid_from", !v.ValidFrom.IsZero())
		v.ValidFrom, v.ValidUntil = v.ValidFrom.UTC(), utcPtr(v.ValidUntil)
		return d.result(v)
	case "vulnerability":
		v := &Vulnerability{}
		d.unmarshal(v)
		d.meta(&v.ID, &v.TLP, &v.CreatedByRef, &v.Created, &v.Modified)
		d.required("name", v.Name != "")
		refs := v.ExternalReferences
		v.ExternalReferences = nil
		for _, r := range refs {
			if strings.EqualFold(r.SourceName, "cve") && r.ExternalID != "" {
				v.CVEs = append(v.CVEs, r.ExternalID)
			} else {
				v.ExternalReferences = append(v.ExternalReferences, r)
			}
		}
		return d.result(v)
	case "report":
		v := &Report{}
		d.unmarshal(v)
		d.meta(&v.ID, &v.TLP, &v.CreatedByRef, &v.Created, &v.Modified)
		d.required("name", v.Name != "")
		d.required("published", !v.Published.IsZero())
		v.Published = v.Published.UTC()
		return d.result(v)
	case "identity":
		v := &Identity{}
		d.unmarshal(v)
		d.meta(&v.ID, &v.TLP, &v.CreatedByRef, &v.Created, &v.Modified)
		d.required("name", v.Name != "")
		return d.result(v)
	case "sighting":
		v := &Sighting{}
		d.unmarshal(v)
		d.meta(&v.ID, &v.TLP, &v.CreatedByRef, &v.Created, &v.Modified)
		d.required("sighting_of_ref", v.SightingOfRef != "")
		v.FirstSeen, v.LastSeen = utcPtr(v.FirstSeen), utcPtr(v.LastSeen)
		return d.result(v)
	}
	return nil, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// decoder keeps the first error of a Decode.
type decoder struct {
	o   Object
	err error
}

func (d *decoder) fail(prop, format string, args ...any) {
	if field := d.o.ID; d.err == nil {
		if prop != "" {
			field += "." + prop
		}
		d.err = errs.Field(field, format, args...)
	}
}

func (d *decoder) unmarshal(v any) {
	if err := json.Unmarshal(d.o.Raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			d.fail(te.Field, "%s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
			return
		}
		d.fail("", "is not a valid %s: %v", d.o.Type, err)
	}
}

// meta sets the common properties from the Object.
func (d *decoder) meta(id, tlp, createdBy *string, created, modified *time.Time) {
	*id, *tlp, *createdBy = d.o.ID, TLP(d.o.MarkingRefs), d.o.CreatedByRef
	*created, *modified = d.o.Created, d.o.Modified
}

func (d *decoder) required(prop string, ok bool) {
	if !ok {
		d.fail(prop, "%s is required for %s objects", prop, d.o.Type)
	}
}

func (d *decoder) result(v any) (any, error) {
	if d.err != nil {
		return nil, d.err
	}
	return v, nil
}

// common holds the common properties while Encode checks and writes them.
type common struct {
	typ, id, createdBy, tlp string
	created, modified       time.Time
	labels                  []string
	confidence              int
	revoked                 bool
	ext                     []ExternalReference
	marking                 string
}

// Encode builds an Object from an Indicator, Vulnerability, Report,
// Identity or Sighting (value or pointer): spec_version 2.1, timestamps
// cut to milliseconds, object_marking_refs from TLP. It keeps ID when set
// (it must be of the right type), else makes a random UUIDv4 id (use
// DeterministicID for stable ones); Created defaults to now and Modified
// to Created. The JSON has a fixed property order, so equal values encode
// to equal bytes. Missing required properties, an unknown TLP label, a
// confidence outside 0–100 or timestamps out of order are Invalid errors
// naming the field; other types are an Invalid error.
func Encode(v any) (Object, error) {
	switch x := v.(type) {
	case Indicator, Vulnerability, Report, Identity, Sighting:
		return x.(encoder).encode()
	case *Indicator, *Vulnerability, *Report, *Identity, *Sighting:
		if reflect.ValueOf(x).IsNil() {
			break
		}
		return x.(encoder).encode()
	}
	return Object{}, errs.E(errs.Invalid, "stix: cannot encode %T", v)
}

// encoder is implemented, on values, by the structs Encode takes.
type encoder interface{ encode() (Object, error) }

// begin checks the common properties and writes the leading ones.
func (c *common) begin(w *objWriter) error {
	if c.id == "" {
		c.id = c.typ + "--" + newUUID()
	} else if !validID(c.id, c.typ) {
		return errs.Field("id", "id must be %s--<UUID>, got %s", c.typ, quoteShort(c.id))
	}
	if c.created.IsZero() {
		c.created = time.Now()
	}
	c.created = c.created.UTC().Truncate(time.Millisecond)
	if c.modified.IsZero() {
		c.modified = c.created
	}
	c.modified = c.modified.UTC().Truncate(time.Millisecond)
	if c.modified.Before(c.created) {
		return errs.Field("modified", "modified must not be earlier than created")
	}
	if c.createdBy != "" && !validID(c.createdBy, "identity") {
		return errs.Field("created_by_ref", "created_by_ref must be identity--<UUID>, got %s", quoteShort(c.createdBy))
	}
	if c.tlp != "" {
		if c.marking = tlp2IDs[c.tlp]; c.marking == "" {
			c.marking = MarkingID(c.tlp)
		}
		if c.marking == "" {
			return errs.Field("tlp", "unknown TLP %s; want clear, green, amber, amber+strict or red", quoteShort(c.tlp))
		}
	}
	if c.confidence < 0 || c.confidence > 100 {
		return errs.Field("confidence", "confidence must be from 0 to 100, got %d", c.confidence)
	}
	w.str("type", c.typ)
	w.str("spec_version", SpecVersion)
	w.str("id", c.id)
	w.str("created_by_ref", c.createdBy)
	w.time("created", c.created)
	w.time("modified", c.modified)
	return nil
}

// finish writes the trailing common properties and returns the Object.
func (c *common) finish(w *objWriter) (Object, error) {
	w.bool("revoked", c.revoked)
	w.strs("labels", c.labels)
	w.int("confidence", c.confidence)
	if len(c.ext) > 0 {
		w.value("external_references", c.ext)
	}
	o := Object{Type: c.typ, ID: c.id, SpecVersion: SpecVersion, Created: c.created, Modified: c.modified, CreatedByRef: c.createdBy}
	if c.marking != "" {
		w.key("object_marking_refs")
		w.b = append(w.b, '[', '"')
		w.b = append(w.b, c.marking...)
		w.b = append(w.b, '"', ']')
		o.MarkingRefs = []string{c.marking}
	}
	if w.err != nil {
		return Object{}, errs.Wrap(w.err, "cannot encode %s", c.id)
	}
	o.Raw = w.end()
	return o, nil
}

// newWriter returns a writer whose buffer fits the common properties and
// size bytes more, so that encoding allocates once.
func newWriter(size int) *objWriter {
	return &objWriter{b: make([]byte, 0, 640+size)}
}

func (v Indicator) encode() (Object, error) {
	c := common{typ: "indicator", id: v.ID, createdBy: v.CreatedByRef, tlp: v.TLP, created: v.Created,
		modified: v.Modified, labels: v.Labels, confidence: v.Confidence, revoked: v.Revoked, ext: v.ExternalReferences}
	w := newWriter(len(v.Pattern) + len(v.Name) + len(v.Description) + 16*(len(v.Labels)+len(v.Types)))
	if err := c.begin(w); err != nil {
		return Object{}, err
	}
	if v.Pattern == "" {
		return Object{}, errs.Field("pattern", "pattern is required")
	}
	from := v.ValidFrom
	if from.IsZero() {
		from = c.created
	}
	if v.ValidUntil != nil && !v.ValidUntil.After(from) {
		return Object{}, errs.Field("valid_until", "valid_until must be later than valid_from")
	}
	patternType := v.PatternType
	if patternType == "" {
		patternType = "stix"
	}
	w.str("name", v.Name)
	w.str("description", v.Description)
	w.strs("indicator_types", v.Types)
	w.str("pattern", v.Pattern)
	w.str("pattern_type", patternType)
	w.str("pattern_version", v.PatternVersion)
	w.time("valid_from", from)
	if v.ValidUntil != nil {
		w.time("valid_until", *v.ValidUntil)
	}
	if len(v.KillChainPhases) > 0 {
		w.value("kill_chain_phases", v.KillChainPhases)
	}
	return c.finish(w)
}

var cvePattern = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

func (v Vulnerability) encode() (Object, error) {
	c := common{typ: "vulnerability", id: v.ID, createdBy: v.CreatedByRef, tlp: v.TLP, created: v.Created,
		modified: v.Modified, labels: v.Labels, confidence: v.Confidence, revoked: v.Revoked}
	w := newWriter(len(v.Name) + len(v.Description))
	if err := c.begin(w); err != nil {
		return Object{}, err
	}
	if v.Name == "" {
		return Object{}, errs.Field("name", "name is required")
	}
	for _, cve := range v.CVEs {
		if !cvePattern.MatchString(cve) {
			return Object{}, errs.Field("cves", "%s is not a CVE id like CVE-2024-12345", quoteShort(cve))
		}
		c.ext = append(c.ext, ExternalReference{SourceName: "cve", ExternalID: cve, URL: "https://www.cve.org/CVERecord?id=" + cve})
	}
	c.ext = append(c.ext, v.ExternalReferences...)
	w.str("name", v.Name)
	w.str("description", v.Description)
	if v.Advisory != nil {
		w.value("x_samdrift_advisory", v.Advisory)
	}
	return c.finish(w)
}

func (v Report) encode() (Object, error) {
	c := common{typ: "report", id: v.ID, createdBy: v.CreatedByRef, tlp: v.TLP, created: v.Created,
		modified: v.Modified, labels: v.Labels, confidence: v.Confidence, revoked: v.Revoked, ext: v.ExternalReferences}
	w := newWriter(len(v.Name) + len(v.Description) + 50*len(v.ObjectRefs))
	if err := c.begin(w); err != nil {
		return Object{}, err
	}
	switch {
	case v.Name == "":
		return Object{}, errs.Field("name", "name is required")
	case v.Published.IsZero():
		return Object{}, errs.Field("published", "published is required")
	case len(v.ObjectRefs) == 0:
		return Object{}, errs.Field("object_refs", "a report must refer to at least one object")
	}
	if err := checkRefs("object_refs", v.ObjectRefs); err != nil {
		return Object{}, err
	}
	w.str("name", v.Name)
	w.str("description", v.Description)
	w.strs("report_types", v.ReportTypes)
	w.time("published", v.Published)
	w.strs("object_refs", v.ObjectRefs)
	return c.finish(w)
}

func (v Identity) encode() (Object, error) {
	c := common{typ: "identity", id: v.ID, createdBy: v.CreatedByRef, tlp: v.TLP, created: v.Created,
		modified: v.Modified, labels: v.Labels, confidence: v.Confidence, revoked: v.Revoked, ext: v.ExternalReferences}
	w := newWriter(len(v.Name) + len(v.Description) + len(v.ContactInformation))
	if err := c.begin(w); err != nil {
		return Object{}, err
	}
	if v.Name == "" {
		return Object{}, errs.Field("name", "name is required")
	}
	w.str("name", v.Name)
	w.str("description", v.Description)
	w.str("identity_class", v.IdentityClass)
	w.strs("sectors", v.Sectors)
	w.str("contact_information", v.ContactInformation)
	return c.finish(w)
}

func (v Sighting) encode() (Object, error) {
	c := common{typ: "sighting", id: v.ID, createdBy: v.CreatedByRef, tlp: v.TLP, created: v.Created,
		modified: v.Modified, labels: v.Labels, confidence: v.Confidence, revoked: v.Revoked, ext: v.ExternalReferences}
	w := newWriter(len(v.Description) + 50*len(v.WhereSightedRefs))
	if err := c.begin(w); err != nil {
		return Object{}, err
	}
	switch {
	case v.SightingOfRef == "":
		return Object{}, errs.Field("sighting_of_ref", "sighting_of_ref is required")
	case v.Count < 0 || v.Count > 999_999_999:
		return Object{}, errs.Field("count", "count must be from 0 to 999999999, got %d", v.Count)
	case v.FirstSeen != nil && v.LastSeen != nil && v.LastSeen.Before(*v.FirstSeen):
		return Object{}, errs.Field("last_seen", "last_seen must not be earlier than first_seen")
	}
	for _, refs := range []struct {
		field string
		ids   []string
	}{{"sighting_of_ref", []string{v.SightingOfRef}}, {"where_sighted_refs", v.WhereSightedRefs}, {"observed_data_refs", v.ObservedDataRefs}} {
		if err := checkRefs(refs.field, refs.ids); err != nil {
			return Object{}, err
		}
	}
	w.str("description", v.Description)
	if v.FirstSeen != nil {
		w.time("first_seen", *v.FirstSeen)
	}
	if v.LastSeen != nil {
		w.time("last_seen", *v.LastSeen)
	}
	w.int("count", v.Count)
	w.str("sighting_of_ref", v.SightingOfRef)
	w.strs("observed_data_refs", v.ObservedDataRefs)
	w.strs("where_sighted_refs", v.WhereSightedRefs)
	w.bool("summary", v.Summary)
	return c.finish(w)
}

// checkRefs checks that ids are STIX ids of a valid type.
func checkRefs(field string, ids []string) error {
	for _, id := range ids {
		if t := idType(id); !validType(t) || !validID(id, t) {
			return errs.Field(field, "%s is not a STIX id (<type>--<UUID>)", quoteShort(id))
		}
	}
	return nil
}
