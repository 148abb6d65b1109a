package match

import "strings"

// normName prepares a vendor or product name for comparison: lower case,
// '_' read as a space (CPE writes "exchange_server"), white space trimmed
// and collapsed. It returns name itself when nothing changes.
func normName(name string) string {
	clean := true
	prevSpace := true // a leading space is not clean
	for i := 0; i < len(name); i++ {
		c := name[i]
		space := c == ' '
		if ('A' <= c && c <= 'Z') || c == '_' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c >= 0x80 || (space && prevSpace) {
			clean = false
			break
		}
		prevSpace = space
	}
	if clean && !prevSpace {
		return name
	}
	if clean && name == "" {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			return strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(name, "_", " "))), " ")
		}
	}
	// ASCII: one pass, one allocation.
	var b strings.Builder
	b.Grow(len(name))
	pending := false // a space is owed before the next word
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteByte(lowerASCII(c))
	}
	return b.String()
}

// vendorsAgree reports whether two normalised vendor names can be the same
// vendor: equal, one missing, or one a whole-word prefix of the other
// ("microsoft" and "microsoft corporation").
func vendorsAgree(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	return wordPrefix(a, b) || wordPrefix(b, a)
}

// wordPrefix reports whether p is s's first words.
func wordPrefix(p, s string) bool {
	return len(s) > len(p) && strings.HasPrefix(s, p) && s[len(p)] == ' '
}

// stripVendor removes a leading vendor name from a normalised product
// ("microsoft exchange server" → "exchange server"), trying each vendor.
func stripVendor(product string, vendors ...string) string {
	for _, v := range vendors {
		if v != "" && wordPrefix(v, product) {
			return product[len(v)+1:]
		}
	}
	return product
}

// namesMatch reports whether vendor and product names av/ap (an advisory's)
// and bv/bp (an asset's) name the same software. Names are compared after
// normName; vendors must agree (see vendorsAgree); products must be equal
// once a leading vendor name, of either side, is removed.
func namesMatch(av, ap, bv, bp string) bool {
	av, ap, bv, bp = normName(av), normName(ap), normName(bv), normName(bp)
	if ap == "" || bp == "" || !vendorsAgree(av, bv) {
		return false
	}
	if ap == bp {
		return true
	}
	return stripVendor(ap, av, bv) == stripVendor(bp, bv, av)
}
