package web

// Texts of the sortable case, vulnerability, advisory and alert lists,
// the case forms shown again after a refusal, and the alert assignee
// picker.
func init() {
	for k, v := range map[string][2]string{
		"list.sort.reset":         {"Vis i standardrækkefølge", "Show in the default order"},
		"cases.number":            {"Nr.", "No."},
		"cases.opened":            {"Åbnet", "Opened"},
		"cases.conflict":          {"Sagen er ændret, siden du åbnede den", "The case changed since you opened it"},
		"cases.conflict.now":      {"Sådan står sagen nu", "Where the case stands now"},
		"cases.conflict.state":    {"Sagen er nu: status %s, alvor %s, ansvarlig %s (version %d).", "The case is now: status %s, severity %s, owner %s (version %d)."},
		"cases.form.kept":         {"Det, du skrev og valgte, står stadig i formularen nedenfor. Ret det, eller send det igen, hvis det stadig passer.", "What you typed and chose is still in the form below. Correct it, or send it again if it still fits."},
		"vulns.kev":               {"KEV", "KEV"},
		"vulns.kev.yes":           {"Udnyttes aktivt (KEV)", "Known exploited (KEV)"},
		"vulns.found":             {"Fundet", "Found"},
		"advisories.ref":          {"Reference", "Reference"},
		"advisories.publishedat":  {"Udgivet", "Published"},
		"advisories.total":        {"%d advarsler", "%d advisories"},
		"alerts.bulk.already":     {"var allerede sådan; uændret.", "was already so; unchanged."},
		"alerts.assign.nobody":    {"— ingen —", "— nobody —"},
		"alerts.assign.self":      {"Mig selv", "Me"},
		"alerts.assign.help":      {"Kun de personer, der må behandle alarmen, kan vælges.", "Only the people who may triage the alert can be chosen."},
		"alerts.assign.help.bulk": {"Kun de personer, der må behandle mindst én af de viste alarmer, kan vælges; den, du vælger, skal kunne behandle alle de valgte.", "Only the people who may triage at least one of the alerts shown can be chosen; whoever you choose must be able to triage every one you tick."},
	} {
		messages[k] = v
	}
}
