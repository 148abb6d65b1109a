package compliance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/compliance/library"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// InstallResult is what installing one library did.
type InstallResult struct {
	Library      string `json:"library"` // its URN
	Version      int    `json:"version"`
	Framework    string `json:"framework,omitempty"` // the slug of its framework, if it has one
	Requirements int    `json:"requirements"`
	Controls     int    `json:"controls"`
	Mappings     int    `json:"mappings"`
	// Removed counts requirements an earlier version had and this one
	// has not (their answers go with them).
	Removed   int  `json:"removed"`
	Unchanged bool `json:"unchanged"` // the same file was installed already
}

// MaxLibraryBytes bounds one library file: CISO Assistant's largest are
// a few MiB, and parsing takes some fifty times a file's size in memory.
const MaxLibraryBytes = 4 << 20

// MaxLibraryFiles bounds the files of one import.
const MaxLibraryFiles = 20

// InstallBuiltin installs (or upgrades) the libraries that ship with
// samdrift (library.Builtin), each unless the same file is installed
// already. Run at start; it is safe on several nodes at once.
func (s *Service) InstallBuiltin(ctx context.Context) ([]InstallResult, error) {
	files, err := library.Builtin()
	if err != nil {
		return nil, err
	}
	return s.installAll(ctx, access.System("compliance"), files, true)
}

// ImportLibraries installs library files (CISO Assistant's YAML format),
// by name, checked together: a file with errors refuses them all, with
// FILE:LINE messages. A library of the same URN is replaced by a newer
// version (requirements are kept by URN with their answers; those the new
// version lacks are removed); an older version or a different file of the
// same version is refused, as is one that would take over a built-in
// library's or another library's URNs. Governance and administrators.
func (s *Service) ImportLibraries(ctx context.Context, sc access.Scope, names []string, data [][]byte) ([]InstallResult, error) {
	if err := mayManageLibraries(sc); err != nil {
		return nil, err
	}
	if len(names) == 0 || len(names) != len(data) {
		return nil, errs.Field("file", "no library file")
	}
	if len(names) > MaxLibraryFiles {
		return nil, errs.Field("file", "at most %d library files at a time", MaxLibraryFiles)
	}
	files := make([]library.File, len(names))
	for i := range names {
		if len(data[i]) > MaxLibraryBytes {
			return nil, errs.Field("file", "%s is larger than %d MiB", names[i], MaxLibraryBytes>>20)
		}
		files[i] = library.File{Name: names[i], Data: data[i]}
	}
	return s.installAll(ctx, sc, files, false)
}

