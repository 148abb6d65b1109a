package compliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Framework is an installed framework.
type Framework struct {
	ID          string `json:"id"` // its slug: "iso27001-2022", "nis2-dk", "gdpr", "tmk"
	URN         string `json:"urn"`
	RefID       string `json:"ref_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     int    `json:"version"` // its library's
	Library     string `json:"library"` // its library's URN
	Builtin     bool   `json:"builtin"`
	// Requirements counts the assessable requirements.
	Requirements int `json:"requirements"`
	Sections     int `json:"sections"`
	key          int64
}

// Requirement is one node of a framework's tree.
type Requirement struct {
	ID          int64  `json:"id"`
	URN         string `json:"urn"`
	RefID       string `json:"ref_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Annotation  string `json:"annotation,omitempty"`
	Depth       int    `json:"depth"`
	Assessable  bool   `json:"assessable"`
	ParentID    int64  `json:"parent_id,omitempty"`
	SectionID   int64  `json:"section_id"`
	// Groups are the implementation groups it belongs to.
	Groups []string `json:"groups"`
	// Controls are the reference controls it names (their ref ids).
	Controls []string `json:"controls"`
	// Mappings say how it relates to other frameworks' requirements.
	Mappings []Mapping `json:"mappings"`
}

// Mapping relates a requirement to another framework's.
type Mapping struct {
	Framework     string `json:"framework"` // the other's slug
	RequirementID int64  `json:"requirement_id"`
	RefID         string `json:"ref_id"`
	// Relationship is how this requirement relates to the other: equal,
	// subset (this covers part of the other), superset, intersect.
	Relationship string `json:"relationship"`
	Rationale    string `json:"rationale,omitempty"`
}

// text picks name and description in lang from a node's own (in the
// library's locale) and its translations.
func text(lang, locale, name, desc, trans string) (string, string) {
	if lang == "" || lang == locale || trans == "" || trans == "{}" {
		return name, desc
	}
	var t map[string]struct{ Name, Description string }
	if json.Unmarshal([]byte(trans), &t) != nil {
		return name, desc
	}
	if x, ok := t[lang]; ok && x.Name != "" {
		if x.Description == "" {
			x.Description = desc
		}
		return x.Name, x.Description
	}
	return name, desc
}

const frameworkColumns = `f.id, f.slug, f.urn, f.ref_id, f.name, f.description, f.translations, f.assessable, l.version, l.urn, l.builtin, l.locale,
	(SELECT COUNT(*) FROM requirements r WHERE r.framework_id = f.id AND r.parent_id IS NULL)`

func scanFramework(row interface{ Scan(...any) error }, lang string) (Framework, string, error) {
	var f Framework
	var trans, locale string
	err := row.Scan(&f.key, &f.ID, &f.URN, &f.RefID, &f.Name, &f.Description, &trans, &f.Requirements, &f.Version, &f.Library, &f.Builtin, &locale, &f.Sections)
	f.Name, f.Description = text(lang, locale, f.Name, f.Description, trans)
	return f, locale, err
}

// Frameworks lists the installed frameworks, their texts in lang where
// the library has them ("da", "en"). Frameworks are reference data:
// every signed-in user reads them.
func (s *Service) Frameworks(ctx context.Context, sc access.Scope, lang string) ([]Framework, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+frameworkColumns+` FROM frameworks f JOIN compliance_libraries l ON l.id = f.library_id ORDER BY f.slug`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list frameworks")
	}
	defer rows.Close()
	out := []Framework{}
	for rows.Next() {
		f, _, err := scanFramework(rows, lang)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read a framework")
		}
		out = append(out, f)
	}
	return out, errs.Wrap(rows.Err(), "cannot list frameworks")
}

// FrameworkByID returns framework id (its slug), NotFound if none.
func (s *Service) FrameworkByID(ctx context.Context, sc access.Scope, id, lang string) (Framework, error) {
	f, _, err := frameworkBySlug(ctx, s.db.Reader(), id, lang)
	return f, err
}

func frameworkBySlug(ctx context.Context, q store.Querier, id, lang string) (Framework, string, error) {
	f, locale, err := scanFramework(q.QueryRowContext(ctx, `SELECT `+frameworkColumns+` FROM frameworks f JOIN compliance_libraries l ON l.id = f.library_id WHERE f.slug = $1`,
		strings.ToLower(strings.TrimSpace(id))), lang)
	if errors.Is(err, sql.ErrNoRows) {
		return Framework{}, "", errs.E(errs.NotFound, "no framework %q", id)
	}
	return f, locale, errs.Wrap(err, "cannot read framework %q", id)
}

// RequirementFilter narrows Requirements.
type RequirementFilter struct {
	Assessable bool   // only those that are assessed
	Section    string // only under the top-level node with this ref id
	Query      string // ref id or name contains
}

