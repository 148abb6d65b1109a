package compliance

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// The register of common standards and procedures: documents the IT
// architecture council decides for joint operations, from draft through
// consultation to approval, and each unit's (and municipality's)
// acknowledgement and implementation of the approved version.

// Standard statuses, in their order.
const (
	Draft        = "draft"
	Consultation = "consultation"
	Approved     = "approved"
	Retired      = "retired"
)

// StandardStatuses lists the statuses.
var StandardStatuses = []string{Draft, Consultation, Approved, Retired}

// StandardKinds are the kinds of document in the register.
var StandardKinds = []string{"standard", "procedure", "best-practice"}

// AckStatuses are how far an organisation has come with a standard.
var AckStatuses = []string{"acknowledged", "implementing", "implemented", "not_applicable"}

// Standard is a document in the register.
type Standard struct {
	ID                int64            `json:"id"`
	Ref               string           `json:"ref"`
	Title             string           `json:"title"`
	Summary           string           `json:"summary"`
	Kind              string           `json:"kind"`
	Owner             string           `json:"owner"`
	Version           string           `json:"version"`
	Status            string           `json:"status"`
	URL               string           `json:"url"`
	ReviewDue         *time.Time       `json:"review_due"`
	ReviewOverdue     bool             `json:"review_overdue"`
	ConsultationUntil *time.Time       `json:"consultation_until"`
	ApprovedAt        *time.Time       `json:"approved_at"`
	ApprovedBy        string           `json:"approved_by"`
	ApprovalRecord    string           `json:"approval_record"`
	Requirements      []RequirementRef `json:"requirements"`
	// Acks counts the acknowledgements of the current version by status,
	// and Pending the units that have not acknowledged it (approved
	// standards only).
	Acks    map[string]int `json:"acks"`
	Pending int            `json:"pending"`
	// Mine is the caller's organisation's acknowledgement, if any.
	Mine      *Ack      `json:"mine,omitempty"`
	Revision  int       `json:"revision"` // for StandardChange's optimistic check
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ack is one organisation's acknowledgement of a standard.
type Ack struct {
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name"`
	OrgKind   string    `json:"org_kind"`
	Status    string    `json:"status"`
	Note      string    `json:"note"`
	Version   string    `json:"version"` // of the standard acknowledged
	Current   bool      `json:"current"` // Version is the standard's
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// mayKeepRegister: governance (the secretariat) and administrators keep
// the register.
func mayKeepRegister(sc access.Scope) error {
	if sc.IsSystem() || sc.Role == access.RoleGovernance || sc.Role == access.RoleAdmin {
		return nil
	}
	return errs.E(errs.Forbidden, "the register of standards is kept by governance")
}

// NewStandard is a document to add to the register, as a draft.
type NewStandard struct {
	Ref          string           `json:"ref"`
	Title        string           `json:"title"`
	Summary      string           `json:"summary"`
	Kind         string           `json:"kind"`
	Owner        string           `json:"owner"`
	Version      string           `json:"version"`
	URL          string           `json:"url"`
	ReviewDue    string           `json:"review_due"` // YYYY-MM-DD
	Requirements []RequirementRef `json:"requirements"`
}

// StandardChange changes a standard; nil fields stay. Status moves it
// along: draft → consultation (ConsultationUntil set) → approved
// (ApprovalRecord names the council's decision) → retired; consultation
// may go back to draft, and an approved standard is revised by going back
// to draft with a new Version. Its content changes only while it is a
// draft or in consultation. Revision must be the standard's as last read.
type StandardChange struct {
	Title             *string           `json:"title,omitempty"`
	Summary           *string           `json:"summary,omitempty"`
	Owner             *string           `json:"owner,omitempty"`
	Version           *string           `json:"version,omitempty"`
	URL               *string           `json:"url,omitempty"`
	ReviewDue         *string           `json:"review_due,omitempty"`
	Requirements      *[]RequirementRef `json:"requirements,omitempty"`
	Status            *string           `json:"status,omitempty"`
	ConsultationUntil *string           `json:"consultation_until,omitempty"`
	ApprovalRecord    *string           `json:"approval_record,omitempty"`
	Revision          int               `json:"revision"`
}

// transitions are the status changes allowed.
var transitions = map[string][]string{Draft: {Consultation, Approved}, Consultation: {Draft, Approved}, Approved: {Draft, Retired}}

func checkURL(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 {
		return "", errs.Field(field, "give an http(s) link to the document")
	}
	return u.String(), nil
}

// AddStandard adds a draft to the register.
func (s *Service) AddStandard(ctx context.Context, sc access.Scope, n NewStandard) (Standard, error) {
	if err := mayKeepRegister(sc); err != nil {
		return Standard{}, err
	}
	err := errs.Texts(errs.TextField{Name: "ref", V: &n.Ref, Min: 1, Max: 40}, errs.TextField{Name: "title", V: &n.Title, Min: 1, Max: 300}, errs.TextField{Name: "summary", V: &n.Summary, Min: 0, Max: 5000},
		errs.TextField{Name: "owner", V: &n.Owner, Min: 0, Max: 200})
	if err != nil {
		return Standard{}, err
	}
	if n.Kind == "" {
		n.Kind = "standard"
	}
	if err := errs.OneOf("kind", n.Kind, StandardKinds); err != nil {
		return Standard{}, err
	}
	if n.Version == "" {
		n.Version = "1.0"
	}
	if n.Version, err = errs.Text("version", n.Version, 1, 20); err != nil {
		return Standard{}, err
	}
	if n.URL, err = checkURL("url", n.URL); err != nil {
		return Standard{}, err
	}
	review, err := parseDate("review_due", n.ReviewDue)
	if err != nil {
		return Standard{}, err
	}
	var id int64
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		rids, err := resolveRefs(ctx, tx, n.Requirements)
		if err != nil {
			return err
		}
		now := s.now()
		var rd any
		if review != nil {
			rd = *review
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO standards (ref, title, summary, kind, owner, version, status, url, review_due, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $10) RETURNING id`, n.Ref, n.Title, n.Summary, n.Kind, n.Owner, n.Version, n.URL, rd, sc.Actor().Name, now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "the register already has a document %s", n.Ref)
		}
		if err != nil {
			return errs.Wrap(err, "cannot store the standard")
		}
		if err := linkStandard(ctx, tx, id, rids); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "standard.create", TargetType: "standard", TargetID: idString(id),
			After: map[string]any{"ref": n.Ref, "title": n.Title, "version": n.Version, "requirements": len(rids)}})
	})
	if err != nil {
		return Standard{}, err
	}
	return s.StandardByID(ctx, sc, id)
}

func resolveRefs(ctx context.Context, tx *sql.Tx, refs []RequirementRef) ([]int64, error) {
	if len(refs) > 200 {
		return nil, errs.Field("requirements", "at most 200 requirements")
	}
	var out []int64
	for i, r := range refs {
		at := "requirements[" + strconv.Itoa(i) + "]"
		f, _, err := frameworkBySlug(ctx, tx, r.Framework, "")
		if err != nil {
			return nil, errs.InField(at+".framework", err)
		}
		rid, _, err := findRequirement(ctx, tx, f.key, r.RefID)
		if err != nil {
			return nil, errs.Field(at+".ref_id", "%v", err)
		}
		if !slices.Contains(out, rid) {
			out = append(out, rid)
		}
	}
	return out, nil
}

func linkStandard(ctx context.Context, tx *sql.Tx, id int64, rids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM standard_requirements WHERE standard_id = $1`, id); err != nil {
		return errs.Wrap(err, "cannot link the standard")
	}
	for _, rid := range rids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO standard_requirements (standard_id, requirement_id) VALUES ($1, $2)`, id, rid); err != nil {
			return errs.Wrap(err, "cannot link the standard")
		}
	}
	return nil
}

// ChangeStandard changes standard id (see StandardChange). Approving it
// asks every unit to acknowledge the new version (notified).
func (s *Service) ChangeStandard(ctx context.Context, sc access.Scope, id int64, c StandardChange) (Standard, error) {
	if err := mayKeepRegister(sc); err != nil {
		return Standard{}, err
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := s.standard(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if cur.Revision != c.Revision {
			return errs.E(errs.Conflict, "standard %s was changed since you read it (revision %d, you had %d); reload it and make your change again", cur.Ref, cur.Revision, c.Revision)
		}
		next := cur
		content := c.Title != nil || c.Summary != nil || c.Owner != nil || c.URL != nil || c.Requirements != nil
		status := cur.Status
		if c.Status != nil {
			status = *c.Status
			if err := errs.OneOf("status", status, StandardStatuses); err != nil {
				return err
			}
			if status != cur.Status && !slices.Contains(transitions[cur.Status], status) {
				return errs.Field("status", "a standard that is %s cannot become %s", cur.Status, status)
			}
		}
		if content && status != Draft && status != Consultation {
			return errs.Field("status", "an approved or retired standard's content does not change; revise it (back to draft with a new version) first")
		}
		if cur.Status == Retired {
			return errs.Field("status", "a retired standard does not change")
		}
		if status == cur.Status && status == Approved && (c.Version != nil && *c.Version != cur.Version || c.ApprovalRecord != nil && *c.ApprovalRecord != cur.ApprovalRecord) {
			return errs.Field("version", "an approved standard's version and the council's decision do not change; revise it (back to draft with a new version) and have the revision approved")
		}
		var fs []errs.TextField
		for _, f := range []struct {
			in *string
			errs.TextField
		}{{c.Title, errs.TextField{Name: "title", V: &next.Title, Min: 1, Max: 300}}, {c.Summary, errs.TextField{Name: "summary", V: &next.Summary, Min: 0, Max: 5000}}, {c.Owner, errs.TextField{Name: "owner", V: &next.Owner, Min: 0, Max: 200}},
			{c.Version, errs.TextField{Name: "version", V: &next.Version, Min: 1, Max: 20}}, {c.ApprovalRecord, errs.TextField{Name: "approval_record", V: &next.ApprovalRecord, Min: 0, Max: 1000}}} {
			if f.in != nil {
				*f.V = *f.in
				fs = append(fs, f.TextField)
			}
		}
		if err := errs.Texts(fs...); err != nil {
			return err
		}
		if c.URL != nil {
			if next.URL, err = checkURL("url", *c.URL); err != nil {
				return err
			}
		}
		if c.ReviewDue != nil {
			if next.ReviewDue, err = parseDate("review_due", *c.ReviewDue); err != nil {
				return err
			}
		}
		if c.ConsultationUntil != nil {
			if next.ConsultationUntil, err = parseDate("consultation_until", *c.ConsultationUntil); err != nil {
				return err
			}
		}
		now := s.now()
		switch {
		case status == cur.Status:
		case status == Consultation && next.ConsultationUntil == nil:
			return errs.Field("consultation_until", "say until when the consultation runs")
		case status == Approved:
			if strings.TrimSpace(next.ApprovalRecord) == "" {
				return errs.Field("approval_record", "name the council's decision (meeting and item)")
			}
			next.ApprovedAt, next.ApprovedBy = &now, sc.Actor().Name
		case status == Draft && cur.Status == Approved:
			if next.Version == cur.Version {
				return errs.Field("version", "a revision gets a new version")
			}
			next.ApprovedAt, next.ApprovedBy, next.ApprovalRecord = nil, "", ""
		}
		next.Status = status
		var rd, cu, aa any
		if next.ReviewDue != nil {
			rd = *next.ReviewDue
		}
		if next.ConsultationUntil != nil {
			cu = *next.ConsultationUntil
		}
		if next.ApprovedAt != nil {
			aa = *next.ApprovedAt
		}
		r, err := tx.ExecContext(ctx, `UPDATE standards SET title = $1, summary = $2, owner = $3, version = $4, url = $5, review_due = $6, status = $7,
			consultation_until = $8, approved_at = $9, approved_by = $10, approval_record = $11, version_no = version_no + 1, updated_at = $12 WHERE id = $13 AND version_no = $14`,
			next.Title, next.Summary, next.Owner, next.Version, next.URL, rd, next.Status, cu, aa, next.ApprovedBy, next.ApprovalRecord, now, id, cur.Revision)
		if err != nil {
			return errs.Wrap(err, "cannot change standard %s", cur.Ref)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "standard %s was changed meanwhile; reload it and make your change again", cur.Ref)
		}
		if c.Requirements != nil {
			rids, err := resolveRefs(ctx, tx, *c.Requirements)
			if err != nil {
				return err
			}
			if err := linkStandard(ctx, tx, id, rids); err != nil {
				return err
			}
		}
		if status == Approved && cur.Status != Approved {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM organizations WHERE kind = 'unit' ORDER BY id`)
			if err != nil {
				return errs.Wrap(err, "cannot find the units")
			}
			var units []notify.Each
			for rows.Next() {
				var u int64
				if err := rows.Scan(&u); err != nil {
					rows.Close()
					return errs.Wrap(err, "cannot find the units")
				}
				units = append(units, notify.Each{OrgID: u, Body: next.Version})
			}
			rows.Close()
			if _, err := notify.QueueEach(ctx, tx, notify.Notice{Kind: "standard.approved", Subject: next.Ref + ": " + next.Title, At: now,
				Roles: []access.Role{access.RoleUnitManager}}, units); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "standard.update", TargetType: "standard", TargetID: idString(id),
			Before: map[string]any{"status": cur.Status, "version": cur.Version, "title": cur.Title},
			After:  map[string]any{"status": next.Status, "version": next.Version, "title": next.Title, "approval_record": next.ApprovalRecord}})
	})
	if err != nil {
		return Standard{}, err
	}
	return s.StandardByID(ctx, sc, id)
}

