package web

import "strings"

// ActionName is audit action code action (such as "ticket.close") in the
// page's language: its own name (audit.action.<code>) when it has one;
// else its object (the code up to a dot, longest first, such as
// "oncall.rotation") and its verb (the rest, such as "add") when both have
// names (audit.object.<object>, audit.verb.<verb>); else the code itself.
func (v view) ActionName(action string) string {
	if _, ok := messages["audit.action."+action]; ok {
		return v.T("audit.action." + action)
	}
	for i := strings.LastIndexByte(action, '.'); i > 0; i = strings.LastIndexByte(action[:i], '.') {
		object, verb := "audit.object."+action[:i], "audit.verb."+action[i+1:]
		if _, ok := messages[object]; !ok {
			continue
		}
		if _, ok := messages[verb]; ok {
			return v.T("audit.compose", v.T(object), v.T(verb))
		}
	}
	return action
}

// TargetName is the audit target type kind (such as "user") in the page's
// language, or kind itself when it has no name (audit.target.<type>).
func (v view) TargetName(kind string) string {
	if _, ok := messages["audit.target."+kind]; ok {
		return v.T("audit.target." + kind)
	}
	return kind
}
