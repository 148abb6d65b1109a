package library

import (
	"fmt"
	"sort"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// maxListed bounds the problems an error message lists, so that a file
// broken throughout gives a readable message; maxKept bounds those kept in
// memory (past it they are only counted), so that a hostile file cannot make
// a million messages.
const (
	maxListed = 50
	maxKept   = 10000
)

// problem is one thing wrong, at a line of a file.
type problem struct {
	file string
	line int
	msg  string
}

// problems collects every problem found instead of stopping at the first,
// so an author fixes a file in one round.
type problems struct {
	list    []problem
	dropped int // problems past maxKept
}

func (ps *problems) add(file string, line int, format string, args ...any) {
	if len(ps.list) >= maxKept {
		ps.dropped++
		return
	}
	if line < 1 {
		line = 1
	}
	ps.list = append(ps.list, problem{file: file, line: line, msg: fmt.Sprintf(format, args...)})
}

// sortFrom orders the problems added since start by line, keeping the order
// of problems on one line.
func (ps *problems) sortFrom(start int) {
	tail := ps.list[start:]
	sort.SliceStable(tail, func(i, j int) bool { return tail[i].line < tail[j].line })
}

// err returns nil when there are no problems, or an errs.Invalid error that
// lists them as FILE:LINE: message, one a line, at most maxListed.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	total := len(ps.list) + ps.dropped
	var b strings.Builder
	for i, p := range ps.list {
		if i == maxListed {
			fmt.Fprintf(&b, "\n… and %d more", total-maxListed)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d: %s", p.file, p.line, p.msg)
	}
	return &errs.Error{Code: errs.Invalid, Message: b.String()}
}
