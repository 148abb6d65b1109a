package compliance

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
)

// AnswerRow is one answer of an import: the requirement by ref id, URN
// or id, and the answer as AnswerChange has it.
type AnswerRow struct {
	Requirement string
	Status      string
	Maturity    *int
	Owner       string
	Due         string
	Controls    string
	Notes       string
	Reason      string
	LiveCheck   string
}

// MaxImportRows bounds one import of answers.
const MaxImportRows = 5000

// ImportAnswers sets org's answers to framework fw in one transaction:
// each row replaces its requirement's answer, whatever its version. A
// row with an error refuses the whole import, naming the row. It returns
// how many answers it stored.
func (s *Service) ImportAnswers(ctx context.Context, sc access.Scope, orgRef, fw string, rows []AnswerRow) (int, error) {
	if err := mayAssess(sc); err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, errs.Field("rows", "nothing to import")
	}
	if len(rows) > MaxImportRows {
		return 0, errs.Field("rows", "at most %d answers at a time (got %d)", MaxImportRows, len(rows))
	}
	checks := s.checkNames()
	n := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		orgID, err := org.InReach(ctx, tx, sc, orgRef)
		if err != nil {
			return err
		}
		f, _, err := frameworkBySlug(ctx, tx, fw, "")
		if err != nil {
			return err
		}
		now := s.now()
		var aid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO assessments (org_id, framework_id, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (org_id, framework_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id`, orgID, f.key, sc.Actor().Name, now).Scan(&aid); err != nil {
			return errs.Wrap(err, "cannot open the assessment")
		}
		seen := map[int64]int{}
		answers, err := answersOf(ctx, tx, []int64{orgID})
		if err != nil {
			return err
		}
		for i, r := range rows {
			at := "row " + strconv.Itoa(i+1)
			rid, assessable, err := findRequirement(ctx, tx, f.key, r.Requirement)
			if err != nil {
				return errs.Field("rows", "%s: %v", at, err)
			}
			if !assessable {
				return errs.Field("rows", "%s: %s is a heading, not a requirement", at, r.Requirement)
			}
			if j, dup := seen[rid]; dup {
				return errs.Field("rows", "%s: %s was answered in row %d already", at, r.Requirement, j)
			}
			seen[rid] = i + 1
			c := AnswerChange{Status: &r.Status, Maturity: r.Maturity, Owner: &r.Owner, Due: &r.Due, Controls: &r.Controls, Notes: &r.Notes, Reason: &r.Reason, LiveCheck: &r.LiveCheck}
			next, err := c.apply(answerRow{status: NotAssessed}, checks)
			if err != nil {
				e := errs.As(err)
				if e == nil {
					return err
				}
				return errs.Field("rows", "%s: %s: %s", at, e.Field, e.Message)
			}
			var maturity, due any
			if next.maturity != nil {
				maturity = *next.maturity
			}
			if next.due != nil {
				due = *next.due
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_answers (assessment_id, requirement_id, status, maturity, owner, due, controls, notes, reason, live_check, version, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12)
				ON CONFLICT (assessment_id, requirement_id) DO UPDATE SET status = excluded.status, maturity = excluded.maturity, owner = excluded.owner, due = excluded.due,
				controls = excluded.controls, notes = excluded.notes, reason = excluded.reason, live_check = excluded.live_check,
				version = assessment_answers.version + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				aid, rid, next.status, maturity, next.owner, due, next.controls, next.notes, next.reason, next.live, sc.Actor().Name, now); err != nil {
				return errs.Wrap(err, "cannot store the answers")
			}
			// Each answer's own record, as SetAnswer writes it, so that
			// its history shows the import.
			before, ok := answers[orgID][rid]
			if !ok {
				before = answerRow{status: NotAssessed}
			}
			if err := audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "compliance.answer", TargetType: "requirement", TargetID: idString(rid), OrgID: orgID,
				Before: before.audit(), After: next.audit()}); err != nil {
				return err
			}
			n++
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "compliance.import", TargetType: "framework", TargetID: f.ID, OrgID: orgID,
			After: map[string]any{"answers": n}})
	})
	return n, err
}

// csvColumns are the columns of a statement of applicability.
var csvColumns = []string{"requirement", "title", "status", "maturity", "owner", "due", "applied_controls", "notes", "reason", "live_check"}

// ReadAnswersCSV reads answers from CSV with a header row naming
// requirement and status, and any of maturity, owner, due,
// applied_controls, notes, reason and live_check (what WriteSoA writes;
// title is ignored, and lines derived through a mapping are skipped). An
// error names the line.
func ReadAnswersCSV(r io.Reader) ([]AnswerRow, error) {
	cr := csv.NewReader(io.LimitReader(r, 8<<20))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, errs.Field("file", "line 1: cannot read the header row: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"requirement", "status"} {
		if _, ok := col[need]; !ok {
			return nil, errs.Field("file", "line 1: the header has no %s column (columns: %s)", need, strings.Join(csvColumns, ", "))
		}
	}
	var out []AnswerRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errs.Field("file", "line %d: %v", line, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return restore(strings.TrimSpace(rec[i]))
			}
			return ""
		}
		row := AnswerRow{Requirement: get("requirement"), Status: get("status"), Owner: get("owner"), Due: get("due"), Controls: get("applied_controls"),
			Notes: get("notes"), Reason: get("reason"), LiveCheck: get("live_check")}
		if row.Requirement == "" && row.Status == "" || get("derived_from") != "" {
			continue // derived lines are not answers of one's own
		}
		if m := get("maturity"); m != "" {
			v, err := strconv.Atoi(m)
			if err != nil {
				return nil, errs.Field("file", "line %d: maturity %q is not a number from 0 to 5", line, m)
			}
			row.Maturity = &v
		}
		out = append(out, row)
		if len(out) > MaxImportRows {
			return nil, errs.Field("file", "more than %d answers", MaxImportRows)
		}
	}
	return out, nil
}

// defuse keeps a spreadsheet from reading a cell as a formula: a value
// that starts with = + - @ or a tab or carriage return gets a leading
// apostrophe (which ReadAnswersCSV removes again).
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// restore undoes defuse.
func restore(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// WriteSoA writes a as a statement of applicability in CSV: one line per
// assessable requirement with its effective status (derived ones marked),
// in ReadAnswersCSV's columns.
func WriteSoA(w io.Writer, a Assessment) error {
	// A byte-order mark, so that spreadsheets read the Danish letters.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(csvColumns, "derived_from")); err != nil {
		return err
	}
	for _, x := range a.Items {
		if !x.Assessable {
			continue
		}
		maturity, due, from := "", "", ""
		if x.Maturity != nil {
			maturity = strconv.Itoa(*x.Maturity)
		}
		if x.Due != nil {
			due = x.Due.Format("2006-01-02")
		}
		status := x.Answered
		if x.Derived != nil {
			from = x.Derived.Framework + ":" + x.Derived.RefID + " (" + x.Derived.Relationship + ")"
			status = x.Status
		}
		row := []string{x.RefID, x.Name, status, maturity, x.Owner, due, x.Controls, x.Notes, x.Reason, x.LiveCheck, from}
		for i := range row {
			row[i] = defuse(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
