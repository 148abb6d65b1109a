package misp

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		// Reading a feed.
		"feed directory %s does not exist": "feedmappen %s findes ikke",
		"%s is not a directory":            "%s er ikke en mappe",
		"%q is not a URL":                  "%q er ikke en URL",
		"feed %s: only http and https URLs and local directories are read": "feed %s: kun http- og https-URL'er og lokale mapper kan læses",
		"feed %s: %s is missing":                            "feed %s: %s mangler",
		"feed %s: %s is missing (%s)":                       "feed %s: %s mangler (%s)",
		"feed %s: %s is larger than %d MiB":                 "feed %s: %s er større end %d MiB",
		"%s: holds event %s, not the %s the manifest lists": "%s: indeholder hændelse %s, ikke hændelse %s, som manifestet angiver",
		"%s: %s": "%s: %s",

		// Writing a feed.
		"event %s is listed twice": "hændelse %s står to gange",
		"%q is not a UUID":         "%q er ikke en UUID",
		"%q is not one of clear, green, amber, amber+strict, red": "%q er ikke en af clear, green, amber, amber+strict, red",
		"must be 1 (high) to 4 (undefined)":                       "skal være fra 1 (høj) til 4 (udefineret)",
		"must be 0 (initial) to 2 (complete)":                     "skal være fra 0 (indledende) til 2 (færdig)",
		"must be 0 to 4":                                          "skal være fra 0 til 4",
		"must not be empty for an attribute in an object":         "må ikke være tom for en attribut i et objekt",
		"is before FirstSeen":                                     "ligger før FirstSeen",
	})
}
