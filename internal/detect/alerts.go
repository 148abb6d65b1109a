package detect

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/timing"
)

// Alert is one or more matches of a rule (or correlation, or indicator)
// for one tenant and key, grouped while they keep coming within
// GroupWindow of each other.
type Alert struct {
	ID        int64           `json:"id"`
	Tenant    int64           `json:"tenant"`
	RuleID    string          `json:"rule_id"`
	Kind      string          `json:"kind"` // rule, correlation, indicator
	Title     string          `json:"title"`
	Level     string          `json:"level"`
	Tags      []string        `json:"tags"`
	Key       string          `json:"key"` // host, address or correlation group
	Count     int64           `json:"count"`
	FirstSeen time.Time       `json:"first_seen"`
	LastSeen  time.Time       `json:"last_seen"`
	EventIDs  []string        `json:"event_ids"`
	Sample    json.RawMessage `json:"sample,omitempty"`
	// Status is new, acknowledged or closed (see Triage); Resolution says
	// how a closed alert ended; Assignee is who works it.
	Status     string `json:"status"`
	Resolution string `json:"resolution,omitempty"`
	Assignee   string `json:"assignee,omitempty"`
}

// GroupWindow is how close repeated matches must come to join an alert.
const GroupWindow = time.Hour

// maxEventIDs bounds the event ids an alert keeps (the first ones).
const maxEventIDs = 10

// Filter narrows an alert listing.
type Filter struct {
	Level  string
	RuleID string
	Status string
	Tenant int64 // 0: every tenant in reach
	Since  time.Time
	Limit  int
	Offset int
	// Sort is the order by one of AlertSorts; the zero Sort is the
	// default (the latest match first).
	Sort store.Sort
}

// AlertSorts are the keys an alert list sorts by (Filter.Sort): the time
// of its latest match, of its first, its level by severity (critical
// first, not alphabetically), its rule's title, its organisation's name
// (the quarantine's alerts, which have none, first), its count of
// matches, its status (new, acknowledged, closed) and its assignee (none
// last either way).
var AlertSorts = []string{"time", "first", "level", "rule", "org", "count", "status", "assignee"}

// alertOrder holds the SQL each of AlertSorts orders by; a descending
// order turns only the last expression around.
var alertOrder = map[string]string{
	"time":   "last_seen",
	"first":  "first_seen",
	"level":  "CASE level WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 WHEN 'low' THEN 4 WHEN 'informational' THEN 5 ELSE 6 END",
	"rule":   "LOWER(title)",
	"org":    "COALESCE((SELECT LOWER(o.name) FROM organizations o WHERE o.id = alerts.tenant), '')",
	"count":  "count",
	"status": "CASE status WHEN 'new' THEN 1 WHEN 'acknowledged' THEN 2 ELSE 3 END",
	"assignee": "CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END, " +
		"COALESCE((SELECT LOWER(u.username) FROM users u WHERE u.id = alerts.assignee_id), '')",
}

const alertColumns = `id, tenant, rule_id, kind, title, level, tags, group_key, count, first_seen, last_seen, event_ids, sample, status,
	resolution, COALESCE((SELECT username FROM users WHERE users.id = alerts.assignee_id), '')`

func scanAlert(rows interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var tags, ids, sample string
	var first, last int64
	if err := rows.Scan(&a.ID, &a.Tenant, &a.RuleID, &a.Kind, &a.Title, &a.Level, &tags, &a.Key, &a.Count, &first, &last, &ids, &sample, &a.Status,
		&a.Resolution, &a.Assignee); err != nil {
		return a, errs.Wrap(err, "cannot read an alert")
	}
	a.Tags = strings.Fields(tags)
	a.EventIDs = strings.Fields(ids)
	if sample != "" {
		a.Sample = json.RawMessage(sample)
	}
	a.FirstSeen, a.LastSeen = time.UnixMicro(first).UTC(), time.UnixMicro(last).UTC()
	return a, nil
}

