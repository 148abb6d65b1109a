// Package live holds compliance's live checks: evidence samdrift takes
// from the platform itself rather than from documents people upload —
// log coverage against the logging standard, second factors on the
// privileged roles, vulnerabilities patched within their deadlines,
// incidents reported on time, last month's service levels, a running
// backup subscription. Each is a compliance.Check over the domain
// that knows the figures; package compliance does not import them.
package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/cert"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/sources"
)

// The live checks' names.
const (
	LogCoverage       = "log-coverage"
	MFAPrivileged     = "mfa-privileged"
	VulnsPatched      = "vulnerabilities-patched"
	IncidentReporting = "incident-reporting"
	ServiceLevels     = "service-levels"
	BackupSubscribed  = "backup-subscribed"
)

// Platform is what the checks read.
type Platform struct {
	Sources *sources.Registry
	Access  *access.Service
	CERT    *cert.Service
	Cases   *soc.Service
	Orgs    *org.Service
	Desk    *servicedesk.Service
	Orders  *orders.Service
	Catalog *catalog.Store
}

const urn = "urn:samdrift:risk:req_node:"

// ReportingWindow is how far back incident reporting is judged.
const ReportingWindow = 365 * 24 * time.Hour

// Checks returns the live checks over p.
func Checks(p Platform) []compliance.Check {
	return []compliance.Check{
		{Name: LogCoverage, Title: "Every log source type the logging standard requires is sending", TitleDA: "Alle de logkildetyper, logstandarden kræver, sender",
			Requirements: []string{urn + "iso27001-2022:a.8.15", urn + "iso27001-2022:a.8.16", urn + "tmk:16", urn + "nis2-dk:art-21.2.b"},
			Evaluate:     p.logCoverage},
		{Name: MFAPrivileged, Title: "Every user in a privileged role has a second factor", TitleDA: "Alle brugere i privilegerede roller har to-faktor-login",
			Requirements: []string{urn + "iso27001-2022:a.8.5", urn + "tmk:11", urn + "nis2-dk:art-21.2.j"},
			Evaluate:     p.mfa},
		{Name: VulnsPatched, Title: "No open vulnerability is past its due date", TitleDA: "Ingen åben sårbarhed har overskredet sin frist",
			Requirements: []string{urn + "iso27001-2022:a.8.8", urn + "tmk:5", urn + "nis2-dk:art-21.2.e"},
			Evaluate:     p.vulns},
		{Name: IncidentReporting, Title: "Reportable incidents were reported within the deadlines (12 months)", TitleDA: "Indberetningspligtige hændelser er indberettet til tiden (12 måneder)",
			Requirements: []string{urn + "iso27001-2022:a.5.26", urn + "nis2-dk:art-23.1"},
			Evaluate:     p.reporting},
		{Name: ServiceLevels, Title: "Last month's tickets met their response and resolution targets (95 %)", TitleDA: "Sidste måneds sager overholdt reaktions- og løsningstider (95 %)",
			Requirements: []string{urn + "iso27001-2022:a.5.22", urn + "nis2-dk:art-21.2.d"},
			Evaluate:     p.serviceLevels},
		{Name: BackupSubscribed, Title: "The municipality subscribes to backup and restore", TitleDA: "Kommunen abonnerer på backup og gendannelse",
			Requirements: []string{urn + "iso27001-2022:a.8.13", urn + "nis2-dk:art-21.2.c"},
			Evaluate:     p.backup},
	}
}

// SLATarget is the share of clocks that must meet their targets.
const SLATarget = 95.0

