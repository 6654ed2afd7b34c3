package schemas

import (
	"fmt"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"
)

// dbtEnvVarRef is one whole dbt env_var() call: a variable name, optionally a default
// given as a plain string literal (no quote of its own kind, backslash or control
// character), nothing else.
var dbtEnvVarRef = lazy.Regexp(`^\{\{ *env_var\( *(?:'[A-Za-z_][A-Za-z0-9_]*'|"[A-Za-z_][A-Za-z0-9_]*")` +
	`(?: *, *(?:'[^'\\\x00-\x1f\x7f]*'|"[^"\\\x00-\x1f\x7f]*"))? *\) *\}\}$`)

// IsDbtEnvVarRef reports whether s is exactly one dbt environment-variable reference,
// `{{ env_var('NAME') }}` or `{{ env_var('NAME', 'default') }}`. Such a value in the
// compute config is written to profiles.yml as it is, for dbt to read the variable; any
// other string is written so that dbt's Jinja renders it to itself.
func IsDbtEnvVarRef(s string) bool { return dbtEnvVarRef().MatchString(s) }

// dbtEnvConcat is one Jinja expression joining single-quoted string literals (as
// JinjaString writes them) and env_var() calls with ~, at least one of them a call: how
// profiles.yml reads a value of which only a part is a secret
// ({{ 'postgres://u:' ~ env_var('DBT_ENV_SECRET_FLOE_URI') ~ '@db/x' }}).
var dbtEnvConcat = lazy.Regexp(`^\{\{ (?:'(?:[^'\\\x00-\x1f\x7f]|\\.)*' ~ )*env_var\('[A-Za-z_][A-Za-z0-9_]*'\)` +
	`(?: ~ (?:'(?:[^'\\\x00-\x1f\x7f]|\\.)*'|env_var\('[A-Za-z_][A-Za-z0-9_]*'\)))* \}\}$`)

// IsDbtEnvExpr reports whether s is a value that reads environment variables on
// purpose and is written to profiles.yml as it is: a whole env_var() reference
// (IsDbtEnvVarRef) or one expression of string literals and env_var() calls joined
// by ~ (as DbtProfilesWithEnv writes a value of which a part is a secret).
func IsDbtEnvExpr(s string) bool { return IsDbtEnvVarRef(s) || dbtEnvConcat().MatchString(s) }

// JinjaString is s as a single-quoted Jinja string literal. Jinja reads a literal's
// backslash escapes like Python's unicode-escape codec, after turning raw \r and \r\n
// into \n; so quote, backslash and every character outside printable ASCII are escaped,
// which also keeps the literal on one line.
func JinjaString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// DbtSecretEnvPrefix starts the names of dbt's secret environment variables. dbt scans
// every rendered profiles.yml value for it (to substitute secrets) and turns a value that
// holds it outside an env_var() reference into null, so such a value cannot reach dbt
// unchanged: the compiler refuses it.
const DbtSecretEnvPrefix = "DBT_ENV_SECRET_"

// DbtUnrepresentable reports whether dbt cannot be given s as a profiles.yml value
// unchanged (see DbtSecretEnvPrefix).
func DbtUnrepresentable(s string) bool {
	return strings.Contains(s, DbtSecretEnvPrefix) && !IsDbtEnvExpr(s)
}
