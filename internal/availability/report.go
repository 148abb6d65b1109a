package availability

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
)

// Item is one subscription's availability in a month.
type Item struct {
	SubscriptionID   int64  `json:"subscription_id"`
	MunicipalityID   int64  `json:"municipality_id"`
	MunicipalityCode string `json:"municipality_code"`
	MunicipalityName string `json:"municipality_name"`
	UnitID           int64  `json:"unit_id"`
	UnitName         string `json:"unit_name"`
	Service          string `json:"service"`
	Level            string `json:"level"`
	// Calendar is the level's service window.
	Calendar string `json:"calendar"`
	// Availability (0–1) over the month so far (the whole month once it
	// has passed), against Target (0–1).
	Availability float64 `json:"availability"`
	Target       float64 `json:"target"`
	Met          bool    `json:"met"`
	// DowntimeSeconds is the downtime inside the service window, partial
	// outages weighted by their impact; ServiceSeconds the service time
	// so far; MaintenanceSeconds the planned maintenance in the window.
	DowntimeSeconds    int64  `json:"downtime_seconds"`
	ServiceSeconds     int64  `json:"service_seconds"`
	MaintenanceSeconds int64  `json:"maintenance_seconds"`
	Outages            int    `json:"outages"`
	Budget             Budget `json:"error_budget"`
}

// maintenanceWindow is an approved change's window over one
// municipality's subscriptions with the unit (or one subscription).
type maintenanceWindow struct {
	unit, municipality, subscription int64
	span                             Span
}

