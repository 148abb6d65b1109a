package csaf

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// Reading a document.
		"%s is larger than %d MiB, the most a CSAF document may have here": "%s er større end %d MiB, som er det meste et CSAF-dokument må fylde her",
		"%s is not a JSON document: %v":                                    "%s er ikke et JSON-dokument: %v",
		"%s: %v":                                                           "%s: %v",
		"%s breaks the CSAF 2.0 JSON schema: %s":                           "%s overholder ikke JSON-skemaet for CSAF 2.0: %s",
		"%s: %q is not an RFC 3339 date and time":                          "%s: %q er ikke dato og klokkeslæt i RFC 3339-format",
		"%s: product_id %q is defined twice, here and at %s (CSAF 2.0 test 6.1.2, Multiple Definition of Product ID)":              "%s: product_id %q er defineret to gange, her og ved %s (CSAF 2.0 test 6.1.2, Multiple Definition of Product ID)",
		"%s: product_id %q does not lead to a product in the product tree":                                                         "%s: product_id %q fører ikke til et produkt i produkttræet",
		"%s: product_group_id %q is not defined in the product tree (CSAF 2.0 test 6.1.4, Missing Definition of Product Group ID)": "%s: product_group_id %q er ikke defineret i produkttræet (CSAF 2.0 test 6.1.4, Missing Definition of Product Group ID)",
		"%s: product_id %q is not defined in the product tree (CSAF 2.0 test 6.1.1, Missing Definition of Product ID)":             "%s: product_id %q er ikke defineret i produkttræet (CSAF 2.0 test 6.1.1, Missing Definition of Product ID)",
		"a version in it has blanks": "en af versionerne indeholder mellemrum",

		// Exporting a document.
		"TLP:AMBER+STRICT cannot be exported as CSAF: CSAF 2.0 labels documents with TLP 1.0, which has no AMBER+STRICT, and its AMBER would let recipients pass the advisory on to their clients. Share it as AMBER+STRICT through STIX/TAXII or e-mail instead, or relabel it (AMBER or RED) if that is what you mean": "TLP:AMBER+STRICT kan ikke eksporteres som CSAF: CSAF 2.0 mærker dokumenter med TLP 1.0, som ikke har AMBER+STRICT, og dens AMBER ville lade modtagerne give sikkerhedsbulletinen videre til deres kunder. Del den i stedet som AMBER+STRICT via STIX/TAXII eller e-mail, eller giv den en anden mærkning (AMBER eller RED), hvis det er det, du mener",
		"unknown TLP label %q; want clear, green, amber or red":                                                                         "ukendt TLP-mærkning %q; brug clear, green, amber eller red",
		"%q is not a document version CSAF accepts here: an integer below 1000 or MAJOR.MINOR.PATCH without pre-release or build parts": "%q er ikke en dokumentversion, som CSAF accepterer her: brug et heltal under 1000 eller MAJOR.MINOR.PATCH uden pre-release- eller build-del",
		"%q is not the publisher's web address (e.g. https://cert.example.dk)":                                                          "%q er ikke udgiverens webadresse (fx https://cert.example.dk)",
		"%q is not a CVE id (CVE-YYYY-NNNN)":                                                                                            "%q er ikke et CVE-id (CVE-YYYY-NNNN)",
		"is required":                                                                                                                   "skal angives",
		"is before the publication":                                                                                                     "ligger før udgivelsen",
		"name at least one affected product: a CSAF security advisory lists the products it concerns":                                   "angiv mindst ét berørt produkt: en CSAF-sikkerhedsbulletin oplister de produkter, den vedrører",
		"needs a vendor and a product name, or a CPE or purl to take them from":                                                         "skal have en leverandør og et produktnavn eller en CPE eller purl, de kan hentes fra",

		// Fetching from a provider, a ROLIE feed or a directory.
		"%q: give a local file or directory, or an http:// or https:// URL": "%q: angiv en lokal fil eller mappe eller en http://- eller https://-URL",
		"%s does not exist":        "%s findes ikke",
		"more files were refused":  "flere filer blev afvist",
		"%s: link %q is not a URL": "%s: linket %q er ikke en URL",
		"%s: link %q is refused: only http and https links are followed": "%s: linket %q afvises: kun http- og https-links følges",
		"%s is not a URL": "%s er ikke en URL",
		"%s: link %q is refused: it leads out of %s": "%s: linket %q afvises: det fører uden for %s",
		"%s: HTTP %s":                       "%s: HTTP %s",
		"%s is larger than %d MiB; refused": "%s er større end %d MiB og afvises",
		"%s is a ROLIE service or category document; give a feed or the provider-metadata.json": "%s er et ROLIE-service- eller kategoridokument; angiv et feed eller provider-metadata.json",
		"%s is not a valid provider-metadata.json: %v":                                          "%s er ikke en gyldig provider-metadata.json: %v",
		"%s lists neither ROLIE feeds nor directories":                                          "%s angiver hverken ROLIE-feeds eller mapper",
		"%s lists more than %d feeds and directories; refused":                                  "%s angiver mere end %d feeds og mapper og afvises",
		"%s is not a valid ROLIE feed: %v":                                                      "%s er ikke et gyldigt ROLIE-feed: %v",
		"%s: entry %q has neither a link rel=self nor a content.src":                            "%s: posten %q har hverken et link med rel=self eller et content.src",
		"%s is not CSV: %v":                       "%s er ikke CSV: %v",
		"%s: line %d: %q is not an RFC 3339 time": "%s: linje %d: %q er ikke et tidspunkt i RFC 3339-format",
		"the source has more than %d documents; stopped there — fetch again with since set to the newest update seen": "kilden har mere end %d dokumenter; hentningen stoppede der — hent igen med since sat til den nyeste opdatering, der er hentet",
		"%s: its hash file %s cannot be read, so it is refused":                                                       "%s: hashfilen %s kan ikke læses, så dokumentet afvises",
		"%s does not match its %s hash in %s: it may have been altered or cut short, so it is refused":                "%s passer ikke med sin %s-hashværdi i %s: dokumentet kan være ændret eller afkortet og afvises derfor",
	})
}
