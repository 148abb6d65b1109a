package stix

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// Patterns.
		"is empty": "er tom",
		"is not a valid STIX pattern at character %d: %s": "er ikke et gyldigt STIX-mønster ved tegn %d: %s",
		"samdrift cannot match %q (at character %d): %s":  "samdrift kan ikke matche %q (ved tegn %d): %s",
		"%s is not an %s value":                           "%s er ikke en gyldig %s-værdi",
		"%q: %v":                                          "%q: %v",

		// Objects.
		"has no JSON object in Raw":                                     "har intet JSON-objekt i Raw",
		"stix: cannot encode %T":                                        "stix: kan ikke kode %T",
		"id must be %s--<UUID>, got %s":                                 "id skal være %s--<UUID>, men er %s",
		"modified must not be earlier than created":                     "modified må ikke ligge før created",
		"created_by_ref must be identity--<UUID>, got %s":               "created_by_ref skal være identity--<UUID>, men er %s",
		"unknown TLP %s; want clear, green, amber, amber+strict or red": "ukendt TLP %s; brug clear, green, amber, amber+strict eller red",
		"confidence must be from 0 to 100, got %d":                      "confidence skal være fra 0 til 100, men er %d",
		"pattern is required":                                           "pattern skal angives",
		"valid_until must be later than valid_from":                     "valid_until skal ligge efter valid_from",
		"name is required":                                              "name skal angives",
		"%s is not a CVE id like CVE-2024-12345":                        "%s er ikke et CVE-id som fx CVE-2024-12345",
		"published is required":                                         "published skal angives",
		"a report must refer to at least one object":                    "en rapport skal henvise til mindst ét objekt",
		"sighting_of_ref is required":                                   "sighting_of_ref skal angives",
		"count must be from 0 to 999999999, got %d":                     "count skal være fra 0 til 999999999, men er %d",
		"last_seen must not be earlier than first_seen":                 "last_seen må ikke ligge før first_seen",
		"%s is not a STIX id (<type>--<UUID>)":                          "%s er ikke et STIX-id (<type>--<UUID>)",
	})
}
