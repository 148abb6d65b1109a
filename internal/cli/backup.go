package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/samdrift/samdrift/internal/app"
	"github.com/samdrift/samdrift/internal/backup"
)

func backupCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("backup", stdio)
	db := addDBFlags(fs)
	to := fs.String("to", "", "backup file to write (a gzip'd tar; it must not exist; not inside --data)")
	quiet := fs.Bool("quiet", false, "print only the summary, no progress")
	return &ffcli.Command{
		Name:       "backup",
		ShortUsage: "samdrift backup --data DIR --to FILE [--db URL]",
		ShortHelp:  "back up the data directory and the database into one file (works while serve runs)",
		LongHelp: `Writes one file: a manifest (samdrift-backup.json: version, schema version,
audit chain head, counts, every file with its SHA-256) and the data
directory's files: the SQLite database (an online, consistent copy), the
event spine (events acknowledged to senders and not yet stored), the ingest
TLS key and the audit anchors. It works while serve runs on the directory.

With --db (PostgreSQL) the database is not in the file: back it up with
pg_dump or WAL archiving. The command checks the server's archiving
(wal_level, archive_mode, archive_command, pg_stat_archiver) and pg_dump,
says what is and is not covered, and records the counts and the audit
chain's head so that restore can check a recovered database.

The file holds password hashes, TOTP secrets and the TLS key: keep it as
safe as the server. See docs/BACKUP.md.` + "\n" + configHelp,
		FlagSet: fs,
		Options: ffOptions,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("backup takes no arguments, got %q", args)
			}
			if *to == "" {
				return errors.New("give the backup file to write with --to FILE")
			}
			var progress io.Writer = stdio.Err
			if *quiet {
				progress = nil
			}
			res, err := backup.Create(ctx, backup.Options{DataDir: db.data, DBURL: db.db, To: *to, Version: app.Version, Progress: progress})
			if err != nil {
				return fmt.Errorf("backup failed: %w", err)
			}
			m := res.Manifest
			w := stdio.Out
			fmt.Fprintf(w, "backup written: %s (%s; %d files, %s before compression)\n", *to, backup.Size(res.Bytes), len(m.Files), backup.Size(m.TotalBytes()))
			fmt.Fprintf(w, "  samdrift %s, %s database, schema version %d\n", m.SamdriftVersion, m.Dialect, m.SchemaVersion)
			printAudit(w, m.Audit)
			printCounts(w, "  ", m.Counts, nil)
			if m.Spine {
				fmt.Fprintln(w, "  event spine: copied (events acknowledged to senders and not yet stored come back at the next start)")
			} else {
				fmt.Fprintln(w, "  event spine: none under --data (with --nats it lives in your NATS cluster; back that up there)")
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(w, "  skipped: %s\n", s)
			}
			if p := m.PostgreSQL; p != nil {
				fmt.Fprintf(w, "PostgreSQL %s: the database is NOT in this file.\n", p.ServerVersion)
				fmt.Fprintf(w, "  wal_level %s, archive_mode %s, %s\n", p.WALLevel, p.ArchiveMode, orNone(p.Archiver, "no archive_command"))
				if p.LastArchivedAt != nil {
					fmt.Fprintf(w, "  last WAL archived: %s at %s\n", p.LastArchived, p.LastArchivedAt.Format("2006-01-02 15:04:05 MST"))
				}
				if p.Covered {
					fmt.Fprintln(w, "  point-in-time recovery: covered (WAL is archived; keep base backups with it)")
				} else {
					fmt.Fprintln(w, "  point-in-time recovery: NOT covered")
				}
				if p.PgDump != "" {
					fmt.Fprintf(w, "  %s\n", p.PgDumpVersion)
				}
				for _, n := range p.Notes {
					fmt.Fprintf(w, "  ! %s\n", n)
				}
				fmt.Fprintln(w, "  dump the database now with: pg_dump --format=custom --file=samdrift.dump '<the --db URL>'   (docs/BACKUP.md)")
			}
			if !m.Audit.Intact {
				fmt.Fprintln(w, "WARNING: the audit chain is broken in this backup; it is kept as it is. Investigate with samdrift audit verify.")
			}
			return nil
		},
	}
}

