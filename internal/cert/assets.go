package cert

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
)

// Asset is a product (at a version) an organisation runs.
type Asset struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Vendor    string    `json:"vendor"`
	Product   string    `json:"product"`
	Version   string    `json:"version"`
	CPE       string    `json:"cpe,omitempty"`
	PURL      string    `json:"purl,omitempty"`
	Location  string    `json:"location,omitempty"` // site, service or host
	Owner     string    `json:"owner,omitempty"`
	Source    string    `json:"source"` // api, csv, cyclonedx
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Open counts the asset's vulnerabilities not yet patched, mitigated
	// or otherwise settled.
	Open int `json:"open_vulnerabilities"`
}

// NewAsset is what AddAsset needs.
type NewAsset struct {
	Org      string `json:"org"`
	Vendor   string `json:"vendor"`
	Product  string `json:"product"`
	Version  string `json:"version"`
	CPE      string `json:"cpe,omitempty"`
	PURL     string `json:"purl,omitempty"`
	Location string `json:"location,omitempty"`
	Owner    string `json:"owner,omitempty"`
}

// MaxImport bounds the assets one import brings.
const MaxImport = 50000

// check validates n (field names prefixed by at, e.g. "line 4: ").
func (n *NewAsset) check(at string) error {
	var err error
	fix := func(field string, v *string, min, max int) {
		if err == nil {
			if *v, err = errs.Text(at+field, *v, min, max); err != nil {
				return
			}
		}
	}
	fix("vendor", &n.Vendor, 0, 200)
	fix("product", &n.Product, 0, 200)
	fix("version", &n.Version, 0, 100)
	fix("cpe", &n.CPE, 0, 500)
	fix("purl", &n.PURL, 0, 500)
	fix("location", &n.Location, 0, 200)
	fix("owner", &n.Owner, 0, 200)
	if err != nil {
		return err
	}
	if n.CPE != "" {
		c, err := match.ParseCPE(n.CPE)
		if err != nil {
			return errs.Field(at+"cpe", "%v", err)
		}
		n.CPE = c.String()
		if n.Product == "" {
			n.Product, n.Vendor = strings.ReplaceAll(c.Product(), "_", " "), strings.ReplaceAll(c.Vendor(), "_", " ")
		}
		if v := c.Version(); n.Version == "" && v != "*" && v != "-" && v != "" {
			n.Version = v
		}
	}
	if n.PURL != "" {
		p, err := match.ParsePURL(n.PURL)
		if err != nil {
			return errs.Field(at+"purl", "%v", err)
		}
		n.PURL = p.String()
		if n.Product == "" {
			n.Product, n.Vendor = p.Name, p.Namespace
		}
		if n.Version == "" {
			n.Version = p.Version
		}
	}
	if n.Product == "" {
		return errs.Field(at+"product", "name the product (or give its CPE or purl)")
	}
	return nil
}

const assetColumns = `a.id, a.org_id, o.name, a.vendor, a.product, a.version, a.cpe, a.purl, a.location, a.owner, a.source, a.created_at, a.updated_at,
	(SELECT COUNT(*) FROM vulnerabilities v WHERE v.asset_id = a.id AND v.status = 'open')`

func scanAsset(row interface{ Scan(...any) error }) (Asset, error) {
	var x Asset
	err := row.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.Vendor, &x.Product, &x.Version, &x.CPE, &x.PURL, &x.Location, &x.Owner, &x.Source, &x.CreatedAt, &x.UpdatedAt, &x.Open)
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x, err
}

// AddAsset registers one asset for an organisation within sc's reach and
// matches it against every advisory at once.
func (s *Service) AddAsset(ctx context.Context, sc access.Scope, n NewAsset) (Asset, error) {
	ids, err := s.addAssets(ctx, sc, n.Org, []NewAsset{n}, "api", "")
	if err != nil {
		return Asset{}, err
	}
	return s.asset(ctx, s.db.Reader(), sc, ids[0])
}

