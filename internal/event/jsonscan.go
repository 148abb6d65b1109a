package event

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// flattenJSON reads one JSON object from s and appends its leaves as
// dotted keys, in document order: an array of scalars becomes one field per
// value under the array's key (a multi-valued field: tags, related.ip,
// event.category), arrays of objects are indexed, null is left out,
// numbers are kept as written. A key repeated within one object keeps its last value, as in
// encoding/json and most JSON parsers: the later member replaces
// everything the earlier one brought (its leaf or its whole subtree). It is a single pass over the text with no intermediate maps
// (about four times cheaper than decoding into map[string]any, which
// mattered on the hot path: Windows events are JSON), and it rejects what
// encoding/json rejects. Nesting deeper than maxDepth is an error.
func flattenJSON(s string, out *[]Field) error {
	p := jsonScanner{s: s}
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return errors.New("not a JSON object")
	}
	if err := p.value("", out, 0); err != nil {
		return err
	}
	p.ws()
	if p.i != len(p.s) {
		return errors.New("text after the JSON object at offset " + strconv.Itoa(p.i))
	}
	return nil
}

type jsonScanner struct {
	s string
	i int
}

var errJSON = errors.New("invalid JSON")

// errTooDeep is nesting beyond maxDepth.
var errTooDeep = errors.New("nested deeper than " + strconv.Itoa(maxDepth) + " levels")

func (p *jsonScanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// value reads any value; leaves go to out under key.
func (p *jsonScanner) value(key string, out *[]Field, depth int) error {
	if depth >= maxDepth {
		return errTooDeep
	}
	p.ws()
	if p.i >= len(p.s) {
		return errJSON
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return nil
		}
		// members records where each member's leaves start in out, so
		// that a repeated key can take back what its earlier occurrence
		// appended; seen is a 64-bit filter over the keys that keeps the
		// common case (no repeats) to one bit test per key.
		var local [16]member
		members := local[:0]
		var seen uint64
		repeated := false
		for {
			p.ws()
			k, err := p.str()
			if err != nil {
				return err
			}
			bit := keyBit(k)
			if seen&bit != 0 && !repeated {
				for _, m := range members {
					if m.key == k {
						repeated = true
						break
					}
				}
			}
			seen |= bit
			members = append(members, member{key: k, start: len(*out)})
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return errJSON
			}
			p.i++
			if err := p.value(join(key, k), out, depth+1); err != nil {
				return err
			}
			p.ws()
			if p.i >= len(p.s) {
				return errJSON
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == '}' {
				p.i++
				if repeated {
					*out = dropRepeated(*out, members)
				}
				return nil
			}
			return errJSON
		}
	case c == '[':
		p.i++
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return nil
		}
		for n := 0; ; n++ {
			p.ws()
			if p.i >= len(p.s) {
				return errJSON
			}
			if c := p.s[p.i]; c == '{' || c == '[' {
				if err := p.value(key+"."+strconv.Itoa(n), out, depth+1); err != nil {
					return err
				}
			} else {
				v, isNull, err := p.scalar()
				if err != nil {
					return err
				}
				if !isNull {
					*out = append(*out, Field{Key: key, Value: v})
				}
			}
			p.ws()
			if p.i >= len(p.s) {
				return errJSON
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ']' {
				p.i++
				break
			}
			return errJSON
		}
		return nil
	default:
		v, isNull, err := p.scalar()
		if err != nil {
			return err
		}
		if !isNull {
			*out = append(*out, Field{Key: key, Value: v})
		}
		return nil
	}
}

// member is one key of an object being read and the index in out where
// its leaves begin (they end where the next member's begin).
type member struct {
	key   string
	start int
}

// keyBit picks one of 64 bits for a key from its length and its first and
// last bytes: cheap, and different for most keys of one object.
func keyBit(k string) uint64 {
	h := uint(len(k)) * 31
	if len(k) > 0 {
		h += uint(k[0])*7 + uint(k[len(k)-1])
	}
	return 1 << (h & 63)
}

// dropRepeated removes from out the leaves of every member whose key comes
// again later in the same object (members lists them in document order;
// the last member's leaves run to the end of out).
func dropRepeated(out []Field, members []member) []Field {
	w := members[0].start
	for i, m := range members {
		end := len(out)
		if i+1 < len(members) {
			end = members[i+1].start
		}
		later := false
		for _, n := range members[i+1:] {
			if n.key == m.key {
				later = true
				break
			}
		}
		if !later {
			w += copy(out[w:], out[m.start:end])
		}
	}
	return out[:w]
}

// scalar reads a string, number, true, false or null.
func (p *jsonScanner) scalar() (string, bool, error) {
	c := p.s[p.i]
	switch {
	case c == '"':
		v, err := p.str()
		return v, false, err
	case c == 't' && strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return "true", false, nil
	case c == 'f' && strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return "false", false, nil
	case c == 'n' && strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return "", true, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				p.i++
				continue
			}
			break
		}
		num := p.s[start:p.i]
		if !validNumber(num) {
			return "", false, errJSON
		}
		return num, false, nil
	}
	return "", false, errJSON
}

// validNumber checks the JSON number grammar.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}

// str reads a quoted string. Without escapes it is a slice of the input.
func (p *jsonScanner) str() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", errJSON
	}
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !escaped {
				v := p.s[start+1 : p.i-1]
				if !utf8.ValidString(v) {
					v = fixUTF8(v)
				}
				return v, nil
			}
			return unescape(p.s[start+1 : p.i-1])
		case c == '\\':
			escaped = true
			p.i += 2
		case c < 0x20:
			return "", errJSON
		default:
			p.i++
		}
	}
	return "", errJSON
}

// fixUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func fixUTF8(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		b.WriteRune(r) // invalid bytes range as RuneError, one each
	}
	return b.String()
}

// unescape decodes the body of a JSON string with backslash escapes, as
// encoding/json does: \uXXXX pairs make one rune, a lone surrogate
// becomes U+FFFD, invalid UTF-8 bytes become U+FFFD each.
func unescape(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				b.WriteByte(c)
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += size
			continue
		}
		if i+1 >= len(s) {
			return "", errJSON
		}
		switch s[i+1] {
		case '"', '\\', '/':
			b.WriteByte(s[i+1])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", errJSON
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default:
			return "", errJSON
		}
		i += 2
	}
	return b.String(), nil
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