// serviceLevels judges each unit and municipality by last month's
// service-desk report: response and resolution met in SLATarget of the
// clocks measured (nothing measured: unknown).
func (p Platform) serviceLevels(ctx context.Context, now time.Time) (map[int64]compliance.CheckResult, error) {
	orgs, err := p.orgs(ctx)
	if err != nil {
		return nil, err
	}
	month := now.In(locale.Copenhagen).AddDate(0, -1, 0)
	out := map[int64]compliance.CheckResult{}
	for _, o := range orgs {
		f := servicedesk.ReportFilter{Month: month}
		if o.Kind == "unit" {
			f.Unit = o.ID
		} else {
			f.Municipality = o.ID
		}
		rep, err := p.Desk.Report(ctx, system, f)
		if err != nil {
			return nil, err
		}
		measured := rep.Response.Measured + rep.Resolution.Measured
		met := rep.Response.Met + rep.Resolution.Met
		r := compliance.CheckResult{Result: "pass", Value: pct(met, measured)}
		r.Detail = fmt.Sprintf("%s: %d of %d clocks met their targets; %d breaches", rep.Month, met, measured, len(rep.Breaches))
		r.DetailDA = fmt.Sprintf("%s: %d af %d ure overholdt; %d overskridelser", rep.Month, met, measured, len(rep.Breaches))
		switch {
		case measured == 0:
			r.Result = "unknown"
		case *r.Value < SLATarget:
			r.Result = "fail"
		}
		out[o.ID] = r
	}
	return out, nil
}

// backup passes a municipality with a running subscription to a service
// of the catalog's backup category.
func (p Platform) backup(ctx context.Context, now time.Time) (map[int64]compliance.CheckResult, error) {
	orgs, err := p.orgs(ctx)
	if err != nil {
		return nil, err
	}
	cat, _, err := p.Catalog.Get(ctx, system, "")
	if errs.CodeOf(err) == errs.NotFound {
		return map[int64]compliance.CheckResult{}, nil // no catalog published: nothing to judge by
	} else if err != nil {
		return nil, err
	}
	backup := map[string]bool{}
	for _, s := range cat.Services {
		if s.Category == "backup" {
			backup[s.ID] = true
		}
	}
	spans, err := p.Orders.Spans(ctx, 0)
	if err != nil {
		return nil, err
	}
	has := map[int64][]string{}
	for _, s := range spans {
		if backup[s.Service] && (s.To.IsZero() || s.To.After(now)) {
			has[s.MunicipalityID] = append(has[s.MunicipalityID], s.Service+"/"+s.Level)
		}
	}
	out := map[int64]compliance.CheckResult{}
	for _, o := range orgs {
		if o.Kind != "municipality" {
			continue
		}
		r := compliance.CheckResult{Result: "pass"}
		if subs := has[o.ID]; len(subs) > 0 {
			r.Detail = "subscribes to " + strings.Join(subs, ", ")
			r.DetailDA = "abonnerer på " + strings.Join(subs, ", ")
		} else {
			r.Result = "fail"
			r.Detail, r.DetailDA = "no running subscription to backup and restore", "intet aktivt abonnement på backup og gendannelse"
		}
		out[o.ID] = r
	}
	return out, nil
}

var system = access.System("compliance")

