package backup

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/audit"
)

// Format is the version of the backup file's layout this package writes
// and the newest it reads.
const Format = 1

// manifestName is the first entry of a backup file; the data directory's
// files follow under dataPrefix.
const (
	manifestName = "samdrift-backup.json"
	dataPrefix   = "data/"
)

// Manifest describes a backup: what made it, the database's schema version,
// the audit chain and the counts at backup time, and every file with its
// size and SHA-256.
type Manifest struct {
	Format          int       `json:"format"`
	SamdriftVersion string    `json:"samdrift_version"`
	Created         time.Time `json:"created"`
	Host            string    `json:"host,omitempty"`
	DataDir         string    `json:"data_dir"`
	// Dialect is "sqlite" (the database is in the file) or "postgres"
	// (it is not; see PostgreSQL).
	Dialect       string `json:"dialect"`
	SchemaVersion int    `json:"schema_version"`
	// Spine says whether the in-process event spine was copied.
	Spine      bool       `json:"spine"`
	Audit      AuditState `json:"audit"`
	Counts     Counts     `json:"counts"`
	PostgreSQL *PITR      `json:"postgresql,omitempty"`
	Files      []File     `json:"files"`
}

// File is one file of the data directory in a backup.
type File struct {
	// Path is slash-separated and relative to the data directory.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Mode   uint32 `json:"mode"`
}

// AuditState is the audit chain as checked at backup or restore time.
type AuditState struct {
	// Records is how many records were checked.
	Records int64 `json:"records"`
	// Head is the chain's head (record number and hash).
	Head audit.Anchor `json:"head"`
	// Intact is false when the chain did not verify; Broken says where.
	Intact bool   `json:"intact"`
	Broken string `json:"broken,omitempty"`
}

// Counts are the rows a restore is checked against.
type Counts struct {
	Organizations int64 `json:"organizations"`
	Users         int64 `json:"users"`
	Tickets       int64 `json:"tickets"`
	AuditRecords  int64 `json:"audit_records"`
	Events        int64 `json:"events"`
}

// countNames are the counts in the order they are printed.
var countNames = []string{"organisations", "users", "tickets", "audit records", "stored events"}

// List returns the counts in the order of CountNames.
func (c Counts) List() []int64 {
	return []int64{c.Organizations, c.Users, c.Tickets, c.AuditRecords, c.Events}
}

// CountNames names the values of Counts.List, for people.
func CountNames() []string { return append([]string(nil), countNames...) }

// TotalBytes is the sum of the files' sizes.
func (m *Manifest) TotalBytes() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// parseManifest reads and checks a manifest: a known format, and file
// paths that stay inside the data directory.
func parseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("its manifest is not valid JSON: %w", err)
	}
	if m.Format < 1 {
		return nil, fmt.Errorf("its manifest has no format number")
	}
	if m.Format > Format {
		return nil, fmt.Errorf("it has format %d, this samdrift reads up to %d: restore it with the samdrift version that made it (%s) or a newer one",
			m.Format, Format, m.SamdriftVersion)
	}
	if m.Dialect != "sqlite" && m.Dialect != "postgres" {
		return nil, fmt.Errorf("its manifest names database %q; want sqlite or postgres", m.Dialect)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if !safePath(f.Path) {
			return nil, fmt.Errorf("its manifest lists %q, a path outside the data directory", f.Path)
		}
		if seen[f.Path] {
			return nil, fmt.Errorf("its manifest lists %s twice", f.Path)
		}
		if f.Size < 0 || len(f.SHA256) != 64 {
			return nil, fmt.Errorf("its manifest's entry for %s has no size or SHA-256", f.Path)
		}
		seen[f.Path] = true
	}
	return &m, nil
}

// safePath reports whether p is a clean relative slash path that stays
// inside the directory it is relative to.
func safePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.Contains(p, ":") {
		return false
	}
	if path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return false
	}
	return true
}
