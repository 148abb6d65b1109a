package intel

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// Sharing and reports.
		"threat intelligence is shared by the CERT, the SOC or an administrator": "trusselsinformation deles af CERT, SOC eller en administrator",
		"at most 100000 indicators in one report":                                "højst 100000 indikatorer i én rapport",
		"no threat report %d": "trusselsrapport %d findes ikke",
		"%s holds vulnerabilities (advisories), which the CERT imports; %v": "%s indeholder sårbarheder (sikkerhedsbulletiner), som CERT'et indlæser; %v",
		"%d document(s) refused: %s":                                        "%d dokument(er) afvist: %s",

		// Partners' feeds.
		"partners' feeds are configured by the CERT":                                                                                 "partneres feeds sættes op af CERT'et",
		"give the feed's http(s) address (for TAXII the API root, e.g. https://cert.example/taxii2/api/)":                            "angiv feedets http(s)-adresse (for TAXII API-roden, fx https://cert.example/taxii2/api/)",
		"a TAXII feed names the collection to poll (its id)":                                                                         "angiv den TAXII-samling, feedet skal hente fra (samlingens id)",
		"the name of an environment variable (A–Z, 0–9, _), e.g. SAMDRIFT_FEED_CERTEU_TOKEN; samdrift never stores the token itself": "angiv navnet på en miljøvariabel (A–Z, 0–9, _), fx SAMDRIFT_FEED_CERTEU_TOKEN; samdrift gemmer aldrig selve nøglen",
		"poll every 5 minutes to 7 days (10080 minutes)":                                                                             "hentningsintervallet skal være fra 5 minutter til 7 dage (10080 minutter)",
		"a feed needs a name, a kind (taxii, misp, csaf, stix) and a url":                                                            "et feed skal have et navn, en type (taxii, misp, csaf, stix) og en url",
		"a feed named %q exists already":                                                                                             "der findes allerede et feed med navnet %q",
		"no feed %d":                                                                                                                 "feed %d findes ikke",
		"feed kind %q":                                                                                                               "ukendt feedtype %q",
		"%s: not a TAXII envelope: %v":                                                                                               "%s: svaret er ikke en TAXII-envelope: %v",
		"%s: more objects, but neither next nor X-TAXII-Date-Added-Last says where they start":                                       "%s: der er flere objekter, men hverken next eller X-TAXII-Date-Added-Last angiver, hvor de starter",
		"%s: more than 1000 pages in one poll; the rest follows on the next poll":                                                    "%s: mere end 1000 sider i én hentning; resten kommer med ved næste hentning",
		"%s: more than 64 MiB":                                                                                                       "%s: mere end 64 MiB",
		"%s answered %s: %s":                                                                                                         "%s svarede %s: %s",

		// TAXII.
		"no collection %q":                     "samling %q findes ikke",
		"not a value from a previous page: %q": "værdien stammer ikke fra en tidligere side: %q",
		"more than 1,000,000 objects: export a stricter TLP or page the TAXII collections instead": "mere end 1.000.000 objekter: eksportér med en strengere TLP, eller hent i stedet TAXII-samlingerne side for side",
		"not a TAXII envelope: %v": "indholdet er ikke en TAXII-envelope: %v",
		"no status %s":             "status %s findes ikke",
	})
}