const standardColumns = `s.id, s.ref, s.title, s.summary, s.kind, s.owner, s.version, s.status, s.url, s.review_due, s.consultation_until, s.approved_at, s.approved_by,
	s.approval_record, s.version_no, s.created_by, s.created_at, s.updated_at`

func scanStandard(row interface{ Scan(...any) error }, now time.Time) (Standard, error) {
	var x Standard
	var rd, cu, aa sql.NullTime
	if err := row.Scan(&x.ID, &x.Ref, &x.Title, &x.Summary, &x.Kind, &x.Owner, &x.Version, &x.Status, &x.URL, &rd, &cu, &aa, &x.ApprovedBy,
		&x.ApprovalRecord, &x.Revision, &x.CreatedBy, &x.CreatedAt, &x.UpdatedAt); err != nil {
		return x, err
	}
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	for _, p := range []struct {
		in  sql.NullTime
		out **time.Time
	}{{rd, &x.ReviewDue}, {cu, &x.ConsultationUntil}, {aa, &x.ApprovedAt}} {
		if p.in.Valid {
			t := p.in.Time.UTC()
			*p.out = &t
		}
	}
	x.ReviewOverdue = x.ReviewDue != nil && x.ReviewDue.Before(now) && x.Status == Approved
	x.Requirements, x.Acks = []RequirementRef{}, map[string]int{}
	return x, nil
}