func (s *Service) installAll(ctx context.Context, sc access.Scope, files []library.File, builtin bool) ([]InstallResult, error) {
	libs := make([]*library.Library, len(files))
	var problems []string
	for i, f := range files {
		lib, err := library.Parse(f.Name, f.Data)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		libs[i] = lib
	}
	if len(problems) > 0 {
		return nil, errs.E(errs.Invalid, "%s", strings.Join(problems, "\n"))
	}
	var out []InstallResult
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.db.Lock(ctx, tx, store.LockCompliance); err != nil {
			return err
		}
		known := func(urn string) bool {
			var n int
			err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM requirements WHERE urn = $1) + (SELECT COUNT(*) FROM frameworks WHERE urn = $1)
				+ (SELECT COUNT(*) FROM compliance_libraries WHERE urn = $1)`, strings.ToLower(urn)).Scan(&n)
			return err == nil && n > 0
		}
		if err := library.Validate(libs, known); err != nil {
			return err
		}
		now := s.now()
		out = out[:0]
		// Frameworks before the mapping libraries that need them.
		order := make([]int, 0, len(libs))
		for i, l := range libs {
			if l.Framework != nil {
				order = append(order, i)
			}
		}
		for i, l := range libs {
			if l.Framework == nil {
				order = append(order, i)
			}
		}
		for _, i := range order {
			res, err := install(ctx, tx, sc, libs[i], files[i].Data, builtin, now)
			if err != nil {
				return err
			}
			out = append(out, res)
		}
		return nil
	})
	return out, err
}

func translations(t map[string]library.Text) string {
	if len(t) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// install stores lib within tx.
func install(ctx context.Context, tx *sql.Tx, sc access.Scope, lib *library.Library, data []byte, builtin bool, now time.Time) (InstallResult, error) {
	urn := strings.ToLower(lib.URN)
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	version := max(lib.Version, 1)
	res := InstallResult{Library: urn, Version: version}
	var libID int64
	var oldVersion int
	var oldDigest string
	var oldBuiltin bool
	err := tx.QueryRowContext(ctx, `SELECT id, version, sha256, builtin FROM compliance_libraries WHERE urn = $1`, urn).Scan(&libID, &oldVersion, &oldDigest, &oldBuiltin)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO compliance_libraries (urn, ref_id, name, version, locale, provider, builtin, sha256, source, imported_by, imported_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			urn, lib.RefID, lib.Name, version, lib.Locale, lib.Provider, builtin, digest, string(data), sc.Actor().Name, now).Scan(&libID)
		if err != nil {
			return res, errs.Wrap(err, "cannot store library %s", urn)
		}
	case err != nil:
		return res, errs.Wrap(err, "cannot read library %s", urn)
	case oldDigest == digest:
		res.Unchanged = true
		if lib.Framework != nil {
			_ = tx.QueryRowContext(ctx, `SELECT slug FROM frameworks WHERE library_id = $1`, libID).Scan(&res.Framework)
		}
		return res, nil
	case oldBuiltin && !builtin:
		return res, errs.E(errs.Conflict, "%s: library %s ships with samdrift; it is upgraded with samdrift, not imported", lib.File, urn)
	case version < oldVersion || version == oldVersion && !builtin:
		return res, errs.E(errs.Conflict, "%s: version %d of library %s is installed; import a higher version to replace it", lib.File, oldVersion, urn)
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE compliance_libraries SET ref_id = $1, name = $2, version = $3, locale = $4, provider = $5, sha256 = $6, source = $7,
			imported_by = $8, imported_at = $9 WHERE id = $10`, lib.RefID, lib.Name, version, lib.Locale, lib.Provider, digest, string(data), sc.Actor().Name, now, libID); err != nil {
			return res, errs.Wrap(err, "cannot store library %s", urn)
		}
	}
	if lib.Framework != nil {
		if err := installFramework(ctx, tx, lib, libID, &res); err != nil {
			return res, err
		}
	}
	controls, err := installControls(ctx, tx, lib, libID)
	if err != nil {
		return res, err
	}
	res.Controls = len(controls)
	if lib.Framework != nil {
		if err := linkControls(ctx, tx, lib, controls); err != nil {
			return res, err
		}
	}
	if res.Mappings, err = installMappings(ctx, tx, lib, libID); err != nil {
		return res, err
	}
	action := "compliance.library.import"
	if builtin {
		action = "compliance.library.install"
	}
	return res, audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: action, TargetType: "compliance_library", TargetID: idString(libID),
		After: map[string]any{"urn": urn, "version": version, "framework": res.Framework, "requirements": res.Requirements, "mappings": res.Mappings,
			"removed": res.Removed, "sha256": digest}})
}

// slugOf is the framework's id in URLs: its URN's last part.
func slugOf(urn string) string {
	s := urn[strings.LastIndexByte(urn, ':')+1:]
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "framework"
	}
	return b.String()
}

// owned reads which of urns table already has, and the owner column's
// value for each (the framework or library they belong to).
func owned(ctx context.Context, tx *sql.Tx, table, owner string, urns []string) (map[string]int64, map[string]int64, error) {
	ids, owners := map[string]int64{}, map[string]int64{}
	err := store.EachIn(ctx, tx, `SELECT urn, id, `+owner+` FROM `+table+` WHERE urn IN `, urns, "", func(rows *sql.Rows) error {
		var u string
		var id, o int64
		if err := rows.Scan(&u, &id, &o); err != nil {
			return err
		}
		ids[u], owners[u] = id, o
		return nil
	})
	return ids, owners, errs.Wrap(err, "cannot read %s", table)
}

