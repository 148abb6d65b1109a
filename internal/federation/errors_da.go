package federation

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// config.go
		"federation file: %v": "føderationsfilen: %v",
		"federation needs how browsers reach samdrift (https://samdrift.example.dk): set public_url in the file or serve --public-url": "føderation kræver adressen, som browsere når samdrift på (https://samdrift.example.dk): sæt public_url i filen eller serve --public-url",
		"provider id %q is used twice":                                                                                       "udbyder-id %q bruges to gange",
		"%q must be 1–40 characters of a–z, 0–9 and '-'":                                                                     "%q skal være 1–40 tegn af a–z, 0–9 og '-'",
		"an OIDC provider needs its issuer URL, got %q":                                                                      "en OIDC-udbyder skal have sin issuer-URL, fik %q",
		"an OIDC provider needs client_id (or client_id_env naming a set environment variable)":                              "en OIDC-udbyder skal have client_id (eller client_id_env, der navngiver en sat miljøvariabel)",
		"name an environment variable that holds the client secret (it is not read from the file); %q is not set":            "navngiv en miljøvariabel, der indeholder klienthemmeligheden (den læses ikke fra filen); %q er ikke sat",
		"a SAML provider needs its metadata: metadata_url or metadata_file, one of them":                                     "en SAML-udbyder skal have sine metadata: metadata_url eller metadata_file, én af dem",
		"a SAML provider needs samdrift's key and certificate as service provider (sp_key_file, sp_cert_file, PEM)":          "en SAML-udbyder kræver samdrifts nøgle og certifikat som tjenesteudbyder (sp_key_file, sp_cert_file, PEM)",
		"name the attribute that holds the user name (for example urn:oid:0.9.2342.19200300.100.1.1 or an e-mail attribute)": "navngiv attributten, der indeholder brugernavnet (for eksempel urn:oid:0.9.2342.19200300.100.1.1 eller en e-mailattribut)",
		"want oidc or saml, got %q": "brug oidc eller saml, fik %q",
		"say where people belong: organisation (one for everyone), claims.organisation (with allowed_organisations), or an organisation on every rule": "angiv, hvor folk hører til: organisation (én for alle), claims.organisation (med allowed_organisations) eller en organisation på hver regel",
		"with the organisation taken from a claim, list the organisations this provider may place people in":                                           "når organisationen tages fra et claim, så angiv de organisationer, denne udbyder må placere folk i",
		"give at least one rule mapping a claim to a role":                                                                                             "angiv mindst én regel, der knytter et claim til en rolle",
		"give group, or claim and value, not both":                                                                                                     "angiv group eller claim og value, ikke begge",
		"a group rule needs claims.groups: the attribute that holds the groups":                                                                        "en gruppe-regel kræver claims.groups: attributten, der indeholder grupperne",
		"a rule needs group, or claim and value":                                                                                                       "en regel kræver group eller claim og value",
		"want 1–3650 days, or -1 for never, got %d":                                                                                                    "brug 1–3650 dage eller -1 for aldrig, fik %d",
		"the IdP's metadata is its trust anchor: fetch it over https (or keep a copy in metadata_file), got %q":                                        "IdP'ens metadata er dens tillidsanker: hent dem over https (eller gem en kopi i metadata_file), fik %q",
		"role %s reaches every organisation; a provider may give it only with allow_privileged_roles: true":                                            "rollen %s når alle organisationer; en udbyder må kun give den med allow_privileged_roles: true",
		"organisation %q is neither the provider's organisation nor among allowed_organisations":                                                       "organisationen %q er hverken udbyderens organisation eller blandt allowed_organisations",
		"the user name %q is not in a domain the identity provider %s may use (%s); ask your organisation's samdrift administrator":                    "brugernavnet %q er ikke i et domæne, identitetsudbyderen %s må bruge (%s); kontakt din organisations samdrift-administrator",
		"the userinfo endpoint did not answer for this login":                                                                                          "userinfo-endpointet svarede ikke for dette login",
		"the answer does not name the person by the configured subject":                                                                                "svaret angiver ikke personen med den opsatte identitet (subject)",
		"the person is named by a transient NameID, which cannot link an account":                                                                      "personen er angivet med et midlertidigt NameID, som ikke kan knyttes til en konto",
		"cannot reach the identity provider %s; try again in a moment, or log in with a local account":                                                 "kan ikke nå identitetsudbyderen %s; prøv igen om lidt, eller log ind med en lokal konto",
		"cannot read the metadata of the identity provider %s; try again in a moment, or log in with a local account":                                  "kan ikke læse metadata fra identitetsudbyderen %s; prøv igen om lidt, eller log ind med en lokal konto",

		// mapping.go
		"the identity provider %s did not say which organisation you belong to (the %s claim is missing); ask your organisation's samdrift administrator": "identitetsudbyderen %s oplyste ikke, hvilken organisation du hører til (claimet %s mangler); kontakt din organisations samdrift-administrator",
		"the identity provider %s placed you in organisation %q, which it may not place people in; ask your organisation's samdrift administrator":        "identitetsudbyderen %s placerede dig i organisationen %q, som den ikke må placere folk i; kontakt din organisations samdrift-administrator",
		"none of your groups or roles at %s gives access to samdrift; ask your organisation's samdrift administrator for a group that grants access":      "ingen af dine grupper eller roller hos %s giver adgang til samdrift; bed din organisations samdrift-administrator om en gruppe, der giver adgang",

		// service.go
		"too many logins begun from your address and not finished; wait ten minutes and try again":                                                       "for mange logins er startet fra din adresse uden at blive fuldført; vent ti minutter og prøv igen",
		"no identity provider %q is configured":                                                                                                          "der er ikke sat nogen identitetsudbyder %q op",
		"the browser sent no login cookie; allow cookies for samdrift and try again":                                                                     "browseren sendte ingen login-cookie; tillad cookies for samdrift og prøv igen",
		"this login is unknown, was already used, took longer than 10 minutes or was begun in another browser; start the login again":                    "dette login er ukendt, er allerede brugt, tog mere end 10 minutter eller blev startet i en anden browser; start login forfra",
		"the answer from %s could not be trusted (%s), so you are not logged in; start the login again, and if it happens again tell your administrator": "svaret fra %s kunne ikke stoles på (%s), så du er ikke logget ind; start login forfra, og fortæl din administrator det, hvis det sker igen",
		"the code could not be exchanged":                     "koden kunne ikke veksles",
		"no ID token":                                         "intet ID-token",
		"wrong nonce":                                         "forkert nonce",
		"unreadable claims":                                   "claims kunne ikke læses",
		"the ID token has expired":                            "ID-tokenet er udløbet",
		"the ID token is for another client":                  "ID-tokenet er til en anden klient",
		"the ID token is from another issuer":                 "ID-tokenet er fra en anden udsteder",
		"the ID token's signature is not the provider's":      "ID-tokenets signatur er ikke udbyderens",
		"the ID token is not valid":                           "ID-tokenet er ikke gyldigt",
		"the assertion was already used":                      "assertionen er allerede brugt",
		"the assertion is for another service":                "assertionen er til en anden tjeneste",
		"the assertion is outside its time window":            "assertionen er uden for sit tidsvindue",
		"the response is not signed by the identity provider": "svaret er ikke signeret af identitetsudbyderen",
		"the assertion is not signed":                         "assertionen er ikke signeret",
		"the response does not answer this login":             "svaret hører ikke til dette login",
		"the response is not valid":                           "svaret er ikke gyldigt",

		// oidc.go
		"provider %s has an unknown type":                                      "udbyderen %s har en ukendt type",
		"no OpenID Connect provider %q is configured":                          "der er ikke sat nogen OpenID Connect-udbyder %q op",
		"%s did not log you in (%s: %s); try again, or ask your administrator": "%s loggede dig ikke ind (%s: %s); prøv igen, eller kontakt din administrator",
		"missing or longer than 16 KiB":                                        "mangler eller er længere end 16 KiB",
		"unreadable claims: %v":                                                "claims kunne ikke læses: %v",
		"not a logout token: the events claim lacks %s":                        "ikke et logout-token: events-claimet mangler %s",
		"a logout token must not carry a nonce":                                "et logout-token må ikke have en nonce",
		"a logout token needs jti, and sid or sub":                             "et logout-token skal have jti samt sid eller sub",
		"this logout token was already used":                                   "dette logout-token er allerede brugt",
		"users of %s are linked by %s; the logout token must name a sid":       "brugere af %s er knyttet via %s; logout-tokenet skal angive et sid",
		"%s": "%s",

		// saml.go
		"cannot read samdrift's SAML key and certificate: %v":                              "kan ikke læse samdrifts SAML-nøgle og -certifikat: %v",
		"cannot parse the certificate: %v":                                                 "kan ikke læse certifikatet: %v",
		"want an RSA key (SAML encryption needs one)":                                      "brug en RSA-nøgle (SAML-kryptering kræver en)",
		"no SAML provider %q is configured":                                                "der er ikke sat nogen SAML-udbyder %q op",
		"the identity provider %s offers no HTTP-Redirect sign-on; ask your administrator": "identitetsudbyderen %s tilbyder ikke login via HTTP-Redirect; kontakt din administrator",
		"unreadable form: %v":                                                              "formularen kunne ikke læses: %v",
		"the logout request from %s is not valid (%s)":                                     "logout-anmodningen fra %s er ikke gyldig (%s)",
		"the logout request from %s names nobody":                                          "logout-anmodningen fra %s angiver ingen person",
	})
}