// standard reads standard id, with its requirements and acknowledgements.
func (s *Service) standard(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Standard, error) {
	x, err := scanStandard(q.QueryRowContext(ctx, `SELECT `+standardColumns+` FROM standards s WHERE s.id = $1`, id), s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return Standard{}, errs.E(errs.NotFound, "no standard %d", id)
	}
	if err != nil {
		return Standard{}, errs.Wrap(err, "cannot read standard %d", id)
	}
	list := []Standard{x}
	if err := s.fillStandards(ctx, q, sc, list); err != nil {
		return Standard{}, err
	}
	return list[0], nil
}

// fillStandards adds requirements, acknowledgement counts and the
// caller's own acknowledgement.
func (s *Service) fillStandards(ctx context.Context, q store.Querier, sc access.Scope, list []Standard) error {
	if len(list) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]int64, len(list))
	for i, x := range list {
		at[x.ID], ids[i] = i, x.ID
	}
	err := store.EachIn(ctx, q, `SELECT sr.standard_id, f.slug, r.ref_id FROM standard_requirements sr JOIN requirements r ON r.id = sr.requirement_id
		JOIN frameworks f ON f.id = r.framework_id WHERE sr.standard_id IN `, ids, "", func(rows *sql.Rows) error {
		var id int64
		var r RequirementRef
		if err := rows.Scan(&id, &r.Framework, &r.RefID); err != nil {
			return err
		}
		list[at[id]].Requirements = append(list[at[id]].Requirements, r)
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "cannot read what the standards serve")
	}
	var units int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations WHERE kind = 'unit'`).Scan(&units); err != nil {
		return errs.Wrap(err, "cannot count the units")
	}
	acked := map[int64]int{}
	err = store.EachIn(ctx, q, `SELECT a.standard_id, a.org_id, a.status, a.note, a.version, a.updated_by, a.updated_at, o.name, o.kind, s.version
		FROM standard_acks a JOIN organizations o ON o.id = a.org_id JOIN standards s ON s.id = a.standard_id WHERE a.standard_id IN `, ids, "", func(rows *sql.Rows) error {
		var id int64
		var a Ack
		var current string
		if err := rows.Scan(&id, &a.OrgID, &a.Status, &a.Note, &a.Version, &a.UpdatedBy, &a.UpdatedAt, &a.OrgName, &a.OrgKind, &current); err != nil {
			return err
		}
		a.UpdatedAt, a.Current = a.UpdatedAt.UTC(), a.Version == current
		x := &list[at[id]]
		if a.Current {
			x.Acks[a.Status]++
			if a.OrgKind == "unit" {
				acked[id]++
			}
		}
		if a.OrgID == sc.OrgID {
			a := a
			x.Mine = &a
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "cannot read acknowledgements")
	}
	for i := range list {
		if list[i].Status == Approved {
			list[i].Pending = units - acked[list[i].ID]
		}
	}
	return nil
}

// StandardFilter narrows Standards.
type StandardFilter struct {
	Status string
	Query  string
}

// Standards lists the register: every signed-in user reads it (the
// standards are common to all); drafts only governance and
// administrators.
func (s *Service) Standards(ctx context.Context, sc access.Scope, f StandardFilter) ([]Standard, error) {
	var a store.Args
	where := []string{"TRUE"}
	if mayKeepRegister(sc) != nil {
		where = append(where, "s.status <> 'draft'")
	}
	if f.Status != "" {
		if err := errs.OneOf("status", f.Status, StandardStatuses); err != nil {
			return nil, err
		}
		where = append(where, "s.status = "+a.Add(f.Status))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		p := a.Add("%" + q + "%")
		where = append(where, "(LOWER(s.ref) LIKE "+p+" OR LOWER(s.title) LIKE "+p+")")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+standardColumns+` FROM standards s WHERE `+strings.Join(where, " AND ")+` ORDER BY s.ref`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list standards")
	}
	out := []Standard{}
	now := s.now()
	for rows.Next() {
		x, err := scanStandard(rows, now)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read a standard")
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list standards")
	}
	return out, s.fillStandards(ctx, s.db.Reader(), sc, out)
}

// StandardByID returns standard id (a draft only to governance and
// administrators; to others it is unknown).
func (s *Service) StandardByID(ctx context.Context, sc access.Scope, id int64) (Standard, error) {
	x, err := s.standard(ctx, s.db.Reader(), sc, id)
	if err == nil && x.Status == Draft && mayKeepRegister(sc) != nil {
		return Standard{}, errs.E(errs.NotFound, "no standard %d", id)
	}
	return x, err
}

// Acks lists the acknowledgements of standard id by the organisations in
// sc's reach, with every unit that has not acknowledged it (status "").
func (s *Service) Acks(ctx context.Context, sc access.Scope, id int64) ([]Ack, error) {
	x, err := s.StandardByID(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	var a store.Args
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT o.id, o.name, o.kind, COALESCE(k.status, ''), COALESCE(k.note, ''), COALESCE(k.version, ''), COALESCE(k.updated_by, ''), k.updated_at
		FROM organizations o LEFT JOIN standard_acks k ON k.org_id = o.id AND k.standard_id = `+a.Add(id)+`
		WHERE (o.kind = 'unit' OR k.org_id IS NOT NULL) AND `+sc.OrgPredicate("o.id", &a)+` ORDER BY o.kind DESC, o.name`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list acknowledgements")
	}
	defer rows.Close()
	out := []Ack{}
	for rows.Next() {
		var k Ack
		var at sql.NullTime
		if err := rows.Scan(&k.OrgID, &k.OrgName, &k.OrgKind, &k.Status, &k.Note, &k.Version, &k.UpdatedBy, &at); err != nil {
			return nil, errs.Wrap(err, "cannot read an acknowledgement")
		}
		if at.Valid {
			k.UpdatedAt = at.Time.UTC()
		}
		k.Current = k.Version != "" && k.Version == x.Version
		out = append(out, k)
	}
	return out, errs.Wrap(rows.Err(), "cannot list acknowledgements")
}

