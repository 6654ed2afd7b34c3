package schemas

import (
	"strconv"
	"strings"
)

// DbtFloeSecretEnvPrefix starts the name of every environment variable that carries a
// literal secret of the dbt profile into profiles.yml (DbtSecretEnvPrefix + FLOE_). dbt scrubs the values of
// DBT_ENV_SECRET_* variables from its logs and allows them in profiles.yml only.
const DbtFloeSecretEnvPrefix = DbtSecretEnvPrefix + "FLOE_"

// DbtSecret is one literal secret of a dbt profile, which profiles.yml reads from Env.
type DbtSecret struct {
	// Env is DbtFloeSecretEnvPrefix + the setting's path under the profile's output in
	// upper snake case: settings.s3_secret_access_key → DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY,
	// attach[0].path → DBT_ENV_SECRET_FLOE_ATTACH_0_PATH; a second secret in one value,
	// or a path that another one already names, gets _2, _3, ….
	Env string
	// Path is the setting's dotted path under the output (settings.s3_secret_access_key).
	Path string
}

// DbtProfilesWithEnv returns the dbt_profiles document with every literal secret (as
// known.RedactValue finds them) replaced by {{ env_var('<Env>') }}: a whole value under a
// secret key or equal to a known secret, or only the secret part of a string (the
// password of a URL, the token of a query string, a known secret inside it), so that
// the variable holds exactly the secret. A mapping key cannot be read from a variable:
// a secret key is written redacted (see RedactValue) and the variables under it are
// named by the key's position. profiles is not modified. Names are deterministic: the
// same profile always gives the same variables, in document order.
func DbtProfilesWithEnv(profiles *Map, known *KnownSecrets) (*Map, []DbtSecret) {
	if profiles == nil {
		return nil, nil
	}
	e := dbtEnvNamer{used: map[string]bool{}, known: known}
	out := profiles.Clone() // deep: the replacements below change the copy only
	for _, prof := range out.Items {
		pm, ok := prof.Value.(*Map)
		if !ok {
			continue
		}
		outputs, _ := pm.Get("outputs")
		om, ok := outputs.(*Map)
		if !ok {
			continue
		}
		for j, target := range om.Items {
			om.Items[j].Value = e.value(target.Value, nil, false)
		}
	}
	return out, e.secrets
}

type dbtEnvNamer struct {
	used    map[string]bool
	known   *KnownSecrets
	secrets []DbtSecret
}

// value returns v with its secrets replaced (copied where it changes).
func (e *dbtEnvNamer) value(v any, path []string, secret bool) any {
	switch t := v.(type) {
	case *Map:
		m := &Map{Items: make([]MapItem, len(t.Items))}
		used := make(map[string]bool, len(t.Items))
		for _, it := range t.Items {
			used[it.Key] = true
		}
		for i, it := range t.Items {
			key, redacted := redactKey(it.Key, secret, e.known, used)
			seg := it.Key
			if redacted {
				seg = strconv.Itoa(i) // the variable's name must not spell the key
			}
			m.Items[i] = MapItem{Key: key, Value: e.value(it.Value, append(path[:len(path):len(path)], seg), secret || SecretUnder(it.Key, isMapping(it.Value)))}
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, it := range t {
			l[i] = e.value(it, append(path[:len(path):len(path)], strconv.Itoa(i)), secret)
		}
		return l
	case Int, Float:
		if secret {
			return e.ref(path)
		}
	case string:
		if secret {
			if IsSecretReference(t) {
				return t
			}
			return e.ref(path)
		}
		spans := e.known.Spans(t)
		if len(spans) == 0 {
			return t
		}
		if len(spans) == 1 && spans[0].Start == 0 && spans[0].End == len(t) {
			return e.ref(path)
		}
		// One Jinja expression, the text around each secret as string literals: dbt
		// must not render that text as a template.
		var b strings.Builder
		b.WriteString("{{ ")
		last := 0
		for _, sp := range spans {
			if sp.Start > last {
				b.WriteString(JinjaString(t[last:sp.Start]) + " ~ ")
			}
			b.WriteString("env_var('" + e.name(path) + "')")
			last = sp.End
			if last < len(t) {
				b.WriteString(" ~ ")
			}
		}
		if last < len(t) {
			b.WriteString(JinjaString(t[last:]))
		}
		b.WriteString(" }}")
		return b.String()
	}
	return v
}

// ref names the next secret at path and returns its whole env_var() reference.
func (e *dbtEnvNamer) ref(path []string) string {
	return "{{ env_var('" + e.name(path) + "') }}"
}

// name names the next secret at path.
func (e *dbtEnvNamer) name(path []string) string {
	var b strings.Builder
	b.WriteString(DbtFloeSecretEnvPrefix)
	for i, p := range path {
		if i > 0 {
			b.WriteByte('_')
		}
		for _, r := range strings.ToUpper(snakeKey(p)) {
			if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
	}
	base := b.String()
	name := base
	for n := 2; e.used[name]; n++ {
		name = base + "_" + strconv.Itoa(n)
	}
	e.used[name] = true
	e.secrets = append(e.secrets, DbtSecret{Env: name, Path: strings.Join(path, ".")})
	return name
}
