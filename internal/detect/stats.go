package detect

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/timing"
)

// OpenCount is how many alerts of one level and tenant are not closed.
type OpenCount struct {
	Level   string `json:"level"`
	Tenant  int64  `json:"tenant"`
	OrgName string `json:"org_name"` // "" for the quarantine
	N       int    `json:"n"`
}

// RuleStat is what one rule raised since a month and how its alerts were
// triaged: the false-positive rate (of those closed) tells the SOC which
// rules to tune.
type RuleStat struct {
	RuleID        string  `json:"rule_id"`
	Title         string  `json:"title"`
	Alerts        int     `json:"alerts"`
	Closed        int     `json:"closed"`
	FalsePositive int     `json:"false_positive"`
	FPRate        float64 `json:"false_positive_rate"`
}

// Stats are the alert figures of the SOC's dashboard, within the caller's
// security reach.
type Stats struct {
	Open  []OpenCount `json:"open"`
	Rules []RuleStat  `json:"rules"`
	// Ack and Resolve: time from an alert's creation to its first
	// acknowledgement, and to its closing, per month.
	Ack     []timing.Percentiles `json:"ack"`
	Resolve []timing.Percentiles `json:"resolve"`
}

// Stats returns the open alerts by level and tenant, the 20 rules that
// alerted most since the month of since with their false-positive rates,
// and the monthly times to acknowledge and resolve — all within sc's
// security reach, from counters kept as alerts are made and triaged
// (a few hundred rows, however many alerts there are).
func (d *Detector) Stats(ctx context.Context, sc access.Scope, since time.Time) (Stats, error) {
	q := d.db.Reader()
	out := Stats{Open: []OpenCount{}, Rules: []RuleStat{}}
	var a store.Args
	rows, err := q.QueryContext(ctx, `SELECT x.level, x.tenant, COALESCE(o.name, ''), x.n FROM alert_open_counts x
		LEFT JOIN organizations o ON o.id = x.tenant WHERE x.n > 0 AND `+sc.SecurityPredicate("x.tenant", &a)+` ORDER BY x.n DESC, x.tenant, x.level`, a.Values()...)
	if err != nil {
		return out, errs.Wrap(err, "cannot count open alerts")
	}
	for rows.Next() {
		var c OpenCount
		if err := rows.Scan(&c.Level, &c.Tenant, &c.OrgName, &c.N); err != nil {
			rows.Close()
			return out, errs.Wrap(err, "cannot count open alerts")
		}
		out.Open = append(out.Open, c)
	}
	rows.Close()
	from := timing.Month(since)
	a = store.Args{}
	tenants := "tenant = -1" // every tenant's sums
	if !sc.SeesAllSecurity() {
		tenants = sc.SecurityPredicate("tenant", &a)
	}
	rows, err = q.QueryContext(ctx, `SELECT rule_id, MAX(title), SUM(alerts), SUM(closed), SUM(false_positive) FROM alert_rule_stats
		WHERE month >= `+a.Add(from)+` AND `+tenants+` GROUP BY rule_id ORDER BY SUM(alerts) DESC, rule_id LIMIT 20`, a.Values()...)
	if err != nil {
		return out, errs.Wrap(err, "cannot count alerts per rule")
	}
	for rows.Next() {
		var r RuleStat
		if err := rows.Scan(&r.RuleID, &r.Title, &r.Alerts, &r.Closed, &r.FalsePositive); err != nil {
			rows.Close()
			return out, errs.Wrap(err, "cannot count alerts per rule")
		}
		if r.Closed > 0 {
			r.FPRate = float64(r.FalsePositive) / float64(r.Closed)
		}
		out.Rules = append(out.Rules, r)
	}
	rows.Close()
	for _, m := range []struct {
		name string
		dst  *[]timing.Percentiles
	}{{"alert.ack", &out.Ack}, {"alert.resolve", &out.Resolve}} {
		a = store.Args{}
		if *m.dst, err = timing.Monthly(ctx, q, m.name, from, sc.SecurityPredicate("org_id", &a), &a); err != nil {
			return out, err
		}
	}
	return out, nil
}
