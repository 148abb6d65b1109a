package web

// Texts of the sortable order, user and audit lists, and of the order
// forms shown again after a refusal.
func init() {
	for k, v := range map[string][2]string{
		"orders.col.number": {"Nr.", "No."},
		"orders.notoffered": {"%s (udbydes ikke længere)", "%s (no longer offered)"},
		"orders.nowstatus":  {"Bestillingen har nu status »%s«.", "The order's status is now “%s”."},
		"orders.seenstatus": {"Da du åbnede siden, var den »%s«.", "When you opened the page, it was “%s”."},
	} {
		messages[k] = v
	}
}
