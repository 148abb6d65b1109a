package event

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// parse5424 reads a well-formed RFC 5424 message into e, in one pass and
// with one copy of the input that every header value is cut from. It is
// the fast path of ParseSyslog: on anything it does not fully accept (a
// byte-order mark, a version other than 1, a value out of range, a
// malformed structured-data element…) it returns false with e untouched,
// and go-syslog's state machine, which reports what is wrong, decides.
// FuzzParse5424 holds the two to the same result wherever this one
// accepts.
func (p *Parser) parse5424(msg []byte, e *Event) bool {
	r := reader5424{b: msg}
	pri, ok := r.pri()
	if !ok || !r.lit("1 ") {
		return false
	}
	ts, hasTS, ok := r.timestamp()
	if !ok || !r.lit(" ") {
		return false
	}
	var hdr [4][2]int // host, app, procid, msgid: [start, end); start < 0 for "-"
	for i, maxLen := range [4]int{255, 48, 128, 32} {
		if hdr[i][0], hdr[i][1], ok = r.header(maxLen); !ok || !r.lit(" ") {
			return false
		}
	}
	sdStart := r.i
	nsd, ok := r.structuredData()
	if !ok {
		return false
	}
	sdEnd := r.i
	msgStart := len(msg)
	if r.i < len(msg) {
		if msg[r.i] != ' ' {
			return false
		}
		msgStart = r.i + 1
		if bytes.HasPrefix(msg[msgStart:], []byte("\xEF\xBB\xBF")) {
			return false // leave the BOM's rules to go-syslog
		}
	}

	s := string(msg) // the one copy
	e.Facility, e.Severity = pri/8, pri%8
	if hasTS {
		e.Time = ts
	}
	if nsd > 0 {
		p.fieldsFromSD(s[sdStart:sdEnd], e)
	}
	val := func(i int) string {
		if hdr[i][0] < 0 {
			return ""
		}
		return s[hdr[i][0]:hdr[i][1]]
	}
	if h := val(0); h != "" {
		e.Host = h
		e.Set("host.name", h)
	}
	if a := val(1); a != "" {
		e.App = a
		e.Set("process.name", a)
	}
	if pid := val(2); pid != "" && isInt(pid) {
		e.Set("process.pid", pid)
	}
	e.Set("log.syslog.msgid", val(3))
	e.Message = s[msgStart:]
	return true
}

// isInt reports whether s is a number strconv.Atoi accepts (go-syslog's
// machine keeps a process id only then).
func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// fieldsFromSD sets syslog.sd.<id>.<name> for every parameter of sd, a
// structured-data part parse5424 has validated. Keys are interned per
// parser: a sender repeats the same few.
func (p *Parser) fieldsFromSD(sd string, e *Event) {
	for i := 0; i < len(sd); {
		// '[' SD-ID *(SP PARAM) ']'
		i++
		j := i
		for sd[j] != ' ' && sd[j] != ']' {
			j++
		}
		id := sd[i:j]
		i = j
		for sd[i] == ' ' {
			i++
			j := i
			for sd[j] != '=' {
				j++
			}
			name := sd[i:j]
			i = j + 2 // `="`
			j = i
			esc := false
			for sd[j] != '"' {
				if sd[j] == '\\' {
					esc = true
					j++
				}
				j++
			}
			v := sd[i:j]
			if esc {
				v = unescapeSD(v)
			}
			i = j + 1
			e.Set(p.sdKey(id, name), v)
		}
		i++ // ']'
	}
}

// unescapeSD undoes RFC 5424's escapes in a parameter value: \" \\ \]
// stand for the character (the reader accepted no other escape).
func unescapeSD(v string) string {
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' {
			i++
		}
		b = append(b, v[i])
	}
	return string(b)
}

// maxSDKeys bounds the interned structured-data keys of one parser.
const maxSDKeys = 1024

func (p *Parser) sdKey(id, name string) string {
	p.keyBuf = append(append(append(append(p.keyBuf[:0], "syslog.sd."...), id...), '.'), name...)
	if k, ok := p.sdKeys[string(p.keyBuf)]; ok {
		return k
	}
	k := string(p.keyBuf)
	if p.sdKeys == nil || len(p.sdKeys) >= maxSDKeys {
		p.sdKeys = map[string]string{}
	}
	p.sdKeys[k] = k
	return k
}

// reader5424 walks an RFC 5424 message.
type reader5424 struct {
	b []byte
	i int
}

func (r *reader5424) lit(s string) bool {
	if !bytes.HasPrefix(r.b[r.i:], []byte(s)) {
		return false
	}
	r.i += len(s)
	return true
}

