package servicedesk

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// MaxAttachment is the largest file a ticket takes.
const MaxAttachment = 10 << 20

// Attachment is a file on a ticket's timeline.
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
	Data        []byte `json:"-"`
}

// Attach adds a file to ticket id's timeline (internal: seen only by the
// caller's organisation). Whoever may comment may attach.
func (s *Service) Attach(ctx context.Context, sc access.Scope, id int64, name, contentType string, data []byte, internal bool) (Ticket, error) {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "" || name == "." || name == "/" || len(name) > 200 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n\"") {
		return Ticket{}, errs.Field("name", "give the file's name (at most 200 characters, no quotes or line breaks)")
	}
	if len(data) == 0 {
		return Ticket{}, errs.Field("file", "the file is empty")
	}
	if len(data) > MaxAttachment {
		return Ticket{}, errs.Field("file", "at most %d MiB per file, got %.1f MiB", MaxAttachment>>20, float64(len(data))/(1<<20))
	}
	if contentType == "" || contentType == "application/octet-stream" || len(contentType) > 100 {
		contentType = http.DetectContentType(data)
	}
	sum := sha256.Sum256(data)
	return s.mutate(ctx, sc, id, 0, "attach", func(ctx context.Context, tx *sql.Tx, now time.Time, c *change) error {
		t := c.t
		if err := closed(t); err != nil {
			return err
		}
		if !onMunicipalitySide(sc, t) && !(t.Tier == 2 && onUnitSide(sc, t)) {
			return errs.E(errs.Forbidden, "only the municipality's SPOC and, once escalated, the unit's service desk add files to ticket %d", id)
		}
		eid, err := addEntry(ctx, tx, id, now, sc, "attachment", internal, name, map[string]any{"size": len(data), "content_type": contentType})
		if err != nil {
			return err
		}
		var aid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO ticket_attachments (ticket_id, entry_id, name, content_type, size, sha256, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, eid, name, contentType, len(data), hex.EncodeToString(sum[:]), data).Scan(&aid); err != nil {
			return errs.Wrap(err, "cannot store attachment")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ticket_entries SET detail = $1 WHERE id = $2`,
			`{"attachment":`+idString(aid)+`,"size":`+idString(int64(len(data)))+`}`, eid); err != nil {
			return errs.Wrap(err, "cannot link attachment")
		}
		c.touched = true
		c.after["attachment"] = map[string]any{"id": aid, "name": name, "size": len(data), "sha256": hex.EncodeToString(sum[:]), "internal": internal}
		return nil
	})
}

// Attachment returns file aid of ticket id if sc may see the ticket and
// the entry it belongs to.
func (s *Service) Attachment(ctx context.Context, sc access.Scope, id, aid int64) (Attachment, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return Attachment{}, errs.E(errs.Unauthorized, "log in first")
	}
	q := s.db.Reader()
	if _, _, err := s.get(ctx, q, sc, id, false); err != nil {
		return Attachment{}, err
	}
	var a store.Args
	cond := `x.id = ` + a.Add(aid) + ` AND x.ticket_id = ` + a.Add(id)
	if sc.Reach != access.ReachAll {
		cond += ` AND (NOT e.internal OR e.actor_org_id = ` + a.Add(sc.OrgID) + `)`
	}
	var f Attachment
	err := q.QueryRowContext(ctx, `SELECT x.id, x.name, x.content_type, x.size, x.sha256, x.data FROM ticket_attachments x
		JOIN ticket_entries e ON e.id = x.entry_id WHERE `+cond, a.Values()...).Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, errs.E(errs.NotFound, "ticket %d has no file %d", id, aid)
	}
	return f, errs.Wrap(err, "cannot load file %d", aid)
}