// Alerts lists alerts within sc's reach in f's order (by default the
// latest match first), and how many match in all. A municipality sees
// its own alerts; a unit those of the municipalities it supplies; the
// shared SOC and CERT all, quarantine included. An order not in
// AlertSorts is an Invalid error.
func (d *Detector) Alerts(ctx context.Context, sc access.Scope, f Filter) ([]Alert, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	if _, err := store.ParseSort("sort", f.Sort.String(), AlertSorts...); err != nil {
		return nil, 0, err
	}
	var a store.Args
	where := []string{sc.SecurityPredicate("tenant", &a)}
	if f.Level != "" {
		where = append(where, "level = "+a.Add(f.Level))
	}
	if f.RuleID != "" {
		where = append(where, "rule_id = "+a.Add(f.RuleID))
	}
	switch f.Status {
	case "":
	case StatusOpen:
		where = append(where, "status <> "+a.Add(StatusClosed))
	default:
		where = append(where, "status = "+a.Add(f.Status))
	}
	if f.Tenant != 0 {
		where = append(where, "tenant = "+a.Add(f.Tenant))
	}
	if !f.Since.IsZero() {
		where = append(where, "last_seen >= "+a.Add(f.Since.UnixMicro()))
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := d.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE `+w, a.Values()...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count alerts")
	}
	// Ties go to the latest match, then the newest alert.
	order := f.Sort.OrderBy(alertOrder, "", "last_seen DESC, id DESC")
	q := `SELECT ` + alertColumns + ` FROM alerts WHERE ` + w + ` ORDER BY ` + order + ` LIMIT ` + a.Add(f.Limit) + ` OFFSET ` + a.Add(f.Offset)
	rows, err := d.db.Reader().QueryContext(ctx, q, a.Values()...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list alerts")
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		al, err := scanAlert(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, al)
	}
	return out, total, rows.Err()
}

// hit is one match to record.
type hit struct {
	tenant                          int64
	ruleID, kind, title, level, key string
	tags                            []string
	at                              time.Time
	eventID                         string
	ev                              *event.Event // for the sample of a new alert
	batch                           string       // the spine batch it came from
	indicator                       int64        // the indicator's id, for an indicator hit
}

// record groups hits into alerts in one transaction, with the batch ids
// they came from, and returns the alerts written. Hits are first folded
// per tenant, rule and key (and counted per rule and day), so a batch
// costs a few statements per alert, not per match.
func record(ctx context.Context, tx *sql.Tx, hits []hit, batchIDs []string, now time.Time) ([]Alert, error) {
	for _, id := range batchIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO detect_batches (batch_id, done_at) VALUES ($1, $2) ON CONFLICT (batch_id) DO NOTHING`, id, now.UnixMicro()); err != nil {
			return nil, errs.Wrap(err, "cannot record batch %s", id)
		}
	}
	type dayKey struct {
		rule   string
		tenant int64
		day    int64
	}
	days := map[dayKey]int64{}
	type groupKey struct {
		tenant    int64
		rule, key string
	}
	type group struct {
		first  hit
		n      int64
		lo, hi time.Time
		ids    []string
	}
	var order []groupKey
	groups := map[groupKey]*group{}
	for _, h := range hits {
		days[dayKey{h.ruleID, h.tenant, h.at.UTC().Unix() / 86400}]++
		k := groupKey{h.tenant, h.ruleID, h.key}
		g := groups[k]
		if g == nil {
			g = &group{first: h, lo: h.at, hi: h.at}
			groups[k] = g
			order = append(order, k)
		}
		g.n++
		if h.at.Before(g.lo) {
			g.lo = h.at
		}
		if h.at.After(g.hi) {
			g.hi = h.at
		}
		if len(g.ids) < maxEventIDs && h.eventID != "" {
			g.ids = append(g.ids, h.eventID)
		}
	}
	for k, n := range days {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rule_hits (rule_id, tenant, day, hits) VALUES ($1, $2, $3, $4)
			ON CONFLICT (rule_id, tenant, day) DO UPDATE SET hits = rule_hits.hits + excluded.hits`, k.rule, k.tenant, k.day, n); err != nil {
			return nil, errs.Wrap(err, "cannot count hits of %s", k.rule)
		}
	}
	var out []Alert
	for _, k := range order {
		g := groups[k]
		h := g.first
		row := tx.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE tenant = $1 AND rule_id = $2 AND group_key = $3 AND last_seen >= $4
			AND status <> 'closed' ORDER BY last_seen DESC LIMIT 1`, h.tenant, h.ruleID, h.key, g.lo.Add(-GroupWindow).UnixMicro())
		al, err := scanAlert(row)
		switch {
		case err == nil:
			al.Count += g.n
			if g.hi.After(al.LastSeen) {
				al.LastSeen = g.hi
			}
			if g.lo.Before(al.FirstSeen) {
				al.FirstSeen = g.lo
			}
			for _, id := range g.ids {
				if len(al.EventIDs) < maxEventIDs {
					al.EventIDs = append(al.EventIDs, id)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET count = $1, first_seen = $2, last_seen = $3, event_ids = $4 WHERE id = $5`,
				al.Count, al.FirstSeen.UnixMicro(), al.LastSeen.UnixMicro(), strings.Join(al.EventIDs, " "), al.ID); err != nil {
				return nil, errs.Wrap(err, "cannot update alert %d", al.ID)
			}
		case isNoRows(err):
			al = Alert{Tenant: h.tenant, RuleID: h.ruleID, Kind: h.kind, Title: h.title, Level: h.level, Tags: h.tags, Key: h.key,
				Count: g.n, FirstSeen: g.lo, LastSeen: g.hi, Status: "new", Sample: sample(h.ev), EventIDs: g.ids}
			if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (tenant, rule_id, kind, title, level, tags, group_key, count, first_seen, last_seen, event_ids, sample, status, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new', $13) RETURNING id`,
				h.tenant, h.ruleID, h.kind, h.title, h.level, strings.Join(h.tags, " "), h.key, g.n, g.lo.UnixMicro(), g.hi.UnixMicro(),
				strings.Join(g.ids, " "), string(al.Sample), now.UnixMicro()).Scan(&al.ID); err != nil {
				return nil, errs.Wrap(err, "cannot store an alert of %s", h.ruleID)
			}
			if err := countAlert(ctx, tx, al, now); err != nil {
				return nil, err
			}
			if err := announce(ctx, tx, al, now); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
		out = append(out, al)
	}
	return out, nil
}

