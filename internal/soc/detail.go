package soc

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/store"
)

// Entry is one step on a case's timeline: an analyst's note, a change, a
// linked alert (and when it was first seen), a task, a report, a merge.
type Entry struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Kind   string         `json:"kind"`
	Body   string         `json:"body,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
	// ViaCase is the case it came from by a merge.
	ViaCase int64 `json:"via_case,omitempty"`
}

// File is evidence attached to a case.
type File struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	At          time.Time `json:"at"`
	Data        []byte    `json:"-"`
}

// TicketRef is a service-desk ticket raised from a case, as the case's
// readers see it.
type TicketRef struct {
	ID       int64     `json:"id"`
	Title    string    `json:"title"`
	Status   string    `json:"status"`
	Priority string    `json:"priority"`
	Unit     string    `json:"unit"`
	Tier     int       `json:"tier"`
	Created  time.Time `json:"created_at"`
}

// LinkedAlert is an alert on a case.
type LinkedAlert struct {
	detect.Alert
	LinkedAt time.Time `json:"linked_at"`
	LinkedBy string    `json:"linked_by"`
	ViaCase  int64     `json:"via_case,omitempty"`
}

// Detail is a case with everything on it.
type Detail struct {
	Case
	Members     []string      `json:"members"`
	AlertList   []LinkedAlert `json:"alert_list"`
	Observables []Observable  `json:"observables"`
	Tasks       []Task        `json:"tasks"`
	Timeline    []Entry       `json:"timeline"`
	Files       []File        `json:"files"`
	Tickets     []TicketRef   `json:"tickets"`
	Reporting   Reporting     `json:"reporting"`
	// MergedFrom are the cases merged into this one.
	MergedFrom []int64 `json:"merged_from"`
}

// Detail returns case id with its alerts, observables (each with how many
// other cases in sc's reach share it), tasks, files, tickets, reporting
// clocks and its timeline — notes and changes merged with the times its
// alerts were first and last seen — oldest first.
func (s *Service) Detail(ctx context.Context, sc access.Scope, id int64) (Detail, error) {
	q := s.db.Reader()
	c, err := get(ctx, q, sc, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Case: c, Members: []string{}, AlertList: []LinkedAlert{}, Timeline: []Entry{}, Files: []File{}, Tickets: []TicketRef{}, MergedFrom: []int64{}}
	if d.Members, err = members(ctx, q, id); err != nil {
		return d, err
	}
	if d.Tasks, err = tasks(ctx, q, id, 0); err != nil {
		return d, err
	}
	subs, err := submissions(ctx, q, id)
	if err != nil {
		return d, err
	}
	d.Reporting = reportingOf(c, subs, s.now())
	if err := d.readAlerts(ctx, q, sc); err != nil {
		return d, err
	}
	if err := d.readObservables(ctx, q, sc); err != nil {
		return d, err
	}
	if err := d.readTimeline(ctx, q); err != nil {
		return d, err
	}
	if d.Files, err = files(ctx, q, id, 0, false); err != nil {
		return d, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM cases WHERE merged_into = $1 ORDER BY id`, id)
	if err != nil {
		return d, errs.Wrap(err, "cannot read merges into case %d", id)
	}
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return d, errs.Wrap(err, "cannot read merges into case %d", id)
		}
		d.MergedFrom = append(d.MergedFrom, m)
	}
	rows.Close()
	if s.Desk != nil {
		ts, err := s.Desk.TicketsOfCase(ctx, id)
		if err != nil {
			return d, err
		}
		for _, t := range ts {
			d.Tickets = append(d.Tickets, TicketRef{ID: t.ID, Title: t.Title, Status: string(t.Status), Priority: t.Priority, Unit: t.UnitName, Tier: t.Tier, Created: t.CreatedAt})
		}
	}
	return d, nil
}

