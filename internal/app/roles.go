package app

import (
	"fmt"
	"slices"
	"strings"
)

// Roles are the parts of samdrift a node runs. Any number of nodes may
// run each role against one PostgreSQL and one NATS; the embedded default
// (SQLite, in-process NATS) is one node with every role.
type Roles struct {
	// Web serves the UI and the API. Every node serves /healthz, /readyz
	// and /metrics on --http whatever its roles.
	Web bool
	// Ingest runs the log receivers (syslog, RELP, HTTP ingest) and
	// publishes what they take to the spine.
	Ingest bool
	// Store consumes the spine into the event store; Detect runs the
	// rules and indicators over the same batches. In this version the two
	// go together: detection reads the events the store consumer decodes.
	Store, Detect bool
	// Jobs runs the periodic work (SLA and reporting clocks, on-call
	// escalation, notification delivery, silent sources, retention, feeds,
	// compliance checks), each job on one jobs node at a time under a
	// lease.
	Jobs bool
}

// RoleNames are the roles in the order they are documented.
var RoleNames = []string{"web", "ingest", "store", "detect", "jobs"}

// AllRoles is every role: the single-node default.
var AllRoles = Roles{Web: true, Ingest: true, Store: true, Detect: true, Jobs: true}

// ParseRoles reads a comma-separated list of role names ("all" or "" for
// every role).
func ParseRoles(s string) (Roles, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return AllRoles, nil
	}
	var r Roles
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "web":
			r.Web = true
		case "ingest":
			r.Ingest = true
		case "store":
			r.Store = true
		case "detect":
			r.Detect = true
		case "jobs":
			r.Jobs = true
		case "all":
			r = AllRoles
		default:
			return Roles{}, fmt.Errorf("unknown role %q; want a comma-separated list of %s, or all", name, strings.Join(RoleNames, ", "))
		}
	}
	if r.Store != r.Detect {
		return Roles{}, fmt.Errorf("give store and detect together (%q): detection runs on the batches the store consumer reads, so a node with only one of them would leave events unstored or undetected", s)
	}
	return r, nil
}

// Names returns the roles r holds, in RoleNames order.
func (r Roles) Names() []string {
	var out []string
	for i, on := range []bool{r.Web, r.Ingest, r.Store, r.Detect, r.Jobs} {
		if on {
			out = append(out, RoleNames[i])
		}
	}
	return out
}

// String is r as ParseRoles reads it.
func (r Roles) String() string {
	if r == AllRoles {
		return "all"
	}
	return strings.Join(r.Names(), ",")
}

// Has reports whether r holds the role named name.
func (r Roles) Has(name string) bool { return slices.Contains(r.Names(), name) }
