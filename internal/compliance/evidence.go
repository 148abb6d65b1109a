package compliance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// Evidence is a file or link that shows a requirement is met, or a live
// check samdrift evaluates (Live, with Check and its latest Result).
type Evidence struct {
	ID          int64      `json:"id,omitempty"`
	OrgID       int64      `json:"org_id"`
	Live        bool       `json:"live"`
	Kind        string     `json:"kind"` // file, link, live
	Title       string     `json:"title"`
	URL         string     `json:"url,omitempty"`
	FileName    string     `json:"file_name,omitempty"`
	ContentType string     `json:"content_type,omitempty"`
	Size        int64      `json:"size,omitempty"`
	SHA256      string     `json:"sha256,omitempty"`
	Owner       string     `json:"owner,omitempty"`
	ValidFrom   *time.Time `json:"valid_from,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// Stale is set when the evidence has expired; ExpiresSoon within
	// ExpiryWarning.
	Stale       bool `json:"stale"`
	ExpiresSoon bool `json:"expires_soon"`
	// Check, Result, Detail and EvaluatedAt describe live evidence.
	Check        string           `json:"check,omitempty"`
	Result       string           `json:"result,omitempty"`
	Detail       string           `json:"detail,omitempty"`
	DetailDA     string           `json:"detail_da,omitempty"`
	TitleDA      string           `json:"title_da,omitempty"`
	EvaluatedAt  *time.Time       `json:"evaluated_at,omitempty"`
	Requirements []RequirementRef `json:"requirements"`
	CreatedBy    string           `json:"created_by,omitempty"`
	CreatedAt    *time.Time       `json:"created_at,omitempty"`
}

// RequirementRef names a requirement of a framework.
type RequirementRef struct {
	Framework string `json:"framework"`
	RefID     string `json:"ref_id"`
}

// ExpiryWarning is how long before its expiry evidence is flagged (and its
// owner reminded).
const ExpiryWarning = 30 * 24 * time.Hour

// MaxEvidenceBytes bounds an evidence file.
const MaxEvidenceBytes = 10 << 20

// evidenceTypes are the file types evidence may have.
var evidenceTypes = []string{"application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv", "application/json",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

// NewEvidence is evidence to add: a link (URL) or a file (FileName,
// ContentType, Data), attached to requirements.
type NewEvidence struct {
	Title        string           `json:"title"`
	URL          string           `json:"url"`
	FileName     string           `json:"file_name"`
	ContentType  string           `json:"content_type"`
	Data         []byte           `json:"-"`
	Owner        string           `json:"owner"`
	ValidFrom    string           `json:"valid_from"` // YYYY-MM-DD
	ExpiresAt    string           `json:"expires_at"` // YYYY-MM-DD
	Requirements []RequirementRef `json:"requirements"`
}

func parseDate(field, s string) (*time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, errs.Field(field, "%q is not a date (YYYY-MM-DD)", s)
	}
	return &t, nil
}

// AddEvidence adds evidence for org (in reach) and attaches it to the
// requirements named.
func (s *Service) AddEvidence(ctx context.Context, sc access.Scope, orgRef string, n NewEvidence) (Evidence, error) {
	if err := mayAssess(sc); err != nil {
		return Evidence{}, err
	}
	err := errs.Texts(errs.TextField{Name: "title", V: &n.Title, Min: 1, Max: 300}, errs.TextField{Name: "owner", V: &n.Owner, Min: 0, Max: 200})
	if err != nil {
		return Evidence{}, err
	}
	kind := "link"
	switch {
	case n.Data != nil && n.URL != "":
		return Evidence{}, errs.Field("url", "give a file or a link, not both")
	case n.Data != nil:
		kind = "file"
		if len(n.Data) == 0 {
			return Evidence{}, errs.Field("file", "the file is empty")
		}
		if len(n.Data) > MaxEvidenceBytes {
			return Evidence{}, errs.Field("file", "the file is larger than %d MiB", MaxEvidenceBytes>>20)
		}
		ct, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(n.ContentType)), ";")
		if !slices.Contains(evidenceTypes, ct) {
			return Evidence{}, errs.Field("file", "files of type %q are not kept as evidence; use PDF, an image, text, CSV, JSON, Word or Excel", n.ContentType)
		}
		n.ContentType = ct
		if n.FileName, err = errs.Text("file_name", n.FileName, 1, 200); err != nil {
			return Evidence{}, err
		}
	default:
		if n.URL, err = checkURL("url", n.URL); err != nil || n.URL == "" {
			return Evidence{}, errs.Field("url", "give an http(s) link to the evidence, or a file")
		}
	}
	from, err := parseDate("valid_from", n.ValidFrom)
	if err != nil {
		return Evidence{}, err
	}
	until, err := parseDate("expires_at", n.ExpiresAt)
	if err != nil {
		return Evidence{}, err
	}
	if from != nil && until != nil && !until.After(*from) {
		return Evidence{}, errs.Field("expires_at", "the evidence must expire after it becomes valid")
	}
	if len(n.Requirements) > 100 {
		return Evidence{}, errs.Field("requirements", "at most 100 requirements")
	}
	var id int64
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		orgID, err := org.InReach(ctx, tx, sc, orgRef)
		if err != nil {
			return err
		}
		var rids []int64
		for i, r := range n.Requirements {
			f, _, err := frameworkBySlug(ctx, tx, r.Framework, "")
			if err != nil {
				return errs.InField("requirements["+idString(int64(i))+"].framework", err)
			}
			rid, assessable, err := findRequirement(ctx, tx, f.key, r.RefID)
			if err != nil {
				return errs.Field("requirements["+idString(int64(i))+"].ref_id", "%v", err)
			}
			if !assessable {
				return errs.Field("requirements["+idString(int64(i))+"].ref_id", "%s is a heading; name the requirement under it the evidence shows", r.RefID)
			}
			rids = append(rids, rid)
		}
		now := s.now()
		var digest string
		var data any
		if n.Data != nil {
			sum := sha256.Sum256(n.Data)
			digest, data = hex.EncodeToString(sum[:]), n.Data
		}
		var vf, ea any
		if from != nil {
			vf = *from
		}
		if until != nil {
			ea = *until
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO evidence (org_id, kind, title, url, file_name, content_type, size, data, sha256, owner, valid_from, expires_at, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
			orgID, kind, n.Title, n.URL, n.FileName, n.ContentType, len(n.Data), data, digest, n.Owner, vf, ea, sc.Actor().Name, now).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot store the evidence")
		}
		for _, rid := range rids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_requirements (evidence_id, requirement_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, rid); err != nil {
				return errs.Wrap(err, "cannot attach the evidence")
			}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "compliance.evidence.add", TargetType: "evidence", TargetID: idString(id), OrgID: orgID,
			After: map[string]any{"title": n.Title, "kind": kind, "url": n.URL, "file": n.FileName, "sha256": digest, "requirements": len(rids)}})
	})
	if err != nil {
		return Evidence{}, err
	}
	return s.evidenceByID(ctx, sc, id)
}

const evidenceColumns = `e.id, e.org_id, e.kind, e.title, e.url, e.file_name, e.content_type, e.size, e.sha256, e.owner, e.valid_from, e.expires_at, e.created_by, e.created_at`

func (s *Service) scanEvidence(row interface{ Scan(...any) error }, now time.Time) (Evidence, error) {
	var e Evidence
	var from, until sql.NullTime
	var at time.Time
	if err := row.Scan(&e.ID, &e.OrgID, &e.Kind, &e.Title, &e.URL, &e.FileName, &e.ContentType, &e.Size, &e.SHA256, &e.Owner, &from, &until, &e.CreatedBy, &at); err != nil {
		return e, err
	}
	at = at.UTC()
	e.CreatedAt = &at
	if from.Valid {
		t := from.Time.UTC()
		e.ValidFrom = &t
	}
	if until.Valid {
		t := until.Time.UTC()
		e.ExpiresAt = &t
		e.Stale = !t.After(now)
		e.ExpiresSoon = !e.Stale && t.Sub(now) < ExpiryWarning
	}
	e.Requirements = []RequirementRef{}
	return e, nil
}

func (s *Service) evidenceByID(ctx context.Context, sc access.Scope, id int64) (Evidence, error) {
	var a store.Args
	e, err := s.scanEvidence(s.db.Reader().QueryRowContext(ctx, `SELECT `+evidenceColumns+` FROM evidence e WHERE e.id = `+a.Add(id)+` AND `+sc.OrgPredicate("e.org_id", &a),
		a.Values()...), s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return Evidence{}, errs.E(errs.NotFound, "no evidence %d", id)
	}
	if err != nil {
		return Evidence{}, errs.Wrap(err, "cannot read evidence %d", id)
	}
	list := []Evidence{e}
	if err := attachRequirements(ctx, s.db.Reader(), list); err != nil {
		return Evidence{}, err
	}
	return list[0], nil
}

func attachRequirements(ctx context.Context, q store.Querier, list []Evidence) error {
	at := map[int64]int{}
	var ids []int64
	for i, e := range list {
		if e.ID != 0 {
			at[e.ID] = i
			ids = append(ids, e.ID)
		}
	}
	err := store.EachIn(ctx, q, `SELECT er.evidence_id, f.slug, r.ref_id FROM evidence_requirements er JOIN requirements r ON r.id = er.requirement_id
		JOIN frameworks f ON f.id = r.framework_id WHERE er.evidence_id IN `, ids, "", func(rows *sql.Rows) error {
		var id int64
		var r RequirementRef
		if err := rows.Scan(&id, &r.Framework, &r.RefID); err != nil {
			return err
		}
		list[at[id]].Requirements = append(list[at[id]].Requirements, r)
		return nil
	})
	return errs.Wrap(err, "cannot read what the evidence is for")
}

// EvidenceList returns org's evidence: its files and links, newest first,
// then its live evidence, one item per live check with the latest result.
func (s *Service) EvidenceList(ctx context.Context, sc access.Scope, orgRef string) ([]Evidence, error) {
	if err := mayRead(sc); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	orgID, err := org.InReach(ctx, q, sc, orgRef)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rows, err := q.QueryContext(ctx, `SELECT `+evidenceColumns+` FROM evidence e WHERE e.org_id = $1 ORDER BY e.created_at DESC, e.id DESC`, orgID)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list evidence")
	}
	out := []Evidence{}
	for rows.Next() {
		e, err := s.scanEvidence(rows, now)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read evidence")
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list evidence")
	}
	if err := attachRequirements(ctx, q, out); err != nil {
		return nil, err
	}
	live, err := latestResults(ctx, q, []int64{orgID})
	if err != nil {
		return nil, err
	}
	for _, c := range s.checks {
		e := Evidence{OrgID: orgID, Live: true, Kind: "live", Title: c.Title, TitleDA: c.TitleDA, Check: c.Name, Result: "unknown", Requirements: []RequirementRef{}}
		if r, ok := live[orgID][c.Name]; ok {
			at := r.EvaluatedAt
			e.Result, e.Detail, e.DetailDA, e.EvaluatedAt = r.Result, r.Detail, r.DetailDA, &at
		}
		refs, err := requirementRefs(ctx, q, c.Requirements)
		if err != nil {
			return nil, err
		}
		e.Requirements = refs
		out = append(out, e)
	}
	return out, nil
}

// requirementRefs names the installed requirements among urns.
func requirementRefs(ctx context.Context, q store.Querier, urns []string) ([]RequirementRef, error) {
	out := []RequirementRef{}
	for _, u := range urns {
		var r RequirementRef
		err := q.QueryRowContext(ctx, `SELECT f.slug, r.ref_id FROM requirements r JOIN frameworks f ON f.id = r.framework_id WHERE r.urn = $1`, strings.ToLower(u)).Scan(&r.Framework, &r.RefID)
		if errors.Is(err, sql.ErrNoRows) {
			continue // a framework not installed
		}
		if err != nil {
			return nil, errs.Wrap(err, "cannot read requirement %s", u)
		}
		out = append(out, r)
	}
	return out, nil
}

// EvidenceFile returns evidence id's file (in reach).
func (s *Service) EvidenceFile(ctx context.Context, sc access.Scope, id int64) (Evidence, []byte, error) {
	if err := mayRead(sc); err != nil {
		return Evidence{}, nil, err
	}
	e, err := s.evidenceByID(ctx, sc, id)
	if err != nil {
		return Evidence{}, nil, err
	}
	if e.Kind != "file" {
		return Evidence{}, nil, errs.E(errs.NotFound, "evidence %d is a link, not a file", id)
	}
	var data []byte
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT data FROM evidence WHERE id = $1`, id).Scan(&data); err != nil {
		return Evidence{}, nil, errs.Wrap(err, "cannot read evidence %d", id)
	}
	return e, data, nil
}

