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
