package web

// Texts of charts' tables, the event histogram, live alerts, the inbox,
// the coverage overview and the offerings page.
func init() {
	for k, v := range map[string][2]string{
		"chart.table":            {"Tal bag grafen", "Figures behind the chart"},
		"chart.month":            {"Måned", "Month"},
		"chart.week":             {"Uge", "Week"},
		"chart.quarter":          {"Kvartal", "Quarter"},
		"events.histogram.table": {"Hændelser over tid som tabel", "Events over time as a table"},
		"events.bucket.from":     {"Fra", "From"},
		"events.bucket.to":       {"Til", "To"},
		"events.bucket.count":    {"Hændelser", "Events"},

		"offerings.groupsummary":   {"%d udbud: %d aktive, %d planlagte, %d trukket tilbage", "%d offerings: %d active, %d planned, %d withdrawn"},
		"offerings.caption":        {"Udbud fra %s", "Offerings of %s"},
		"offerings.offer":          {"Ydelse og niveau", "Service and level"},
		"offerings.withdraw.what":  {"udbuddet %s", "the offering %s"},
		"offerings.confirm.title":  {"Træk udbuddet %s tilbage?", "Withdraw the offering %s?"},
		"offerings.confirm.effect": {"%d aktive abonnementer bruger udbuddet. De kører videre, til de opsiges, men fra den valgte dag kan det ikke bestilles.", "%d active subscriptions use the offering. They keep running until terminated, but from the day chosen it cannot be ordered."},
		"offerings.confirm.day":    {"Trækkes tilbage fra", "Withdrawn from"},
		"offerings.confirm.check":  {"Ja, træk udbuddet %s tilbage", "Yes, withdraw the offering %s"},
		"offerings.confirm.submit": {"Træk udbuddet tilbage", "Withdraw the offering"},
		"offerings.confirm.cancel": {"Fortryd", "Cancel"},

		"inbox.isread":   {"Læst", "Read"},
		"inbox.isunread": {"Ulæst", "Unread"},
		"inbox.markread": {"Markér som læst", "Mark as read"},

		"coverage.pick":            {"Vis en organisation", "Show an organisation"},
		"coverage.pick.help":       {"Skriv et navn, og vælg blandt de %d kommuner og enheder.", "Type a name and choose among the %d municipalities and units."},
		"coverage.overview.title":  {"Logdækning for alle organisationer", "Log coverage of every organisation"},
		"coverage.overview.intro":  {"Hvor mange af logstandardens (%s) krævede kildetyper hver kommune og enhed sender, hvor mange der mangler, og hvor mange kilder der er tavse.", "How many of the logging standard's (%s) required source types each municipality and unit sends, how many are missing and how many sources are silent."},
		"coverage.overview.shown":  {"Viser %d af %d organisationer; %d mangler kilder eller har tavse kilder.", "Showing %d of %d organisations; %d miss sources or have silent ones."},
		"coverage.overview.bygaps": {"Flest mangler og tavse kilder først.", "Most missing and silent sources first."},
		"coverage.overview.none":   {"Ingen organisationer passer til filteret.", "No organisation matches the filter."},
		"coverage.overview.back":   {"Tilbage til oversigten over alle organisationer", "Back to the overview of every organisation"},
		"coverage.kind":            {"Slags", "Kind"},
		"coverage.col.org":         {"Organisation", "Organisation"},
		"coverage.col.sending":     {"Sender (af krævede)", "Sending (of required)"},
		"coverage.col.missing":     {"Mangler", "Missing"},
		"coverage.col.silent":      {"Tavse kilder", "Silent sources"},
	} {
		messages[k] = v
	}
}
