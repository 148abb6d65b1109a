package web

import (
	"fmt"
	"net/http"
)

// Lang is a UI language.
type Lang string

// The UI languages; Danish is the default.
const (
	Danish  Lang = "da"
	English Lang = "en"
)

const langCookie = "samdrift_lang"

// langOf returns the caller's chosen language (cookie), Danish by default.
func langOf(r *http.Request) Lang {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == string(English) {
		return English
	}
	return Danish
}

// messages holds every UI text as {Danish, English}. A missing key shows as
// the key itself, which TestMessagesComplete catches.
var messages = map[string][2]string{
	"app.tagline":           {"Fælles IT-drift for kommuner og driftsenheder", "Joint IT operations for municipalities and their units"},
	"nav.home":              {"Forside", "Home"},
	"nav.orgs":              {"Organisationer", "Organisations"},
	"nav.users":             {"Brugere", "Users"},
	"nav.audit":             {"Revisionsspor", "Audit trail"},
	"nav.account":           {"Min konto", "My account"},
	"nav.logout":            {"Log ud", "Log out"},
	"nav.skip":              {"Spring til indhold", "Skip to content"},
	"nav.main":              {"Hovedmenu", "Main menu"},
	"nav.myorg":             {"Min kommune", "My municipality"},
	"nav.needs":             {"Behov og feedback", "Needs and feedback"},
	"navgroup.overview":     {"Overblik", "Overview"},
	"navgroup.operations":   {"Drift", "Operations"},
	"navgroup.services":     {"Ydelser", "Services"},
	"navgroup.security":     {"Sikkerhed", "Security"},
	"navgroup.cert":         {"CERT", "CERT"},
	"navgroup.governance":   {"Styring", "Governance"},
	"navgroup.admin":        {"Administration", "Administration"},
	"lang.switch":           {"English", "Dansk"},
	"lang.switch.label":     {"Switch to English", "Skift til dansk"},
	"login.title":           {"Log ind", "Log in"},
	"login.username":        {"Brugernavn", "Username"},
	"login.password":        {"Adgangskode", "Password"},
	"login.submit":          {"Log ind", "Log in"},
	"login.federated":       {"Log ind med din organisations konto", "Log in with your organisation's account"},
	"login.with":            {"Log ind med %s", "Log in with %s"},
	"login.local":           {"Lokal konto", "Local account"},
	"logout.idp.title":      {"Du er logget ud af samdrift", "You are logged out of samdrift"},
	"logout.idp.text":       {"Du sendes videre til %s for også at blive logget ud der.", "You are being sent on to %s to log out there as well."},
	"logout.idp.continue":   {"Log ud hos %s", "Log out at %s"},
	"logout.idp.skip":       {"Bliv logget ind hos din organisation og gå til log ind", "Stay logged in at your organisation and go to the login page"},
	"login.local.help":      {"Kun til nødadgang og administratorer uden konto hos en identitetsudbyder.", "Only for break-glass access and administrators without an account at an identity provider."},
	"totp.title":            {"Totrinsbekræftelse", "Two-step verification"},
	"totp.intro":            {"Indtast den 6-cifrede kode fra din godkendelsesapp.", "Enter the 6-digit code from your authenticator app."},
	"totp.code":             {"Kode", "Code"},
	"totp.submit":           {"Bekræft", "Verify"},
	"totp.setup.title":      {"Opsæt totrinsbekræftelse", "Set up two-step verification"},
	"totp.setup.intro":      {"Din rolle kræver totrinsbekræftelse (Statens tekniske minimumskrav). Skan QR-koden med en godkendelsesapp, eller indtast nøglen, og skriv derefter koden appen viser.", "Your role requires two-step verification (the state's technical minimum requirements). Scan the QR code with an authenticator app, or type the key, then enter the code the app shows."},
	"totp.setup.key":        {"Nøgle til manuel indtastning", "Key for manual entry"},
	"totp.setup.qr":         {"QR-kode til godkendelsesapp", "QR code for an authenticator app"},
	"totp.setup.submit":     {"Aktivér", "Enable"},
	"home.title":            {"Forside", "Home"},
	"home.welcome":          {"Velkommen, %s", "Welcome, %s"},
	"home.you":              {"Du er %s i %s.", "You are %s in %s."},
	"home.reach.own":        {"Du ser data for din egen organisation.", "You see your own organisation's data."},
	"home.reach.supplied":   {"Du ser data for din enhed og de %d kommuner, den leverer til.", "You see data for your unit and the %d municipalities it supplies."},
	"home.reach.all":        {"Du ser data for alle organisationer.", "You see data for all organisations."},
	"home.tasks":            {"Det kan du her", "What you can do here"},
	"home.admin":            {"Administration", "Administration"},
	"home.needmfa":          {"%d brugere mangler at opsætte påkrævet totrinsbekræftelse", "%d users have not yet set up required two-step verification"},
	"home.failedlogins":     {"%d mislykkede logins det seneste døgn", "%d failed logins in the last 24 hours"},
	"home.units":            {"%d enheder og %d kommuner", "%d units and %d municipalities"},
	"home.supplied":         {"Kommuner forsynet", "Municipalities supplied"},
	"home.nosupplier":       {"Din kommune har endnu ingen leverandør af basisydelser.", "Your municipality has no supplier of basic services yet."},
	"task.orgs":             {"Se organisationsoversigten: enheder, ejerkommuner og leverancer", "Browse the directory: units, owner municipalities and supply"},
	"task.users.read":       {"Se brugerne i de organisationer, du har adgang til", "See the users of the organisations you can access"},
	"task.users.manage":     {"Opret brugere, skift roller og deaktivér konti", "Create users, change roles and disable accounts"},
	"task.audit":            {"Gennemse revisionssporet", "Review the audit trail"},
	"task.account":          {"Skift adgangskode og administrér API-nøgler", "Change your password and manage API tokens"},
	"orgs.title":            {"Organisationer", "Organisations"},
	"orgs.all":              {"Alle", "All"},
	"orgs.search":           {"Søg", "Search"},
	"orgs.search.label":     {"Søg på navn, kode eller kortnavn", "Search by name, code or slug"},
	"orgs.count":            {"%d organisationer", "%d organisations"},
	"col.name":              {"Navn", "Name"},
	"col.code":              {"Kode", "Code"},
	"col.kind":              {"Type", "Kind"},
	"col.region":            {"Region", "Region"},
	"col.supplier":          {"Leverandør", "Supplier"},
	"col.username":          {"Brugernavn", "Username"},
	"col.org":               {"Organisation", "Organisation"},
	"col.role":              {"Rolle", "Role"},
	"col.status":            {"Status", "Status"},
	"col.mfa":               {"Totrinsbekræftelse", "Two-step verification"},
	"col.time":              {"Tidspunkt", "Time"},
	"col.actor":             {"Aktør", "Actor"},
	"col.action":            {"Handling", "Action"},
	"col.target":            {"Objekt", "Target"},
	"col.detail":            {"Detaljer", "Detail"},
	"col.from":              {"Fra", "From"},
	"col.created":           {"Oprettet", "Created"},
	"col.expires":           {"Udløber", "Expires"},
	"col.lastused":          {"Sidst brugt", "Last used"},
	"kind.unit":             {"Enhed", "Unit"},
	"kind.municipality":     {"Kommune", "Municipality"},
	"kind.soc":              {"SOC/CERT", "SOC/CERT"},
	"kind.secretariat":      {"Sekretariat", "Secretariat"},
	"org.owners":            {"Ejerkommuner", "Owner municipalities"},
	"org.supplies":          {"Leverer basisydelser til", "Supplies basic services to"},
	"org.ownerof":           {"Medejer af", "Co-owner of"},
	"org.supplier":          {"Leverandør af basisydelser", "Supplier of basic services"},
	"org.users":             {"Brugere i organisationen", "Users in the organisation"},
	"org.none":              {"Ingen", "None"},
	"users.title":           {"Brugere", "Users"},
	"users.count":           {"%d brugere", "%d users"},
	"users.create":          {"Opret bruger", "Create user"},
	"users.displayname":     {"Navn", "Name"},
	"users.email":           {"E-mail", "E-mail"},
	"users.password":        {"Startadgangskode (mindst 12 tegn)", "Initial password (at least 12 characters)"},
	"users.created":         {"Brugeren er oprettet.", "The user was created."},
	"users.saved":           {"Ændringerne er gemt.", "The changes were saved."},
	"users.disabled":        {"Deaktiveret", "Disabled"},
	"users.active":          {"Aktiv", "Active"},
	"users.save":            {"Gem", "Save"},
	"users.login":           {"Logger ind", "Logs in"},
	"users.login.idp":       {"via identitetsudbyderen %s", "through the identity provider %s"},
	"users.login.local":     {"med lokal adgangskode", "with a local password"},
	"users.idp.note":        {"Navn, e-mail, organisation og rolle opdateres fra identitetsudbyderen ved hvert login; ændringer her gælder til næste login.", "Name, e-mail, organisation and role are updated from the identity provider at every login; changes here last until the next login."},
	"account.idp":           {"Du logger ind via din organisations identitetsudbyder (%s) og har ingen adgangskode i samdrift.", "You log in through your organisation's identity provider (%s) and have no samdrift password."},
	"users.disable":         {"Deaktivér kontoen (afslutter sessioner og afviser API-nøgler)", "Disable the account (ends sessions, refuses API tokens)"},
	"users.resettotp":       {"Nulstil totrinsbekræftelse", "Reset two-step verification"},
	"users.totpreset":       {"Totrinsbekræftelsen er nulstillet; brugeren opsætter en ny ved næste login.", "Two-step verification was reset; the user sets up a new one at next login."},
	"users.edit":            {"Redigér", "Edit"},
	"mfa.on":                {"Aktiv", "On"},
	"mfa.off":               {"Ikke opsat", "Not set up"},
	"mfa.required":          {"påkrævet", "required"},
	"audit.title":           {"Revisionsspor", "Audit trail"},
	"audit.intro":           {"Alle ændringer, logins og mislykkede logins, kædet med hashes, så ændrede eller slettede poster opdages (samdrift audit verify).", "Every change, login and failed login, hash-chained so that altered or removed records are detected (samdrift audit verify)."},
	"audit.count":           {"%d poster", "%d records"},
	"audit.filter":          {"Handling (f.eks. user. eller login.fail)", "Action (e.g. user. or login.fail)"},
	"audit.older":           {"Ældre poster", "Older records"},
	"audit.newest":          {"Nyeste", "Newest"},
	"page.next":             {"Næste side", "Next page"},
	"page.prev":             {"Forrige side", "Previous page"},
	"account.title":         {"Min konto", "My account"},
	"account.password":      {"Skift adgangskode", "Change password"},
	"account.current":       {"Nuværende adgangskode", "Current password"},
	"account.new":           {"Ny adgangskode (mindst 12 tegn)", "New password (at least 12 characters)"},
	"account.changed":       {"Adgangskoden er skiftet. Dine andre sessioner er afsluttet.", "Your password was changed. Your other sessions were ended."},
	"account.mfa":           {"Totrinsbekræftelse", "Two-step verification"},
	"account.mfa.setup":     {"Opsæt eller skift godkendelsesapp", "Set up or change authenticator app"},
	"account.tokens":        {"API-nøgler", "API tokens"},
	"account.tokens.intro":  {"Nøgler bruges som Authorization: Bearer … mod /api/v1. Nøglen vises kun én gang.", "Tokens are used as Authorization: Bearer … against /api/v1. A token is shown only once."},
	"account.token.name":    {"Hvad bruger nøglen?", "What uses the token?"},
	"account.token.days":    {"Gyldig i dage (1–366)", "Valid for days (1–366)"},
	"account.token.create":  {"Opret nøgle", "Create token"},
	"account.token.new":     {"Din nye nøgle. Kopiér den nu; den vises ikke igen:", "Your new token. Copy it now; it will not be shown again:"},
	"account.token.revoke":  {"Tilbagekald", "Revoke"},
	"account.token.revoked": {"Tilbagekaldt", "Revoked"},
	"account.token.none":    {"Du har ingen API-nøgler.", "You have no API tokens."},
	"error.title":           {"Der opstod en fejl", "Something went wrong"},
	"error.back":            {"Til forsiden", "To the home page"},
	"form.error":            {"Ret venligst:", "Please correct:"},
	"error.notfound":        {"Ikke fundet:", "Not found:"},
	"error.forbidden":       {"Ikke tilladt:", "Not allowed:"},
	"error.unauthorized":    {"Log ind igen:", "Log in again:"},
	"error.conflict":        {"Ikke gemt:", "Not saved:"},
	"error.toomany":         {"Vent lidt:", "Please wait:"},
	"error.internal":        {"Fejl hos os:", "Our error:"},
	"error.internal.detail": {"Der gik noget galt hos os; fejlen er logget. Prøv igen, og kontakt din administrator, hvis det fortsætter.", "Something went wrong on our side; it has been logged. Try again, and tell your administrator if it persists."},
	"error.notready":        {"Databasen svarer ikke; samdrift tager ikke imod arbejde, før den gør. Se driftsloggen.", "The database does not answer; samdrift takes no work until it does. See the operations log."},
	"error.toolarge":        {"Det sendte er for stort. Del det op, eller send en mindre fil.", "What you sent is too large. Split it up or send a smaller file."},
	"role.spoc":             {"SPOC (1. linje)", "SPOC (1st line)"},
	"role.kommune-it":       {"Kommunal IT", "Municipal IT"},
	"role.ciso":             {"Informationssikkerhedschef (CISO)", "CISO"},
	"role.servicedesk":      {"Servicedesk (2. linje)", "Service desk (2nd line)"},
	"role.unit-manager":     {"Enhedschef", "Unit manager"},
	"role.soc-analyst":      {"SOC-analytiker", "SOC analyst"},
	"role.cert":             {"CERT", "CERT"},
	"role.governance":       {"Styring og sekretariat", "Governance"},
	"role.admin":            {"Administrator", "Administrator"},
}

// T returns the text for key in l, formatted with args.
func (l Lang) T(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if l == English {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
