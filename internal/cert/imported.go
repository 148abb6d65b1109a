package cert

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel/stix"
	"github.com/samdrift/samdrift/internal/store"
)

// Imported is an advisory from a partner's document (a CSAF advisory, a
// STIX vulnerability), stored by StoreImported inside the importer's
// transaction.
type Imported struct {
	NewAdvisory
	Source     string // csaf or stix
	Published  time.Time
	Due        *time.Time // nil: by severity
	Ransomware bool
	Origin     string // its publisher
	StixID     string
	FeedID     int64
}

// MayImport reports whether sc may bring advisories in (the CERT,
// administrators and the platform's own feeds).
func MayImport(sc access.Scope) error { return mayPublish(sc) }

// StoreImported checks in (at names where it sits in the file, for
// errors) and stores it within tx, matching it against every asset; it
// says whether it was new. An update never widens its TLP.
func (s *Service) StoreImported(ctx context.Context, tx *sql.Tx, sc access.Scope, at string, in Imported) (int64, bool, error) {
	return s.storeImported(ctx, tx, sc, at, in, s.now())
}

func (s *Service) storeImported(ctx context.Context, tx *sql.Tx, sc access.Scope, at string, in Imported, now time.Time) (int64, bool, error) {
	if err := mayPublish(sc); err != nil {
		return 0, false, err
	}
	if in.Source != "csaf" && in.Source != "stix" {
		return 0, false, errs.E(errs.Internal, "imported advisories come from csaf or stix, not %q", in.Source)
	}
	if len([]rune(in.Title)) > 300 {
		in.Title = string([]rune(in.Title)[:299]) + "…"
	}
	if err := in.checkProducts(at, in.Source == "csaf"); err != nil {
		return 0, false, err
	}
	if in.Ref == "" {
		return 0, false, errs.Field(at+"ref", "an imported advisory needs its identifier")
	}
	due := in.Due
	if due == nil {
		d := now.AddDate(0, 0, dueBySeverity[in.Severity])
		due = &d
	}
	return s.store(ctx, tx, sc, advMeta{source: in.Source, due: due, ransomware: in.Ransomware, origin: in.Origin, stixID: in.StixID, feedID: in.FeedID,
		published: in.Published}, in.NewAdvisory, now)
}

// AdvisoryVisible is the predicate (over advisories aliased adv) that
// keeps sc to the advisories whose TLP lets it read them.
func AdvisoryVisible(sc access.Scope, a *store.Args) string { return advisoryVisible(sc, a) }

// AdvisoriesByID reads the advisories ids that sc may read, with their
// products, in the order of ids (those it may not read are left out).
func (s *Service) AdvisoriesByID(ctx context.Context, q store.Querier, sc access.Scope, ids []int64) ([]Advisory, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var a store.Args
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.Add(id)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+advisoryColumns+`, COALESCE(adv.stix_id, '') FROM advisories adv WHERE adv.id IN (`+strings.Join(ps, ", ")+`) AND `+
		advisoryVisible(sc, &a), a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read advisories")
	}
	by := map[int64]Advisory{}
	stixIDs := map[int64]string{}
	for rows.Next() {
		var sid string
		x, err := scanAdvisory(rows, &sid)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read an advisory")
		}
		x.Products = []Product{}
		by[x.ID], stixIDs[x.ID] = x, sid
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot read advisories")
	}
	var b store.Args
	ps = ps[:0]
	for id := range by {
		ps = append(ps, b.Add(id))
	}
	if len(ps) > 0 {
		rows, err = q.QueryContext(ctx, `SELECT advisory_id, vendor, product, cpe, purl, versions FROM advisory_products WHERE advisory_id IN (`+strings.Join(ps, ", ")+`) ORDER BY id`,
			b.Values()...)
		if err != nil {
			return nil, errs.Wrap(err, "cannot read advisories' products")
		}
		for rows.Next() {
			var id int64
			var p Product
			if err := rows.Scan(&id, &p.Vendor, &p.Product, &p.CPE, &p.PURL, &p.Versions); err != nil {
				rows.Close()
				return nil, errs.Wrap(err, "cannot read an advisory's product")
			}
			x := by[id]
			x.Products = append(x.Products, p)
			by[id] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, errs.Wrap(err, "cannot read advisories' products")
		}
	}
	out := make([]Advisory, 0, len(by))
	for _, id := range ids {
		if x, ok := by[id]; ok {
			x.StixID = stixIDs[id]
			out = append(out, x)
		}
	}
	return out, nil
}

// BackfillStixIDs gives up to limit advisories stored before they had
// STIX ids (migration 0032) the id they are exported with; it returns how
// many it changed.
func (s *Service) BackfillStixIDs(ctx context.Context, limit int) (int, error) {
	type row struct {
		id          int64
		source, ref string
	}
	var rows []row
	rs, err := s.db.Reader().QueryContext(ctx, `SELECT id, source, ref FROM advisories WHERE stix_id IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return 0, errs.Wrap(err, "cannot find advisories without STIX ids")
	}
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.source, &r.ref); err != nil {
			rs.Close()
			return 0, errs.Wrap(err, "cannot find advisories without STIX ids")
		}
		rows = append(rows, r)
	}
	rs.Close()
	if len(rows) == 0 {
		return 0, errs.Wrap(rs.Err(), "cannot find advisories without STIX ids")
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `UPDATE advisories SET stix_id = $1 WHERE id = $2 AND stix_id IS NULL`, stix.DeterministicID("vulnerability", r.source+":"+r.ref), r.id); err != nil {
				return errs.Wrap(err, "cannot give advisory %d its STIX id", r.id)
			}
		}
		return nil
	})
	return len(rows), err
}
