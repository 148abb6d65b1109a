package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Store keeps catalog versions and offerings. Parsed versions are
// immutable and kept in memory once read.
type Store struct {
	db    *store.DB
	mu    sync.RWMutex
	cache map[string]*Catalog
	now   func() time.Time
}

// NewStore returns a Store over db.
func NewStore(db *store.DB) *Store {
	return &Store{db: db, cache: map[string]*Catalog{}, now: store.Now}
}

// VersionInfo describes one published catalog version.
type VersionInfo struct {
	Version     string    `json:"version"`
	Title       Text      `json:"title"`
	Effective   string    `json:"effective"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
	Services    int       `json:"services"`
	Mandatory   int       `json:"mandatory_levels"`
}

func mayRead(sc access.Scope) error {
	if sc.UserID == 0 && !sc.IsSystem() {
		return errs.E(errs.Unauthorized, "log in first")
	}
	return nil
}

// Publish parses src and stores it as a new catalog version. Publishing the
// same version with the same content again changes nothing; the same version
// with different content is a conflict (versions are immutable). Problems in
// src come back as an Invalid error listing FILE:LINE: message.
func (s *Store) Publish(ctx context.Context, sc access.Scope, file string, src []byte) (VersionInfo, bool, error) {
	if !sc.Can(access.PublishCatalog) {
		return VersionInfo{}, false, errs.E(errs.Forbidden, "only an administrator may publish catalog versions")
	}
	c, err := Parse(file, src)
	if err != nil {
		return VersionInfo{}, false, &errs.Error{Code: errs.Invalid, Field: "catalog", Message: err.Error(), Err: err}
	}
	content, err := json.Marshal(c)
	if err != nil {
		return VersionInfo{}, false, errs.Wrap(err, "cannot encode catalog")
	}
	created := false
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var existing string
		err := tx.QueryRowContext(ctx, `SELECT content FROM catalog_versions WHERE version = $1`, c.Version).Scan(&existing)
		if err == nil {
			if existing != string(content) {
				return errs.E(errs.Conflict, "catalog version %s exists with other content; give the new catalog a new version", c.Version)
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return errs.Wrap(err, "cannot look up catalog version %s", c.Version)
		}
		title, _ := json.Marshal(c.Title)
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_versions (version, title, effective, source, content, published_at, published_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.Version, string(title), c.Effective, string(src), string(content), s.now(), sc.Actor().Name); err != nil {
			return errs.Wrap(err, "cannot store catalog version %s", c.Version)
		}
		created = true
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "catalog.publish", TargetType: "catalog", TargetID: c.Version,
			After: map[string]any{"version": c.Version, "services": len(c.Services), "mandatory_levels": len(c.Minimum())}})
	})
	if err != nil {
		return VersionInfo{}, false, err
	}
	_, info, err := s.Get(ctx, sc, c.Version)
	return info, created, err
}

// EnsureStandard publishes the shipped standard catalog when the database
// has no catalog at all, so that every installation starts with one. Later
// versions (shipped or written by the secretariat) are published on purpose
// with Publish, never behind the secretariat's back.
func (s *Store) EnsureStandard(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_versions`).Scan(&n); err != nil {
		return false, errs.Wrap(err, "cannot count catalog versions")
	}
	if n > 0 {
		return false, nil
	}
	_, created, err := s.Publish(ctx, access.System("catalog"), "standard/catalog.yaml", standardYAML)
	return created, err
}

// Versions lists the published versions, newest first.
func (s *Store) Versions(ctx context.Context, sc access.Scope) ([]VersionInfo, error) {
	if err := mayRead(sc); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT version FROM catalog_versions ORDER BY id DESC`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list catalog versions")
	}
	var names []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read catalog version")
		}
		names = append(names, v)
	}
	rows.Close()
	out := make([]VersionInfo, 0, len(names))
	for _, v := range names {
		_, info, err := s.Get(ctx, sc, v)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// Get returns catalog version v ("" or "current": the newest published).
// The catalog is public to every signed-in user.
func (s *Store) Get(ctx context.Context, sc access.Scope, v string) (*Catalog, VersionInfo, error) {
	if err := mayRead(sc); err != nil {
		return nil, VersionInfo{}, err
	}
	q := `SELECT version, effective, content, published_at, published_by FROM catalog_versions WHERE version = $1`
	args := []any{v}
	if v == "" || v == "current" {
		q = `SELECT version, effective, content, published_at, published_by FROM catalog_versions ORDER BY id DESC LIMIT 1`
		args = nil
	}
	var info VersionInfo
	var content string
	err := s.db.Reader().QueryRowContext(ctx, q, args...).Scan(&info.Version, &info.Effective, &content, &info.PublishedAt, &info.PublishedBy)
	if errors.Is(err, sql.ErrNoRows) {
		if args == nil {
			return nil, VersionInfo{}, errs.E(errs.NotFound, "no catalog has been published yet")
		}
		return nil, VersionInfo{}, errs.E(errs.NotFound, "no catalog version %q", v)
	}
	if err != nil {
		return nil, VersionInfo{}, errs.Wrap(err, "cannot load catalog version %q", v)
	}
	info.PublishedAt = info.PublishedAt.UTC()
	c, err := s.parsed(info.Version, content)
	if err != nil {
		return nil, VersionInfo{}, err
	}
	info.Title, info.Services, info.Mandatory = c.Title, len(c.Services), len(c.Minimum())
	return c, info, nil
}

func (s *Store) parsed(version, content string) (*Catalog, error) {
	s.mu.RLock()
	c, ok := s.cache[version]
	s.mu.RUnlock()
	if ok {
		return c, nil
	}
	c = &Catalog{}
	if err := json.Unmarshal([]byte(content), c); err != nil {
		return nil, errs.Wrap(err, "catalog version %s is stored corrupt", version)
	}
	s.mu.Lock()
	s.cache[version] = c
	s.mu.Unlock()
	return c, nil
}

// Compare returns the changes from version a to version b.
func (s *Store) Compare(ctx context.Context, sc access.Scope, a, b string) ([]Change, error) {
	ca, _, err := s.Get(ctx, sc, a)
	if err != nil {
		return nil, errs.InField("from", err)
	}
	cb, _, err := s.Get(ctx, sc, b)
	if err != nil {
		return nil, errs.InField("to", err)
	}
	return Diff(ca, cb), nil
}
