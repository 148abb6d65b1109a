// Package match decides whether an advisory's description of vulnerable
// software fits a piece of software a municipality has installed.
//
// An advisory names what it affects in one or more of three vocabularies:
//
//   - CPE 2.3 names (NISTIR 7695), used by NVD and many CSAF documents, matched
//     with the name-matching rules of NISTIR 7696 (see [CPE.Matches]);
//   - Package URLs (purl), used by OSV, GitHub and CSAF for open-source
//     packages (see [PURL.SamePackage]);
//   - plain vendor and product names with a version range, which is all that
//     many national CERT bulletins and vendors' own advisories give.
//
// Versions are compared per versioning scheme ([Compare]: SemVer, Debian,
// RPM and a generic scheme for vendors' version strings) and ranges are
// written in the purl project's "vers" notation ([ParseRange], [RangeFrom]).
// [Affected.Match] combines all three, preferring the most precise
// identifier both sides have.
//
// The package is pure computation on strings: it knows nothing of storage,
// of advisories' feeds or of how assets are inventoried, and it never does
// I/O. Callers that match many advisories against many assets should group
// assets by vendor and product (or by CPE vendor:product, or purl
// type/namespace/name) first and call Match only within a group; Compare and
// Range.Contains do not allocate for the common schemes, so the remaining
// per-pair cost is small.
//
// Errors about bad input are *errs.Error values with code errs.Invalid and a
// Field naming the input ("cpe", "purl", "version", "range").
package match
