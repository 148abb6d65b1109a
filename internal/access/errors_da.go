package access

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// password.go
		"password is not valid UTF-8":                      "adgangskoden er ikke gyldig UTF-8",
		"password must be at least %d characters (got %d)": "adgangskoden skal have mindst %d tegn (den har %d)",
		"password must be at most %d bytes":                "adgangskoden må højst fylde %d byte",
		"password must not contain the username":           "adgangskoden må ikke indeholde brugernavnet",

		// role.go
		"unknown role %q; want one of %s": "ukendt rolle %q; brug en af %s",

		// session.go
		"not logged in":                        "du er ikke logget ind",
		"your session has ended; log in again": "din session er udløbet; log ind igen",
		"wrong username or password (after repeated failures an account is locked for a while; wait and try again, or ask your administrator)": "forkert brugernavn eller adgangskode (efter gentagne fejl spærres kontoen i et stykke tid; vent og prøv igen, eller kontakt din administrator)",
		"too many failed logins from your address; try again after %s":                                                                         "for mange mislykkede logins fra din adresse; prøv igen efter kl. %s",
		"account %s is disabled; ask your administrator":                                                                                       "kontoen %s er deaktiveret; kontakt din administrator",

		// federated.go
		"the identity provider named no usable subject for you; ask your administrator":                                                                                            "identitetsudbyderen oplyste ingen brugbar identitet for dig; kontakt din administrator",
		"the identity provider %s gave the user name %q, which samdrift cannot use (2–64 characters of a–z, 0–9, '.', '_', '@', '-'); ask your administrator to map another claim": "identitetsudbyderen %s gav brugernavnet %q, som samdrift ikke kan bruge (2–64 tegn af a–z, 0–9, '.', '_', '@', '-'); bed din administrator om at bruge et andet claim",
		"the identity provider %s placed you in organisation %q, which samdrift does not know; ask your administrator to correct the mapping":                                      "identitetsudbyderen %s placerede dig i organisationen %q, som samdrift ikke kender; bed din administrator om at rette tilknytningen",
		"the identity provider %s gave you the role %s, which cannot be held in a %s organisation; ask your administrator to correct the mapping":                                  "identitetsudbyderen %s gav dig rollen %s, som ikke kan bestrides i en organisation af typen %s; bed din administrator om at rette tilknytningen",
		"the user name %s already belongs to another samdrift account, so yours cannot be made; ask your administrator to rename or remove that account":                           "brugernavnet %s tilhører allerede en anden konto i samdrift, så din kan ikke oprettes; bed din administrator om at omdøbe eller fjerne den konto",
		"your samdrift account %s is disabled by an administrator; ask your administrator":                                                                                         "din samdrift-konto %s er deaktiveret af en administrator; kontakt din administrator",
		"a logout must name a subject or a session":                                "et logout skal angive en person eller en session",
		"%s logs in through the identity provider %s and has no samdrift password": "%s logger ind via identitetsudbyderen %s og har ingen adgangskode i samdrift",

		// token.go
		"log in first":                                             "log ind først",
		"no such token: %d":                                        "API-nøgle %d findes ikke",
		"not a samdrift API token":                                 "det er ikke en API-nøgle fra samdrift",
		"the API token is unknown, revoked or expired":             "API-nøglen er ukendt, tilbagekaldt eller udløbet",
		"you may only create tokens for yourself":                  "du kan kun oprette API-nøgler til dig selv",
		"give the token a name of 1–100 characters (what uses it)": "giv API-nøglen et navn på 1–100 tegn, der fortæller, hvad der bruger den",
		"must be between 1 minute and %d days":                     "skal være mellem 1 minut og %d dage",
		"user %s is disabled":                                      "brugeren %s er deaktiveret",
		"the role %s needs two-step verification: %s must set it up (log in once) before tokens can be issued": "rollen %s kræver totrinsbekræftelse: %s skal opsætte den (ved at logge ind én gang), før der kan udstedes API-nøgler",

		// totp.go
		"too many failed attempts from your address; try again after %s":                   "for mange mislykkede forsøg fra din adresse; prøv igen efter kl. %s",
		"no second factor is set up; set one up first":                                     "totrinsbekræftelse er ikke opsat; opsæt den først",
		"account is locked after repeated failures; try again in %s":                       "kontoen er spærret efter gentagne fejl; prøv igen om %s",
		"the code is wrong or was already used; wait for the next one":                     "koden er forkert eller allerede brugt; vent på den næste kode",
		"only an administrator may reset a second factor":                                  "kun en administrator kan nulstille totrinsbekræftelse",
		"no second factor is being set up; start again":                                    "opsætningen af totrinsbekræftelse er ikke i gang; start forfra",
		"the code does not match; check the app's clock and type the current 6-digit code": "koden passer ikke; kontrollér, at uret i appen går rigtigt, og indtast den aktuelle 6-cifrede kode",

		// user.go
		"at most 200 characters":                                       "højst 200 tegn",
		"not an e-mail address: %q":                                    "ikke en e-mailadresse: %q",
		"role %s cannot be held in a %s organisation (allowed in: %s)": "rollen %s kan ikke bruges i en organisation af typen %s (tilladt i: %s)",
		"no such user: %d":                                             "brugeren %d findes ikke",
		"you may not read users":                                       "du har ikke adgang til at se brugere",
		"no such user: %s":                                             "brugeren %s findes ikke",
		"must be between 1 and 500":                                    "skal være mellem 1 og 500",
		"only an administrator may change users":                       "kun en administrator kan ændre brugere",
		"%s is the last enabled administrator; create another first":   "%s er den sidste aktive administrator; opret en anden administrator først",
		"only an administrator may set another user's password":        "kun en administrator kan sætte en anden brugers adgangskode",
		"the current password is wrong":                                "den nuværende adgangskode er forkert",
		"username %q must be 2–64 characters of a–z, 0–9, '.', '_', '@', '-', starting with a letter or digit": "brugernavnet %q skal være 2–64 tegn af a–z, 0–9, '.', '_', '@' og '-' og begynde med et bogstav eller et tal",
		"only an administrator may create users": "kun en administrator kan oprette brugere",
		"must not be negative":                   "må ikke være negativ",
	})
}
