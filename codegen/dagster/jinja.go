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
// is written as it is. A whole env_var() reference, or the literals-and-env_var()
// expression that reads a value's secret part (schemas.IsDbtEnvExpr), is the one Jinja a
// value may carry on purpose, and is kept. The compiler has already refused values
// dbt cannot be given at all (schemas.DbtUnrepresentable); the error is a second guard.
func dbtLiteral(s string) (string, error) {
	if schemas.DbtUnrepresentable(s) {
		return "", fmt.Errorf("%q holds %s, which dbt would replace", s, schemas.DbtSecretEnvPrefix)
	}
	if schemas.IsDbtEnvExpr(s) || !strings.ContainsAny(s, "{\r\n") {
		return s, nil
	}
	return "{{ " + schemas.JinjaString(s) + " }}", nil
}