// Requirements lists framework id's tree in order, texts in lang, each
// with its reference controls and its mappings to other frameworks.
func (s *Service) Requirements(ctx context.Context, sc access.Scope, id, lang string, f RequirementFilter) ([]Requirement, error) {
	fw, locale, err := frameworkBySlug(ctx, s.db.Reader(), id, lang)
	if err != nil {
		return nil, err
	}
	reqs, err := requirementsOf(ctx, s.db.Reader(), fw.key, lang, locale)
	if err != nil {
		return nil, err
	}
	if err := s.attach(ctx, reqs); err != nil {
		return nil, err
	}
	out := reqs[:0:0]
	var sectionID int64 = -1
	if f.Section != "" {
		for _, r := range reqs {
			if r.Depth == 1 && strings.EqualFold(r.RefID, f.Section) {
				sectionID = r.ID
			}
		}
		if sectionID < 0 {
			return nil, errs.Field("section", "framework %s has no section %q", id, f.Section)
		}
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	for _, r := range reqs {
		switch {
		case f.Assessable && !r.Assessable:
		case sectionID >= 0 && r.SectionID != sectionID:
		case q != "" && !strings.Contains(strings.ToLower(r.RefID+" "+r.Name), q):
		default:
			out = append(out, r)
		}
	}
	return out, nil
}

// requirementsOf reads framework fid's requirements in tree order.
func requirementsOf(ctx context.Context, q store.Querier, fid int64, lang, locale string) ([]Requirement, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, urn, ref_id, name, description, annotation, depth, assessable, COALESCE(parent_id, 0), COALESCE(section_id, 0), groups, translations
		FROM requirements WHERE framework_id = $1 ORDER BY position`, fid)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read requirements")
	}
	defer rows.Close()
	var out []Requirement
	for rows.Next() {
		var r Requirement
		var groups, trans string
		if err := rows.Scan(&r.ID, &r.URN, &r.RefID, &r.Name, &r.Description, &r.Annotation, &r.Depth, &r.Assessable, &r.ParentID, &r.SectionID, &groups, &trans); err != nil {
			return nil, errs.Wrap(err, "cannot read a requirement")
		}
		r.Name, r.Description = text(lang, locale, r.Name, r.Description, trans)
		r.Groups = []string{}
		if groups != "" {
			r.Groups = strings.Split(groups, ",")
		}
		r.Controls, r.Mappings = []string{}, []Mapping{}
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "cannot read requirements")
}

// attach adds reference controls and mappings to reqs.
func (s *Service) attach(ctx context.Context, reqs []Requirement) error {
	if len(reqs) == 0 {
		return nil
	}
	at := make(map[int64]int, len(reqs))
	for i, r := range reqs {
		at[r.ID] = i
	}
	fid := `(SELECT framework_id FROM requirements WHERE id = $1)`
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT rc.requirement_id, c.ref_id FROM requirement_controls rc JOIN reference_controls c ON c.id = rc.control_id
		JOIN requirements r ON r.id = rc.requirement_id WHERE r.framework_id = `+fid+` ORDER BY c.ref_id`, reqs[0].ID)
	if err != nil {
		return errs.Wrap(err, "cannot read reference controls")
	}
	for rows.Next() {
		var id int64
		var ref string
		if err := rows.Scan(&id, &ref); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read reference controls")
		}
		reqs[at[id]].Controls = append(reqs[at[id]].Controls, ref)
	}
	rows.Close()
	ms, err := mappingsOf(ctx, s.db.Reader(), fid, reqs[0].ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		i := at[m.from]
		reqs[i].Mappings = append(reqs[i].Mappings, m.Mapping)
	}
	return nil
}

// edge is a mapping seen from one of its ends (from).
type edge struct {
	from int64
	Mapping
}

// inverse is the relationship seen from the other end.
func inverse(rel string) string {
	switch rel {
	case "subset":
		return "superset"
	case "superset":
		return "subset"
	}
	return rel
}

// mappingsOf reads the mappings touching the requirements that where
// selects (a subquery on framework ids), from both ends.
func mappingsOf(ctx context.Context, q store.Querier, frameworks string, args ...any) ([]edge, error) {
	var out []edge
	for _, dir := range []struct{ from, to string }{{"source_id", "target_id"}, {"target_id", "source_id"}} {
		rows, err := q.QueryContext(ctx, `SELECT m.`+dir.from+`, r.id, r.ref_id, f.slug, m.relationship, m.rationale FROM requirement_mappings m
			JOIN requirements r ON r.id = m.`+dir.to+` JOIN frameworks f ON f.id = r.framework_id
			JOIN requirements me ON me.id = m.`+dir.from+`
			WHERE m.relationship <> 'not_related' AND me.framework_id IN `+frameworks+` ORDER BY f.slug, r.position`, args...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read mappings")
		}
		for rows.Next() {
			var e edge
			if err := rows.Scan(&e.from, &e.RequirementID, &e.RefID, &e.Framework, &e.Relationship, &e.Rationale); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot read mappings")
			}
			if dir.from == "target_id" {
				e.Relationship = inverse(e.Relationship)
			}
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "cannot read mappings")
		}
	}
	return out, nil
}

// findRequirement resolves ref (an id, a URN or a ref id) in framework fid.
func findRequirement(ctx context.Context, q store.Querier, fid int64, ref string) (int64, bool, error) {
	ref = strings.TrimSpace(ref)
	var a store.Args
	cond := `(LOWER(urn) = ` + a.Add(strings.ToLower(ref)) + ` OR LOWER(ref_id) = ` + a.Add(strings.ToLower(ref))
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		cond += ` OR id = ` + a.Add(id)
	}
	var id int64
	var assessable bool
	err := q.QueryRowContext(ctx, `SELECT id, assessable FROM requirements WHERE framework_id = `+a.Add(fid)+` AND `+cond+`) ORDER BY position LIMIT 1`, a.Values()...).Scan(&id, &assessable)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, errs.E(errs.NotFound, "no requirement %q in this framework", ref)
	}
	return id, assessable, errs.Wrap(err, "cannot read requirement %q", ref)
}