// orgs lists the municipalities and units: every check has a result for
// each.
func (p Platform) orgs(ctx context.Context) ([]org.Organization, error) {
	var out []org.Organization
	for _, kind := range []org.Kind{"municipality", "unit"} {
		list, _, err := p.Orgs.List(ctx, system, org.Filter{Kind: kind, Limit: 500})
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

func pct(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(int(float64(n)*1000/float64(of)+0.5)) / 10
	return &v
}

func (p Platform) logCoverage(ctx context.Context, now time.Time) (map[int64]compliance.CheckResult, error) {
	cov, err := p.Sources.Overview(ctx, system, now)
	if err != nil {
		return nil, err
	}
	out := map[int64]compliance.CheckResult{}
	for _, c := range cov {
		r := compliance.CheckResult{Result: "pass", Value: pct(c.Sending, c.Required)}
		waiting := max(c.Required-c.Sending-c.Missing, 0) // registered, nothing received yet, or silent
		r.Detail = fmt.Sprintf("%d of %d required source types sending, %d registered but not sending, %d without a source; %d silent source(s)",
			c.Sending, c.Required, waiting, c.Missing, c.Silent)
		r.DetailDA = fmt.Sprintf("%d af %d krævede kildetyper sender, %d registreret men sender ikke, %d uden kilde; %d tavse kilde(r)",
			c.Sending, c.Required, waiting, c.Missing, c.Silent)
		switch {
		case c.Required == 0:
			r.Result = "unknown"
			r.Detail, r.DetailDA = "the logging standard requires no source types of this organisation", "logstandarden kræver ingen kildetyper af denne organisation"
		case c.Missing > 0 || c.Silent > 0 || c.Sending < c.Required:
			r.Result = "fail"
		}
		out[c.OrgID] = r
	}
	return out, nil
}

func (p Platform) mfa(ctx context.Context, now time.Time) (map[int64]compliance.CheckResult, error) {
	orgs, err := p.orgs(ctx)
	if err != nil {
		return nil, err
	}
	st, err := p.Access.MFAStatusByOrg(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[int64]bool{}
	for _, o := range orgs {
		ids[o.ID] = true
	}
	for id := range st { // the shared SOC and the secretariat too
		ids[id] = true
	}
	out := map[int64]compliance.CheckResult{}
	for id := range ids {
		s := st[id]
		r := compliance.CheckResult{Result: "pass", Value: pct(s.WithTOTP, s.Privileged)}
		r.Detail = fmt.Sprintf("%d of %d users in privileged roles have a second factor", s.WithTOTP, s.Privileged)
		r.DetailDA = fmt.Sprintf("%d af %d brugere i privilegerede roller har to-faktor-login", s.WithTOTP, s.Privileged)
		switch {
		case s.Privileged == 0:
			r.Result = "unknown"
			r.Detail, r.DetailDA = "no users in roles that require a second factor", "ingen brugere i roller, der kræver to-faktor-login"
		case s.WithTOTP < s.Privileged:
			r.Result = "fail"
		}
		out[id] = r
	}
	return out, nil
}

func (p Platform) vulns(ctx context.Context, now time.Time) (map[int64]compliance.CheckResult, error) {
	orgs, err := p.orgs(ctx)
	if err != nil {
		return nil, err
	}
	pd, err := p.CERT.PastDueByOrg(ctx, now)
	if err != nil {
		return nil, err
	}
	out := map[int64]compliance.CheckResult{}
	for _, o := range orgs {
		x := pd[o.ID]
		v := float64(x.Overdue)
		r := compliance.CheckResult{Result: "pass", Value: &v}
		r.Detail = fmt.Sprintf("%d open vulnerabilities, %d past their due date", x.Open, x.Overdue)
		r.DetailDA = fmt.Sprintf("%d åbne sårbarheder, %d over fristen", x.Open, x.Overdue)
		if x.Overdue > 0 {
			r.Result = "fail"
		}
		out[o.ID] = r
	}
	return out, nil
}

func (p Platform) reporting(ctx context.Context, now time.Time) (map[int64]compliance.CheckResult, error) {
	orgs, err := p.orgs(ctx)
	if err != nil {
		return nil, err
	}
	tl, err := p.Cases.TimelinessByOrg(ctx, now.Add(-ReportingWindow), now)
	if err != nil {
		return nil, err
	}
	out := map[int64]compliance.CheckResult{}
	for _, o := range orgs {
		t := tl[o.ID]
		v := float64(t.Late)
		r := compliance.CheckResult{Result: "pass", Value: &v}
		r.Detail = fmt.Sprintf("%d reportable incident(s); %d of %d deadlines late", t.Cases, t.Late, t.Deadlines)
		r.DetailDA = fmt.Sprintf("%d indberetningspligtige hændelse(r); %d af %d frister overskredet", t.Cases, t.Late, t.Deadlines)
		if t.Late > 0 {
			r.Result = "fail"
		}
		out[o.ID] = r
	}
	return out, nil
}
