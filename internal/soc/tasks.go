package soc

import (
	"context"
	"database/sql"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
)

// Task is one piece of work on a case.
type Task struct {
	ID int64 `json:"id"`
	// Template is the template step it came from ("" for an analyst's own),
	// so that the UI can show it in the reader's language.
	Template string     `json:"template,omitempty"`
	Title    string     `json:"title"`
	Owner    string     `json:"owner,omitempty"`
	Due      *time.Time `json:"due,omitempty"`
	Status   string     `json:"status"` // open, done, cancelled
	DoneAt   *time.Time `json:"done_at,omitempty"`
	// ViaCase is the case it came from by a merge.
	ViaCase int64 `json:"via_case,omitempty"`
}

// templateStep is one task a case type starts with, due After the case
// is opened.
type templateStep struct {
	key, title string
	after      time.Duration
}

// templates are the first steps per case type, after the national
// incident response guidance (contain, preserve evidence, eradicate,
// recover, learn).
var templates = map[string][]templateStep{
	"ransomware": {
		{"isolate", "Isolate affected hosts from the network", time.Hour},
		{"scope", "Establish which hosts, accounts and data are affected", 4 * time.Hour},
		{"preserve", "Preserve evidence (memory, disk images, logs) before cleaning", 4 * time.Hour},
		{"backups", "Check that backups are intact and offline", 8 * time.Hour},
		{"credentials", "Reset credentials the attacker may hold", 24 * time.Hour},
		{"restore", "Restore from clean backups and verify", 72 * time.Hour},
		{"lessons", "Hold a lessons-learned review", 14 * 24 * time.Hour},
	},
	"account-compromise": {
		{"disable", "Disable the account or reset its password and sessions", time.Hour},
		{"mfa", "Review and reset the account's MFA methods", 4 * time.Hour},
		{"activity", "Review the account's sign-ins and actions", 8 * time.Hour},
		{"persistence", "Look for mail rules, OAuth grants and new credentials", 24 * time.Hour},
		{"lessons", "Hold a lessons-learned review", 14 * 24 * time.Hour},
	},
	"phishing": {
		{"collect", "Collect the message with headers", time.Hour},
		{"recipients", "Find every recipient and who clicked or replied", 4 * time.Hour},
		{"purge", "Remove the message from mailboxes and block sender and links", 4 * time.Hour},
		{"credentials", "Reset credentials entered on the phishing page", 8 * time.Hour},
		{"warn", "Warn staff if the campaign is ongoing", 8 * time.Hour},
	},
	"ddos": {
		{"provider", "Contact the network provider's DDoS mitigation", 30 * time.Minute},
		{"traffic", "Characterise the attack traffic", 2 * time.Hour},
		{"filter", "Apply filtering or rate limits", 2 * time.Hour},
		{"communicate", "Inform users of affected services", 4 * time.Hour},
	},
	"data-leak": {
		{"stop", "Stop the leak (access, sharing, exposure)", time.Hour},
		{"scope", "Establish which data and data subjects are affected", 24 * time.Hour},
		{"dpo", "Involve the data protection officer (GDPR Art. 33 clock)", 4 * time.Hour},
		{"subjects", "Decide whether data subjects must be told (GDPR Art. 34)", 72 * time.Hour},
		{"lessons", "Hold a lessons-learned review", 14 * 24 * time.Hour},
	},
	"malware": {
		{"isolate", "Isolate the affected host", time.Hour},
		{"sample", "Secure a sample and its hashes", 4 * time.Hour},
		{"spread", "Search other hosts for the same indicators", 8 * time.Hour},
		{"clean", "Clean or reinstall the host", 24 * time.Hour},
	},
}

// TemplateKeys returns the task template keys of every case type (for
// translations).
func TemplateKeys() []string {
	seen := map[string]bool{}
	var out []string
	for _, kind := range Kinds {
		for _, st := range templates[kind] {
			if !seen[st.key] {
				seen[st.key] = true
				out = append(out, st.key)
			}
		}
	}
	return out
}