func (d *Detail) readAlerts(ctx context.Context, q store.Querier, sc access.Scope) error {
	rows, err := q.QueryContext(ctx, `SELECT alert_id, linked_at, linked_by, COALESCE(via_case, 0) FROM case_alerts WHERE case_id = $1 ORDER BY alert_id`, d.ID)
	if err != nil {
		return errs.Wrap(err, "cannot read the alerts of case %d", d.ID)
	}
	type link struct {
		at      time.Time
		by      string
		viaCase int64
	}
	links := map[int64]link{}
	var ids []int64
	for rows.Next() {
		var id int64
		var l link
		if err := rows.Scan(&id, &l.at, &l.by, &l.viaCase); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read the alerts of case %d", d.ID)
		}
		links[id] = l
		ids = append(ids, id)
	}
	rows.Close()
	// The case's reader sees the case's organisation, and every linked
	// alert is of that organisation; AlertsByID scopes all the same.
	for len(ids) > 0 {
		n := min(len(ids), 500)
		as, err := detect.AlertsByID(ctx, q, sc, ids[:n])
		if err != nil {
			return err
		}
		for _, a := range as {
			l := links[a.ID]
			d.AlertList = append(d.AlertList, LinkedAlert{Alert: a, LinkedAt: l.at.UTC(), LinkedBy: l.by, ViaCase: l.viaCase})
		}
		ids = ids[n:]
	}
	return nil
}

func (d *Detail) readObservables(ctx context.Context, q store.Querier, sc access.Scope) error {
	var a store.Args
	p := a.Add(d.ID)
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.kind, o.value, o.note, o.source, o.created_at,
		(SELECT COUNT(DISTINCT o2.case_id) FROM case_observables o2 JOIN cases c ON c.id = o2.case_id
			WHERE o2.kind = o.kind AND o2.value = o.value AND o2.case_id <> o.case_id AND c.merged_into IS NULL AND `+visible(sc, &a)+`)
		FROM case_observables o WHERE o.case_id = `+p+` ORDER BY o.kind, o.value`, a.Values()...)
	if err != nil {
		return errs.Wrap(err, "cannot read the observables of case %d", d.ID)
	}
	defer rows.Close()
	d.Observables = []Observable{}
	for rows.Next() {
		var o Observable
		if err := rows.Scan(&o.ID, &o.Kind, &o.Value, &o.Note, &o.Source, &o.At, &o.Cases); err != nil {
			return errs.Wrap(err, "cannot read an observable of case %d", d.ID)
		}
		o.At = o.At.UTC()
		d.Observables = append(d.Observables, o)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot read the observables of case %d", d.ID)
	}
	rows.Close()
	values := make([]string, len(d.Observables))
	for i, o := range d.Observables {
		values[i] = o.Value
	}
	known, err := detect.IndicatorsFor(ctx, q, sc, values)
	if err != nil {
		return err
	}
	for i, o := range d.Observables {
		d.Observables[i].Indicator = known[o.Value]
	}
	return nil
}

func (d *Detail) readTimeline(ctx context.Context, q store.Querier) error {
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor, kind, body, detail, COALESCE(via_case, 0) FROM case_entries WHERE case_id = $1 ORDER BY at, id`, d.ID)
	if err != nil {
		return errs.Wrap(err, "cannot read the timeline of case %d", d.ID)
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var detail string
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Kind, &e.Body, &detail, &e.ViaCase); err != nil {
			return errs.Wrap(err, "cannot read the timeline of case %d", d.ID)
		}
		e.At = e.At.UTC()
		if detail != "" && detail != "{}" {
			_ = json.Unmarshal([]byte(detail), &e.Detail)
		}
		d.Timeline = append(d.Timeline, e)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot read the timeline of case %d", d.ID)
	}
	// What the attacker did, from the alerts: first and last seen.
	for _, a := range d.AlertList {
		d.Timeline = append(d.Timeline, Entry{At: a.FirstSeen, Actor: "detection", Kind: "alert_first_seen", Body: a.Title,
			Detail: map[string]any{"alert": a.ID, "level": a.Level, "key": a.Key, "count": a.Count}})
		if a.LastSeen.After(a.FirstSeen) {
			d.Timeline = append(d.Timeline, Entry{At: a.LastSeen, Actor: "detection", Kind: "alert_last_seen", Body: a.Title,
				Detail: map[string]any{"alert": a.ID, "level": a.Level, "key": a.Key, "count": a.Count}})
		}
	}
	slices.SortStableFunc(d.Timeline, func(x, y Entry) int { return x.At.Compare(y.At) })
	return nil
}

// EventIDs returns the ids of the events behind a case's alerts (the
// first ones each alert kept), for a search.
func (d Detail) EventIDs() []string {
	var out []string
	for _, a := range d.AlertList {
		out = append(out, a.EventIDs...)
	}
	return out
}

