package match

import "strings"

// The reasons Affected.Match gives, for the UI. A reason naming "version
// unknown" or "version not comparable" marks a possible match only: the
// software is the named one but whether its version is affected could not
// be told, and a person has to look.
const (
	ReasonCPE                  = "cpe"                    // CPE pattern matches, no version condition
	ReasonCPERange             = "cpe+range"              // CPE matches and the version is in the range or list
	ReasonCPEVersionUnknown    = "cpe, version unknown"   // CPE matches but for the version, which the asset lacks
	ReasonPURL                 = "purl"                   // same package, version equal or unconstrained
	ReasonPURLRange            = "purl+range"             // same package, version in the range or list
	ReasonPURLVersionUnknown   = "purl, version unknown"  // same package, the asset has no version
	ReasonName                 = "name"                   // names match, the advisory gives no version
	ReasonNameRange            = "name+range"             // names match, version in the range or list
	ReasonNameVersionUnknown   = "name, version unknown"  // names match, the asset has no version
	ReasonVersionNotComparable = "version not comparable" // software matches, the asset's version could not be compared
)

// Asset is a piece of installed software as an inventory knows it. Any
// field may be empty. CPE is a CPE 2.3 formatted string or 2.2 URI, PURL a
// Package URL; an unparsable CPE or PURL is ignored.
type Asset struct {
	Vendor  string
	Product string
	Version string
	CPE     string
	PURL    string
}

// Affected is what an advisory says is vulnerable. Give any of:
//
//   - CPE: a CPE 2.3 pattern (version may be ANY or wildcarded);
//   - PURL: a package, with or without a version (a version means exactly
//     that version is affected);
//   - Vendor and Product names.
//
// Range and Versions narrow any of them to affected versions: a version is
// affected when it lies in Range or equals one of Versions (or the PURL's
// version, or the CPE's when matching by name). Nil and empty mean no
// narrowing.
type Affected struct {
	CPE      *CPE
	PURL     *PURL
	Vendor   string
	Product  string
	Range    *Range
	Versions []string
}

// Match reports whether asset is (or may be) affected, and why (one of the
// Reason constants; "" when it does not match).
//
// Identifiers win over names: when the advisory and the asset both have a
// CPE, or both a PURL, those decide, and the names are not consulted. A CPE
// matches by CPE.Matches; an asset CPE whose version is ANY takes the
// asset's Version. A PURL matches by PURL.SamePackage, with the version
// from the asset's PURL or else its Version.
//
// Otherwise Match compares names: vendor and product, case-insensitively,
// with white space trimmed and collapsed, '_' read as a space, a vendor
// name at the start of a product ignored ("Microsoft Exchange Server" is
// product "Exchange Server" of vendor "Microsoft"), and a vendor that is
// the first words of the other ("Microsoft Corporation") accepted. An
// advisory without names but with a CPE lends the CPE's vendor, product
// and version; an asset without names lends its CPE's or PURL's.
//
// Versions compare under the PURL type's scheme (npm, golang, cargo →
// SemVer; deb; rpm) or Range's scheme, else the generic one.
//
// An asset without a version matches a versioned advisory only as possibly
// affected: Match returns true with a "version unknown" reason. So does an
// asset version that cannot be compared even by the generic scheme
// (ReasonVersionNotComparable). Callers must show these as "check", not as
// confirmed.
func (a Affected) Match(asset Asset) (bool, string) {
	var assetCPE *CPE
	if asset.CPE != "" {
		if c, err := ParseCPE(asset.CPE); err == nil {
			assetCPE = &c
		}
	}
	var assetPURL *PURL
	if asset.PURL != "" {
		if p, err := ParsePURL(asset.PURL); err == nil {
			assetPURL = &p
		}
	}
	decided := false
	if a.CPE != nil && assetCPE != nil {
		decided = true
		if ok, why := a.matchCPE(*assetCPE, strings.TrimSpace(asset.Version)); ok {
			return true, why
		}
	}
	if a.PURL != nil && assetPURL != nil {
		decided = true
		if ok, why := a.matchPURL(*assetPURL, strings.TrimSpace(asset.Version)); ok {
			return true, why
		}
	}
	if decided {
		return false, ""
	}
	return a.matchNames(asset, assetCPE, assetPURL)
}

func (a Affected) matchCPE(t CPE, assetVersion string) (bool, string) {
	if t.Version() == CPEAny && assetVersion != "" {
		if v, ok := cpeLiteral(assetVersion); ok {
			t.attrs[AttrVersion] = v
		}
	}
	constrained := a.Range != nil || len(a.Versions) > 0
	if t.Version() == CPEAny && (constrained || a.CPE.Version() != CPEAny) {
		src := *a.CPE
		src.attrs[AttrVersion] = CPEAny
		if src.Matches(t) {
			return true, ReasonCPEVersionUnknown
		}
		return false, ""
	}
	if !a.CPE.Matches(t) {
		return false, ""
	}
	if !constrained {
		return true, ReasonCPE
	}
	if t.Version() == CPENA {
		return false, ""
	}
	in, known := a.versionIn(unquoteCPE(t.Version()), SchemeGeneric, "")
	switch {
	case !known:
		return true, ReasonVersionNotComparable
	case in:
		return true, ReasonCPERange
	}
	return false, ""
}