func installFramework(ctx context.Context, tx *sql.Tx, lib *library.Library, libID int64, res *InstallResult) error {
	f := lib.Framework
	furn := strings.ToLower(f.URN)
	var fid, fLib int64
	err := tx.QueryRowContext(ctx, `SELECT id, library_id, slug FROM frameworks WHERE urn = $1`, furn).Scan(&fid, &fLib, &res.Framework)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		slug := slugOf(furn)
		for i := 2; ; i++ {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM frameworks WHERE slug = $1`, slug).Scan(&n); err != nil {
				return errs.Wrap(err, "cannot read frameworks")
			}
			if n == 0 {
				break
			}
			slug = fmt.Sprintf("%s-%d", slugOf(furn), i)
		}
		res.Framework = slug
		if err := tx.QueryRowContext(ctx, `INSERT INTO frameworks (library_id, urn, slug, ref_id, name, description, translations) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			libID, furn, slug, f.RefID, f.Name, f.Description, translations(f.Translations)).Scan(&fid); err != nil {
			return errs.Wrap(err, "cannot store framework %s", furn)
		}
	case err != nil:
		return errs.Wrap(err, "cannot read framework %s", furn)
	case fLib != libID:
		return errs.E(errs.Conflict, "%s: framework %s belongs to another library", lib.File, furn)
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE frameworks SET ref_id = $1, name = $2, description = $3, translations = $4 WHERE id = $5`,
			f.RefID, f.Name, f.Description, translations(f.Translations), fid); err != nil {
			return errs.Wrap(err, "cannot store framework %s", furn)
		}
	}
	urns := make([]string, len(f.Nodes))
	for i, n := range f.Nodes {
		urns[i] = strings.ToLower(n.URN)
	}
	existing, owner, err := owned(ctx, tx, "requirements", "framework_id", urns)
	if err != nil {
		return err
	}
	ids := make(map[string]int64, len(f.Nodes))
	section := map[string]int64{}
	assessable := 0
	for i, n := range f.Nodes {
		u := urns[i]
		if o, ok := owner[u]; ok && o != fid {
			return errs.E(errs.Conflict, "%s:%d: requirement %s belongs to another framework", lib.File, n.Line, u)
		}
		var parent, sec any
		if n.ParentURN != "" {
			p := strings.ToLower(n.ParentURN)
			parent, sec = ids[p], section[p]
			section[u] = section[p]
		}
		if n.Assessable {
			assessable++
		}
		var id int64
		if old, ok := existing[u]; ok {
			id = old
			if _, err := tx.ExecContext(ctx, `UPDATE requirements SET ref_id = $1, parent_id = $2, section_id = $3, depth = $4, position = $5, assessable = $6, name = $7,
				description = $8, annotation = $9, groups = $10, translations = $11 WHERE id = $12`,
				n.RefID, parent, sec, n.Depth, i, n.Assessable, n.Name, n.Description, n.Annotation, strings.Join(n.ImplementationGroups, ","), translations(n.Translations), id); err != nil {
				return errs.Wrap(err, "cannot store requirement %s", u)
			}
		} else if err := tx.QueryRowContext(ctx, `INSERT INTO requirements (framework_id, urn, ref_id, parent_id, section_id, depth, position, assessable, name, description, annotation, groups, translations)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			fid, u, n.RefID, parent, sec, n.Depth, i, n.Assessable, n.Name, n.Description, n.Annotation, strings.Join(n.ImplementationGroups, ","), translations(n.Translations)).Scan(&id); err != nil {
			return errs.Wrap(err, "cannot store requirement %s", u)
		}
		ids[u] = id
		if n.ParentURN == "" {
			section[u] = id
			if _, err := tx.ExecContext(ctx, `UPDATE requirements SET section_id = $1 WHERE id = $1`, id); err != nil {
				return errs.Wrap(err, "cannot store requirement %s", u)
			}
		}
	}
	// What the new version no longer has goes, with its answers.
	rows, err := tx.QueryContext(ctx, `SELECT id, urn FROM requirements WHERE framework_id = $1`, fid)
	if err != nil {
		return errs.Wrap(err, "cannot read requirements")
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot read requirements")
		}
		if _, ok := ids[u]; !ok {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "cannot read requirements")
	}
	// Children before parents (parent_id cascades, but be explicit).
	for i := len(gone) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, `DELETE FROM requirements WHERE id = $1`, gone[i]); err != nil {
			return errs.Wrap(err, "cannot remove requirement %d", gone[i])
		}
	}
	res.Removed, res.Requirements = len(gone), assessable
	_, err = tx.ExecContext(ctx, `UPDATE frameworks SET assessable = $1 WHERE id = $2`, assessable, fid)
	return errs.Wrap(err, "cannot store framework %s", furn)
}