// DeleteEvidence removes evidence id (in reach): the organisation's own
// assessors, governance and administrators remove any of its evidence; a
// unit only what it added itself (it is the supplier whose work the
// evidence may show).
func (s *Service) DeleteEvidence(ctx context.Context, sc access.Scope, id int64) error {
	if err := mayAssess(sc); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var a store.Args
		var orgID int64
		var title, by string
		err := tx.QueryRowContext(ctx, `SELECT org_id, title, created_by FROM evidence e WHERE id = `+a.Add(id)+` AND `+sc.OrgPredicate("e.org_id", &a), a.Values()...).Scan(&orgID, &title, &by)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no evidence %d", id)
		}
		if err != nil {
			return errs.Wrap(err, "cannot read evidence %d", id)
		}
		if orgID != sc.OrgID && sc.Role == access.RoleUnitManager && by != sc.Actor().Name {
			return errs.E(errs.Forbidden, "a unit removes only the evidence it added itself; ask the municipality's CISO")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evidence WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot remove evidence %d", id)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "compliance.evidence.delete", TargetType: "evidence", TargetID: idString(id), OrgID: orgID,
			Before: map[string]any{"title": title}})
	})
}

// evidenceCounts counts org's evidence per requirement.
func evidenceCounts(ctx context.Context, q store.Querier, orgID int64) (map[int64]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT er.requirement_id, COUNT(*) FROM evidence_requirements er JOIN evidence e ON e.id = er.evidence_id WHERE e.org_id = $1 GROUP BY er.requirement_id`, orgID)
	if err != nil {
		return nil, errs.Wrap(err, "cannot count evidence")
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, errs.Wrap(err, "cannot count evidence")
		}
		out[id] = n
	}
	return out, errs.Wrap(rows.Err(), "cannot count evidence")
}