func isNoRows(err error) bool {
	for e := err; e != nil; {
		if e == sql.ErrNoRows {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// announce tells the people who must act on a new high or critical alert.
// When the platform has an on-call team (the shared SOC's default team),
// the alert pages the person on call by the team's escalation policy
// instead of notifying everyone, and the municipality's CISO is told.
// Without one, the shared SOC's analysts and CERT, the analysts of the
// unit that supplies the municipality, and the municipality's CISO are
// notified (inbox, and e-mail or webhook as each prefers). Lower levels
// wait on the alert list.
func announce(ctx context.Context, tx *sql.Tx, al Alert, now time.Time) error {
	if al.Level != "high" && al.Level != "critical" {
		return nil
	}
	n := notify.Notice{Kind: "alert." + al.Level, AlertID: al.ID, Subject: al.Title, Body: "host/key: " + al.Key, At: now}
	paged, err := oncall.Start(ctx, tx, oncall.Subject{OrgID: al.Tenant, Severity: al.Level, Kind: oncall.KindAlert, SubjectID: al.ID,
		Title: al.Title, At: now})
	if err != nil {
		return err
	}
	if paged != 0 {
		if al.Tenant == 0 {
			return nil
		}
		n.OrgID, n.Roles = al.Tenant, []access.Role{access.RoleCISO}
		_, err := notify.Queue(ctx, tx, n)
		return err
	}
	var notices []notify.Notice
	rows, err := tx.QueryContext(ctx, `SELECT id FROM organizations WHERE kind = 'soc' ORDER BY id`)
	if err != nil {
		return errs.Wrap(err, "cannot find the SOC to notify")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "cannot find the SOC to notify")
		}
		n.OrgID, n.Roles = id, []access.Role{access.RoleSOCAnalyst, access.RoleCERT}
		notices = append(notices, n)
	}
	rows.Close()
	if al.Tenant != 0 {
		if unit, err := org.SupplierOf(ctx, tx, al.Tenant); err == nil {
			n.OrgID, n.Roles = unit, []access.Role{access.RoleSOCAnalyst}
			notices = append(notices, n)
		}
		n.OrgID, n.Roles = al.Tenant, []access.Role{access.RoleCISO}
		notices = append(notices, n)
	}
	for _, n := range notices {
		if _, err := notify.Queue(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// AlertsByID returns those of ids that sc may see, in id order, read
// through q (a caller's transaction or a reader). Ids out of reach are
// left out, as unknown ids are, so the caller answers for both alike.
func AlertsByID(ctx context.Context, q store.Querier, sc access.Scope, ids []int64) ([]Alert, error) {
	out := []Alert{}
	if len(ids) == 0 {
		return out, nil
	}
	var a store.Args
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = a.Add(id)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id IN (`+strings.Join(ps, ", ")+`) AND `+
		sc.SecurityPredicate("tenant", &a)+` ORDER BY id`, a.Values()...)
	if err != nil {
		return nil, errs.Wrap(err, "cannot read alerts")
	}
	defer rows.Close()
	for rows.Next() {
		al, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, al)
	}
	return out, errs.Wrap(rows.Err(), "cannot read alerts")
}

// countAlert keeps the dashboard's counters in step with a new alert:
// the open alerts of its tenant and level, and the alerts of its rule
// this month (for the tenant and, as tenant -1, for all).
func countAlert(ctx context.Context, tx *sql.Tx, al Alert, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO alert_open_counts (tenant, level, n) VALUES ($1, $2, 1)
		ON CONFLICT (tenant, level) DO UPDATE SET n = alert_open_counts.n + 1`, al.Tenant, al.Level); err != nil {
		return errs.Wrap(err, "cannot count an alert of %s", al.RuleID)
	}
	for _, tenant := range []int64{al.Tenant, -1} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_rule_stats (rule_id, tenant, month, title, alerts) VALUES ($1, $2, $3, $4, 1)
			ON CONFLICT (rule_id, tenant, month) DO UPDATE SET alerts = alert_rule_stats.alerts + 1, title = excluded.title`,
			al.RuleID, tenant, timing.Month(now), al.Title); err != nil {
			return errs.Wrap(err, "cannot count an alert of %s", al.RuleID)
		}
	}
	return nil
}