func applyTemplate(ctx context.Context, tx *sql.Tx, id int64, kind string, now time.Time) error {
	for i, st := range templates[kind] {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_tasks (case_id, template_key, title, due_at, status, position) VALUES ($1, $2, $3, $4, 'open', $5)`,
			id, st.key, st.title, now.Add(st.after), i+1); err != nil {
			return errs.Wrap(err, "cannot add the tasks of case %d", id)
		}
	}
	return nil
}

// NewTask is a task an analyst adds.
type NewTask struct {
	Title string     `json:"title"`
	Owner string     `json:"owner,omitempty"` // a username or "me"
	Due   *time.Time `json:"due,omitempty"`
}

// AddTask adds a task to case id.
func (s *Service) AddTask(ctx context.Context, sc access.Scope, id int64, n NewTask) (Task, error) {
	if err := mayWork(sc); err != nil {
		return Task{}, err
	}
	title, err := errs.Text("title", n.Title, 3, maxTitle)
	if err != nil {
		return Task{}, err
	}
	if n.Due != nil && (n.Due.Before(s.now().AddDate(-1, 0, 0)) || n.Due.After(s.now().AddDate(5, 0, 0))) {
		return Task{}, errs.Field("due", "a task is due within five years (and not more than a year ago)")
	}
	var out Task
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if c.Status == "closed" {
			return errs.E(errs.Conflict, "case %d is closed; reopen it to add tasks", id)
		}
		var count, pos int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(position), 0) FROM case_tasks WHERE case_id = $1`, id).Scan(&count, &pos); err != nil {
			return errs.Wrap(err, "cannot count the tasks of case %d", id)
		}
		if count >= maxTasks {
			return errs.E(errs.Conflict, "case %d has %d tasks, the most a case takes", id, maxTasks)
		}
		var owner any
		if n.Owner != "" {
			uid, name, err := s.member(ctx, tx, sc, id, c.OrgID, n.Owner, "owner")
			if err != nil {
				return err
			}
			owner, out.Owner = uid, name
		}
		var due any
		if n.Due != nil {
			due = n.Due.UTC()
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO case_tasks (case_id, title, owner_id, due_at, status, position) VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id`,
			id, title, owner, due, pos+1).Scan(&out.ID); err != nil {
			return errs.Wrap(err, "cannot add a task to case %d", id)
		}
		out.Title, out.Status, out.Due = title, "open", n.Due
		if err := entry(ctx, tx, id, now, sc, "task_added", title, map[string]any{"task": out.ID}); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.task_add", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			After: map[string]any{"task": out.ID, "title": title}})
	})
	return out, err
}

// TaskUpdate changes a task; nil fields keep what is there.
type TaskUpdate struct {
	Status *string `json:"status,omitempty"` // open, done, cancelled
	Owner  *string `json:"owner,omitempty"`  // a username, "me" or "none"
}

// UpdateTask changes task tid of case id.
func (s *Service) UpdateTask(ctx context.Context, sc access.Scope, id, tid int64, u TaskUpdate) (Task, error) {
	if err := mayWork(sc); err != nil {
		return Task{}, err
	}
	var out Task
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if err := s.lock(ctx, tx, id); err != nil {
			return err
		}
		c, err := get(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		ts, err := tasks(ctx, tx, id, tid)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return errs.E(errs.NotFound, "case %d has no task %d", id, tid)
		}
		cur := ts[0]
		before, after := map[string]any{}, map[string]any{}
		if u.Status != nil && *u.Status != cur.Status {
			if err := errs.OneOf("status", *u.Status, []string{"open", "done", "cancelled"}); err != nil {
				return err
			}
			var done any
			if *u.Status == "done" {
				done = now
			}
			if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET status = $1, done_at = $2 WHERE id = $3`, *u.Status, done, tid); err != nil {
				return errs.Wrap(err, "cannot update task %d", tid)
			}
			before["status"], after["status"] = cur.Status, *u.Status
		}
		if u.Owner != nil {
			var owner any
			name := ""
			if *u.Owner != "none" && *u.Owner != "" {
				uid, n, err := s.member(ctx, tx, sc, id, c.OrgID, *u.Owner, "owner")
				if err != nil {
					return err
				}
				owner, name = uid, n
			}
			if name != cur.Owner {
				if _, err := tx.ExecContext(ctx, `UPDATE case_tasks SET owner_id = $1 WHERE id = $2`, owner, tid); err != nil {
					return errs.Wrap(err, "cannot update task %d", tid)
				}
				before["owner"], after["owner"] = cur.Owner, name
			}
		}
		if len(after) == 0 {
			return errs.E(errs.Conflict, "task %d is already as asked", tid)
		}
		after["task"] = tid
		if err := entry(ctx, tx, id, now, sc, "task", cur.Title, after); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, now); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "case.task_update", TargetType: "case", TargetID: idString(id), OrgID: c.OrgID,
			Before: before, After: after}); err != nil {
			return err
		}
		ts, err = tasks(ctx, tx, id, tid)
		if err == nil {
			out = ts[0]
		}
		return err
	})
	return out, err
}

// tasks reads case id's tasks (only tid when not 0).
func tasks(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id, tid int64) ([]Task, error) {
	query := `SELECT t.id, t.template_key, t.title, COALESCE(u.username, ''), t.due_at, t.status, t.done_at, COALESCE(t.via_case, 0)
		FROM case_tasks t LEFT JOIN users u ON u.id = t.owner_id WHERE t.case_id = $1`
	args := []any{id}
	if tid != 0 {
		query += ` AND t.id = $2`
		args = append(args, tid)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY t.position, t.id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the tasks of case %d", id)
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		var t Task
		var due, done sql.NullTime
		if err := rows.Scan(&t.ID, &t.Template, &t.Title, &t.Owner, &due, &t.Status, &done, &t.ViaCase); err != nil {
			return nil, errs.Wrap(err, "cannot read a task of case %d", id)
		}
		t.Due, t.DoneAt = utcPtr(due), utcPtr(done)
		out = append(out, t)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the tasks of case %d", id)
}
