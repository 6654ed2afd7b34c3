package schemas

import "strings"

// SecretKeys are config keys whose literal values are secrets (compared lower-cased,
// also as a suffix after "_" or "-", e.g. "oauth2_client_secret", "s3-secret-access-key").
var SecretKeys = []string{"client_secret", "secret", "password", "passwd", "token", "api_key", "apikey",
	"secret_key", "secret_access_key", "access_key", "access_key_id", "credential", "credentials",
	"private_key", "bearer_token", "auth_token", "connection_string"}

// IsSecretKey reports whether a config key names a secret.
func IsSecretKey(k string) bool {
	k = strings.ReplaceAll(strings.ToLower(k), "-", "_")
	for _, s := range SecretKeys {
		if k == s || strings.HasSuffix(k, "_"+s) {
			return true
		}
	}
	return false
}

// IsSecretReference reports whether a value refers to a secret instead of holding it:
// ${ENV}, {{ env_var('X') }}, env:X, secret://name, or empty.
func IsSecretReference(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || strings.HasPrefix(v, "${") || strings.Contains(v, "env_var(") ||
		strings.HasPrefix(v, "secret://") || strings.HasPrefix(v, "env:")
}

// Redacted is what replaces a literal secret in generated files.
const Redacted = "**********"

// RedactURLPassword returns s with the password of its URL replaced by Redacted, and
// true, when s is a URL whose user info holds a literal password
// (scheme://user:password@host…); else s and false. A password that refers to a
// secret (${ENV}, env:X, …) is no literal.
func RedactURLPassword(s string) (string, bool) {
	at := strings.IndexByte(s, '@')
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return s, false
	}
	// The user info is what lies between "://" and the last "@" before the path.
	rest := s[scheme+3:]
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	at = strings.LastIndexByte(rest, '@')
	if at < 0 {
		return s, false
	}
	user, pass, ok := strings.Cut(rest[:at], ":")
	if !ok || pass == "" || IsSecretReference(pass) {
		return s, false
	}
	return s[:scheme+3] + user + ":" + Redacted + s[scheme+3+at:], true
}
