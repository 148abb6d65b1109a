package backup

import (
	"fmt"
	"io"
	"time"
)

// bigFile is the size from which a file's copy reports its progress: a
// person is waiting.
const bigFile = 32 << 20

// meter counts bytes going through one step and tells w about it at most
// once a second, for files of bigFile bytes or more.
type meter struct {
	w     io.Writer
	what  string
	total int64
	done  int64
	last  time.Time
	quiet bool
	shown bool
	// lastShown is the count last shown: a step waiting on the disk
	// does not repeat it.
	lastShown int64
}

func newMeter(w io.Writer, what string, total int64) *meter {
	return &meter{w: w, what: what, total: total, last: time.Now(), quiet: w == nil || total < bigFile}
}

// add counts n more bytes.
func (m *meter) add(n int64) {
	m.done += n
	if m.quiet {
		return
	}
	if now := time.Now(); now.Sub(m.last) >= time.Second {
		m.last = now
		m.show()
	}
}

// set says how many bytes are done.
func (m *meter) set(done int64) { m.add(done - m.done) }

func (m *meter) show() {
	if m.shown && m.done == m.lastShown {
		return
	}
	m.lastShown = m.done
	pct := 100.0
	if m.total > 0 {
		pct = 100 * float64(m.done) / float64(m.total)
	}
	fmt.Fprintf(m.w, "  %s: %s of %s (%.0f%%)\n", m.what, Size(m.done), Size(m.total), pct)
	m.shown = true
}

// finish reports the end of a step that reported progress.
func (m *meter) finish() {
	if !m.quiet && m.shown {
		m.show()
	}
}

// Write counts p, for io.MultiWriter and io.TeeReader.
func (m *meter) Write(p []byte) (int, error) {
	m.add(int64(len(p)))
	return len(p), nil
}

// Size writes a byte count for people: 512 B, 3.4 MiB, 1.2 GiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit && exp < 4; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
