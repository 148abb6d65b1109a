package demo

import (
	"context"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/org"
)

// OnCallTeam is the slug of the demo's on-call team.
const OnCallTeam = "soc-vagt"

// LoadOnCall makes the shared SOC's on-call team, the default that high
// and critical alerts page: the demo SOC analyst and CERT take weekly
// turns on level 1 handing over on Mondays at 08:00 Danish time, the
// other is level 2, and critical alerts escalate after 10 minutes. It
// does nothing when the team exists, and reports whether it made it.
func LoadOnCall(ctx context.Context, orgs *org.Service, oc *oncall.Service) (bool, error) {
	sc := access.System("demo")
	if _, err := oc.Team(ctx, sc, OnCallTeam); err == nil {
		return false, nil
	} else if errs.CodeOf(err) != errs.NotFound {
		return false, err
	}
	soc, err := orgs.Get(ctx, sc, SOCSlug)
	if err != nil {
		return false, err
	}
	members := []string{"demo-soc-analyst", "demo-cert"}
	if _, err := oc.CreateTeam(ctx, sc, oncall.NewTeam{OrgID: soc.ID, Slug: OnCallTeam, Name: "SOC-vagt", Default: true, Members: members}); err != nil {
		return false, err
	}
	// The first Monday of this year, 08:00 in Copenhagen.
	now := time.Now().In(locale.Copenhagen)
	start := time.Date(now.Year(), 1, 1, 8, 0, 0, 0, locale.Copenhagen)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, 1)
	}
	for level, order := range map[int][]string{1: members, 2: {members[1], members[0]}} {
		if _, err := oc.AddRotation(ctx, sc, OnCallTeam, oncall.NewRotation{Level: level, Name: "Uge", Members: order, Period: oncall.Weekly, Start: start}); err != nil {
			return false, err
		}
	}
	for _, sev := range []string{"high", "critical"} {
		wait := 30
		if sev == "critical" {
			wait = 10
		}
		if _, err := oc.SetPolicy(ctx, sc, OnCallTeam, oncall.Policy{Severity: sev, Repeats: 2,
			Steps: []oncall.Step{{Level: 1, WaitMinutes: wait}, {Level: 2, WaitMinutes: wait}}}); err != nil {
			return false, err
		}
	}
	return true, nil
}
