package web

import "time"

// SetStreamKeepAlive sets how often alert streams check their caller, for
// a test; the returned func restores it.
func SetStreamKeepAlive(d time.Duration) func() {
	old := streamKeepAlive
	streamKeepAlive = d
	return func() { streamKeepAlive = old }
}