// AddMember adds a colleague to case id's team (someone who works
// security cases of its organisation).
func (s *Service) AddMember(ctx context.Context, sc access.Scope, id int64, username string) error {
	if err := mayWork(sc); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		uid, name, err := s.member(ctx, tx, sc, id, c.OrgID, username, "username")
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_members WHERE case_id = $1`, id).Scan(&n); err != nil {
			return errs.Wrap(err, "cannot count the team of case %d", id)
		}
		if n >= maxMembers {
			return errs.E(errs.Conflict, "case %d has %d members, the most a case takes", id, maxMembers)
		}
		now := s.now()
		r, err := tx.ExecContext(ctx, `INSERT INTO case_members (case_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, uid, now)
		if err != nil {
			return errs.Wrap(err, "cannot add %s to case %d", name, id)
		}
		if k, _ := r.RowsAffected(); k == 0 {
			return errs.E(errs.Conflict, "%s is on case %d already", name, id)
		}
		if err := entry(ctx, tx, id, now, sc, "member", name, nil); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.member", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: map[string]any{"member": name}})
	})
}

func members(ctx context.Context, q store.Querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.username FROM case_members m JOIN users u ON u.id = m.user_id WHERE m.case_id = $1 ORDER BY u.username`, id)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the team of case %d", id)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, errs.Wrap(err, "cannot read the team of case %d", id)
		}
		out = append(out, u)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the team of case %d", id)
}

// Attach adds an evidence file to case id, with its SHA-256.
func (s *Service) Attach(ctx context.Context, sc access.Scope, id int64, name, contentType string, data []byte) (File, error) {
	if err := mayWork(sc); err != nil {
		return File{}, err
	}
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "" || name == "." || name == "/" || len(name) > 200 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n\"") {
		return File{}, errs.Field("file", "give the file's name (at most 200 characters, no quotes or line breaks)")
	}
	if len(data) == 0 {
		return File{}, errs.Field("file", "the file is empty")
	}
	if len(data) > MaxFile {
		return File{}, errs.Field("file", "a file has at most %d MiB", MaxFile>>20)
	}
	if contentType == "" || len(contentType) > 200 {
		contentType = http.DetectContentType(data)
	}
	sum := sha256.Sum256(data)
	f := File{Name: name, ContentType: contentType, Size: len(data), SHA256: hex.EncodeToString(sum[:]), UploadedBy: sc.Actor().Name}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := limit(ctx, tx, "case_files", id, maxFiles, "files"); err != nil {
			return err
		}
		f.At = s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO case_files (case_id, name, content_type, size, sha256, data, uploaded_by, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, id, f.Name, f.ContentType, f.Size, f.SHA256, data, f.UploadedBy, f.At).Scan(&f.ID); err != nil {
			return errs.Wrap(err, "cannot store the file")
		}
		if err := entry(ctx, tx, id, f.At, sc, "file", f.Name, map[string]any{"file": f.ID, "sha256": f.SHA256, "size": f.Size}); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, f.At); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.file", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: map[string]any{"name": f.Name, "sha256": f.SHA256, "size": f.Size}})
	})
	return f, err
}

// File returns evidence file fid of case id with its content.
func (s *Service) File(ctx context.Context, sc access.Scope, id, fid int64) (File, error) {
	q := s.db.Reader()
	if _, err := get(ctx, q, sc, id); err != nil {
		return File{}, err
	}
	fs, err := files(ctx, q, id, fid, true)
	if err != nil {
		return File{}, err
	}
	if len(fs) == 0 {
		return File{}, errs.E(errs.NotFound, "case %d has no file %d", id, fid)
	}
	return fs[0], nil
}

func files(ctx context.Context, q store.Querier, id, fid int64, data bool) ([]File, error) {
	cols := `id, name, content_type, size, sha256, uploaded_by, at`
	if data {
		cols += `, data`
	}
	query := `SELECT ` + cols + ` FROM case_files WHERE case_id = $1`
	args := []any{id}
	if fid != 0 {
		query += ` AND id = $2`
		args = append(args, fid)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the files of case %d", id)
	}
	defer rows.Close()
	out := []File{}
	for rows.Next() {
		var f File
		dest := []any{&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.At}
		if data {
			dest = append(dest, &f.Data)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, errs.Wrap(err, "cannot read a file of case %d", id)
		}
		f.At = f.At.UTC()
		out = append(out, f)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the files of case %d", id)
}

// TicketRequest asks for a service-desk ticket from a case.
type TicketRequest struct {
	// To: "unit" (the municipality's supplying unit, with a handover) or
	// "municipality" (its SPOC).
	To          string `json:"to"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Impact      int    `json:"impact,omitempty"`  // 1 high – 3 low; default from the case's severity
	Urgency     int    `json:"urgency,omitempty"` // 1 high – 3 low; default from the case's severity
}

