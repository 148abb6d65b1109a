// Package csaf reads and writes CSAF 2.0 documents (OASIS Common Security
// Advisory Framework, csaf-v2.0-os) for the CERT, and walks CSAF providers'
// distributions to collect them.
//
// Parse validates a document against the CSAF 2.0 JSON schema (through
// github.com/gocsaf/csaf/v3) and against the rules the mapping relies on
// (every product_id it uses is defined once, product_version_range names
// are vers or vls ranges), then maps it to a Document: what the CERT keeps
// of an advisory, with the affected products resolved through the product
// tree into vendor, product, CPE, purl and a purl "vers" range that package
// match understands. Export writes the CERT's own advisory as a CSAF
// security advisory. Fetch reads documents from a file, a directory, a
// provider-metadata.json or a ROLIE feed, local or over HTTP(S).
//
// The package knows nothing of storage, users or TLP enforcement: it maps
// TLP labels between TLP 1.0 (which CSAF 2.0 uses) and TLP 2.0 and leaves
// what a missing label means to the caller. Package cert imports this
// package, never the other way round.
//
// Errors about a document are *errs.Error values with code errs.Invalid
// whose Field is the JSON path of the offending value (for example
// "$.vulnerabilities[0].product_status.known_affected[1]") and whose text
// names the document and the rule it breaks.
package csaf
