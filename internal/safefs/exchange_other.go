//go:build !linux && !darwin

package safefs

// Exchange has no atomic implementation here (Windows, other systems): callers fall
// back to a rename with a backup.
func Exchange(a, b string) error { return ErrNoExchange }
