package servicedesk

// SetHooks sets functions the sweep and ticket changes call right after
// reading a ticket inside their transaction (nil: none), so that tests
// can interleave two writers at the point where a lost update happens.
func SetHooks(raise, mutate func()) { raiseHook, mutateHook = raise, mutate }
