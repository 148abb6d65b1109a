package detect

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/sigma"
	"github.com/samdrift/samdrift/internal/store"
)

// Library is the stored rule library.
type Library struct {
	db *store.DB
}

// NewLibrary returns the rule library in db.
func NewLibrary(db *store.DB) *Library { return &Library{db: db} }

// ImportReport says what an import did.
type ImportReport struct {
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Rejected lists documents that could not be read or compiled; they
	// are not stored.
	Rejected []string `json:"rejected"`
}

func (r ImportReport) String() string {
	return fmt.Sprintf("%d added, %d updated, %d unchanged, %d rejected", r.Added, r.Updated, r.Unchanged, len(r.Rejected))
}

// File is one rule file to import.
type File struct {
	Name string
	Data []byte
}

// Import stores the rules, correlations and filters of files under
// origin (e.g. "sigmahq", "samdrift"). A document whose content changed
// becomes a new version; the old one stays, inactive. Documents that do
// not parse or compile are reported and skipped. It needs ManageDetection.
func (l *Library) Import(ctx context.Context, sc access.Scope, origin string, files []File) (ImportReport, error) {
	return l.ImportFor(ctx, sc, 0, origin, files)
}

// ImportFor imports documents for organisation org: 0 is the shared
// library (ManageDetection); an organisation may keep meta-filters of its
// own (its CISO, or the SOC), which tune rules for its events only.
func (l *Library) ImportFor(ctx context.Context, sc access.Scope, org int64, origin string, files []File) (ImportReport, error) {
	var rep ImportReport
	switch {
	case org == 0 && !sc.Can(access.ManageDetection):
		return rep, errs.E(errs.Forbidden, "only the SOC, the CERT or an administrator imports detection rules")
	case org != 0 && !sc.Can(access.ManageDetection) && !(sc.Can(access.TuneDetection) && sc.OrgID == org):
		return rep, errs.E(errs.Forbidden, "you may add filters for your own organisation only")
	}
	if origin == "" {
		origin = "local"
	}
	type doc struct {
		id, kind, title, level, tags, file, src string
	}
	var docs []doc
	var rules []*sigma.Rule
	for _, f := range files {
		parsed, perrs := sigma.ParseFile(f.Name, f.Data)
		for _, e := range perrs {
			rep.Rejected = append(rep.Rejected, e.Error())
		}
		srcs := splitDocuments(f.Data)
		for i, d := range parsed {
			src := ""
			if i < len(srcs) {
				src = srcs[i]
			}
			switch {
			case org != 0 && d.Filter == nil:
				rep.Rejected = append(rep.Rejected, fmt.Sprintf("%s: document %d: an organisation keeps filters only; rules and correlations go to the shared library", f.Name, i+1))
			case d.Rule != nil:
				rules = append(rules, d.Rule)
				docs = append(docs, doc{d.Rule.ID, "rule", d.Rule.Title, d.Rule.Level, strings.Join(d.Rule.Tags, " "), f.Name, src})
			case d.Correlation != nil:
				c := d.Correlation
				docs = append(docs, doc{c.ID, "correlation", c.Title, c.Level, strings.Join(c.Tags, " "), f.Name, src})
			case d.Filter != nil:
				docs = append(docs, doc{d.Filter.ID, "filter", d.Filter.Title, "", "", f.Name, src})
			}
		}
	}
	// Compile to find what the engine would reject (placeholders are
	// per organisation: a rule needing one is kept and resolved there).
	_, cerrs := sigma.NewEngine(rules, sigma.Options{})
	bad := map[string]string{}
	for _, e := range cerrs {
		if re, ok := e.(*sigma.RuleError); ok && !re.Placeholder() {
			bad[re.ID] = e.Error()
		}
	}
	now := time.Now().UnixMicro()
	err := l.db.Write(ctx, func(tx *sql.Tx) error {
		for _, d := range docs {
			if d.id == "" {
				rep.Rejected = append(rep.Rejected, fmt.Sprintf("%s: %s %q has no id", d.file, d.kind, d.title))
				continue
			}
			if why, ok := bad[d.id]; ok {
				rep.Rejected = append(rep.Rejected, why)
				continue
			}
			sum := sha256.Sum256([]byte(d.src))
			hash := hex.EncodeToString(sum[:])
			var curHash string
			var version int
			var owner int64
			err := tx.QueryRowContext(ctx, `SELECT sha256, version, org_id FROM detection_rules WHERE rule_id = $1 AND active = 1`, d.id).Scan(&curHash, &version, &owner)
			if err == nil && owner != org {
				rep.Rejected = append(rep.Rejected, fmt.Sprintf("%s: %s %s belongs to another organisation's or the shared library; give it a new id", d.file, d.kind, d.id))
				continue
			}
			switch {
			case err == sql.ErrNoRows:
				rep.Added++
			case err != nil:
				return errs.Wrap(err, "cannot look up rule %s", d.id)
			case curHash == hash:
				rep.Unchanged++
				continue
			default:
				rep.Updated++
				if _, err := tx.ExecContext(ctx, `UPDATE detection_rules SET active = 0 WHERE rule_id = $1`, d.id); err != nil {
					return errs.Wrap(err, "cannot retire rule %s version %d", d.id, version)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO detection_rules (rule_id, kind, title, level, tags, file, origin, source, sha256, version, active, enabled, imported_at, imported_by, org_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, 1, $11, $12, $13)`,
				d.id, d.kind, d.title, d.level, d.tags, d.file, origin, d.src, hash, version+1, now, sc.Actor().Name, org); err != nil {
				return errs.Wrap(err, "cannot store rule %s", d.id)
			}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "detection.import", TargetType: "detection_rules", TargetID: origin, OrgID: org,
			After: map[string]any{"added": rep.Added, "updated": rep.Updated, "unchanged": rep.Unchanged, "rejected": len(rep.Rejected)}})
	})
	return rep, err
}

// splitDocuments returns the YAML documents of a multi-document file as
// text, in order (empty documents skipped, as ParseFile skips them).
func splitDocuments(data []byte) []string {
	var out []string
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			return out
		}
		if len(n.Content) == 0 {
			continue
		}
		b, err := yaml.Marshal(n.Content[0])
		if err != nil {
			return out
		}
		out = append(out, string(b))
	}
}

// ImportFS imports every .yml under root of fsys.
func (l *Library) ImportFS(ctx context.Context, sc access.Scope, origin string, fsys fs.FS, root string) (ImportReport, error) {
	var files []File
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(p) != ".yml" && path.Ext(p) != ".yaml") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, File{Name: p, Data: b})
		return nil
	})
	if err != nil {
		return ImportReport{}, fmt.Errorf("cannot read rules: %w", err)
	}
	return l.Import(ctx, sc, origin, files)
}

//go:embed rules/*.yml
var ownRules embed.FS

// ImportOwn imports samdrift's own rule set for the municipal setting.
func (l *Library) ImportOwn(ctx context.Context, sc access.Scope) (ImportReport, error) {
	return l.ImportFS(ctx, sc, "samdrift", ownRules, "rules")
}

// RuleInfo is one rule of the library as listed.
type RuleInfo struct {
	RuleID  string `json:"rule_id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Level   string `json:"level"`
	Tags    string `json:"tags"`
	Origin  string `json:"origin"`
	Version int    `json:"version"`
	Enabled bool   `json:"enabled"`
	// OrgEnabled and OrgLevel are the caller's organisation's settings
	// when it has any.
	OrgEnabled *bool `json:"org_enabled,omitempty"`
	// Org is the organisation a filter belongs to (0: shared).
	Org      int64  `json:"org,omitempty"`
	OrgLevel string `json:"org_level,omitempty"`
	// Hits are the last 30 days' matches within the caller's reach, per
	// day (oldest first).
	Hits []int64 `json:"hits"`
}

// List returns the active rules with their hits over the last 30 days
// within sc's reach.
func (l *Library) List(ctx context.Context, sc access.Scope, now time.Time) ([]RuleInfo, error) {
	var a store.Args
	org := a.Add(sc.OrgID)
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT r.rule_id, r.kind, r.title, r.level, r.tags, r.origin, r.version, r.enabled, s.enabled, COALESCE(s.level, ''), r.org_id
		FROM detection_rules r LEFT JOIN detection_rule_settings s ON s.rule_id = r.rule_id AND s.org_id = `+org+`
		WHERE r.active = 1 AND (r.org_id = 0 OR `+sc.SecurityPredicate("r.org_id", &a)+`) ORDER BY r.title, r.rule_id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list detection rules")
	}
	defer rows.Close()
	var out []RuleInfo
	idx := map[string]int{}
	for rows.Next() {
		var r RuleInfo
		var en int
		var orgEn sql.NullInt64
		if err := rows.Scan(&r.RuleID, &r.Kind, &r.Title, &r.Level, &r.Tags, &r.Origin, &r.Version, &en, &orgEn, &r.OrgLevel, &r.Org); err != nil {
			return nil, errs.Wrap(err, "cannot read a detection rule")
		}
		r.Enabled = en != 0
		if orgEn.Valid {
			b := orgEn.Int64 != 0
			r.OrgEnabled = &b
		}
		r.Hits = make([]int64, 30)
		idx[r.RuleID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list detection rules")
	}
	today := now.UTC().Unix() / 86400
	a = store.Args{}
	hq := `SELECT rule_id, day, SUM(hits) FROM rule_hits WHERE day > ` + a.Add(today-30) + ` AND ` + sc.SecurityPredicate("tenant", &a) + ` GROUP BY rule_id, day`
	hrows, err := l.db.Reader().QueryContext(ctx, hq, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot count rule hits")
	}
	defer hrows.Close()
	for hrows.Next() {
		var id string
		var day, n int64
		if err := hrows.Scan(&id, &day, &n); err != nil {
			return nil, errs.Wrap(err, "cannot read rule hits")
		}
		if i, ok := idx[id]; ok && today-day < 30 {
			out[i].Hits[29-(today-day)] = n
		}
	}
	return out, hrows.Err()
}

// Setting is an organisation's choice for one rule.
type Setting struct {
	Enabled bool   `json:"enabled"`
	Level   string `json:"level,omitempty"`
}

// SetForOrg enables, disables or re-levels a rule for one organisation.
// A CISO tunes their own organisation; the SOC, CERT and administrators
// any (org 0 changes the rule for everybody).
func (l *Library) SetForOrg(ctx context.Context, sc access.Scope, org int64, ruleID string, s Setting) error {
	switch {
	case org == 0 && !sc.Can(access.ManageDetection):
		return errs.E(errs.Forbidden, "only the SOC, the CERT or an administrator changes a rule for every organisation")
	case org != 0 && !sc.Can(access.ManageDetection) && !(sc.Can(access.TuneDetection) && sc.OrgID == org):
		return errs.E(errs.Forbidden, "you may tune detection rules for your own organisation only")
	}
	switch s.Level {
	case "", "informational", "low", "medium", "high", "critical":
	default:
		return errs.Field("level", "level is one of informational, low, medium, high, critical (or empty to keep the rule's)")
	}
	return l.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM detection_rules WHERE rule_id = $1 AND active = 1`, ruleID).Scan(&n); err != nil {
			return errs.Wrap(err, "cannot look up rule %s", ruleID)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no detection rule %s", ruleID)
		}
		en := 0
		if s.Enabled {
			en = 1
		}
		if org == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE detection_rules SET enabled = $1 WHERE rule_id = $2 AND active = 1`, en, ruleID); err != nil {
				return errs.Wrap(err, "cannot change rule %s", ruleID)
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO detection_rule_settings (org_id, rule_id, enabled, level, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (org_id, rule_id) DO UPDATE SET enabled = excluded.enabled, level = excluded.level, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			org, ruleID, en, s.Level, time.Now().UnixMicro(), sc.Actor().Name); err != nil {
			return errs.Wrap(err, "cannot change rule %s for organisation %d", ruleID, org)
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "detection.rule.set", TargetType: "detection_rule", TargetID: ruleID, OrgID: org, After: s})
	})
}

// loaded is what the detector runs: the active, enabled documents and the
// per-organisation settings.
type loaded struct {
	set          *sigma.RuleSet
	disabled     map[int64]map[string]bool
	levels       map[int64]map[string]string
	placeholders map[int64]map[string][]string // org 0: every organisation
	filters      []sigma.ScopedFilter
}

// load reads the active enabled library.
func (l *Library) load(ctx context.Context) (*loaded, error) {
	out := &loaded{set: &sigma.RuleSet{}, disabled: map[int64]map[string]bool{}, levels: map[int64]map[string]string{}}
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT rule_id, file, source, org_id FROM detection_rules WHERE active = 1 AND enabled = 1 ORDER BY id`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load detection rules")
	}
	defer rows.Close()
	for rows.Next() {
		var id, file, src string
		var org int64
		if err := rows.Scan(&id, &file, &src, &org); err != nil {
			return nil, errs.Wrap(err, "cannot read a detection rule")
		}
		docs, perrs := sigma.ParseFile(file, []byte(src))
		out.set.Rejected = append(out.set.Rejected, perrs...)
		for _, d := range docs {
			switch {
			case d.Rule != nil:
				out.set.Rules = append(out.set.Rules, d.Rule)
			case d.Correlation != nil:
				out.set.Correlations = append(out.set.Correlations, d.Correlation)
			case d.Filter != nil:
				sf := sigma.ScopedFilter{Filter: d.Filter}
				if org != 0 {
					sf.Tenants = []int64{org}
				}
				out.filters = append(out.filters, sf)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot load detection rules")
	}
	srows, err := l.db.Reader().QueryContext(ctx, `SELECT org_id, rule_id, enabled, level, updated_at FROM detection_rule_settings`)
	if err != nil {
		return nil, errs.Wrap(err, "cannot load detection settings")
	}
	defer srows.Close()
	for srows.Next() {
		var org, at int64
		var id, level string
		var en int
		if err := srows.Scan(&org, &id, &en, &level, &at); err != nil {
			return nil, errs.Wrap(err, "cannot read a detection setting")
		}
		if en == 0 {
			if out.disabled[org] == nil {
				out.disabled[org] = map[string]bool{}
			}
			out.disabled[org][id] = true
		}
		if level != "" {
			if out.levels[org] == nil {
				out.levels[org] = map[string]string{}
			}
			out.levels[org][id] = level
		}
	}
	if err := srows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot load detection settings")
	}
	ph, err := l.allPlaceholders(ctx)
	if err != nil {
		return nil, err
	}
	out.placeholders = ph
	return out, nil
}

// version is a cheap signature of everything load reads: it changes with
// any import, enabling, setting or placeholder, so the detector reads
// and compiles the library only when it changed.
func (l *Library) version(ctx context.Context) (string, error) {
	var rules, maxID, enabledIDs, settings, setAt, setOn, phs, phAt int64
	err := l.db.Reader().QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM detection_rules WHERE active = 1),
		(SELECT COALESCE(MAX(id), 0) FROM detection_rules),
		(SELECT COALESCE(SUM(id), 0) FROM detection_rules WHERE active = 1 AND enabled = 1),
		(SELECT COUNT(*) FROM detection_rule_settings),
		(SELECT COALESCE(MAX(updated_at), 0) FROM detection_rule_settings),
		(SELECT COALESCE(SUM(enabled), 0) FROM detection_rule_settings),
		(SELECT COUNT(*) FROM detection_placeholders),
		(SELECT COALESCE(MAX(updated_at), 0) FROM detection_placeholders)`).Scan(&rules, &maxID, &enabledIDs, &settings, &setAt, &setOn, &phs, &phAt)
	if err != nil {
		return "", errs.Wrap(err, "cannot check the detection library")
	}
	return fmt.Sprintf("%d/%d/%d/%d/%d/%d/%d/%d", rules, maxID, enabledIDs, settings, setAt, setOn, phs, phAt), nil
}
