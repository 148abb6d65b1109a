package match

import "strings"

// genKind orders the words of a generic version: a pre-release word sorts
// before the end of a version (or "final", "ga", "release"), which sorts
// before any other word. Numbers are a kind of their own, compared only
// with numbers.
type genKind uint8

const (
	genPre  genKind = iota // alpha, beta, rc …; rank orders them
	genEnd                 // the end of the version, or "final"/"ga"/"release"
	genWord                // any other run of letters
	genNum                 // a number; text holds its digits without leading zeros
)

type genToken struct {
	kind genKind
	rank int    // for genPre
	text string // for genWord and genNum
}

// genLexer walks a generic version without allocating.
type genLexer struct {
	s      string
	i      int
	peeked bool
	tok    genToken
}

func newGenLexer(s string) genLexer {
	l := genLexer{s: s}
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		l.i = 1
	}
	return l
}

// peek returns the next token without consuming it; at the end of the
// version it returns a genEnd token.
func (l *genLexer) peek() genToken {
	if !l.peeked {
		l.tok = l.read()
		l.peeked = true
	}
	return l.tok
}

// next consumes the token peek returns.
func (l *genLexer) next() genToken {
	t := l.peek()
	l.peeked = false
	return t
}

func (l *genLexer) read() genToken {
	s := l.s
	for l.i < len(s) && !isGenWordByte(s[l.i]) && !isDigit(s[l.i]) {
		l.i++
	}
	if l.i >= len(s) {
		return genToken{kind: genEnd}
	}
	start := l.i
	if isDigit(s[start]) {
		for l.i < len(s) && isDigit(s[l.i]) {
			l.i++
		}
		return genToken{kind: genNum, text: trimZeros(s[start:l.i])}
	}
	for l.i < len(s) && isGenWordByte(s[l.i]) {
		l.i++
	}
	word := s[start:l.i]
	betweenDigits := start > 0 && isDigit(s[start-1]) && l.i < len(s) && isDigit(s[l.i])
	if rank, ok := preRank(word, betweenDigits); ok {
		return genToken{kind: genPre, rank: rank}
	}
	if strings.EqualFold(word, "final") || strings.EqualFold(word, "ga") || strings.EqualFold(word, "release") {
		return genToken{kind: genEnd, text: word}
	}
	return genToken{kind: genWord, text: word}
}

// isGenWordByte reports whether c belongs to a word: an ASCII letter or any
// byte of a non-ASCII character.
func isGenWordByte(c byte) bool { return isAlpha(c) || c >= 0x80 }

// preRank returns the order of a pre-release word. A lone "a" or "b" counts
// as alpha or beta only between digits ("1.0a1"), so that OpenSSL's
// "1.0.2a" stays a release after 1.0.2.
func preRank(w string, betweenDigits bool) (int, bool) {
	switch len(w) {
	case 1:
		if betweenDigits {
			switch lowerASCII(w[0]) {
			case 'a':
				return 1, true
			case 'b':
				return 2, true
			}
		}
		return 0, false
	case 2:
		if strings.EqualFold(w, "rc") || strings.EqualFold(w, "cr") {
			return 4, true
		}
	case 3:
		if strings.EqualFold(w, "dev") {
			return 0, true
		}
		if strings.EqualFold(w, "pre") {
			return 3, true
		}
	case 4:
		if strings.EqualFold(w, "beta") {
			return 2, true
		}
	case 5:
		if strings.EqualFold(w, "alpha") {
			return 1, true
		}
	case 7:
		if strings.EqualFold(w, "preview") {
			return 3, true
		}
	case 8:
		if strings.EqualFold(w, "snapshot") {
			return 0, true
		}
	}
	return 0, false
}

// compareGeneric reads each version as alternating groups of numbers and
// words: "2.0.0-rc.1" is [2 0 0] rc [1]. Groups compare number by number,
// a missing number counting as zero, so trailing zeros never matter
// ("2.0.0-rc.1" equals "2.0rc1"); then the words compare by genKind; then
// the next groups, and so on.
func compareGeneric(a, b string) int {
	la, lb := newGenLexer(a), newGenLexer(b)
	for {
		for la.peek().kind == genNum || lb.peek().kind == genNum {
			var na, nb string // "" is zero
			if la.peek().kind == genNum {
				na = la.next().text
			}
			if lb.peek().kind == genNum {
				nb = lb.next().text
			}
			if c := compareNum(na, nb); c != 0 {
				return c
			}
		}
		wa, wb := la.next(), lb.next()
		if wa.kind != wb.kind {
			return sign(int(wa.kind) - int(wb.kind))
		}
		switch wa.kind {
		case genPre:
			if c := sign(wa.rank - wb.rank); c != 0 {
				return c
			}
		case genWord:
			if c := compareFold(wa.text, wb.text); c != 0 {
				return c
			}
		case genEnd:
			if wa.text == "" && wb.text == "" {
				return 0 // both versions are exhausted
			}
		}
	}
}