// cpeLiteral writes a free-text version as a canonical CPE value.
func cpeLiteral(v string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f {
			return "", false
		}
		writeCPELiteral(&b, v[i])
	}
	s := b.String()
	if s == CPENA {
		s = `\-`
	}
	return s, true
}

func (a Affected) matchPURL(p PURL, assetVersion string) (bool, string) {
	if !a.PURL.SamePackage(p) {
		return false, ""
	}
	if a.PURL.Version == "" && a.Range == nil && len(a.Versions) == 0 {
		return true, ReasonPURL
	}
	v := p.Version
	if v == "" {
		v = assetVersion
	}
	if v == "" {
		return true, ReasonPURLVersionUnknown
	}
	in, known := a.versionIn(v, a.PURL.Scheme(), a.PURL.Version)
	switch {
	case !known:
		return true, ReasonVersionNotComparable
	case !in:
		return false, ""
	case a.Range != nil || len(a.Versions) > 0:
		return true, ReasonPURLRange
	}
	return true, ReasonPURL
}

func (a Affected) matchNames(asset Asset, assetCPE *CPE, assetPURL *PURL) (bool, string) {
	vendor, product, exact := a.Vendor, a.Product, ""
	if product == "" && a.CPE != nil {
		vendor, product = cpeName(a.CPE.Vendor()), cpeName(a.CPE.Product())
		if v := a.CPE.Version(); v != CPEAny && v != CPENA && !hasWildcard(v) {
			exact = unquoteCPE(v)
		}
	}
	assetVendor, assetProduct, assetVersion := asset.Vendor, asset.Product, strings.TrimSpace(asset.Version)
	if assetProduct == "" && assetCPE != nil {
		assetVendor, assetProduct = cpeName(assetCPE.Vendor()), cpeName(assetCPE.Product())
		if v := assetCPE.Version(); assetVersion == "" && v != CPEAny && v != CPENA && !hasWildcard(v) {
			assetVersion = unquoteCPE(v)
		}
	}
	if assetProduct == "" && assetPURL != nil {
		assetVendor, assetProduct = assetPURL.Namespace, assetPURL.Name
		if assetVersion == "" {
			assetVersion = assetPURL.Version
		}
	}
	if !namesMatch(vendor, product, assetVendor, assetProduct) {
		return false, ""
	}
	scheme := SchemeGeneric
	if a.PURL != nil {
		scheme = a.PURL.Scheme()
		if exact == "" {
			exact = a.PURL.Version
		}
	}
	if exact == "" && a.Range == nil && len(a.Versions) == 0 {
		return true, ReasonName
	}
	if assetVersion == "" {
		return true, ReasonNameVersionUnknown
	}
	in, known := a.versionIn(assetVersion, scheme, exact)
	switch {
	case !known:
		return true, ReasonVersionNotComparable
	case in:
		return true, ReasonNameRange
	}
	return false, ""
}

// cpeName turns a CPE vendor or product value into a name; ANY, NA and
// wildcarded values give "".
func cpeName(v string) string {
	if v == CPEAny || v == CPENA || hasWildcard(v) {
		return ""
	}
	return unquoteCPE(v)
}

// versionIn reports whether v equals exact or one of a.Versions (under
// scheme) or lies in a.Range (under its own scheme). A comparison that fails
// under the scheme is retried under the generic one; known is false when v
// cannot be compared at all.
func (a Affected) versionIn(v, scheme, exact string) (in, known bool) {
	if checkVersion(v) != nil {
		return false, false
	}
	equal := func(w string) (bool, bool) {
		c, err := Compare(scheme, v, w)
		if err != nil {
			c, err = Compare(SchemeGeneric, v, w)
		}
		return err == nil && c == 0, err == nil
	}
	known = true
	if exact != "" {
		ok, cmp := equal(exact)
		if ok {
			return true, true
		}
		known = known && cmp
	}
	for _, w := range a.Versions {
		ok, cmp := equal(w)
		if ok {
			return true, true
		}
		known = known && cmp
	}
	if a.Range != nil {
		ok, err := a.Range.Contains(v)
		if err != nil {
			r := *a.Range
			r.cmp = SchemeGeneric
			ok, err = r.Contains(v)
		}
		if ok {
			return true, true
		}
		known = known && err == nil
	}
	return false, known
}
