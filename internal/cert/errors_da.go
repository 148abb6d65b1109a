package cert

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// Advisories.
		"advisories are published by the CERT":               "sikkerhedsbulletiner udsendes af CERT'et",
		"%q is not a CVE id (CVE-2024-12345)":                "%q er ikke et CVE-id (CVE-2024-12345)",
		"name at least one affected product":                 "angiv mindst ét berørt produkt",
		"at most 1000 products":                              "højst 1000 produkter",
		"no advisory %d":                                     "sikkerhedsbulletin %d findes ikke",
		"cannot read advisory %d":                            "kan ikke læse sikkerhedsbulletin %d",
		"not a KEV catalogue (JSON): %v":                     "filen er ikke et KEV-katalog (JSON): %v",
		"%q is not a date (YYYY-MM-DD)":                      "%q er ikke en dato (ÅÅÅÅ-MM-DD)",
		"an imported advisory needs its identifier":          "en indlæst sikkerhedsbulletin skal have sit id fra kilden",
		"imported advisories come from csaf or stix, not %q": "indlæste sikkerhedsbulletiner kommer fra csaf eller stix, ikke %q",
		"$.vulnerabilities is empty or missing; is this CISA's known_exploited_vulnerabilities.json?": "$.vulnerabilities er tom eller mangler; er det CISA's known_exploited_vulnerabilities.json?",

		// Assets.
		"%v": "%v",
		"name the product (or give its CPE or purl)": "angiv produktets navn (eller dets CPE eller purl)",
		"no asset %d": "aktiv %d findes ikke",
		"assets are registered by the organisation's CISO or municipal IT, its unit, or the CERT": "aktiver registreres af organisationens CISO eller kommunale IT, dens enhed eller CERT'et",
		"nothing to import":                      "der er intet at indlæse",
		"at most %d assets at a time (got %d)":   "højst %d aktiver ad gangen (fik %d)",
		"at most %d assets at a time":            "højst %d aktiver ad gangen",
		"at most %d components at a time":        "højst %d komponenter ad gangen",
		"line 1: cannot read the header row: %v": "linje 1: overskriftsrækken kan ikke læses: %v",
		"line 1: unknown column %q; want vendor, product, version, cpe, purl, location, owner": "linje 1: ukendt kolonne %q; brug vendor, product, version, cpe, purl, location og owner",
		"line %d: %v":                       "linje %d: %v",
		"not a CycloneDX JSON document: %v": "filen er ikke et CycloneDX JSON-dokument: %v",
		`$.bomFormat is %q; a CycloneDX SBOM says "CycloneDX"`: `$.bomFormat er %q; i en CycloneDX-SBOM står der "CycloneDX"`,

		// Vulnerabilities and exposure.
		"a vulnerability's status is set by the organisation's CISO or municipal IT, its unit, or the CERT": "en sårbarheds status sættes af organisationens CISO eller kommunale IT, dens enhed eller CERT'et",
		"say why the risk is accepted or the product not affected":                                          "begrund, hvorfor risikoen accepteres, eller hvorfor produktet ikke er berørt",
		"an accepted risk is looked at again within a year: give the date":                                  "en accepteret risiko skal vurderes igen inden for et år: angiv datoen",
		"a date goes with status accepted":                                                                  "en dato kan kun angives sammen med status accepted (risiko accepteret)",
		"no vulnerability %d":                                                                               "sårbarhed %d findes ikke",
		"show 1 to 104 weeks":                                                                               "vælg mellem 1 og 104 uger",
	})
}