func restoreCommand(stdio IO) *ffcli.Command {
	fs := newFlagSet("restore", stdio)
	db := addDBFlags(fs)
	from := fs.String("from", "", "backup file written by samdrift backup")
	force := fs.Bool("force", false, "restore into a non-empty --data: its contents are moved aside to DIR.before-restore-TIME (stop serve first)")
	quiet := fs.Bool("quiet", false, "print only the summary, no progress")
	return &ffcli.Command{
		Name:       "restore",
		ShortUsage: "samdrift restore --data DIR --from FILE [--force] [--db URL]",
		ShortHelp:  "restore a backup into a data directory and check it",
		LongHelp: `Restores a file written by samdrift backup into --data, which must be empty
or missing (or give --force; stop serve on it first). Every file's size and
SHA-256 are checked against the manifest, and the restored database's audit
chain and counts against those recorded at backup time, before the
directory is put in place by one rename: a damaged backup changes nothing.
A backup of a newer schema than this samdrift knows is refused.

A backup taken with PostgreSQL does not hold the database: restore that with
pg_restore or point-in-time recovery first, then run restore with --db URL
to restore the data directory and check the database against the backup.
See docs/BACKUP.md.` + "\n" + configHelp,
		FlagSet: fs,
		Options: ffOptions,
		Exec: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("restore takes no arguments, got %q", args)
			}
			if *from == "" {
				return errors.New("give the backup file with --from FILE")
			}
			var progress io.Writer = stdio.Err
			if *quiet {
				progress = nil
			}
			res, err := backup.Restore(ctx, backup.RestoreOptions{DataDir: db.data, DBURL: db.db, From: *from, Force: *force, Progress: progress})
			if err != nil {
				return fmt.Errorf("restore failed: %w", err)
			}
			m := res.Manifest
			w := stdio.Out
			fmt.Fprintf(w, "restored %s into %s: %d files (%s), every SHA-256 matches the manifest\n", *from, db.data, res.Files, backup.Size(res.Bytes))
			fmt.Fprintf(w, "  backup taken %s by samdrift %s on %s, schema version %d\n", m.Created.Format("2006-01-02 15:04:05 MST"), orNone(m.SamdriftVersion, "?"), orNone(m.Host, "?"), m.SchemaVersion)
			printAudit(w, res.Audit)
			fmt.Fprintf(w, "  the backup's audit head (record %d) is there", m.Audit.Head.Seq)
			if res.Anchors > 0 {
				fmt.Fprintf(w, "; the anchors restored with it hold (%d)", res.Anchors)
			}
			fmt.Fprintln(w)
			printCounts(w, "  ", res.Counts, &m.Counts)
			for _, n := range res.Notes {
				fmt.Fprintf(w, "  note: %s\n", n)
			}
			if res.SetAside != "" {
				fmt.Fprintf(w, "the previous contents of %s are in %s; remove them when you are satisfied\n", db.data, res.SetAside)
			}
			if m.Spine {
				fmt.Fprintln(w, "the event spine was restored: events acknowledged but not stored at backup time are stored at the next start")
			}
			start := "samdrift serve --data " + db.data
			if db.db != "" {
				start += " --db '<URL>'"
			}
			fmt.Fprintf(w, "start it with: %s (it applies any newer migrations)\n", start)
			fmt.Fprintln(w, "anchors kept elsewhere that were taken after the backup name records this restore does not have: audit verify --anchors reports them as missing")
			return nil
		},
	}
}

func printAudit(w io.Writer, a backup.AuditState) {
	if a.Intact {
		fmt.Fprintf(w, "  audit chain intact: %d records, head %d %s…\n", a.Records, a.Head.Seq, a.Head.Hash[:min(12, len(a.Head.Hash))])
		return
	}
	fmt.Fprintf(w, "  audit chain BROKEN: %s (%d records before it intact)\n", a.Broken, a.Records)
}

// printCounts prints counts, beside the backup's when want is not nil.
func printCounts(w io.Writer, indent string, c backup.Counts, want *backup.Counts) {
	names, have := backup.CountNames(), c.List()
	var parts []string
	for i, n := range names {
		s := fmt.Sprintf("%s %d", n, have[i])
		if want != nil {
			if w := want.List()[i]; w == have[i] {
				s += " (as in the backup)"
			} else {
				s += fmt.Sprintf(" (backup: %d)", w)
			}
		}
		parts = append(parts, s)
	}
	if want == nil {
		fmt.Fprintf(w, "%scounts: %s\n", indent, strings.Join(parts, ", "))
		return
	}
	for _, p := range parts {
		fmt.Fprintf(w, "%s%s\n", indent, p)
	}
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
