package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel/misp"
)

// Status is a TAXII 2.1 status resource: what adding objects did.
type Status struct {
	ID           string         `json:"id"`
	Status       string         `json:"status"` // complete (samdrift imports at once)
	RequestTime  string         `json:"request_timestamp"`
	TotalCount   int            `json:"total_count"`
	SuccessCount int            `json:"success_count"`
	FailureCount int            `json:"failure_count"`
	PendingCount int            `json:"pending_count"`
	Failures     []StatusDetail `json:"failures,omitempty"`
}

// StatusDetail names an object that was not taken, and why.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// AddObjects imports a TAXII envelope (or STIX bundle) posted to
// collection c: nothing it brings is shared more widely than the
// collection's TLP, and it becomes the poster's organisation's. A
// malformed envelope is refused whole; objects samdrift cannot use are
// reported as failures in the status.
func (s *Service) AddObjects(ctx context.Context, sc access.Scope, c Collection, data []byte) (Status, error) {
	if err := mayShare(sc); err != nil {
		return Status{}, err
	}
	var env struct {
		Objects []struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return Status{}, errs.Field("body", "not a TAXII envelope: %v", err)
	}
	now := s.now()
	res, err := s.ImportSTIX(ctx, sc, data, ImportOptions{Name: "TAXII " + c.Alias, TLP: c.TLP, Default: c.TLP})
	if err != nil {
		return Status{}, err
	}
	st := Status{ID: misp.NewUUID(), Status: "complete", RequestTime: now.Format("2006-01-02T15:04:05.000000Z"), TotalCount: len(env.Objects)}
	// Each object skipped or refused is named by its path, "$.objects[i]: …"
	// or "$.objects[i].pattern: …" (not every message names its id).
	failed := map[int]string{}
	for _, sk := range append(res.Skipped, res.Indicators.Rejected...) {
		rest, ok := strings.CutPrefix(sk, "$.objects[")
		n, _, ok2 := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(n); ok && ok2 && err == nil && i >= 0 && i < len(env.Objects) {
			if _, dup := failed[i]; !dup {
				failed[i] = sk
			}
		}
	}
	for i, o := range env.Objects {
		if msg, ok := failed[i]; ok {
			st.Failures = append(st.Failures, StatusDetail{ID: o.ID, Version: o.Modified, Message: msg})
		}
	}
	st.FailureCount = len(st.Failures)
	st.SuccessCount = st.TotalCount - st.FailureCount
	details, _ := json.Marshal(st.Failures)
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO taxii_status (id, user_id, created_at, total, success, failure, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			st.ID, sc.UserID, now.UnixMicro(), st.TotalCount, st.SuccessCount, st.FailureCount, string(details))
		return errs.Wrap(err, "cannot record the status")
	})
	return st, err
}

// Status returns a status resource the caller created (others' are
// unknown to it).
func (s *Service) Status(ctx context.Context, sc access.Scope, id string) (Status, error) {
	var st Status
	var created int64
	var details string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, created_at, total, success, failure, details FROM taxii_status WHERE id = $1 AND user_id = $2`,
		id, sc.UserID).Scan(&st.ID, &created, &st.TotalCount, &st.SuccessCount, &st.FailureCount, &details)
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, errs.E(errs.NotFound, "no status %s", id)
	}
	if err != nil {
		return Status{}, errs.Wrap(err, "cannot read status %s", id)
	}
	st.Status, st.RequestTime = "complete", time.UnixMicro(created).UTC().Format("2006-01-02T15:04:05.000000Z")
	if err := json.Unmarshal([]byte(details), &st.Failures); err != nil {
		return Status{}, errs.Wrap(err, "cannot read status %s", id)
	}
	return st, nil
}
