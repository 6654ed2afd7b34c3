package schemas

import (
	"regexp"
	"strings"
)

// dbtEnvVarRef is one whole dbt env_var() call: a variable name, optionally a default
// given as a plain string literal (no quote of its own kind, backslash or control
// character), nothing else.
var dbtEnvVarRef = regexp.MustCompile(`^\{\{ *env_var\( *(?:'[A-Za-z_][A-Za-z0-9_]*'|"[A-Za-z_][A-Za-z0-9_]*")` +
	`(?: *, *(?:'[^'\\\x00-\x1f\x7f]*'|"[^"\\\x00-\x1f\x7f]*"))? *\) *\}\}$`)

// IsDbtEnvVarRef reports whether s is exactly one dbt environment-variable reference,
// `{{ env_var('NAME') }}` or `{{ env_var('NAME', 'default') }}`. Such a value in the
// compute config is written to profiles.yml as it is, for dbt to read the variable; any
// other string is written so that dbt's Jinja renders it to itself.
func IsDbtEnvVarRef(s string) bool { return dbtEnvVarRef.MatchString(s) }

// DbtSecretEnvPrefix starts the names of dbt's secret environment variables. dbt scans
// every rendered profiles.yml value for it (to substitute secrets) and turns a value that
// holds it outside an env_var() reference into null, so such a value cannot reach dbt
// unchanged: the compiler refuses it.
const DbtSecretEnvPrefix = "DBT_ENV_SECRET_"

// DbtUnrepresentable reports whether dbt cannot be given s as a profiles.yml value
// unchanged (see DbtSecretEnvPrefix).
func DbtUnrepresentable(s string) bool {
	return strings.Contains(s, DbtSecretEnvPrefix) && !IsDbtEnvVarRef(s)
}
