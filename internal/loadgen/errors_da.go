package loadgen

import "github.com/samdrift/samdrift/internal/errs"

func init() {
	errs.AddDanish(map[string]string{
		"cannot reach %s: %v":                                 "kan ikke nå %s: %v",
		"protocol is one of %s":                               "protokollen skal være en af %s",
		"cannot connect to %s: %v":                            "kan ikke forbinde til %s: %v",
		"the receiver closed the connection: %v":              "modtageren lukkede forbindelsen: %v",
		"cannot send a datagram: %v":                          "kan ikke sende et datagram: %v",
		"the _bulk answer is not JSON: %v":                    "svaret fra _bulk er ikke JSON: %v",
		"the _bulk answer has %d items for %d documents":      "svaret fra _bulk har %d elementer for %d dokumenter",
		"document %d was refused (%d %s)":                     "dokument %d blev afvist (%d %s)",
		"count must be at least 1":                            "antallet skal være mindst 1",
		"the run id may not hold spaces, quotes, ']' or '\\'": "kørsels-id'et må ikke indeholde mellemrum, anførselstegn, ']' eller '\\'",
		"pregenerate at most 20,000,000 events (about 6 GB)":  "du kan højst forudgenerere 20.000.000 hændelser (ca. 6 GB)",
		"%s does not speak RELP: %v":                          "%s understøtter ikke RELP: %v",
		"RELP: %v":                                            "RELP: %v",
		"not a URL: %v":                                       "ikke en gyldig URL: %v",
		"the export holds a line that is not an event: %v":    "eksporten indeholder en linje, der ikke er en hændelse: %v",
	})
}