// installControls stores lib's reference controls and returns their ids
// by URN.
func installControls(ctx context.Context, tx *sql.Tx, lib *library.Library, libID int64) (map[string]int64, error) {
	urns := make([]string, len(lib.ReferenceControls))
	for i, c := range lib.ReferenceControls {
		urns[i] = strings.ToLower(c.URN)
	}
	existing, owner, err := owned(ctx, tx, "reference_controls", "library_id", urns)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(urns))
	for i, c := range lib.ReferenceControls {
		u := urns[i]
		if o, ok := owner[u]; ok && o != libID {
			return nil, errs.E(errs.Conflict, "%s:%d: reference control %s belongs to another library", lib.File, c.Line, u)
		}
		id, ok := existing[u]
		if ok {
			_, err = tx.ExecContext(ctx, `UPDATE reference_controls SET ref_id = $1, name = $2, description = $3, category = $4, translations = $5 WHERE id = $6`,
				c.RefID, c.Name, c.Description, c.Category, translations(c.Translations), id)
		} else {
			err = tx.QueryRowContext(ctx, `INSERT INTO reference_controls (library_id, urn, ref_id, name, description, category, translations) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				libID, u, c.RefID, c.Name, c.Description, c.Category, translations(c.Translations)).Scan(&id)
		}
		if err != nil {
			return nil, errs.Wrap(err, "cannot store reference control %s", u)
		}
		ids[u] = id
	}
	var a store.Args
	q := `DELETE FROM reference_controls WHERE library_id = ` + a.Add(libID)
	if len(ids) > 0 {
		var keep []string
		for _, id := range ids {
			keep = append(keep, a.Add(id))
		}
		q += ` AND id NOT IN (` + strings.Join(keep, ", ") + `)`
	}
	_, err = tx.ExecContext(ctx, q, a.Values()...)
	return ids, errs.Wrap(err, "cannot remove old reference controls")
}

// linkControls records which reference controls each requirement of
// lib's framework names (controls of lib, or of an installed library).
func linkControls(ctx context.Context, tx *sql.Tx, lib *library.Library, controls map[string]int64) error {
	for _, n := range lib.Framework.Nodes {
		var rid int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM requirements WHERE urn = $1`, strings.ToLower(n.URN)).Scan(&rid); err != nil {
			return errs.Wrap(err, "cannot read requirement %s", n.URN)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM requirement_controls WHERE requirement_id = $1`, rid); err != nil {
			return errs.Wrap(err, "cannot link reference controls")
		}
		for _, c := range n.ReferenceControls {
			cu := strings.ToLower(c)
			cid, ok := controls[cu]
			if !ok {
				err := tx.QueryRowContext(ctx, `SELECT id FROM reference_controls WHERE urn = $1`, cu).Scan(&cid)
				if errors.Is(err, sql.ErrNoRows) {
					return errs.E(errs.Invalid, "%s:%d: requirement %s names reference control %s, which no library has", lib.File, n.Line, n.URN, c)
				} else if err != nil {
					return errs.Wrap(err, "cannot read reference control %s", c)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO requirement_controls (requirement_id, control_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, rid, cid); err != nil {
				return errs.Wrap(err, "cannot link reference controls")
			}
		}
	}
	return nil
}

// installMappings replaces lib's mappings.
func installMappings(ctx context.Context, tx *sql.Tx, lib *library.Library, libID int64) (int, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM requirement_mappings WHERE library_id = $1`, libID); err != nil {
		return 0, errs.Wrap(err, "cannot replace mappings")
	}
	var urns []string
	for _, set := range lib.MappingSets {
		for _, m := range set.Mappings {
			urns = append(urns, strings.ToLower(m.SourceURN), strings.ToLower(m.TargetURN))
		}
	}
	ids, _, err := owned(ctx, tx, "requirements", "framework_id", urns)
	if err != nil {
		return 0, err
	}
	n := 0
	// Libraries often carry each set twice, once each way: a mapping is
	// read from both ends (mappingsOf), so the second copy is left out.
	seen := map[[2]int64]bool{}
	for _, set := range lib.MappingSets {
		for _, m := range set.Mappings {
			src, okS := ids[strings.ToLower(m.SourceURN)]
			dst, okT := ids[strings.ToLower(m.TargetURN)]
			if !okS || !okT {
				return 0, errs.E(errs.Invalid, "%s:%d: the mapping names a requirement no installed framework has (%s → %s)", lib.File, m.Line, m.SourceURN, m.TargetURN)
			}
			if seen[[2]int64{dst, src}] || seen[[2]int64{src, dst}] {
				continue
			}
			seen[[2]int64{src, dst}] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO requirement_mappings (library_id, source_id, target_id, relationship, strength, rationale) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (source_id, target_id) DO UPDATE SET library_id = excluded.library_id, relationship = excluded.relationship, strength = excluded.strength, rationale = excluded.rationale`,
				libID, src, dst, m.Relationship, m.Strength, m.Rationale); err != nil {
				return 0, errs.Wrap(err, "cannot store a mapping")
			}
			n++
		}
	}
	return n, nil
}

// RemoveLibrary removes an imported library (by URN) with its framework,
// reference controls and mappings; governance and administrators. A
// shipped library is not removed, nor a framework that organisations
// have answered (the error says how many answers it holds); mappings
// into a removed framework go with it.
func (s *Service) RemoveLibrary(ctx context.Context, sc access.Scope, urn string) error {
	if err := mayManageLibraries(sc); err != nil {
		return err
	}
	urn = strings.ToLower(strings.TrimSpace(urn))
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := s.db.Lock(ctx, tx, store.LockCompliance); err != nil {
			return err
		}
		var id int64
		var builtin bool
		err := tx.QueryRowContext(ctx, `SELECT id, builtin FROM compliance_libraries WHERE urn = $1`, urn).Scan(&id, &builtin)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no library %s", urn)
		}
		if err != nil {
			return errs.Wrap(err, "cannot read library %s", urn)
		}
		if builtin {
			return errs.E(errs.Conflict, "library %s ships with samdrift and stays", urn)
		}
		var answers int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assessment_answers x JOIN requirements r ON r.id = x.requirement_id
			JOIN frameworks f ON f.id = r.framework_id WHERE f.library_id = $1`, id).Scan(&answers); err != nil {
			return errs.Wrap(err, "cannot count the answers to library %s", urn)
		}
		if answers > 0 {
			return errs.E(errs.Conflict, "organisations have given %d answers to library %s's framework; it stays while they have", answers, urn)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM compliance_libraries WHERE id = $1`, id); err != nil {
			return errs.Wrap(err, "cannot remove library %s", urn)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "compliance.library.remove", TargetType: "compliance_library", TargetID: idString(id),
			Before: map[string]any{"urn": urn}})
	})
}
