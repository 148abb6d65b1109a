package needs

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// NewNeed is a need or piece of feedback to submit.
type NewNeed struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	// Org is the municipality it comes from (a code, slug or id): the
	// caller's own when empty; another only within the caller's reach.
	Org      string `json:"org"`
	Kind     string `json:"kind"`     // need (default) or feedback
	Why      string `json:"why"`      // why it is needed
	Affected string `json:"affected"` // who is affected
	Priority string `json:"priority"` // low, medium (default) or high
}

// Create submits n for a municipality: its users for their own, a unit's
// users and governance on behalf of one within their reach. The submitter
// follows the need from then on, and the supplying unit's managers are
// told. An organisation out of reach answers as an unknown one does.
func (s *Service) Create(ctx context.Context, sc access.Scope, n NewNeed) (Detail, error) {
	if err := mayTakePart(sc); err != nil {
		return Detail{}, err
	}
	err := errs.Texts(errs.TextField{Name: "title", V: &n.Title, Min: 1, Max: MaxTitle}, errs.TextField{Name: "description", V: &n.Description, Min: 1, Max: MaxDescription},
		errs.TextField{Name: "why", V: &n.Why, Min: 0, Max: MaxWhy}, errs.TextField{Name: "affected", V: &n.Affected, Min: 0, Max: MaxAffected})
	if err != nil {
		return Detail{}, err
	}
	if n.Kind == "" {
		n.Kind = "need"
	}
	if err := errs.OneOf("kind", n.Kind, Kinds); err != nil {
		return Detail{}, err
	}
	if n.Priority == "" {
		n.Priority = "medium"
	}
	if err := errs.OneOf("priority", n.Priority, Priorities); err != nil {
		return Detail{}, err
	}
	var id int64
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		orgID, orgName, err := municipality(ctx, tx, sc, n.Org, false)
		if err != nil {
			return err
		}
		now := s.now()
		var by any
		if sc.UserID != 0 {
			by = sc.UserID
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO needs (org_id, kind, title, description, why, affected, priority, status, status_at, submitted_by, submitter, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $9, $10, $8, $8) RETURNING id`,
			orgID, n.Kind, n.Title, n.Description, n.Why, n.Affected, n.Priority, now, by, sc.Actor().Name).Scan(&id)
		if err != nil {
			return errs.Wrap(err, "cannot store the need")
		}
		if sc.UserID != 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO need_followers (need_id, user_id, since) VALUES ($1, $2, $3)`, id, sc.UserID, now); err != nil {
				return errs.Wrap(err, "cannot make the submitter follow need %d", id)
			}
		}
		var supplier sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT supplier_id FROM organizations WHERE id = $1`, orgID).Scan(&supplier); err != nil {
			return errs.Wrap(err, "cannot find the unit of organisation %d", orgID)
		}
		if supplier.Valid {
			if _, err := notify.Queue(ctx, tx, notify.Notice{OrgID: supplier.Int64, Roles: []access.Role{access.RoleUnitManager}, Kind: "need.submitted",
				NeedID: id, Subject: subject(id, n.Title), Body: orgName, At: now}); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "need.create", TargetType: "need", TargetID: idString(id), OrgID: orgID,
			After: map[string]any{"title": n.Title, "kind": n.Kind, "priority": n.Priority, "org": orgName}})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, sc, id)
}

// municipality resolves ref (the caller's own organisation when empty,
// else a code, slug or id within sc's reach) to a municipality, with its
// name, for a need or (vote) for a vote.
func municipality(ctx context.Context, q store.Querier, sc access.Scope, ref string, vote bool) (int64, string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		switch {
		case !sc.IsSystem() && sc.OrgKind == string(org.KindMunicipality):
		case vote:
			return 0, "", errs.Field("org", "name the municipality that needs this too")
		default:
			return 0, "", errs.Field("org", "name the municipality the need comes from")
		}
		ref = idString(sc.OrgID)
	}
	id, err := org.InReach(ctx, q, sc, ref)
	if err != nil {
		return 0, "", err
	}
	var kind, name string
	if err := q.QueryRowContext(ctx, `SELECT kind, name FROM organizations WHERE id = $1`, id).Scan(&kind, &name); err != nil {
		return 0, "", errs.Wrap(err, "cannot read organisation %d", id)
	}
	if kind != string(org.KindMunicipality) {
		return 0, "", errs.Field("org", "%s is not a municipality; needs and votes come from municipalities", name)
	}
	return id, name, nil
}

// subject is how notices name need id.
func subject(id int64, title string) string { return "#" + idString(id) + " " + title }

// Filter narrows List. Zero values mean "any".
type Filter struct {
	Statuses  []string // any of these
	Kind      string
	OrgID     int64 // the submitting organisation
	Query     string
	Following bool   // only needs the caller follows
	Sort      string // one of Sorts; newest by default
	Limit     int    // default 50, at most 500
	Offset    int
}

// supportSQL counts the organisations that want need n: its submitter,
// its voters, and the submitters and voters of its duplicates.
const supportSQL = `(SELECT COUNT(*) FROM (SELECT n.org_id AS org_id
	UNION SELECT v.org_id FROM need_votes v WHERE v.need_id = n.id
	UNION SELECT x.org_id FROM needs x WHERE x.duplicate_of = n.id
	UNION SELECT w.org_id FROM need_votes w JOIN needs y ON y.id = w.need_id WHERE y.duplicate_of = n.id) s)`

const fromNeeds = ` FROM needs n JOIN organizations o ON o.id = n.org_id LEFT JOIN needs d ON d.id = n.duplicate_of`

// columns selects a need as sc may see it, adding its arguments to a.
func columns(sc access.Scope, a *store.Args) string {
	reach := sc.OrgPredicate("n.org_id", a)
	decide := decideExpr(sc, a, "n.org_id")
	orgp, uid := a.Add(sc.OrgID), a.Add(sc.UserID)
	internal := internalExpr(sc, a, "n.org_id")
	return `n.id, n.kind, n.title, n.description, n.why, n.affected, n.priority, n.status, n.status_reason, n.status_at,
		COALESCE(n.duplicate_of, 0), COALESCE(d.title, ''), COALESCE(d.status, ''), n.org_id, o.slug, COALESCE(o.code, ''), o.name,
		CASE WHEN ` + reach + ` THEN n.submitter ELSE '' END, n.version, n.created_at, n.updated_at,
		CASE WHEN EXISTS (SELECT 1 FROM need_votes v WHERE v.need_id = n.id AND v.org_id = ` + orgp + `) THEN 1 ELSE 0 END,
		CASE WHEN EXISTS (SELECT 1 FROM need_followers f WHERE f.need_id = n.id AND f.user_id = ` + uid + `) THEN 1 ELSE 0 END,
		(SELECT COUNT(*) FROM need_comments c WHERE c.need_id = n.id AND (NOT c.internal OR ` + internal + `)),
		CASE WHEN ` + decide + ` THEN 1 ELSE 0 END, CASE WHEN ` + internal + ` THEN 1 ELSE 0 END, ` + supportSQL + ` AS support`
}

func scanNeed(row interface{ Scan(...any) error }) (Need, error) {
	var x Need
	var dupID int64
	var dupTitle, dupStatus string
	var voted, following, decide, internal int
	err := row.Scan(&x.ID, &x.Kind, &x.Title, &x.Description, &x.Why, &x.Affected, &x.Priority, &x.Status, &x.StatusReason, &x.StatusAt,
		&dupID, &dupTitle, &dupStatus, &x.Org.ID, &x.Org.Slug, &x.Org.Code, &x.Org.Name,
		&x.SubmittedBy, &x.Version, &x.CreatedAt, &x.UpdatedAt, &voted, &following, &x.CommentCount, &decide, &internal, &x.Support)
	if err != nil {
		return x, err
	}
	x.StatusAt, x.CreatedAt, x.UpdatedAt = x.StatusAt.UTC(), x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	if dupID != 0 {
		x.DuplicateOf = &Ref{ID: dupID, Title: dupTitle, Status: dupStatus}
	}
	x.Voted, x.Following, x.MayDecide, x.SeesInternal = voted == 1, following == 1, decide == 1, internal == 1
	x.Voters, x.AlsoWantedBy = []org.Ref{}, []org.Ref{}
	return x, nil
}

// where is the condition of f, with its arguments in a.
func where(sc access.Scope, f Filter, a *store.Args) string {
	cond := []string{"TRUE"}
	if len(f.Statuses) > 0 {
		ps := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ps[i] = a.Add(st)
		}
		cond = append(cond, "n.status IN ("+strings.Join(ps, ", ")+")")
	}
	if f.Kind != "" {
		cond = append(cond, "n.kind = "+a.Add(f.Kind))
	}
	if f.OrgID != 0 {
		cond = append(cond, "n.org_id = "+a.Add(f.OrgID))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		p := a.Add("%" + q + "%")
		cond = append(cond, "(LOWER(n.title) LIKE "+p+" OR LOWER(n.description) LIKE "+p+")")
	}
	if f.Following {
		cond = append(cond, "EXISTS (SELECT 1 FROM need_followers ff WHERE ff.need_id = n.id AND ff.user_id = "+a.Add(sc.UserID)+")")
	}
	return strings.Join(cond, " AND ")
}

var orders = map[string]string{
	"newest":  "n.id DESC",
	"oldest":  "n.id",
	"votes":   "support DESC, n.id DESC",
	"status":  "CASE n.status WHEN 'received' THEN 0 WHEN 'under_consideration' THEN 1 WHEN 'planned' THEN 2 WHEN 'done' THEN 3 WHEN 'declined' THEN 4 ELSE 5 END, n.id DESC",
	"updated": "n.updated_at DESC, n.id DESC",
}

// check validates f and fills in its defaults.
func (f *Filter) check() error {
	for _, st := range f.Statuses {
		if err := errs.OneOf("status", st, Statuses); err != nil {
			return err
		}
	}
	if f.Kind != "" {
		if err := errs.OneOf("kind", f.Kind, Kinds); err != nil {
			return err
		}
	}
	if f.Sort == "" {
		f.Sort = "newest"
	}
	if err := errs.OneOf("sort", f.Sort, Sorts); err != nil {
		return err
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 0 || f.Limit > 500 {
		return errs.Field("limit", "want 1 to 500 needs a page, got %d", f.Limit)
	}
	if f.Offset < 0 {
		return errs.Field("cursor", "want a cursor from a previous page, got %d", f.Offset)
	}
	if len(f.Query) > 200 {
		return errs.Field("q", "search for at most 200 characters")
	}
	return nil
}

// List returns the needs matching f, in f.Sort's order, a page at a time,
// with the total matching count. Every signed-in user lists every need.
func (s *Service) List(ctx context.Context, sc access.Scope, f Filter) ([]Need, int, error) {
	if err := mayRead(sc); err != nil {
		return nil, 0, err
	}
	if err := f.check(); err != nil {
		return nil, 0, err
	}
	q := s.db.Reader()
	var ca store.Args
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM needs n WHERE `+where(sc, f, &ca), ca.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count needs")
	}
	var a store.Args
	cols := columns(sc, &a)
	cond := where(sc, f, &a)
	rows, err := q.QueryContext(ctx, `SELECT `+cols+fromNeeds+` WHERE `+cond+` ORDER BY `+orders[f.Sort]+
		` LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list needs")
	}
	out := []Need{}
	for rows.Next() {
		x, err := scanNeed(rows)
		if err != nil {
			rows.Close()
			return nil, 0, errs.Wrap(err, "cannot read a need")
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "cannot list needs")
	}
	if _, err := fill(ctx, q, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Get returns need id with the comments sc may read (the internal ones
// only where Need.SeesInternal) and its duplicates.
func (s *Service) Get(ctx context.Context, sc access.Scope, id int64) (Detail, error) {
	if err := mayRead(sc); err != nil {
		return Detail{}, err
	}
	q := s.db.Reader()
	var a store.Args
	cols := columns(sc, &a)
	x, err := scanNeed(q.QueryRowContext(ctx, `SELECT `+cols+fromNeeds+` WHERE n.id = `+a.Add(id), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Detail{}, errNoNeed(id)
	}
	if err != nil {
		return Detail{}, errs.Wrap(err, "cannot read need %d", id)
	}
	list := []Need{x}
	dups, err := fill(ctx, q, list)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Need: list[0], Comments: []Comment{}, DuplicateList: []Ref{}}
	for _, dup := range dups[id] {
		d.DuplicateList = append(d.DuplicateList, dup.Ref)
	}
	var ca store.Args
	cond := `c.need_id = ` + ca.Add(id)
	if !d.SeesInternal {
		cond += ` AND NOT c.internal`
	}
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.org_id, o.slug, COALESCE(o.code, ''), o.name, CASE WHEN `+sc.OrgPredicate("c.org_id", &ca)+` THEN c.author ELSE '' END,
		c.body, c.internal, c.created_at FROM need_comments c JOIN organizations o ON o.id = c.org_id WHERE `+cond+` ORDER BY c.id`, ca.Values()...)
	if err != nil {
		return Detail{}, errs.Wrap(err, "cannot read the comments on need %d", id)
	}
	defer rows.Close()
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.Org.ID, &c.Org.Slug, &c.Org.Code, &c.Org.Name, &c.Author, &c.Body, &c.Internal, &c.CreatedAt); err != nil {
			return Detail{}, errs.Wrap(err, "cannot read a comment on need %d", id)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		d.Comments = append(d.Comments, c)
	}
	return d, errs.Wrap(rows.Err(), "cannot read the comments on need %d", id)
}