// Month computes the availability of every subscription sc may see
// (narrowed to org's, a municipality or a unit, when not 0) that was
// active in the month [from, to); for the current month, up to now.
func (s *Service) Month(ctx context.Context, sc access.Scope, from, to time.Time, org int64) ([]Item, error) {
	// Whole seconds (calendars open and close on whole minutes), so that
	// the figures add up to the second.
	now := s.Clock().Truncate(time.Second)
	var a store.Args
	q := `SELECT o.id, o.municipality_id, COALESCE(m.code, ''), m.name, o.unit_id, u.name, o.catalog_version, o.service_id, o.level_id,
		o.activated_at, o.terminated_at FROM orders o JOIN organizations m ON m.id = o.municipality_id JOIN organizations u ON u.id = o.unit_id
		WHERE o.status IN ('active', 'termination_requested', 'terminated') AND o.activated_at < ` + a.Add(to.UTC()) +
		` AND (o.terminated_at IS NULL OR o.terminated_at > ` + a.Add(from.UTC()) + `) AND ` + visible(sc, &a)
	if org != 0 {
		p := a.Add(org)
		q += ` AND (o.municipality_id = ` + p + ` OR o.unit_id = ` + p + `)`
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+` ORDER BY m.name, o.service_id, o.id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list subscriptions")
	}
	type sub struct {
		item             Item
		version          string
		active, finished time.Time
	}
	var subs []sub
	for rows.Next() {
		var x sub
		var act, term sql.NullTime
		if err := rows.Scan(&x.item.SubscriptionID, &x.item.MunicipalityID, &x.item.MunicipalityCode, &x.item.MunicipalityName, &x.item.UnitID,
			&x.item.UnitName, &x.version, &x.item.Service, &x.item.Level, &act, &term); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read a subscription")
		}
		x.active, x.finished = later(act.Time, from), to
		if term.Valid && term.Time.Before(to) {
			x.finished = term.Time
		}
		subs = append(subs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list subscriptions")
	}
	outages, err := s.spans(ctx, sc, from, to, org)
	if err != nil {
		return nil, err
	}
	maint, err := s.maintenance(ctx, from, to)
	if err != nil {
		return nil, err
	}
	catalogs := map[string]*catalog.Catalog{}
	items := make([]Item, 0, len(subs))
	for _, x := range subs {
		c, ok := catalogs[x.version]
		if !ok {
			c, _, err = s.cat.Get(ctx, access.System("availability"), x.version)
			if err != nil {
				return nil, err
			}
			catalogs[x.version] = c
		}
		level, found := catalog.Level{}, false
		for _, svc := range c.Services {
			if svc.ID == x.item.Service {
				level, found = svc.Level(x.item.Level)
			}
		}
		cal, calOK := calendar.Lookup(level.Calendar)
		if !found || !calOK {
			continue // not in its catalog version: nothing to measure against
		}
		var mw []Span
		for _, w := range maint {
			if w.unit == x.item.UnitID && (w.subscription == x.item.SubscriptionID || (w.subscription == 0 && w.municipality == x.item.MunicipalityID)) {
				mw = append(mw, w.span)
			}
		}
		upTo := earlier(x.finished, now)
		sofar := Measure(cal, x.active, upTo, outages[x.item.SubscriptionID], mw, level.MaintenanceCounts())
		whole := Measure(cal, x.active, x.finished, nil, mw, level.MaintenanceCounts())
		it := x.item
		it.Calendar = level.Calendar
		it.Target = math.Round(level.Availability*1e4) / 1e6 // 99.9 % → 0.999, not 0.9990000000000001
		it.Availability = sofar.Availability()
		it.Met = it.Availability >= it.Target
		it.DowntimeSeconds = int64(sofar.Down.Round(time.Second) / time.Second)
		it.ServiceSeconds = int64(sofar.Service.Round(time.Second) / time.Second)
		it.MaintenanceSeconds = int64(sofar.Maintenance.Round(time.Second) / time.Second)
		it.Outages = len(outages[x.item.SubscriptionID])
		it.Budget = BudgetOf(it.Target, whole.Service, sofar)
		items = append(items, it)
	}
	return items, nil
}

// spans are the outages of subscriptions sc may see in [from, to), by
// subscription; an open outage lasts until now.
func (s *Service) spans(ctx context.Context, sc access.Scope, from, to time.Time, org int64) (map[int64][]Span, error) {
	os, err := s.Outages(ctx, sc, Filter{From: from, To: to, Org: org})
	if err != nil {
		return nil, err
	}
	now := s.Clock().Truncate(time.Second)
	out := map[int64][]Span{}
	for _, o := range os {
		end := now
		if o.EndedAt != nil {
			end = *o.EndedAt
		}
		out[o.SubscriptionID] = append(out[o.SubscriptionID], Span{o.StartedAt, end, o.Impact})
	}
	return out, nil
}

// maintenance lists the planned maintenance windows overlapping [from,
// to): approved standard and normal changes (an emergency change is not
// planned), over the subscription the change names, or else over the
// subscriptions with the change's unit of every municipality it affects.
func (s *Service) maintenance(ctx context.Context, from, to time.Time) ([]maintenanceWindow, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT t.id, t.unit_id, COALESCE(t.subscription_id, 0), COALESCE(t.municipality_id, 0), c.window_start, c.window_end
		FROM tickets t JOIN ticket_changes c ON c.ticket_id = t.id
		WHERE t.kind = 'change' AND c.approval = 'approved' AND c.change_type <> 'emergency' AND c.window_start < $1 AND c.window_end > $2`, to.UTC(), from.UTC())
	if err != nil {
		return nil, errs.Wrap(err, "cannot list planned maintenance")
	}
	type change struct {
		id int64
		w  maintenanceWindow
	}
	var changes []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.w.unit, &c.w.subscription, &c.w.municipality, &c.w.span.From, &c.w.span.To); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "cannot read a change")
		}
		c.w.span.Impact = 1
		changes = append(changes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "cannot list planned maintenance")
	}
	var out []maintenanceWindow
	for _, c := range changes {
		if c.w.subscription != 0 {
			out = append(out, c.w)
			continue
		}
		ms := map[int64]bool{}
		if c.w.municipality != 0 {
			ms[c.w.municipality] = true
		}
		err := func() error {
			rows, err := s.db.Reader().QueryContext(ctx, `SELECT municipality_id FROM change_acks WHERE ticket_id = $1`, c.id)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var m int64
				if err := rows.Scan(&m); err != nil {
					return err
				}
				ms[m] = true
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, errs.Wrap(err, "cannot read change %d's municipalities", c.id)
		}
		for m := range ms {
			w := c.w
			w.municipality = m
			out = append(out, w)
		}
	}
	return out, nil
}

