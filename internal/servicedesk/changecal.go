package servicedesk

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// CalendarChange is one change in the shared change calendar.
type CalendarChange struct {
	ID             int64      `json:"id"`
	Title          string     `json:"title"`
	UnitID         int64      `json:"unit_id"`
	UnitName       string     `json:"unit_name"`
	Status         Status     `json:"status"`
	Type           string     `json:"type"`
	Risk           string     `json:"risk"`
	Approval       string     `json:"approval"`
	WindowStart    time.Time  `json:"window_start"`
	WindowEnd      time.Time  `json:"window_end"`
	Municipalities []string   `json:"municipalities"`
	Touches        []string   `json:"touches"`
	Waiting        string     `json:"waiting,omitempty"`
	Conflicts      []Conflict `json:"conflicts,omitempty"`
}

// Conflict is another change whose window overlaps on a shared site or
// connection. A change the caller may not see is named only by its unit.
type Conflict struct {
	ID          int64     `json:"id,omitempty"`
	Title       string    `json:"title,omitempty"`
	UnitName    string    `json:"unit_name"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Shared      []string  `json:"shared"`
}

// CalendarFilter narrows the change calendar.
type CalendarFilter struct {
	From, To     time.Time
	Unit         int64
	Municipality int64
}

type calChange struct {
	CalendarChange
	keys map[string]string // "s:ID"/"c:ID" → name of what it touches
}

// ChangeCalendar returns the changes (not rejected) whose window overlaps
// [From, To) that sc may see, in window order, each with the changes it
// collides with: overlapping windows on a shared site, connection or a
// site at a connection's end — across all units, so a unit learns of
// another unit's work on the same line.
func (s *Service) ChangeCalendar(ctx context.Context, sc access.Scope, f CalendarFilter) ([]CalendarChange, error) {
	if sc.UserID == 0 && !sc.IsSystem() {
		return nil, errs.E(errs.Unauthorized, "log in first")
	}
	if !f.To.After(f.From) || f.To.Sub(f.From) > 93*24*time.Hour {
		return nil, errs.Field("to", "the calendar shows a span of up to three months; give from before to")
	}
	q := s.db.Reader()
	const cols = `SELECT t.id, t.title, t.unit_id, u.name, t.status, c.change_type, c.risk, c.approval, c.window_start, c.window_end
		FROM tickets t JOIN ticket_changes c ON c.ticket_id = t.id JOIN organizations u ON u.id = t.unit_id
		WHERE c.window_start < $1 AND c.window_end > $2 AND c.approval <> 'rejected'`
	all, err := scanCalendar(ctx, q, cols+` ORDER BY c.window_start, t.id LIMIT 2000`, f.To.UTC(), f.From.UTC())
	if err != nil {
		return nil, err
	}
	a := store.Args{}
	a.Add(f.To.UTC())
	a.Add(f.From.UTC())
	where := " AND " + s.visible(sc, &a)
	if f.Unit != 0 {
		where += " AND t.unit_id = " + a.Add(f.Unit)
	}
	if f.Municipality != 0 {
		where += " AND t.id IN (SELECT ticket_id FROM change_acks WHERE municipality_id = " + a.Add(f.Municipality) + ")"
	}
	mine, err := scanCalendar(ctx, q, cols+where+` ORDER BY c.window_start, t.id LIMIT 2000`, a.Values()...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*calChange{}
	var ids []int64
	for i := range all {
		byID[all[i].ID] = &all[i]
		ids = append(ids, all[i].ID)
	}
	if err := loadTargets(ctx, q, byID, ids); err != nil {
		return nil, err
	}
	visibleIDs := map[int64]bool{}
	for _, x := range mine {
		visibleIDs[x.ID] = true
	}
	out := []CalendarChange{}
	for _, m := range mine {
		c := byID[m.ID]
		if c == nil {
			continue
		}
		for _, o := range all {
			if o.ID == c.ID || !o.WindowStart.Before(c.WindowEnd) || !c.WindowStart.Before(o.WindowEnd) {
				continue
			}
			var shared []string
			for k, name := range c.keys {
				if _, ok := o.keys[k]; ok {
					shared = append(shared, name)
				}
			}
			if len(shared) == 0 {
				continue
			}
			sort.Strings(shared)
			cf := Conflict{UnitName: o.UnitName, WindowStart: o.WindowStart, WindowEnd: o.WindowEnd, Shared: shared}
			if visibleIDs[o.ID] {
				cf.ID, cf.Title = o.ID, o.Title
			}
			c.Conflicts = append(c.Conflicts, cf)
		}
		ch, err := loadChange(ctx, q, c.ID)
		if err != nil {
			return nil, err
		}
		c.Waiting = ch.Waiting()
		for _, a := range ch.Acks {
			c.Municipalities = append(c.Municipalities, a.MunicipalityName)
		}
		for _, name := range c.keys {
			c.Touches = append(c.Touches, name)
		}
		sort.Strings(c.Touches)
		c.Touches = compactStrings(c.Touches)
		out = append(out, c.CalendarChange)
	}
	return out, nil
}

func compactStrings(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func scanCalendar(ctx context.Context, q store.Querier, query string, args ...any) ([]calChange, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read the change calendar")
	}
	defer rows.Close()
	var out []calChange
	for rows.Next() {
		var c calChange
		if err := rows.Scan(&c.ID, &c.Title, &c.UnitID, &c.UnitName, &c.Status, &c.Type, &c.Risk, &c.Approval, &c.WindowStart, &c.WindowEnd); err != nil {
			return nil, errs.Wrap(err, "cannot read change")
		}
		c.WindowStart, c.WindowEnd = c.WindowStart.UTC(), c.WindowEnd.UTC()
		c.keys = map[string]string{}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "cannot read the change calendar")
}

// loadTargets fills the keys of each change: its sites and connections,
// and the sites at each connection's ends.
func loadTargets(ctx context.Context, q store.Querier, byID map[int64]*calChange, ids []int64) error {
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		var a store.Args
		ps := make([]string, len(chunk))
		for i, id := range chunk {
			ps[i] = a.Add(id)
		}
		rows, err := q.QueryContext(ctx, `SELECT ct.ticket_id, COALESCE(ct.site_id, 0), COALESCE(s.name, ''), COALESCE(ct.connection_id, 0), COALESCE(nc.name, ''),
			COALESCE(nc.site_a, 0), COALESCE(sa.name, ''), COALESCE(nc.site_b, 0), COALESCE(sb.name, '')
			FROM change_targets ct LEFT JOIN sites s ON s.id = ct.site_id LEFT JOIN network_connections nc ON nc.id = ct.connection_id
			LEFT JOIN sites sa ON sa.id = nc.site_a LEFT JOIN sites sb ON sb.id = nc.site_b WHERE ct.ticket_id IN (`+strings.Join(ps, ", ")+`)`, a.Values()...)
		if err != nil {
			return errs.Wrap(err, "cannot read change targets")
		}
		for rows.Next() {
			var id, site, conn, sa, sb int64
			var siteName, connName, saName, sbName string
			if err := rows.Scan(&id, &site, &siteName, &conn, &connName, &sa, &saName, &sb, &sbName); err != nil {
				rows.Close()
				return errs.Wrap(err, "cannot read change target")
			}
			keys := byID[id].keys
			for _, x := range []struct {
				prefix string
				id     int64
				name   string
			}{{"s:", site, siteName}, {"c:", conn, connName}, {"s:", sa, saName}, {"s:", sb, sbName}} {
				if x.id != 0 {
					keys[x.prefix+idString(x.id)] = x.name
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return errs.Wrap(err, "cannot read change targets")
		}
	}
	return nil
}
