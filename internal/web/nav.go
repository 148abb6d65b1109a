package web

import (
	"slices"

	"github.com/samdrift/samdrift/internal/access"
)

// navItem is one link of the main menu.
type navItem struct {
	Section string // the section of the pages it leads to (view.Section)
	Href    string
	Key     string // message key of its label
}

// navGroup is one group of the main menu; the group holding the page
// shown is open and lists its items below the row of groups.
type navGroup struct {
	Key    string // message key of its label
	Href   string // where the group's label leads: its first item
	Items  []navItem
	Active bool
}

// The menu's items, by section.
var navItems = map[string]navItem{
	"home":        {"home", "/", "nav.home"},
	"myorg":       {"myorg", "/my-organization", "nav.myorg"},
	"tickets":     {"tickets", "/tickets", "nav.tickets"},
	"changes":     {"changes", "/changes", "nav.changes"},
	"reports":     {"reports", "/reports", "nav.reports"},
	"status":      {"status", "/status", "nav.status"},
	"oncall":      {"oncall", "/oncall", "nav.oncall"},
	"catalog":     {"catalog", "/catalog", "nav.catalog"},
	"offerings":   {"offerings", "/offerings", "nav.offerings"},
	"conformance": {"conformance", "/conformance", "nav.conformance"},
	"orders":      {"orders", "/orders", "nav.orders"},
	"transition":  {"transition", "/transition", "nav.transition"},
	"soc":         {"soc", "/soc", "nav.soc"},
	"alerts":      {"alerts", "/alerts", "nav.alerts"},
	"cases":       {"cases", "/cases", "nav.cases"},
	"events":      {"events", "/events", "nav.events"},
	"coverage":    {"coverage", "/coverage", "nav.coverage"},
	"rules":       {"rules", "/detection-rules", "nav.rules"},
	"quarantine":  {"quarantine", "/quarantine", "nav.quarantine"},
	"vulns":       {"vulns", "/vulnerabilities", "nav.vulns"},
	"advisories":  {"advisories", "/advisories", "advisories.title"},
	"intel":       {"intel", "/intel", "nav.intel"},
	"compliance":  {"compliance", "/compliance", "nav.compliance"},
	"standards":   {"standards", "/standards", "nav.standards"},
	"needs":       {"needs", "/needs", "nav.needs"},
	"orgs":        {"orgs", "/organizations", "nav.orgs"},
	"users":       {"users", "/users", "nav.users"},
	"audit":       {"audit", "/audit", "nav.audit"},
}

// navLayout is the menu's groups in order, each with its sections in
// order; navFor keeps, per role, the sections the role works in.
var navLayout = []struct {
	key      string
	sections []string
}{
	{"navgroup.overview", []string{"home", "myorg"}},
	{"navgroup.operations", []string{"tickets", "changes", "reports", "status", "oncall"}},
	{"navgroup.services", []string{"catalog", "offerings", "conformance", "orders", "transition"}},
	{"navgroup.security", []string{"soc", "alerts", "cases", "events", "coverage", "rules", "quarantine"}},
	{"navgroup.cert", []string{"vulns", "advisories", "intel"}},
	{"navgroup.governance", []string{"compliance", "standards", "needs", "orgs"}},
	{"navgroup.admin", []string{"users", "audit"}},
}

// roleSections are the sections each role works in. A role is not offered
// what it cannot use; pages still check access themselves, so this is a
// matter of focus, not of security.
var roleSections = map[access.Role][]string{
	access.RoleSPOC: {"home", "myorg", "tickets", "changes", "status", "catalog", "orders", "transition",
		"needs", "standards", "orgs", "users"},
	access.RoleKommuneIT: {"home", "myorg", "tickets", "changes", "status", "reports", "catalog", "offerings", "orders", "transition",
		"alerts", "cases", "events", "coverage", "vulns", "advisories", "compliance", "standards", "needs", "orgs", "users"},
	access.RoleCISO: {"home", "myorg", "tickets", "changes", "status", "reports", "alerts", "cases", "events", "coverage", "rules",
		"vulns", "advisories", "intel", "compliance", "standards", "needs", "orgs", "users", "audit"},
	access.RoleServiceDesk: {"home", "tickets", "changes", "status", "reports", "oncall", "catalog", "offerings", "conformance",
		"orders", "transition", "needs", "standards", "orgs", "users"},
	access.RoleUnitManager: {"home", "tickets", "changes", "status", "reports", "oncall", "catalog", "offerings", "conformance",
		"orders", "transition", "cases", "coverage", "vulns", "compliance", "standards", "needs", "orgs", "users"},
	access.RoleSOCAnalyst: {"home", "oncall", "soc", "alerts", "cases", "events", "coverage", "rules", "quarantine",
		"vulns", "advisories", "intel", "orgs", "users"},
	access.RoleCERT: {"home", "oncall", "soc", "alerts", "cases", "events", "coverage", "rules", "quarantine",
		"vulns", "advisories", "intel", "standards", "orgs", "users"},
	access.RoleGovernance: {"home", "tickets", "changes", "status", "reports", "catalog", "offerings", "conformance", "orders",
		"transition", "soc", "cases", "coverage", "vulns", "advisories", "compliance", "standards", "needs", "orgs", "users", "audit"},
}

// navFor builds the menu for the caller, marking the group that holds
// section as active. Administrators get every section.
func navFor(sc access.Scope, section string) []navGroup {
	sections, ok := roleSections[sc.Role]
	if !ok || sc.Role == access.RoleAdmin {
		sections = nil
		for _, g := range navLayout {
			sections = append(sections, g.sections...)
		}
	}
	if sc.OrgKind != "municipality" {
		sections = slices.DeleteFunc(slices.Clone(sections), func(s string) bool { return s == "myorg" })
	}
	var out []navGroup
	for _, g := range navLayout {
		ng := navGroup{Key: g.key}
		for _, sec := range g.sections {
			if !slices.Contains(sections, sec) {
				continue
			}
			it := navItems[sec]
			ng.Items = append(ng.Items, it)
			if sec == section {
				ng.Active = true
			}
		}
		if len(ng.Items) == 0 {
			continue
		}
		ng.Href = ng.Items[0].Href
		out = append(out, ng)
	}
	return out
}