// duplicate is a need marked as a duplicate, with its organisation.
type duplicate struct {
	Ref
	org org.Ref
}

// fill adds each need's voters, the organisations that want it through
// its duplicates, and their counts; it returns the duplicates of each.
func fill(ctx context.Context, q store.Querier, list []Need) (map[int64][]duplicate, error) {
	dups := map[int64][]duplicate{}
	if len(list) == 0 {
		return dups, nil
	}
	ids := make([]int64, len(list))
	for i, x := range list {
		ids[i] = x.ID
	}
	var dupIDs []int64
	err := store.EachIn(ctx, q, `SELECT d.id, d.title, d.status, d.duplicate_of, d.org_id, o.slug, COALESCE(o.code, ''), o.name
		FROM needs d JOIN organizations o ON o.id = d.org_id WHERE d.duplicate_of IN `, ids, ` ORDER BY d.id`, func(rows *sql.Rows) error {
		var x duplicate
		var of int64
		if err := rows.Scan(&x.ID, &x.Title, &x.Status, &of, &x.org.ID, &x.org.Slug, &x.org.Code, &x.org.Name); err != nil {
			return err
		}
		dups[of] = append(dups[of], x)
		dupIDs = append(dupIDs, x.ID)
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the duplicates of needs")
	}
	votes := map[int64][]org.Ref{}
	err = store.EachIn(ctx, q, `SELECT v.need_id, v.org_id, o.slug, COALESCE(o.code, ''), o.name FROM need_votes v JOIN organizations o ON o.id = v.org_id
		WHERE v.need_id IN `, append(ids, dupIDs...), ` ORDER BY o.name, o.id`, func(rows *sql.Rows) error {
		var id int64
		var r org.Ref
		if err := rows.Scan(&id, &r.ID, &r.Slug, &r.Code, &r.Name); err != nil {
			return err
		}
		votes[id] = append(votes[id], r)
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the votes on needs")
	}
	for i := range list {
		x := &list[i]
		seen := map[int64]bool{x.Org.ID: true}
		for _, v := range votes[x.ID] {
			x.Voters = append(x.Voters, v)
			seen[v.ID] = true
		}
		for _, d := range dups[x.ID] {
			for _, r := range append([]org.Ref{d.org}, votes[d.ID]...) {
				if !seen[r.ID] {
					seen[r.ID] = true
					x.AlsoWantedBy = append(x.AlsoWantedBy, r)
				}
			}
		}
		x.Votes, x.Duplicates, x.Support = len(x.Voters), len(dups[x.ID]), len(seen)
	}
	return dups, nil
}