// AckChange is an organisation's acknowledgement of an approved standard.
type AckChange struct {
	Org    string `json:"org"` // code, slug or id; the caller's own if empty
	Status string `json:"status"`
	Note   string `json:"note"`
}

// Acknowledge records org's acknowledgement of the approved version of
// standard id: its unit managers (for the unit) or its CISO (for a
// municipality), or governance.
func (s *Service) Acknowledge(ctx context.Context, sc access.Scope, id int64, c AckChange) (Ack, error) {
	switch {
	case sc.IsSystem(), sc.Role == access.RoleUnitManager, sc.Role == access.RoleCISO, sc.Role == access.RoleGovernance, sc.Role == access.RoleAdmin:
	default:
		return Ack{}, errs.E(errs.Forbidden, "a standard is acknowledged by a unit's managers or a municipality's CISO")
	}
	if err := errs.OneOf("status", c.Status, AckStatuses); err != nil {
		return Ack{}, err
	}
	note, err := errs.Text("note", c.Note, 0, 2000)
	if err != nil {
		return Ack{}, err
	}
	if c.Status == "not_applicable" && note == "" {
		return Ack{}, errs.Field("note", "say why the standard does not apply")
	}
	ref := c.Org
	if ref == "" {
		ref = idString(sc.OrgID)
	}
	var out Ack
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		orgID, err := org.InReach(ctx, tx, sc, ref)
		if err != nil {
			return err
		}
		if (sc.Role == access.RoleUnitManager || sc.Role == access.RoleCISO) && orgID != sc.OrgID {
			return errs.E(errs.Forbidden, "an organisation acknowledges for itself: a unit through its managers, a municipality through its CISO")
		}
		x, err := s.standard(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if x.Status != Approved {
			if x.Status == Draft && mayKeepRegister(sc) != nil {
				return errs.E(errs.NotFound, "no standard %d", id)
			}
			return errs.Field("status", "only an approved standard is acknowledged (%s is %s)", x.Ref, x.Status)
		}
		now := s.now()
		var before string
		_ = tx.QueryRowContext(ctx, `SELECT status FROM standard_acks WHERE standard_id = $1 AND org_id = $2`, id, orgID).Scan(&before)
		if _, err := tx.ExecContext(ctx, `INSERT INTO standard_acks (standard_id, org_id, status, note, version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (standard_id, org_id) DO UPDATE SET status = excluded.status, note = excluded.note, version = excluded.version, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, id, orgID, c.Status, note, x.Version, sc.Actor().Name, now); err != nil {
			return errs.Wrap(err, "cannot record the acknowledgement")
		}
		if err := tx.QueryRowContext(ctx, `SELECT name, kind FROM organizations WHERE id = $1`, orgID).Scan(&out.OrgName, &out.OrgKind); err != nil {
			return errs.Wrap(err, "cannot read organisation %d", orgID)
		}
		out.OrgID, out.Status, out.Note, out.Version, out.Current, out.UpdatedBy, out.UpdatedAt = orgID, c.Status, note, x.Version, true, sc.Actor().Name, now
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "standard.acknowledge", TargetType: "standard", TargetID: idString(id), OrgID: orgID,
			Before: map[string]any{"status": before}, After: map[string]any{"status": c.Status, "version": x.Version, "note": note}})
	})
	return out, err
}
