package safefs

import "errors"

// ErrNoExchange is returned by Exchange where the platform or file system has no
// atomic exchange of two paths; callers fall back to renames.
var ErrNoExchange = errors.New("no atomic exchange on this platform or file system")
