package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// foreignCase is one write endpoint of openapi.json, called with the ids
// of another tenant. Path and body are templates: {name} is replaced by
// the victim's id of that name, or, for the comparison, by an id that
// does not exist. {own…} names are the attacker's own resources.
type foreignCase struct {
	op    string // "METHOD /path/template" as in openapi.json
	path  string
	body  string
	ctype string
	// public: the id names something every user may see (organisations,
	// offerings), so only "not allowed" is required, not "answers like
	// unknown".
	public bool
	// self: the endpoint acts on the caller alone and names no one
	// else's id; it is listed for coverage and may succeed.
	self bool
	// control, when set, is the body with the attacker's own ids in
	// place of the victim's; as controlAs it must succeed, which shows
	// the request is otherwise valid and the refusal is about the id.
	control, controlAs string
}

var foreignCases = []foreignCase{
	{op: "POST /api/v1/organizations", path: "/api/v1/organizations", body: `{"kind":"municipality","name":"X","code":"{orgcode}"}`, public: true},
	{op: "PUT /api/v1/organizations/{ref}/supplier", path: "/api/v1/organizations/{org}/supplier", body: `{"unit":"{ownunit}"}`, public: true},
	{op: "PUT /api/v1/organizations/{ref}/owners", path: "/api/v1/organizations/{unit}/owners", body: `{"municipalities":["{org}"]}`, public: true},
	{op: "POST /api/v1/users", path: "/api/v1/users", body: `{"username":"mole-{n}","org":"{org}","role":"spoc","password":"correct horse battery staple 9"}`, public: true},
	{op: "PATCH /api/v1/users/{id}", path: "/api/v1/users/{user}", body: `{"disabled":true}`},
	{op: "POST /api/v1/tokens", path: "/api/v1/tokens", body: `{"name":"nøgle","user":"{username}"}`, control: `{"name":"nøgle","user":"it-ros"}`, controlAs: "it-ros"},
	{op: "DELETE /api/v1/tokens/{id}", path: "/api/v1/tokens/{token}"},
	{op: "POST /api/v1/catalog/versions", path: "/api/v1/catalog/versions", body: "version: x\n", ctype: "application/yaml", public: true},
	{op: "POST /api/v1/offerings", path: "/api/v1/offerings", body: `{"unit":"{unit}","service":"srv-virtual","level":"basis","valid_from":"2027-01-01","delivery":"in-house","attest":true}`, public: true},
	{op: "POST /api/v1/offerings/{id}/withdraw", path: "/api/v1/offerings/{offering}/withdraw", body: `{"withdrawn_from":"2027-06-01"}`, public: true},
	{op: "POST /api/v1/orders", path: "/api/v1/orders", body: `{"service":"srv-virtual","level":"basis","quantity":1,"municipality":"{org}"}`, public: true},
	{op: "POST /api/v1/orders/{id}/status", path: "/api/v1/orders/{order}/status", body: `{"status":"termination_requested","note":"x"}`},
	{op: "PUT /api/v1/transition/{municipality}/{service}", path: "/api/v1/transition/{org}/srv-virtual", body: `{"source":"self","status":"planned"}`, public: true},
	{op: "POST /api/v1/log-sources", path: "/api/v1/log-sources", body: `{"org":"{org}","name":"x","kind":"token"}`, public: true},
	{op: "PUT /api/v1/organizations/{ref}/log-retention", path: "/api/v1/organizations/{org}/log-retention", body: `{"days":30}`, public: true},
	{op: "POST /api/v1/alerts/{id}/triage", path: "/api/v1/alerts/{alert}/triage", body: `{"status":"closed","resolution":"false_positive","comment":"x"}`},
	{op: "POST /api/v1/alerts/triage", path: "/api/v1/alerts/triage", body: `{"ids":[{alert}],"status":"closed","resolution":"false_positive"}`},
	{op: "POST /api/v1/detection-rules", path: "/api/v1/detection-rules", body: "title: x\n", ctype: "application/yaml", public: true},
	{op: "PUT /api/v1/detection-rules/{id}", path: "/api/v1/detection-rules/{rule}", body: `{"enabled":false}`, public: true},
	{op: "PUT /api/v1/organizations/{ref}/detection-rules/{id}", path: "/api/v1/organizations/{org}/detection-rules/{rule}", body: `{"enabled":false}`, public: true},
	{op: "POST /api/v1/indicators", path: "/api/v1/indicators", body: `{"source":"x","indicators":[{"type":"ip","value":"192.0.2.1"}]}`, public: true},
	{op: "DELETE /api/v1/indicators/{id}", path: "/api/v1/indicators/{indicator}", public: true},
	{op: "PUT /api/v1/organizations/{ref}/placeholders/{name}", path: "/api/v1/organizations/{org}/placeholders/admins", body: `{"values":["x"]}`, public: true},
	{op: "POST /api/v1/organizations/{ref}/detection-filters", path: "/api/v1/organizations/{org}/detection-filters", body: "title: x\n", ctype: "application/yaml", public: true},
	{op: "POST /api/v1/tickets", path: "/api/v1/tickets", body: `{"title":"Printer","impact":2,"urgency":2,"site":{site}}`, control: `{"title":"Printer","impact":2,"urgency":2,"site":{ownsite}}`, controlAs: "spoc-ros"},
	{op: "POST /api/v1/tickets", path: "/api/v1/tickets", body: `{"title":"Printer","impact":2,"urgency":2,"subscription":{sub}}`, control: `{"title":"Printer","impact":2,"urgency":2,"subscription":{ownsub}}`, controlAs: "spoc-ros"},
	{op: "POST /api/v1/tickets/{id}/escalate", path: "/api/v1/tickets/{ticket}/escalate", body: `{"version":{v},"handover":{"tried":"x","affected":"y","contact":"z"}}`},
	{op: "POST /api/v1/tickets/{id}/assign", path: "/api/v1/tickets/{ticket}/assign", body: `{"version":{v},"assignee":"desk-sj"}`},
	{op: "POST /api/v1/tickets/{id}/assign", path: "/api/v1/tickets/{ownticket}/assign", body: `{"assignee":"demo-servicedesk"}`, control: `{"assignee":"desk-sj"}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/tickets/{id}/comments", path: "/api/v1/tickets/{ticket}/comments", body: `{"body":"x"}`},
	{op: "POST /api/v1/tickets/{id}/pending", path: "/api/v1/tickets/{ticket}/pending", body: `{"version":{v},"question":"x"}`},
	{op: "POST /api/v1/tickets/{id}/resume", path: "/api/v1/tickets/{ticket}/resume", body: `{"version":{v}}`},
	{op: "POST /api/v1/tickets/{id}/resolve", path: "/api/v1/tickets/{ticket}/resolve", body: `{"version":{v},"resolution":"x"}`},
	{op: "POST /api/v1/tickets/{id}/reopen", path: "/api/v1/tickets/{ticket}/reopen", body: `{"version":{v},"reason":"x"}`},
	{op: "POST /api/v1/tickets/{id}/close", path: "/api/v1/tickets/{ticket}/close", body: `{"version":{v},"satisfaction":5}`},
	{op: "PUT /api/v1/tickets/{id}/priority", path: "/api/v1/tickets/{ticket}/priority", body: `{"version":{v},"impact":1,"urgency":1,"reason":"x"}`},
	{op: "PUT /api/v1/tickets/{id}/breach-reason", path: "/api/v1/tickets/{ticket}/breach-reason", body: `{"version":{v},"reason":"x"}`},
	{op: "POST /api/v1/tickets/{id}/visits", path: "/api/v1/tickets/{ticket}/visits", body: `{"version":{v},"address":"x","starts_at":"2027-01-04T09:00:00Z","ends_at":"2027-01-04T10:00:00Z","technician":"x"}`},
	{op: "POST /api/v1/tickets/{id}/visits", path: "/api/v1/tickets/{ownticket}/visits", body: `{"version":{ownv},"site":{site},"starts_at":"2027-01-04T09:00:00Z","ends_at":"2027-01-04T10:00:00Z","technician":"Ib"}`, control: `{"site":{ownsite},"starts_at":"2027-01-04T09:00:00Z","ends_at":"2027-01-04T10:00:00Z","technician":"Ib"}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/notifications/read", path: "/api/v1/notifications/read", body: `{"id":{notification}}`},
	{op: "POST /api/v1/sites", path: "/api/v1/sites", body: `{"municipality":"{org}","name":"x","address":"y"}`, public: true},
	{op: "POST /api/v1/connections", path: "/api/v1/connections", body: `{"name":"Linje 7","kind":"fiber","bandwidth_mbps":10,"site_a":{site}}`, control: `{"name":"Linje 7","kind":"fiber","bandwidth_mbps":10,"site_a":{ownsite}}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/connections", path: "/api/v1/connections", body: `{"name":"Linje 8","kind":"fiber","bandwidth_mbps":10,"site_a":{ownsite},"site_b":{site}}`, control: `{"name":"Linje 8","kind":"fiber","bandwidth_mbps":10,"site_a":{ownsite},"site_b":{ownsite2}}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/changes", path: "/api/v1/changes", body: `{"title":"Ændring","type":"normal","risk":"low","plan":"Skift switch","rollback":"Sæt den gamle i","window_start":"2027-01-04T09:00:00Z","window_end":"2027-01-04T10:00:00Z","sites":[{site}]}`, control: `{"title":"Ændring","type":"normal","risk":"low","plan":"Skift switch","rollback":"Sæt den gamle i","window_start":"2027-01-04T09:00:00Z","window_end":"2027-01-04T10:00:00Z","sites":[{ownsite}]}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/changes", path: "/api/v1/changes", body: `{"title":"Ændring","type":"normal","risk":"low","plan":"Skift switch","rollback":"Sæt den gamle i","window_start":"2027-01-04T09:00:00Z","window_end":"2027-01-04T10:00:00Z","connections":[{conn}]}`, control: `{"title":"Ændring","type":"normal","risk":"low","plan":"Skift switch","rollback":"Sæt den gamle i","window_start":"2027-01-04T09:00:00Z","window_end":"2027-01-04T10:00:00Z","connections":[{ownconn}]}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/changes/{id}/acknowledgement", path: "/api/v1/changes/{change}/acknowledgement", body: `{"note":"x"}`},
	{op: "POST /api/v1/changes/{id}/decision", path: "/api/v1/changes/{change}/decision", body: `{"approve":true,"note":"x"}`},
	{op: "PUT /api/v1/tickets/{id}/problem", path: "/api/v1/tickets/{problem}/problem", body: `{"root_cause":"x"}`},
	{op: "POST /api/v1/tickets/{id}/incidents", path: "/api/v1/tickets/{problem}/incidents", body: `{"incident":{ownticket}}`},
	{op: "POST /api/v1/tickets/{id}/incidents", path: "/api/v1/tickets/{ownproblem}/incidents", body: `{"incident":{ticket}}`, control: `{"incident":{ownticket}}`, controlAs: "desk-sj"},
	{op: "PUT /api/v1/me/notification-settings", path: "/api/v1/me/notification-settings", body: `{"email":false}`, self: true},
	{op: "PUT /api/v1/organizations/{ref}/closing-days", path: "/api/v1/organizations/{unit}/closing-days", body: `{"closures":[]}`, public: true},
	{op: "POST /api/v1/tickets/{id}/attachments", path: "/api/v1/tickets/{ticket}/attachments?name=x.txt", body: "hello", ctype: "application/octet-stream"},
	{op: "PUT /api/v1/tickets/{id}/subscription", path: "/api/v1/tickets/{ticket}/subscription", body: `{"version":{v},"subscription":{ownsub}}`},
	{op: "PUT /api/v1/tickets/{id}/subscription", path: "/api/v1/tickets/{ownticket}/subscription", body: `{"version":{ownv},"subscription":{sub},"reason":"Forkert aftale"}`, control: `{"subscription":{ownsub},"reason":"Forkert aftale"}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/outages", path: "/api/v1/outages", body: `{"subscription":{sub},"cause":"Strømsvigt"}`, control: `{"subscription":{ownsub},"cause":"Strømsvigt"}`, controlAs: "desk-sj"},
	{op: "POST /api/v1/outages/{id}/end", path: "/api/v1/outages/{outage}/end", body: `{}`},
	{op: "PATCH /api/v1/probes/{id}", path: "/api/v1/probes/{probe}", body: `{"enabled":false}`},
	{op: "POST /api/v1/probes", path: "/api/v1/probes", body: `{"subscription":{sub},"name":"Web","kind":"tcp","target":"10.20.0.5:443"}`, control: `{"subscription":{ownsub},"name":"Web","kind":"tcp","target":"10.20.0.5:443"}`, controlAs: "desk-sj"},
	{op: "PUT /api/v1/tickets/{id}/visits/{vid}", path: "/api/v1/tickets/{ticket}/visits/{visit}", body: `{"status":"cancelled","note":"x"}`},
	{op: "POST /api/v1/cases", path: "/api/v1/cases", body: `{"org":"{org}","title":"Brute force","severity":"high"}`, control: `{"org":"265","title":"Brute force","severity":"high"}`, controlAs: "ciso-ros"},
	{op: "POST /api/v1/cases", path: "/api/v1/cases", body: `{"org":"265","title":"Brute force","severity":"high","alerts":[{alert}]}`, control: `{"org":"265","title":"Brute force","severity":"high"}`, controlAs: "ciso-ros"},
	{op: "PATCH /api/v1/cases/{id}", path: "/api/v1/cases/{case}", body: `{"severity":"low"}`},
	{op: "POST /api/v1/cases/{id}/notes", path: "/api/v1/cases/{case}/notes", body: `{"body":"x"}`},
	{op: "POST /api/v1/cases/{id}/alerts", path: "/api/v1/cases/{case}/alerts", body: `{"ids":[{alert}]}`},
	{op: "POST /api/v1/cases/{id}/alerts", path: "/api/v1/cases/{owncase}/alerts", body: `{"ids":[{alert}]}`},
	{op: "POST /api/v1/cases/{id}/observables", path: "/api/v1/cases/{case}/observables", body: `{"kind":"ip","value":"192.0.2.7"}`},
	{op: "POST /api/v1/cases/{id}/tasks", path: "/api/v1/cases/{case}/tasks", body: `{"title":"Isolate"}`},
	{op: "PATCH /api/v1/cases/{id}/tasks/{task}", path: "/api/v1/cases/{case}/tasks/{casetask}", body: `{"status":"done"}`},
	{op: "POST /api/v1/cases/{id}/members", path: "/api/v1/cases/{case}/members", body: `{"username":"ciso-ros"}`},
	{op: "POST /api/v1/cases/{id}/members", path: "/api/v1/cases/{owncase}/members", body: `{"username":"{caseworker}"}`},
	{op: "POST /api/v1/cases/{id}/files", path: "/api/v1/cases/{case}/files?name=x.txt", body: "hello", ctype: "application/octet-stream"},
	{op: "POST /api/v1/cases/{id}/merge", path: "/api/v1/cases/{case}/merge", body: `{"cases":[{owncase}]}`},
	{op: "POST /api/v1/cases/{id}/merge", path: "/api/v1/cases/{owncase}/merge", body: `{"cases":[{case}]}`, control: `{"cases":[{owncase2}]}`, controlAs: "ciso-ros"},
	{op: "POST /api/v1/cases/{id}/tickets", path: "/api/v1/cases/{case}/tickets", body: `{"to":"unit","title":"Isolate web01"}`},
	{op: "PUT /api/v1/cases/{id}/reporting", path: "/api/v1/cases/{case}/reporting", body: `{"nis2_significant":false,"personal_data_breach":true,"aware_at":"2026-12-01T00:00:00Z"}`},
	{op: "POST /api/v1/cases/{id}/reports", path: "/api/v1/cases/{case}/reports", body: `{"kind":"gdpr-notification","late_reason":"x"}`},
	{op: "POST /api/v1/oncall/teams", path: "/api/v1/oncall/teams", body: `{"org":"{unit}","slug":"x-{n}","name":"X","members":[]}`, public: true},
	{op: "PATCH /api/v1/oncall/teams/{slug}", path: "/api/v1/oncall/teams/{team}", body: `{"name":"X"}`},
	{op: "POST /api/v1/oncall/teams/{slug}/rotations", path: "/api/v1/oncall/teams/{team}/rotations", body: `{"level":1,"members":["demo-servicedesk"],"period":"weekly","start":"2027-01-04T08:00:00+01:00"}`},
	{op: "DELETE /api/v1/oncall/teams/{slug}/rotations/{id}", path: "/api/v1/oncall/teams/{team}/rotations/{rotation}"},
	{op: "POST /api/v1/oncall/teams/{slug}/overrides", path: "/api/v1/oncall/teams/{team}/overrides", body: `{"level":1,"user":"demo-servicedesk","from":"2027-01-07T20:00:00+01:00","until":"2027-01-08T08:00:00+01:00"}`},
	{op: "DELETE /api/v1/oncall/teams/{slug}/overrides/{id}", path: "/api/v1/oncall/teams/{team}/overrides/{override}"},
	{op: "POST /api/v1/oncall/teams/{slug}/handovers", path: "/api/v1/oncall/teams/{team}/handovers", body: `{"body":"x"}`},
	{op: "PUT /api/v1/oncall/teams/{slug}/policies/{severity}", path: "/api/v1/oncall/teams/{team}/policies/critical", body: `{"steps":[{"level":1,"wait_minutes":5}]}`},
	{op: "POST /api/v1/escalations/{id}/ack", path: "/api/v1/escalations/{escalation}/ack"},
	{op: "POST /api/v1/escalations/{id}/snooze", path: "/api/v1/escalations/{escalation}/snooze", body: `{"until":"{soon}"}`},
	{op: "POST /api/v1/escalations/{id}/resolve", path: "/api/v1/escalations/{escalation}/resolve"},
	{op: "POST /api/v1/assets", path: "/api/v1/assets", body: `{"org":"{org}","vendor":"Microsoft","product":"Exchange Server","version":"15.2"}`, control: `{"org":"265","vendor":"Microsoft","product":"Exchange Server","version":"15.2"}`, controlAs: "ciso-ros"},
	{op: "POST /api/v1/assets/import", path: "/api/v1/assets/import?org={org}&format=csv", body: "vendor,product,version\nMicrosoft,Exchange Server,15.2\n", ctype: "text/csv"},
	{op: "POST /api/v1/advisories", path: "/api/v1/advisories", body: `{"title":"Exchange","severity":"high","products":[{"vendor":"Microsoft","product":"Exchange Server"}]}`, public: true},
	{op: "POST /api/v1/advisories/import", path: "/api/v1/advisories/import?format=kev", body: `{"vulnerabilities":[]}`, public: true},
	{op: "PATCH /api/v1/vulnerabilities/{id}", path: "/api/v1/vulnerabilities/{vuln}", body: `{"status":"patched"}`},
	{op: "POST /api/v1/intel/reports", path: "/api/v1/intel/reports", body: `{"title":"Phishing","tlp":"amber","org":"{org}","indicators":[{"value":"198.51.100.7"}]}`, public: true},
	{op: "POST /api/v1/intel/feeds", path: "/api/v1/intel/feeds", body: `{"name":"feed-{n}","kind":"stix","url":"https://partner.invalid/bundle.json","org":"{org}"}`, public: true},
	{op: "PATCH /api/v1/intel/feeds/{id}", path: "/api/v1/intel/feeds/{feed}", body: `{"enabled":false}`},
	{op: "POST /api/v1/intel/feeds/{id}/poll", path: "/api/v1/intel/feeds/{feed}/poll"},
	{op: "POST /api/v1/frameworks/import", path: "/api/v1/frameworks/import?name=x.yaml", body: "urn: urn:x:risk:library:x\n", ctype: "application/yaml", public: true},
	{op: "PATCH /api/v1/assessments/{org}/{framework}/requirements/{requirement}", path: "/api/v1/assessments/{org}/iso27001-2022/requirements/A.8.15", body: `{"status":"not_met","version":1}`},
	{op: "POST /api/v1/assessments/{org}/{framework}/import", path: "/api/v1/assessments/{org}/iso27001-2022/import", body: "requirement,status\nA.8.15,not_met\n", ctype: "text/csv"},
	{op: "DELETE /api/v1/compliance/libraries/{urn}", path: "/api/v1/compliance/libraries/urn:samdrift:risk:library:gdpr", public: true},
	{op: "POST /api/v1/compliance/evaluate", path: "/api/v1/compliance/evaluate", public: true},
	{op: "POST /api/v1/evidence", path: "/api/v1/evidence?org={org}", body: `{"title":"Politik","url":"https://intra.example/politik"}`},
	{op: "DELETE /api/v1/evidence/{id}", path: "/api/v1/evidence/{evidence}"},
	{op: "POST /api/v1/standards", path: "/api/v1/standards", body: `{"ref":"FS-{n}","title":"X"}`, public: true},
	{op: "PATCH /api/v1/standards/{id}", path: "/api/v1/standards/{standard}", body: `{"status":"retired","revision":2}`, public: true},
	{op: "PUT /api/v1/standards/{id}/acks", path: "/api/v1/standards/{standard}/acks", body: `{"org":"{unit}","status":"implemented"}`, control: `{"status":"implemented"}`, controlAs: "mgr-sj"},
	// Needs are read by everyone (public); a municipality out of reach is
	// refused, and so is deciding on another unit's municipality's need.
	// Comments and following act as the caller on a need all may read.
	{op: "POST /api/v1/needs", path: "/api/v1/needs", body: `{"title":"Behov","description":"x","org":"{org}"}`, public: true, control: `{"title":"Behov","description":"x"}`, controlAs: "spoc-ros"},
	{op: "POST /api/v1/needs/{id}/status", path: "/api/v1/needs/{need}/status", body: `{"status":"declined","reason":"x"}`, public: true},
	{op: "POST /api/v1/needs/{id}/duplicate", path: "/api/v1/needs/{need}/duplicate", body: `{"duplicate_of":{ownneed}}`, public: true},
	{op: "POST /api/v1/needs/{id}/comments", path: "/api/v1/needs/{need}/comments", body: `{"body":"Også hos os"}`, self: true},
	{op: "PUT /api/v1/needs/{id}/vote", path: "/api/v1/needs/{need}/vote", body: `{"org":"{org}"}`, public: true, control: `{}`, controlAs: "spoc-ros"},
	{op: "DELETE /api/v1/needs/{id}/vote", path: "/api/v1/needs/{need}/vote?org={org}", public: true},
	{op: "PUT /api/v1/needs/{id}/follow", path: "/api/v1/needs/{need}/follow", self: true},
	{op: "DELETE /api/v1/needs/{id}/follow", path: "/api/v1/needs/{need}/follow", self: true},
}

var digits = regexp.MustCompile(`[0-9]+`)

// TestForeignIDsOnEveryWriteEndpoint feeds every write endpoint of
// openapi.json the ids of another municipality under another unit, as
// five roles of that other tenant: none may succeed, and each must answer
// exactly as it answers for an id that does not exist (status, code,
// field and message, numbers aside), so that nothing tells the attacker
// the id is there. The victim's resources are unchanged afterwards.
func TestForeignIDsOnEveryWriteEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := startWithOrders(t, db)
		victim := e.victim(t)
		own := e.attackerResources(t)
		ghost := map[string]string{}
		for k, v := range victim {
			if _, err := strconv.Atoi(v); err == nil {
				ghost[k] = strconv.Itoa(900000000 + len(k))
			} else {
				ghost[k] = "ghost-" + k
			}
		}
		ghost["org"], ghost["unit"], ghost["orgcode"] = "999", "enhed-atlantis", "998"
		fill := func(s string, ids map[string]string, n int) string {
			for k, v := range own {
				s = strings.ReplaceAll(s, "{"+k+"}", v)
			}
			for k, v := range ids {
				s = strings.ReplaceAll(s, "{"+k+"}", v)
			}
			return strings.ReplaceAll(s, "{n}", strconv.Itoa(n))
		}
		before := snapshot(t, db, victim)
		n := 0
		for _, attacker := range []string{"it-ros", "spoc-ros", "ciso-ros", "desk-sj", "mgr-sj"} {
			tok := e.token(attacker)
			for _, c := range foreignCases {
				n++
				got := e.raw(c, fill(c.path, victim, n), fill(c.body, victim, n), tok)
				if c.self {
					continue
				}
				if got.status < 300 {
					t.Errorf("%s as %s with the victim's ids = %d %s; want a refusal", c.op, attacker, got.status, got.detail)
					continue
				}
				if c.public {
					continue
				}
				want := e.raw(c, fill(c.path, ghost, n), fill(c.body, ghost, n), tok)
				for k, v := range victim { // names read back as the unknown ones
					if _, err := strconv.Atoi(v); err != nil {
						got.detail = strings.ReplaceAll(got.detail, v, ghost[k])
					}
				}
				if got.status != want.status || got.code != want.code || got.field != want.field ||
					digits.ReplaceAllString(got.detail, "N") != digits.ReplaceAllString(want.detail, "N") {
					t.Errorf("%s as %s: the victim's ids answer %d %s %s %q; an unknown id %d %s %s %q — they must answer alike",
						c.op, attacker, got.status, got.code, got.field, got.detail, want.status, want.code, want.field, want.detail)
				}
			}
		}
		if after := snapshot(t, db, victim); after != before {
			t.Errorf("the victim's resources changed:\nbefore %s\nafter  %s", before, after)
		}
		for _, c := range foreignCases {
			if c.control == "" {
				continue
			}
			n++
			if got := e.raw(c, fill(c.path, victim, n), fill(c.control, victim, n), e.token(c.controlAs)); got.status >= 300 {
				t.Errorf("control: %s as %s with its own ids = %d %s %q; the case must be valid but for the victim's id", c.op, c.controlAs, got.status, got.field, got.detail)
			}
		}
		// Every write operation of the API is in the table.
		covered := map[string]bool{}
		for _, c := range foreignCases {
			covered[c.op] = true
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		raw, err := os.ReadFile("openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		var missing []string
		for p, ops := range doc.Paths {
			for m := range ops {
				op := strings.ToUpper(m) + " " + p
				if (m == "post" || m == "put" || m == "patch" || m == "delete") && !covered[op] {
					missing = append(missing, op)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("write endpoints not fed foreign ids (add them to foreignCases): %s", strings.Join(missing, ", "))
		}
		_ = ctx
	})
}

type rawAnswer struct {
	status              int
	code, field, detail string
}

// raw calls the API without failing on what comes back.
func (e *env) raw(c foreignCase, path, body, token string) rawAnswer {
	e.t.Helper()
	var headers map[string]string
	if c.ctype != "" {
		headers = map[string]string{"Content-Type": c.ctype}
	}
	resp, data := e.send(strings.Fields(c.op)[0], path, token, body, headers)
	var p struct {
		Code   string `json:"code"`
		Field  string `json:"field"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(data, &p)
	if p.Detail == "" && resp.StatusCode >= 300 {
		p.Detail = string(data)
	}
	return rawAnswer{resp.StatusCode, p.Code, p.Field, p.Detail}
}

// startWithOrders is start with the catalog, offerings and a year of
// orders (subscriptions to name).
func startWithOrders(t *testing.T, db *store.DB) *env {
	e := start(t, db)
	if _, err := demo.LoadCatalog(context.Background(), e.Catalog, e.Orgs); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadOrders(context.Background(), e.Orgs, e.Catalog, e.Orders, e.Plan, nil); err != nil {
		t.Fatal(err)
	}
	for name, org := range map[string]string{"it-ros": "265", "spoc-ros": "265", "ciso-ros": "265", "desk-sj": "enhed-sjaelland", "mgr-sj": "enhed-sjaelland"} {
		role := map[string]access.Role{"it-ros": access.RoleKommuneIT, "spoc-ros": access.RoleSPOC, "ciso-ros": access.RoleCISO,
			"desk-sj": access.RoleServiceDesk, "mgr-sj": access.RoleUnitManager}[name]
		e.addUser(name, org, role)
	}
	return e
}

func (e *env) must(method, path, token, body string, out any) {
	e.t.Helper()
	if r := e.call(method, path, token, body, out); r.StatusCode >= 300 {
		b, _ := io.ReadAll(r.Body)
		e.t.Fatalf("%s %s = %d %s", method, path, r.StatusCode, b)
	}
}

func (e *env) scalar(db *store.DB, q string, args ...any) string {
	e.t.Helper()
	var v any
	if err := db.Reader().QueryRowContext(context.Background(), q, args...).Scan(&v); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// victim makes København's resources (under the capital region's unit)
// and returns their ids by name.
func (e *env) victim(t *testing.T) map[string]string {
	db := e.DB
	spoc, desk := e.token("demo-spoc"), e.token("demo-servicedesk")
	var site, site2, conn, tk, ch, prob struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	e.must("POST", "/api/v1/sites", spoc, `{"name":"Rådhuset","address":"Rådhuspladsen 1"}`, &site)
	e.must("POST", "/api/v1/sites", desk, `{"municipality":"101","name":"Skole","address":"Skolevej 1"}`, &site2)
	e.must("POST", "/api/v1/connections", desk, fmt.Sprintf(`{"name":"Ring","kind":"fiber","bandwidth_mbps":1000,"site_a":%d,"site_b":%d}`, site.ID, site2.ID), &conn)
	e.must("POST", "/api/v1/tickets", spoc, `{"title":"Printer","impact":2,"urgency":2}`, &tk)
	e.must("POST", fmt.Sprintf("/api/v1/tickets/%d/escalate", tk.ID), spoc, fmt.Sprintf(`{"version":%d,"handover":{"tried":"x","affected":"y","contact":"z"}}`, tk.Version), &tk)
	e.must("POST", fmt.Sprintf("/api/v1/tickets/%d/visits", tk.ID), desk, fmt.Sprintf(`{"version":%d,"site":%d,"starts_at":"2027-01-04T09:00:00Z","ends_at":"2027-01-04T10:00:00Z","technician":"Ib"}`, tk.Version, site.ID), &tk)
	e.must("POST", "/api/v1/changes", desk, fmt.Sprintf(`{"title":"Switch","type":"normal","risk":"low","plan":"Skift switch","rollback":"Sæt den gamle i","window_start":"2027-01-05T09:00:00Z","window_end":"2027-01-05T10:00:00Z","sites":[%d]}`, site.ID), &ch)
	e.must("POST", "/api/v1/tickets", desk, `{"kind":"problem","title":"Gentagne nedbrud","impact":2,"urgency":2}`, &prob)
	cph := e.Org(t, "101").ID
	hov := e.Org(t, "enhed-hovedstaden").ID
	now := time.Now().UnixMicro()
	if _, err := db.Reader().ExecContext(context.Background(), `INSERT INTO alerts (tenant, rule_id, kind, title, level, group_key, count, first_seen, last_seen, created_at)
		VALUES ($1, 'r1', 'rule', 'Brute force', 'high', 'k', 1, $2, $2, $2)`, cph, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reader().ExecContext(context.Background(), `INSERT INTO indicators (type, value, created_at, created_by) VALUES ('ip', '198.51.100.99', $1, 'soc')`, now); err != nil {
		t.Fatal(err)
	}
	var cs struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/cases", e.token("demo-ciso"), fmt.Sprintf(`{"org":"101","title":"Brute force","severity":"high","kind":"account-compromise","alerts":[%s]}`,
		e.scalar(db, `SELECT MAX(id) FROM alerts WHERE tenant = $1`, cph)), &cs)
	mgr := e.token("demo-unit-manager")
	var team struct {
		Slug string `json:"slug"`
	}
	var rot, ov struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/oncall/teams", mgr, `{"org":"enhed-hovedstaden","slug":"hov-vagt","name":"Driftsvagt","members":["demo-unit-manager","demo-servicedesk"]}`, &team)
	e.must("POST", "/api/v1/oncall/teams/hov-vagt/rotations", mgr, `{"level":1,"members":["demo-servicedesk"],"period":"weekly","start":"2026-01-05T08:00:00+01:00"}`, &rot)
	e.must("POST", "/api/v1/oncall/teams/hov-vagt/overrides", mgr, `{"level":1,"user":"demo-unit-manager","from":"2027-01-07T20:00:00+01:00","until":"2027-01-08T08:00:00+01:00"}`, &ov)
	var esc int64
	if err := db.Write(context.Background(), func(tx *sql.Tx) error {
		var err error
		esc, err = oncall.Start(context.Background(), tx, oncall.Subject{OrgID: cph, Team: "hov-vagt", Severity: "critical", Kind: oncall.KindAlert,
			SubjectID: 1, Title: "Brute force"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.must("POST", "/api/v1/assets", e.token("demo-ciso"), `{"org":"101","vendor":"Microsoft","product":"Exchange Server","version":"15.2.1118"}`, nil)
	e.must("POST", "/api/v1/advisories", e.token("demo-cert"), `{"title":"Exchange","severity":"high","tlp":"amber","products":[{"vendor":"Microsoft","product":"Exchange Server"}]}`, nil)
	var feed struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/intel/feeds", e.token("demo-cert"), `{"name":"CERT-EU","kind":"stix","url":"https://partner.invalid/bundle.json","enabled":false}`, &feed)
	// Compliance: København's answer and evidence, and an approved
	// standard its unit has acknowledged.
	if _, err := compliance.New(db).InstallBuiltin(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.must("PATCH", "/api/v1/assessments/101/iso27001-2022/requirements/A.8.15", e.token("demo-ciso"), `{"status":"met","version":0}`, nil)
	var ev, std struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/evidence?org=101", e.token("demo-ciso"), `{"title":"Logpolitik","url":"https://intra.example/log"}`, &ev)
	gov := e.token("demo-governance")
	e.must("POST", "/api/v1/standards", gov, `{"ref":"FS-LOG","title":"Logning"}`, &std)
	e.must("PATCH", fmt.Sprintf("/api/v1/standards/%d", std.ID), gov, `{"status":"approved","approval_record":"Rådet 2027-01-20","revision":1}`, nil)
	e.must("PUT", fmt.Sprintf("/api/v1/standards/%d/acks", std.ID), mgr, `{"status":"acknowledged"}`, nil)
	var need struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/needs", spoc, `{"title":"Fælles mødebooking","description":"Et bookingsystem for alle forvaltninger"}`, &need)
	var outage, probe struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/outages", desk, fmt.Sprintf(`{"subscription":%s,"cause":"SAN"}`, e.scalar(db, `SELECT MAX(id) FROM orders WHERE municipality_id = $1 AND status = 'active'`, cph)), &outage)
	e.must("POST", "/api/v1/probes", desk, fmt.Sprintf(`{"subscription":%s,"name":"Web","kind":"tcp","target":"10.20.0.5:443"}`, e.scalar(db, `SELECT MAX(id) FROM orders WHERE municipality_id = $1 AND status = 'active'`, cph)), &probe)
	spocUser, err := e.Access.UserByName(context.Background(), access.System("t"), "demo-spoc")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"org": "101", "unit": "enhed-hovedstaden", "orgcode": "101", "username": "demo-spoc",
		"site": itoa64(site.ID), "conn": itoa64(conn.ID), "ticket": itoa64(tk.ID), "v": strconv.Itoa(tk.Version),
		"change": itoa64(ch.ID), "problem": itoa64(prob.ID),
		"visit":        e.scalar(db, `SELECT MAX(id) FROM ticket_visits WHERE ticket_id = $1`, tk.ID),
		"alert":        e.scalar(db, `SELECT MAX(id) FROM alerts WHERE tenant = $1`, cph),
		"indicator":    e.scalar(db, `SELECT MAX(id) FROM indicators`),
		"user":         itoa64(spocUser.ID),
		"token":        e.scalar(db, `SELECT MAX(id) FROM api_tokens WHERE user_id = $1`, spocUser.ID),
		"notification": e.scalar(db, `SELECT MAX(id) FROM notifications WHERE user_id = $1`, spocUser.ID),
		"offering":     e.scalar(db, `SELECT MIN(id) FROM offerings WHERE unit_id = $1`, hov),
		"order":        e.scalar(db, `SELECT MIN(id) FROM orders WHERE municipality_id = $1 AND status = 'active'`, cph),
		"sub":          e.scalar(db, `SELECT MAX(id) FROM orders WHERE municipality_id = $1 AND status = 'active'`, cph),
		"rule":         "r1",
		"case":         itoa64(cs.ID),
		"casetask":     e.scalar(db, `SELECT MIN(id) FROM case_tasks WHERE case_id = $1`, cs.ID),
		"caseworker":   "demo-ciso",
		"team":         team.Slug,
		"rotation":     itoa64(rot.ID),
		"override":     itoa64(ov.ID),
		"escalation":   itoa64(esc),
		"vuln":         e.scalar(db, `SELECT MAX(id) FROM vulnerabilities WHERE org_id = $1`, cph),
		"feed":         itoa64(feed.ID),
		"evidence":     itoa64(ev.ID),
		"standard":     itoa64(std.ID),
		"need":         itoa64(need.ID),
		"outage":       itoa64(outage.ID),
		"probe":        itoa64(probe.ID),
	}
}

// attackerResources makes Roskilde's own ticket (escalated to its unit),
// site, problem and subscription, for requests that name a victim's id
// in the body of a request on the attacker's own resource.
func (e *env) attackerResources(t *testing.T) map[string]string {
	spoc, desk := e.token("spoc-ros"), e.token("desk-sj")
	var site, tk, prob struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	e.must("POST", "/api/v1/sites", spoc, `{"name":"Rådhus","address":"Rådhusbuen 1"}`, &site)
	e.must("POST", "/api/v1/tickets", spoc, `{"title":"Net","impact":2,"urgency":2}`, &tk)
	e.must("POST", fmt.Sprintf("/api/v1/tickets/%d/escalate", tk.ID), spoc, fmt.Sprintf(`{"version":%d,"handover":{"tried":"x","affected":"y","contact":"z"}}`, tk.Version), &tk)
	e.must("POST", "/api/v1/tickets", desk, `{"kind":"problem","title":"Net igen","impact":2,"urgency":2}`, &prob)
	var site2, conn struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/sites", desk, `{"municipality":"265","name":"Skole","address":"Skolevej 2"}`, &site2)
	e.must("POST", "/api/v1/connections", desk, fmt.Sprintf(`{"name":"Ring Roskilde","kind":"fiber","bandwidth_mbps":1000,"site_a":%d,"site_b":%d}`, site.ID, site2.ID), &conn)
	ros := e.Org(t, "265").ID
	var c1, c2 struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/cases", e.token("ciso-ros"), `{"org":"265","title":"Phishing","severity":"medium"}`, &c1)
	e.must("POST", "/api/v1/cases", e.token("ciso-ros"), `{"org":"265","title":"Phishing again","severity":"medium"}`, &c2)
	var need struct {
		ID int64 `json:"id"`
	}
	e.must("POST", "/api/v1/needs", spoc, `{"title":"Nyt intranet","description":"Intranettet er forældet"}`, &need)
	// Roskilde's own subscription, with Sjælland's unit.
	sys := access.System("t")
	o, err := e.Orders.Place(context.Background(), sys, orders.NewOrder{Municipality: ros, Service: "server-virtual-windows", Level: "basis", Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []orders.Status{orders.Accepted, orders.InDelivery, orders.Active} {
		if _, err := e.Orders.Move(context.Background(), sys, o.ID, to, ""); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{
		"ownneed": itoa64(need.ID), "owncase": itoa64(c1.ID), "owncase2": itoa64(c2.ID), "soon": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"ownunit": "enhed-sjaelland", "ownsite": itoa64(site.ID), "ownticket": itoa64(tk.ID), "ownv": strconv.Itoa(tk.Version),
		"ownproblem": itoa64(prob.ID), "ownsite2": itoa64(site2.ID), "ownconn": itoa64(conn.ID),
		"ownsub": e.scalar(e.DB, `SELECT COALESCE(MAX(id), 0) FROM orders WHERE municipality_id = $1 AND status = 'active'`, ros),
	}
}

// snapshot is what the attack must not change of the victim's resources.
func snapshot(t *testing.T, db *store.DB, v map[string]string) string {
	var parts []string
	for _, q := range []string{
		`SELECT status || '/' || version FROM tickets WHERE id = ` + v["ticket"],
		`SELECT status || '/' || version FROM tickets WHERE id = ` + v["problem"],
		`SELECT COUNT(*) FROM ticket_entries WHERE ticket_id = ` + v["ticket"],
		`SELECT status FROM ticket_visits WHERE id = ` + v["visit"],
		`SELECT COUNT(*) FROM outages WHERE subscription_id = ` + v["sub"],
		`SELECT COUNT(*) FROM probes WHERE subscription_id = ` + v["sub"],
		`SELECT COUNT(*) FROM probes WHERE enabled = TRUE AND id = ` + v["probe"],
		`SELECT COUNT(*) FROM outages WHERE ended_at IS NULL AND id = ` + v["outage"],
		`SELECT approval FROM ticket_changes WHERE ticket_id = ` + v["change"],
		`SELECT state FROM change_acks WHERE ticket_id = ` + v["change"],
		`SELECT status FROM alerts WHERE id = ` + v["alert"],
		`SELECT status FROM orders WHERE id = ` + v["order"],
		`SELECT COALESCE(withdrawn_from, '') FROM offerings WHERE id = ` + v["offering"],
		`SELECT disabled FROM users WHERE id = ` + v["user"],
		`SELECT COUNT(*) FROM api_tokens WHERE id = ` + v["token"],
		`SELECT COUNT(*) FROM change_targets WHERE site_id = ` + v["site"],
		`SELECT COUNT(*) FROM network_connections WHERE site_a = ` + v["site"] + ` OR site_b = ` + v["site"],
		`SELECT COUNT(*) FROM ticket_visits WHERE site_id = ` + v["site"],
		`SELECT COUNT(*) FROM tickets WHERE site_id = ` + v["site"],
		`SELECT status || '/' || version || '/' || severity || '/' || COALESCE(merged_into, 0) FROM cases WHERE id = ` + v["case"],
		`SELECT COUNT(*) FROM case_entries WHERE case_id = ` + v["case"],
		`SELECT COUNT(*) FROM case_alerts WHERE alert_id = ` + v["alert"],
		`SELECT name FROM oncall_teams WHERE slug = '` + v["team"] + `'`,
		`SELECT COUNT(*) FROM oncall_rotations WHERE team_id = (SELECT id FROM oncall_teams WHERE slug = '` + v["team"] + `')`,
		`SELECT COUNT(*) FROM oncall_overrides WHERE team_id = (SELECT id FROM oncall_teams WHERE slug = '` + v["team"] + `')`,
		`SELECT COUNT(*) FROM oncall_handovers WHERE team_id = (SELECT id FROM oncall_teams WHERE slug = '` + v["team"] + `')`,
		`SELECT COUNT(*) FROM oncall_policies WHERE team_id = (SELECT id FROM oncall_teams WHERE slug = '` + v["team"] + `')`,
		`SELECT state FROM oncall_escalations WHERE id = ` + v["escalation"],
		`SELECT status FROM vulnerabilities WHERE id = ` + v["vuln"],
		`SELECT COUNT(*) FROM assets WHERE org_id = (SELECT org_id FROM vulnerabilities WHERE id = ` + v["vuln"] + `)`,
		`SELECT status || '/' || version FROM assessment_answers WHERE requirement_id = (SELECT id FROM requirements WHERE urn = 'urn:samdrift:risk:req_node:iso27001-2022:a.8.15')`,
		`SELECT COUNT(*) FROM evidence WHERE org_id = (SELECT id FROM organizations WHERE code = '101')`,
		`SELECT status || '/' || version_no FROM standards WHERE id = ` + v["standard"],
		`SELECT status || '/' || version FROM standard_acks WHERE standard_id = ` + v["standard"],
		`SELECT status || '/' || version FROM needs WHERE id = ` + v["need"],
		`SELECT COUNT(*) FROM need_votes WHERE need_id = ` + v["need"],
	} {
		var s any
		if err := db.Reader().QueryRowContext(context.Background(), q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts = append(parts, fmt.Sprint(s))
	}
	return strings.Join(parts, " | ")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
