package web

// Texts of the CSV exports of the lists (csv_export.go): the link and the
// column headings not already named by the pages.
func init() {
	for k, v := range map[string][2]string{
		"csv.download":      {"Hent som CSV", "Download as CSV"},
		"csv.id":            {"Nr.", "No."},
		"csv.seq":           {"Løbenr.", "Sequence"},
		"csv.created":       {"Oprettet", "Created"},
		"csv.updated":       {"Opdateret", "Updated"},
		"csv.closed":        {"Lukket", "Closed"},
		"csv.createdby":     {"Oprettet af", "Created by"},
		"csv.kind":          {"Type", "Kind"},
		"csv.alerts":        {"Alarmer", "Alerts"},
		"csv.opentasks":     {"Åbne opgaver", "Open tasks"},
		"csv.cves":          {"CVE'er", "CVEs"},
		"csv.location":      {"Placering", "Location"},
		"csv.accepteduntil": {"Accepteret til", "Accepted until"},
		"csv.tlp":           {"TLP", "TLP"},
		"csv.published":     {"Udgivet", "Published"},
		"csv.resolution":    {"Afslutning", "Resolution"},
		"csv.assignee":      {"Tildelt", "Assignee"},
		"csv.slug":          {"Kortnavn", "Slug"},
		"csv.targetid":      {"Mål-id", "Target id"},
	} {
		messages[k] = v
	}
}
