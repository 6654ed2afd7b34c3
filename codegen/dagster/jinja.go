package dagster

import (
	"fmt"
	"strings"

	"github.com/floe-dev/floe/schemas"
)

// dbtLiteral is s as a profiles.yml string value that dbt renders to exactly s. dbt renders
// every string value of profiles.yml as a Jinja template, so a value holding "{{" or "{%"
// would be evaluated (a manifest value could read any environment variable or run a
// query), and Jinja also rewrites \r and drops a final line feed. Such values are written
// as one Jinja string-literal expression, {{ '...' }}, whose value is s; every other value
// is written as it is. A whole env_var() reference (schemas.IsDbtEnvVarRef) is the one
// Jinja a value may carry on purpose, and is kept. The compiler has already refused values
// dbt cannot be given at all (schemas.DbtUnrepresentable); the error is a second guard.
func dbtLiteral(s string) (string, error) {
	if schemas.DbtUnrepresentable(s) {
		return "", fmt.Errorf("%q holds %s, which dbt would replace", s, schemas.DbtSecretEnvPrefix)
	}
	if schemas.IsDbtEnvVarRef(s) || !strings.ContainsAny(s, "{\r\n") {
		return s, nil
	}
	return "{{ " + jinjaString(s) + " }}", nil
}

// jinjaString is s as a single-quoted Jinja string literal. Jinja reads a literal's
// backslash escapes like Python's unicode-escape codec, after turning raw \r and \r\n
// into \n; so quote, backslash and every character outside printable ASCII are escaped,
// which also keeps the literal on one line.
func jinjaString(s string) string {
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