// RaiseTicket raises a service-desk incident from case id ("isolate this
// server") for the case's municipality, to its unit or its SPOC, and
// notes it on the case. The ticket's number and status show on the case.
func (s *Service) RaiseTicket(ctx context.Context, sc access.Scope, id int64, r TicketRequest) (TicketRef, error) {
	if err := mayWork(sc); err != nil {
		return TicketRef{}, err
	}
	if s.Desk == nil {
		return TicketRef{}, errs.E(errs.Internal, "the service desk is not wired to cases")
	}
	if r.To != "unit" && r.To != "municipality" {
		return TicketRef{}, errs.Field("to", `say where the ticket goes: "unit" or "municipality"`)
	}
	c, err := get(ctx, s.db.Reader(), sc, id)
	if err != nil {
		return TicketRef{}, err
	}
	if c.Status == "closed" || c.MergedInto != 0 {
		return TicketRef{}, errs.E(errs.Conflict, "case %d is closed; reopen it to raise tickets", id)
	}
	var kind string
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, c.OrgID).Scan(&kind); err != nil {
		return TicketRef{}, errs.Wrap(err, "cannot read organisation %d", c.OrgID)
	}
	if kind != "municipality" {
		return TicketRef{}, errs.E(errs.Conflict, "tickets are raised from a municipality's case; case %d is about %s", id, c.OrgName)
	}
	sev := map[string]int{"critical": 1, "high": 1, "medium": 2, "low": 3}[c.Severity]
	if r.Impact == 0 {
		r.Impact = sev
	}
	if r.Urgency == 0 {
		r.Urgency = sev
	}
	desc := strings.TrimSpace(r.Description)
	if desc != "" {
		desc += "\n\n"
	}
	desc += "Security case #" + idString(id) + ": " + c.Title
	h := servicedesk.Handover{Tried: "Raised by the SOC from security case #" + idString(id), Affected: c.OrgName + ": " + c.Title,
		Contact: sc.Actor().Name}
	t, err := s.Desk.RaiseForCase(ctx, sc, id, c.OrgID, servicedesk.NewTicket{Title: r.Title, Description: desc, Impact: r.Impact, Urgency: r.Urgency,
		Requester: sc.Actor().Name}, r.To == "unit", h)
	if err != nil {
		return TicketRef{}, err
	}
	ref := TicketRef{ID: t.ID, Title: t.Title, Status: string(t.Status), Priority: t.Priority, Unit: t.UnitName, Tier: t.Tier, Created: t.CreatedAt}
	// The ticket is committed and carries the case's id (tickets.case_id),
	// so the case shows it even if this step on the timeline fails.
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := entry(ctx, tx, id, now, sc, "ticket", t.Title, map[string]any{"ticket": t.ID, "to": r.To}); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.ticket", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: map[string]any{"ticket": t.ID, "to": r.To, "title": t.Title}})
	})
	return ref, err
}

