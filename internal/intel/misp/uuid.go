package misp

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// NewUUID returns a random (version 4) RFC 4122 UUID in lower case, the
// kind MISP recommends for new events.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b[:])
}

// UUID5 returns the name-based (version 5, SHA-1) RFC 4122 UUID of name in
// namespace, so that the same name always gets the same UUID — for
// attributes whose identity is their event and value. namespace must be a
// UUID; UUID5 panics otherwise, as that is a programming error.
func UUID5(namespace, name string) string {
	ns, ok := parseUUID(namespace)
	if !ok {
		panic(fmt.Sprintf("misp.UUID5: namespace %q is not a UUID", namespace))
	}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b []byte) string {
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// parseUUID returns the 16 bytes of a UUID in its 8-4-4-4-12 hex form.
func parseUUID(s string) ([]byte, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	b, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	return b, err == nil
}

// validUUID reports whether s is a UUID in either case; this package
// writes and returns them in lower case, as MISP does.
func validUUID(s string) bool {
	_, ok := parseUUID(s)
	return ok
}