func (s *Service) asset(ctx context.Context, q store.Querier, sc access.Scope, id int64) (Asset, error) {
	var a store.Args
	x, err := scanAsset(q.QueryRowContext(ctx, `SELECT `+assetColumns+` FROM assets a JOIN organizations o ON o.id = a.org_id WHERE a.id = `+a.Add(id)+
		` AND `+sc.SecurityPredicate("a.org_id", &a), a.Values()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Asset{}, errs.E(errs.NotFound, "no asset %d", id)
	}
	return x, errs.Wrap(err, "cannot read asset %d", id)
}

// addAssets stores ns for org in one transaction (all or none), matches
// them and audits the import.
func (s *Service) addAssets(ctx context.Context, sc access.Scope, orgRef string, ns []NewAsset, source, file string) ([]int64, error) {
	if !mayManageAssets(sc) {
		return nil, errs.E(errs.Forbidden, "assets are registered by the organisation's CISO or municipal IT, its unit, or the CERT")
	}
	switch {
	case len(ns) == 0:
		return nil, errs.Field("assets", "nothing to import")
	case len(ns) > MaxImport:
		return nil, errs.Field("assets", "at most %d assets at a time (got %d)", MaxImport, len(ns))
	}
	for i := range ns {
		at := ""
		if len(ns) > 1 || file != "" {
			at = file + "item " + idString(int64(i+1)) + ": "
		}
		if err := ns[i].check(at); err != nil {
			return nil, err
		}
	}
	var ids []int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		orgID, err := org.InSecurityReach(ctx, tx, sc, orgRef)
		if err != nil {
			return err
		}
		now := s.now()
		ids = ids[:0]
		for _, n := range ns {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO assets (org_id, vendor, product, version, cpe, purl, location, owner, source, created_by, created_at, updated_at, keyed)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, TRUE) RETURNING id`, orgID, n.Vendor, n.Product, n.Version, n.CPE, n.PURL, n.Location, n.Owner,
				source, sc.Actor().Name, now).Scan(&id); err != nil {
				return errs.Wrap(err, "cannot store an asset")
			}
			ids = append(ids, id)
		}
		if err := matchAssets(ctx, tx, ids, now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "asset.import", TargetType: "organization", TargetID: idString(orgID), OrgID: orgID,
			After: map[string]any{"assets": len(ns), "source": source}})
	})
	return ids, err
}

// ImportCSV imports assets for org from CSV with a header row naming any
// of the columns vendor, product, version, cpe, purl, location, owner
// (product, cpe or purl required). Every row is checked before any is
// stored; an error names the line and the column.
func (s *Service) ImportCSV(ctx context.Context, sc access.Scope, org string, r io.Reader) (int, error) {
	cr := csv.NewReader(io.LimitReader(r, 32<<20))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return 0, errs.Field("file", "line 1: cannot read the header row: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "vendor", "product", "version", "cpe", "purl", "location", "owner":
			col[h] = i
		default:
			return 0, errs.Field("file", "line 1: unknown column %q; want vendor, product, version, cpe, purl, location, owner", h)
		}
	}
	var ns []NewAsset
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, errs.Field("file", "line %d: %v", line, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		n := NewAsset{Vendor: get("vendor"), Product: get("product"), Version: get("version"), CPE: get("cpe"), PURL: get("purl"), Location: get("location"), Owner: get("owner")}
		if err := n.check("line " + idString(int64(line)) + ": "); err != nil {
			return 0, err
		}
		ns = append(ns, n)
		if len(ns) > MaxImport {
			return 0, errs.Field("file", "at most %d assets at a time", MaxImport)
		}
	}
	ids, err := s.addAssets(ctx, sc, org, ns, "csv", "")
	return len(ids), err
}

// cdxComponent is what samdrift reads of a CycloneDX component.
type cdxComponent struct {
	Type      string `json:"type"`
	Group     string `json:"group"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Publisher string `json:"publisher"`
	Supplier  struct {
		Name string `json:"name"`
	} `json:"supplier"`
	CPE        string         `json:"cpe"`
	PURL       string         `json:"purl"`
	Components []cdxComponent `json:"components"`
}

// ImportCycloneDX imports the components of a CycloneDX JSON SBOM (1.4–1.6)
// as org's assets, nested components included; location says where the
// software runs (the SBOM's subject when empty).
func (s *Service) ImportCycloneDX(ctx context.Context, sc access.Scope, org, location string, data []byte) (int, error) {
	var doc struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Component cdxComponent `json:"component"`
		} `json:"metadata"`
		Components []cdxComponent `json:"components"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return 0, errs.Field("file", "not a CycloneDX JSON document: %v", err)
	}
	if doc.BOMFormat != "CycloneDX" {
		return 0, errs.Field("file", `$.bomFormat is %q; a CycloneDX SBOM says "CycloneDX"`, doc.BOMFormat)
	}
	if location == "" {
		location = strings.TrimSpace(doc.Metadata.Component.Name + " " + doc.Metadata.Component.Version)
	}
	var ns []NewAsset
	var walk func(cs []cdxComponent, path string) error
	walk = func(cs []cdxComponent, path string) error {
		for i, c := range cs {
			p := path + "[" + idString(int64(i)) + "]"
			if len(ns) >= MaxImport {
				return errs.Field("file", "at most %d components at a time", MaxImport)
			}
			vendor := c.Group
			if vendor == "" {
				vendor = c.Publisher
			}
			if vendor == "" {
				vendor = c.Supplier.Name
			}
			n := NewAsset{Vendor: vendor, Product: c.Name, Version: c.Version, CPE: c.CPE, PURL: c.PURL, Location: location}
			if err := n.check(p + ": "); err != nil {
				return err
			}
			ns = append(ns, n)
			if err := walk(c.Components, p+".components"); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(doc.Components, "$.components"); err != nil {
		return 0, err
	}
	ids, err := s.addAssets(ctx, sc, org, ns, "cyclonedx", "")
	return len(ids), err
}

// AssetFilter narrows an asset listing.
type AssetFilter struct {
	Org    int64
	Text   string // in vendor or product
	Limit  int
	Offset int
}

// Assets lists the assets within sc's reach (a municipality its own, a
// unit those of the municipalities it supplies, the CERT all).
func (s *Service) Assets(ctx context.Context, sc access.Scope, f AssetFilter) ([]Asset, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var a store.Args
	where := []string{sc.SecurityPredicate("a.org_id", &a)}
	if f.Org != 0 {
		where = append(where, "a.org_id = "+a.Add(f.Org))
	}
	if t := strings.ToLower(strings.TrimSpace(f.Text)); t != "" {
		p := a.Add("%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(t) + "%")
		where = append(where, "(LOWER(a.product) LIKE "+p+" ESCAPE '!' OR LOWER(a.vendor) LIKE "+p+" ESCAPE '!')")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM assets a WHERE `+w, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count assets")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+assetColumns+` FROM assets a JOIN organizations o ON o.id = a.org_id WHERE `+w+
		` ORDER BY o.name, a.vendor, a.product, a.id LIMIT `+a.Add(f.Limit)+` OFFSET `+a.Add(f.Offset), a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list assets")
	}
	defer rows.Close()
	out := []Asset{}
	for rows.Next() {
		x, err := scanAsset(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read an asset")
		}
		out = append(out, x)
	}
	return out, total, errs.Wrap(rows.Err(), "cannot list assets")
}
