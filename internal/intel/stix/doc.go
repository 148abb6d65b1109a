// Package stix reads and writes STIX 2.1 objects and bundles for samdrift's
// CERT: it checks bundles received from partners and feeds (ParseBundle),
// turns the object types samdrift uses — indicator, vulnerability, report,
// identity and sighting — into Go values and back (Decode, Encode), maps
// TLP markings (TLP 1.0 as predefined in STIX 2.1 §7.2.1.4, TLP 2.0 as
// defined by the OASIS extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d)
// to samdrift's TLP 2.0 labels, and translates the subset of the STIX
// patterning language that samdrift can detect on (single values, ORed)
// into indicator observables (Matchable, Pattern).
//
// Indicator, Vulnerability, Report, Identity and Sighting share the
// common properties: ID is "<type>--<UUID>" (Encode makes a random one
// when empty); TLP is samdrift's TLP 2.0 label and stands for
// object_marking_refs; Confidence is 0–100 with 0 meaning not given;
// CreatedByRef is an identity id; empty slices decode as nil.
//
// Objects keep their complete JSON (Object.Raw), so a relayed object loses
// no property this package does not know.
//
// The package knows STIX and samdrift's indicator vocabulary
// (internal/indicator); it does not know where objects are stored, how
// they are fetched or served (TAXII), or samdrift's advisories and reports
// beyond the plain values carried here.
package stix
