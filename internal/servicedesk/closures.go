package servicedesk

import (
	"context"
	"database/sql"
	"slices"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/errs"
)

// SetUnitClosures replaces the extra closing days unit keeps on top of the
// public holidays (named days such as christmas-eve, or ISO dates). The
// unit's manager decides; SLA clocks started afterwards count on them.
func (s *Service) SetUnitClosures(ctx context.Context, sc access.Scope, unit int64, days []string) ([]calendar.Closure, error) {
	if !(sc.IsSystem() || sc.Role == access.RoleAdmin || (sc.OrgID == unit && sc.Role == access.RoleUnitManager)) {
		return nil, errs.E(errs.Forbidden, "a unit's manager decides the unit's closing days")
	}
	if len(days) > 100 {
		return nil, errs.Field("closures", "at most 100 closing days")
	}
	var cs []calendar.Closure
	for i, d := range days {
		c, err := calendar.ParseClosure(d)
		if err != nil {
			return nil, errs.Field("closures["+idString(int64(i))+"]", "%v", err)
		}
		if !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, unit).Scan(&kind); err != nil || kind != "unit" {
			return errs.Field("unit", "organisation %d is not a unit", unit)
		}
		before, err := unitClosures(ctx, tx, unit)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM unit_closures WHERE unit_id = $1`, unit); err != nil {
			return errs.Wrap(err, "cannot replace closing days")
		}
		for _, c := range cs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO unit_closures (unit_id, closure) VALUES ($1, $2)`, unit, string(c)); err != nil {
				return errs.Wrap(err, "cannot store closing day %s", c)
			}
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "unit.closures", TargetType: "organization", TargetID: idString(unit),
			OrgID: unit, Before: before, After: cs})
	})
	if cs == nil {
		cs = []calendar.Closure{}
	}
	return cs, err
}