// Merge merges cases from into case into: their alerts, observables and
// tasks move over marked with the case they came from, their timelines
// are copied with the same mark, and each merged case is closed as
// "merged" pointing to into — kept, so its provenance stays readable.
// All cases must belong to one organisation.
func (s *Service) Merge(ctx context.Context, sc access.Scope, into int64, from []int64) (Case, error) {
	if err := mayWork(sc); err != nil {
		return Case{}, err
	}
	from = slices.Compact(slices.Sorted(slices.Values(from)))
	switch {
	case len(from) == 0:
		return Case{}, errs.Field("cases", "choose the cases to merge into case %d", into)
	case len(from) > 50:
		return Case{}, errs.Field("cases", "merge at most 50 cases at a time")
	case slices.Contains(from, into):
		return Case{}, errs.Field("cases", "case %d cannot be merged into itself", into)
	}
	var out Case
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, append([]int64{into}, from...)...); err != nil {
			return err
		}
		target, err := get(ctx, tx, sc, into)
		if err != nil {
			return err
		}
		if target.MergedInto != 0 || target.Status == "closed" {
			return errs.E(errs.Conflict, "case %d is closed; merge into an open case", into)
		}
		for _, id := range from {
			src, err := get(ctx, tx, sc, id)
			if errs.CodeOf(err) == errs.NotFound {
				return errs.Field("cases", "no case %d", id)
			}
			if err != nil {
				return err
			}
			if src.OrgID != target.OrgID {
				return errs.Field("cases", "case %d is about another organisation than case %d; only one organisation's cases merge", id, into)
			}
			if src.MergedInto != 0 {
				return errs.Field("cases", "case %d was merged into case %d already", id, src.MergedInto)
			}
			for _, q := range []string{
				`INSERT INTO case_alerts (case_id, alert_id, linked_at, linked_by, via_case)
					SELECT $1, alert_id, linked_at, linked_by, $2 FROM case_alerts WHERE case_id = $2 ON CONFLICT DO NOTHING`,
				`INSERT INTO case_observables (case_id, kind, value, note, source, created_at)
					SELECT $1, kind, value, note, $3, created_at FROM case_observables WHERE case_id = $2 ON CONFLICT DO NOTHING`,
				`INSERT INTO case_tasks (case_id, template_key, title, owner_id, due_at, status, done_at, position, via_case)
					SELECT $1, template_key, title, owner_id, due_at, status, done_at, position + 1000, $2 FROM case_tasks WHERE case_id = $2`,
				`INSERT INTO case_entries (case_id, at, actor, kind, body, detail, via_case)
					SELECT $1, at, actor, kind, body, detail, $2 FROM case_entries WHERE case_id = $2`,
				`INSERT INTO case_members (case_id, user_id, added_at) SELECT $1, user_id, added_at FROM case_members WHERE case_id = $2 ON CONFLICT DO NOTHING`,
			} {
				args := []any{into, id}
				if strings.Contains(q, "$3") {
					args = append(args, "case "+idString(id))
				}
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return errs.Wrap(err, "cannot merge case %d into case %d", id, into)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET status = 'cancelled' WHERE case_id = $1 AND status = 'open'`, id); err != nil {
				return errs.Wrap(err, "cannot merge case %d", id)
			}
			r, err := tx.ExecContext(ctx, `UPDATE cases SET status = 'closed', resolution = 'merged', merged_into = $1, closed_at = $2, updated_at = $2,
				version = version + 1 WHERE id = $3 AND merged_into IS NULL`, into, now, id)
			if err != nil {
				return errs.Wrap(err, "cannot close merged case %d", id)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return errs.E(errs.Conflict, "case %d was merged by someone else just now; reload it", id)
			}
			// The merged case pages no more; its work goes on in the target.
			if _, err := oncall.ResolveSubject(ctx, tx, oncall.KindCase, id, now); err != nil {
				return err
			}
			if err := entry(ctx, tx, id, now, sc, "merged_into", "", map[string]any{"case": into}); err != nil {
				return err
			}
			if err := entry(ctx, tx, into, now, sc, "merged", src.Title, map[string]any{"case": id}); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.merge", TargetType: "case", TargetID: idString(id), OrgID: src.OrgID,
				Before: map[string]any{"status": src.Status}, After: map[string]any{"merged_into": into}}); err != nil {
				return err
			}
		}
		for _, lim := range []struct {
			table, what string
			max         int
		}{{"case_observables", "observables", maxObservables + 1}, {"case_tasks", "tasks", maxTasks + 1}, {"case_members", "team members", maxMembers + 1},
			{"case_entries", "timeline entries", maxEntries + 1}} {
			if err := limit(ctx, tx, lim.table, into, lim.max, lim.what); err != nil {
				return errs.E(errs.Conflict, "merging would give case %d more %s than a case takes; merge fewer cases", into, lim.what)
			}
		}
		if err := touch(ctx, tx, into, now); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.merge_into", TargetType: "case", TargetID: idString(into), OrgID: target.OrgID,
			After: map[string]any{"merged": from}}); err != nil {
			return err
		}
		out, err = get(ctx, tx, sc, into)
		return err
	})
	return out, err
}