// Maintenance is an approved change's window, planned maintenance as a
// status page shows it.
type Maintenance struct {
	ChangeID    int64     `json:"change_id"`
	UnitID      int64     `json:"unit_id"`
	Title       string    `json:"title"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
}

// PlannedMaintenance lists the approved standard and normal changes whose
// windows overlap [from, to) that sc may see: its unit's, or those
// affecting its municipalities (narrowed to unit's when not 0), soonest
// first.
func (s *Service) PlannedMaintenance(ctx context.Context, sc access.Scope, from, to time.Time, unit int64) ([]Maintenance, error) {
	var a store.Args
	q := `SELECT t.id, t.unit_id, t.title, c.window_start, c.window_end FROM tickets t JOIN ticket_changes c ON c.ticket_id = t.id
		WHERE t.kind = 'change' AND c.approval = 'approved' AND c.change_type <> 'emergency' AND c.window_start < ` + a.Add(to.UTC()) +
		` AND c.window_end > ` + a.Add(from.UTC()) + ` AND (` + sc.OrgPredicate("t.unit_id", &a) + ` OR ` + sc.OrgPredicate("t.municipality_id", &a) +
		` OR EXISTS (SELECT 1 FROM change_acks k WHERE k.ticket_id = t.id AND ` + sc.OrgPredicate("k.municipality_id", &a) + `))`
	if unit != 0 {
		q += ` AND t.unit_id = ` + a.Add(unit)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+` ORDER BY c.window_start, t.id LIMIT 200`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot list planned maintenance")
	}
	defer rows.Close()
	out := []Maintenance{}
	for rows.Next() {
		var m Maintenance
		if err := rows.Scan(&m.ChangeID, &m.UnitID, &m.Title, &m.WindowStart, &m.WindowEnd); err != nil {
			return nil, errs.Wrap(err, "cannot read a change")
		}
		m.WindowStart, m.WindowEnd = m.WindowStart.UTC(), m.WindowEnd.UTC()
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "cannot list planned maintenance")
}

// Summary is the availability of a municipality's or a unit's
// subscriptions together in a month: the service time and downtime
// summed (so a long service window weighs more than a short one), and how
// many subscriptions met their own targets.
type Summary struct {
	OrgID           int64   `json:"org_id"`
	Name            string  `json:"name"`
	Subscriptions   int     `json:"subscriptions"`
	Met             int     `json:"met"`
	Availability    float64 `json:"availability"`
	DowntimeSeconds int64   `json:"downtime_seconds"`
	ServiceSeconds  int64   `json:"service_seconds"`
	Outages         int     `json:"outages"`
}

// Summarize sums items per municipality and per unit, each list by name.
func Summarize(items []Item) (municipalities, units []Summary) {
	add := func(m map[int64]*Summary, id int64, name string, it Item) {
		s := m[id]
		if s == nil {
			s = &Summary{OrgID: id, Name: name}
			m[id] = s
		}
		s.Subscriptions++
		if it.Met {
			s.Met++
		}
		s.DowntimeSeconds += it.DowntimeSeconds
		s.ServiceSeconds += it.ServiceSeconds
		s.Outages += it.Outages
	}
	ms, us := map[int64]*Summary{}, map[int64]*Summary{}
	for _, it := range items {
		add(ms, it.MunicipalityID, it.MunicipalityName, it)
		add(us, it.UnitID, it.UnitName, it)
	}
	list := func(m map[int64]*Summary) []Summary {
		out := make([]Summary, 0, len(m))
		for _, s := range m {
			s.Availability = 1
			if s.ServiceSeconds > 0 {
				s.Availability = 1 - float64(s.DowntimeSeconds)/float64(s.ServiceSeconds)
			}
			out = append(out, *s)
		}
		slices.SortFunc(out, func(a, b Summary) int { return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.OrgID, b.OrgID)) })
		return out
	}
	return list(ms), list(us)
}

// WarnBudgets looks at the month so far and, for every subscription
// whose error budget is spent or will be before the month ends at the
// rate so far, tells the delivering unit's service desk and manager and
// the municipality's SPOC and IT, once per subscription and month. It
// returns how many subscriptions it warned about.
func (s *Service) WarnBudgets(ctx context.Context) (int, error) {
	now := s.Clock()
	from := time.Date(now.In(calendar.Copenhagen).Year(), now.In(calendar.Copenhagen).Month(), 1, 0, 0, 0, 0, calendar.Copenhagen)
	items, err := s.Month(ctx, access.System("availability"), from, from.AddDate(0, 1, 0), 0)
	if err != nil {
		return 0, err
	}
	month := from.Format("2006-01")
	warned := 0
	for _, it := range items {
		if !it.Budget.RunsOut {
			continue
		}
		sent := false
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO budget_notices (subscription_id, month, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				it.SubscriptionID, month, now.UTC())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // told before
			}
			sent = true
			subject := fmt.Sprintf("%s – %s (%s): %.2f %% < %.2f %%", it.MunicipalityName, it.Service, it.Level, 100*it.Availability, 100*it.Target)
			for _, n := range []notify.Notice{
				{OrgID: it.UnitID, Roles: []access.Role{access.RoleServiceDesk, access.RoleUnitManager}, Kind: "availability.budget", Subject: subject, At: now},
				{OrgID: it.MunicipalityID, Roles: []access.Role{access.RoleSPOC, access.RoleKommuneIT}, Kind: "availability.budget", Subject: subject, At: now},
			} {
				if _, err := notify.Queue(ctx, tx, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return warned, errs.Wrap(err, "cannot warn about subscription %d's error budget", it.SubscriptionID)
		}
		if sent {
			warned++
		}
	}
	return warned, nil
}