// pri reads "<PRI>": 0…191, no leading zeros.
func (r *reader5424) pri() (int, bool) {
	b := r.b
	if len(b) < 3 || b[0] != '<' {
		return 0, false
	}
	n, i := 0, 1
	for ; i < len(b) && i <= 3 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	if i == 1 || i >= len(b) || b[i] != '>' || (b[1] == '0' && i > 2) || n > 191 {
		return 0, false
	}
	r.i = i + 1
	return n, true
}

// digits reads exactly n decimal digits.
func (r *reader5424) digits(n int) (int, bool) {
	if r.i+n > len(r.b) {
		return 0, false
	}
	v := 0
	for k := 0; k < n; k++ {
		c := r.b[r.i+k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	r.i += n
	return v, true
}

// timestamp reads "-" or FULL-DATE "T" FULL-TIME with at most six
// fractional digits, returning it in UTC.
func (r *reader5424) timestamp() (time.Time, bool, bool) {
	if r.lit("-") {
		return time.Time{}, false, true
	}
	var t time.Time
	y, ok1 := r.digits(4)
	ok2 := r.lit("-")
	mo, ok3 := r.digits(2)
	ok4 := r.lit("-")
	d, ok5 := r.digits(2)
	ok6 := r.lit("T")
	h, ok7 := r.digits(2)
	ok8 := r.lit(":")
	mi, ok9 := r.digits(2)
	ok10 := r.lit(":")
	s, ok11 := r.digits(2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8 && ok9 && ok10 && ok11) || h > 23 || mi > 59 || s > 59 {
		return t, false, false
	}
	if date := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC); date.Year() != y || int(date.Month()) != mo || date.Day() != d {
		return t, false, false // no such day: time.Date normalised it
	}
	ns := 0
	if r.lit(".") {
		n := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			if n == 6 {
				return t, false, false
			}
			ns = ns*10 + int(r.b[r.i]-'0')
			n++
			r.i++
		}
		if n == 0 {
			return t, false, false
		}
		for ; n < 9; n++ {
			ns *= 10
		}
	}
	off := 0
	switch {
	case r.lit("Z"):
	case r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-'):
		sign := 1
		if r.b[r.i] == '-' {
			sign = -1
		}
		r.i++
		oh, ok1 := r.digits(2)
		ok2 := r.lit(":")
		om, ok3 := r.digits(2)
		if !ok1 || !ok2 || !ok3 || oh > 23 || om > 59 {
			return t, false, false
		}
		off = sign * (oh*3600 + om*60)
	default:
		return t, false, false
	}
	t = time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC).Add(-time.Duration(off) * time.Second)
	return t, true, true
}

// header reads "-" (start -1) or 1…maxLen printable US-ASCII characters.
func (r *reader5424) header(maxLen int) (int, int, bool) {
	start := r.i
	for r.i < len(r.b) && r.b[r.i] > ' ' && r.b[r.i] < 127 {
		r.i++
	}
	n := r.i - start
	switch {
	case n == 0 || n > maxLen:
		return 0, 0, false
	case n == 1 && r.b[start] == '-':
		return -1, -1, true
	}
	return start, r.i, true
}

// structuredData reads "-" or one to eight SD elements with distinct ids,
// checking their grammar (names of 1…32 printable characters other than '=', ' ', ']',
// '"'; values with \" \\ \] escapes) and returning how many there were.
func (r *reader5424) structuredData() (int, bool) {
	if r.lit("-") {
		return 0, true
	}
	n := 0
	var ids [8][2]int // go-syslog refuses a repeated SD-ID
	for r.i < len(r.b) && r.b[r.i] == '[' {
		r.i++
		start := r.i
		if !r.sdName() || n == len(ids) {
			return 0, false
		}
		for _, id := range ids[:n] {
			if bytes.Equal(r.b[id[0]:id[1]], r.b[start:r.i]) {
				return 0, false
			}
		}
		ids[n] = [2]int{start, r.i}
		for r.i < len(r.b) && r.b[r.i] == ' ' {
			r.i++
			if !r.sdName() || !r.lit(`="`) {
				return 0, false
			}
			vstart := r.i
			for {
				if r.i >= len(r.b) {
					return 0, false
				}
				c := r.b[r.i]
				r.i++
				if c == '"' {
					if !utf8.Valid(r.b[vstart : r.i-1]) {
						return 0, false // values are UTF-8
					}
					break
				}
				if c == ']' {
					return 0, false // must be escaped
				}
				if c == '\\' {
					// go-syslog refuses a backslash before anything else
					if r.i >= len(r.b) || (r.b[r.i] != '"' && r.b[r.i] != '\\' && r.b[r.i] != ']') {
						return 0, false
					}
					r.i++
				}
			}
		}
		if !r.lit("]") {
			return 0, false
		}
		n++
	}
	return n, n > 0
}

func (r *reader5424) sdName() bool {
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c <= ' ' || c >= 127 || c == '=' || c == ']' || c == '"' {
			break
		}
		r.i++
	}
	return r.i > start && r.i-start <= 32
}
