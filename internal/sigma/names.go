package sigma

// nameIndex finds the slot of a field name for the adapters, which look
// up every field of every event (most of them read by no rule). It is an
// open-addressing table hashed on the name's length and its first and
// last eight bytes: 12 ns a lookup against the map's 19 in
// BenchmarkNameIndex, where Doc.Set's map lookups were 3% of the server's
// CPU at 80,000 events/s with detection. A Doc takes the table when it is
// made.
type nameIndex struct {
	mask  uint64
	names []string
	slots []int32 // -1: empty
}

func newNameIndex(names []string) *nameIndex {
	size := 16
	for size < 4*len(names) {
		size <<= 1
	}
	ix := &nameIndex{mask: uint64(size - 1), names: make([]string, size), slots: make([]int32, size)}
	for i := range ix.slots {
		ix.slots[i] = -1
	}
	for i, n := range names {
		h := nameHash(n) & ix.mask
		for ix.slots[h] >= 0 {
			h = (h + 1) & ix.mask
		}
		ix.names[h], ix.slots[h] = n, int32(i)
	}
	return ix
}

// lookup returns the slot of name.
func (ix *nameIndex) lookup(name string) (int, bool) {
	for h := nameHash(name) & ix.mask; ; h = (h + 1) & ix.mask {
		if i := ix.slots[h]; i < 0 || ix.names[h] == name {
			return int(i), i >= 0
		}
	}
}

func nameHash(s string) uint64 {
	n := len(s)
	var a, b uint64
	if n >= 8 {
		a = load64(s)
		b = load64(s[n-8:])
	} else {
		for i := 0; i < n; i++ {
			a = a<<8 | uint64(s[i])
		}
	}
	// Multiplying carries low bits upwards only: mix the high bits back
	// down, since the table takes the low ones.
	h := (a^uint64(n)*0x9E3779B97F4A7C15)*0xBF58476D1CE4E5B9 + b*0x94D049BB133111EB
	h ^= h >> 32
	h *= 0xD6E8FEB86659FD93
	return h ^ h>>29
}

// load64 reads the first eight bytes of s (little-endian).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
