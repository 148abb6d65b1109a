package backup

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/store"
)

// PITR is what a PostgreSQL server's settings say about its backups: WAL
// archiving (point-in-time recovery) and the pg_dump on this machine.
type PITR struct {
	ServerVersion string `json:"server_version"`
	WALLevel      string `json:"wal_level"`
	ArchiveMode   string `json:"archive_mode"`
	// Archiver is the archive_command or archive_library in force, empty
	// when none is set, "(hidden)" when this user may not read it.
	Archiver       string     `json:"archiver"`
	LastArchived   string     `json:"last_archived_wal,omitempty"`
	LastArchivedAt *time.Time `json:"last_archived_at,omitempty"`
	LastFailed     string     `json:"last_failed_wal,omitempty"`
	LastFailedAt   *time.Time `json:"last_failed_at,omitempty"`
	// Covered says WAL is archived: the server can be brought back to any
	// moment since its last base backup.
	Covered bool `json:"covered"`
	// PgDump is the pg_dump found on this machine ("" when none) and its
	// version line.
	PgDump        string `json:"pg_dump,omitempty"`
	PgDumpVersion string `json:"pg_dump_version,omitempty"`
	// Notes say what is not covered and what to do about it.
	Notes []string `json:"notes,omitempty"`
}

// checkPITR reads the server's archiving settings and looks for pg_dump.
func checkPITR(ctx context.Context, db *store.DB) (*PITR, error) {
	q := db.Reader()
	p := &PITR{}
	// pg_settings shows a user only the settings it may read (no error):
	// archive_command is hidden from most roles, and archive_library
	// exists from PostgreSQL 15.
	rows, err := q.QueryContext(ctx, `SELECT name, setting FROM pg_settings
		WHERE name IN ('server_version', 'server_version_num', 'wal_level', 'archive_mode', 'archive_command', 'archive_library')`)
	if err != nil {
		return nil, fmt.Errorf("cannot read the PostgreSQL server's WAL settings: %w", err)
	}
	set := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read the PostgreSQL server's WAL settings: %w", err)
		}
		set[name] = value
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the PostgreSQL server's WAL settings: %w", err)
	}
	p.ServerVersion, p.WALLevel, p.ArchiveMode = set["server_version"], set["wal_level"], set["archive_mode"]
	versionNum, _ := strconv.Atoi(set["server_version_num"])
	command, commandVisible := set["archive_command"]
	switch {
	case set["archive_library"] != "":
		p.Archiver = "archive_library = " + set["archive_library"]
	case command != "" && command != "(disabled)":
		p.Archiver = "archive_command = " + command
	case !commandVisible:
		p.Archiver = "(hidden)"
	}
	var lastWAL, failWAL sql.NullString
	var lastAt, failAt sql.NullTime
	if err := q.QueryRowContext(ctx, `SELECT last_archived_wal, last_archived_time, last_failed_wal, last_failed_time FROM pg_stat_archiver`).
		Scan(&lastWAL, &lastAt, &failWAL, &failAt); err == nil {
		p.LastArchived, p.LastFailed = lastWAL.String, failWAL.String
		if lastAt.Valid {
			t := lastAt.Time.UTC()
			p.LastArchivedAt = &t
		}
		if failAt.Valid {
			t := failAt.Time.UTC()
			p.LastFailedAt = &t
		}
	}
	archiving := p.ArchiveMode == "on" || p.ArchiveMode == "always"
	p.Covered = archiving && p.WALLevel != "minimal" && p.Archiver != "" && p.Archiver != "(hidden)"
	switch {
	case p.WALLevel == "minimal":
		p.Notes = append(p.Notes, "wal_level is minimal: point-in-time recovery is impossible; set wal_level = replica and restart PostgreSQL")
	case !archiving:
		p.Notes = append(p.Notes, "archive_mode is "+p.ArchiveMode+": WAL is not archived, so only your pg_dump or pg_basebackup snapshots can be restored; for point-in-time recovery set archive_mode = on and an archive_command (or use pgBackRest, Barman or WAL-G)")
	case p.Archiver == "":
		p.Notes = append(p.Notes, "archive_mode is on but neither archive_command nor archive_library is set: WAL is kept until archived, which never happens; set one")
	case p.Archiver == "(hidden)":
		p.Notes = append(p.Notes, "this user may not read archive_command; check it as a superuser (or grant pg_read_all_settings) before relying on point-in-time recovery")
	}
	if p.LastFailedAt != nil && (p.LastArchivedAt == nil || p.LastFailedAt.After(*p.LastArchivedAt)) {
		p.Covered = false
		p.Notes = append(p.Notes, fmt.Sprintf("the last WAL archiving attempt failed (%s at %s): see the PostgreSQL log", p.LastFailed, p.LastFailedAt.Format(time.RFC3339)))
	} else if archiving && p.LastArchivedAt == nil {
		p.Notes = append(p.Notes, "no WAL segment has been archived yet; check that archiving works (SELECT pg_switch_wal(), then pg_stat_archiver)")
	}
	if bin, err := exec.LookPath("pg_dump"); err != nil {
		p.Notes = append(p.Notes, "pg_dump is not installed on this machine; install the PostgreSQL client tools of the server's version (or newer) to take dumps here")
	} else {
		p.PgDump = bin
		out, err := exec.CommandContext(ctx, bin, "--version").Output()
		p.PgDumpVersion = strings.TrimSpace(string(out))
		if err != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("%s --version failed: %v", bin, err))
		} else if major := dumpMajor(p.PgDumpVersion); major > 0 && major < versionNum/10000 {
			p.Notes = append(p.Notes, fmt.Sprintf("%s is version %d, older than the server (%d): pg_dump refuses a newer server; install pg_dump %d or newer",
				bin, major, versionNum/10000, versionNum/10000))
		}
	}
	return p, nil
}

var dumpVersion = regexp.MustCompile(`\b(\d+)(\.\d+)*\b`)

// dumpMajor is the major version in pg_dump --version output
// ("pg_dump (PostgreSQL) 16.2 (Debian 16.2-1)"), or 0.
func dumpMajor(s string) int {
	m := dumpVersion.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
