package catalog

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
)

// Conformance states of one mandatory service level at one unit.
const (
	CellOffered = "offered" // an active offering exists
	CellPlanned = "planned" // only a future offering exists
	CellMissing = "missing" // not offered
)

// Cell is one unit's state for one mandatory service level.
type Cell struct {
	Service string `json:"service"`
	Level   string `json:"level"`
	State   string `json:"state"`
	// Since: for offered, the day the offering became active; for
	// planned, the day it will.
	Since string `json:"since,omitempty"`
}

// UnitConformance is one unit's position against the mandatory minimum.
type UnitConformance struct {
	UnitID   int64  `json:"unit_id"`
	UnitSlug string `json:"unit_slug"`
	UnitName string `json:"unit_name"`
	Cells    []Cell `json:"cells"`
	Offered  int    `json:"offered"`
	Planned  int    `json:"planned"`
	Missing  int    `json:"missing"`
	// MeetsMinimum: every mandatory level is offered; MetSince is the day
	// the last of them became active.
	MeetsMinimum bool   `json:"meets_minimum"`
	MetSince     string `json:"met_since,omitempty"`
}

// Report is conformance of every unit against one catalog version, on a day.
type Report struct {
	CatalogVersion string            `json:"catalog_version"`
	Day            string            `json:"day"`
	Minimum        []Requirement     `json:"minimum"`
	Units          []UnitConformance `json:"units"`
}

// Conformance compares every unit's offerings with the mandatory minimum of
// the current catalog as of day ("" for today). An offering made under an
// earlier catalog version counts when its service level still exists.
func (s *Store) Conformance(ctx context.Context, sc access.Scope, day string) (Report, error) {
	if err := mayRead(sc); err != nil {
		return Report{}, err
	}
	if day == "" {
		day = Today()
	}
	day, err := ParseDay("day", day)
	if err != nil {
		return Report{}, err
	}
	c, info, err := s.Get(ctx, sc, "current")
	if err != nil {
		return Report{}, err
	}
	r := Report{CatalogVersion: info.Version, Day: day, Minimum: c.Minimum()}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, slug, name FROM organizations WHERE kind = 'unit' ORDER BY name`)
	if err != nil {
		return Report{}, errs.Wrap(err, "cannot list units")
	}
	for rows.Next() {
		var u UnitConformance
		if err := rows.Scan(&u.UnitID, &u.UnitSlug, &u.UnitName); err != nil {
			rows.Close()
			return Report{}, errs.Wrap(err, "cannot read unit")
		}
		r.Units = append(r.Units, u)
	}
	rows.Close()
	all, err := s.Offerings(ctx, sc, OfferingFilter{})
	if err != nil {
		return Report{}, err
	}
	type key struct {
		unit           int64
		service, level string
	}
	best := map[key]Cell{}
	for _, o := range all {
		k := key{o.UnitID, o.ServiceID, o.LevelID}
		switch o.StatusOn(day) {
		case StatusActive:
			if cur, ok := best[k]; !ok || cur.State != CellOffered || o.ValidFrom < cur.Since {
				best[k] = Cell{State: CellOffered, Since: o.ValidFrom}
			}
		case StatusPlanned:
			if cur, ok := best[k]; !ok || (cur.State == CellPlanned && o.ValidFrom < cur.Since) {
				best[k] = Cell{State: CellPlanned, Since: o.ValidFrom}
			}
		}
	}
	for i := range r.Units {
		u := &r.Units[i]
		for _, req := range r.Minimum {
			cell, ok := best[key{u.UnitID, req.Service, req.Level}]
			if !ok {
				cell = Cell{State: CellMissing}
			}
			cell.Service, cell.Level = req.Service, req.Level
			u.Cells = append(u.Cells, cell)
			switch cell.State {
			case CellOffered:
				u.Offered++
				if cell.Since > u.MetSince {
					u.MetSince = cell.Since
				}
			case CellPlanned:
				u.Planned++
			default:
				u.Missing++
			}
		}
		u.MeetsMinimum = u.Offered == len(r.Minimum)
		if !u.MeetsMinimum {
			u.MetSince = ""
		}
	}
	return r, nil
}

// WriteCSV writes the report as CSV: one row per unit and mandatory level.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"catalog_version", "day", "unit", "unit_name", "service", "level", "state", "since", "unit_meets_minimum", "unit_met_since"})
	for _, u := range r.Units {
		for _, c := range u.Cells {
			_ = cw.Write([]string{r.CatalogVersion, r.Day, u.UnitSlug, u.UnitName, c.Service, c.Level, c.State, c.Since,
				strconv.FormatBool(u.MeetsMinimum), u.MetSince})
		}
	}
	cw.Flush()
	return cw.Error()
}
