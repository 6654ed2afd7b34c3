package schemas

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What floe treats as a literal secret, in one place: the compiler's FLOE-E600 check,
// the redaction of every generated file but the contract, the dbt profile's env_var()
// references and the CLI's output all use these functions.
//
// A value is a literal secret when
//   - it sits under a secret-like key (SecretKeys, in any spelling: client_secret,
//     clientSecret, Client-Secret, CLIENT_SECRET), as a scalar or anywhere inside a list
//     or mapping under that key (SecretUnder: a mapping under authorization is read key
//     by key); or
//   - it is the secret part of a string (SecretSpans): a URL's password, a token as a
//     web URL's user, the value of a secret key=value pair (query strings, libpq and
//     ODBC connection strings) or the credentials after Bearer / Basic / Authorization:.
//
// A reference to a secret (${ENV}, {{ env_var('X') }}, env:X, secret://name) is not one.

// SecretKeys are the config keys whose values are secrets. Keys are compared in snake
// case (camelCase split, "-", "." and " " read as "_", lower-cased) and match when equal
// to an entry, to its plural ("tokens") or ending in "_" + entry: "oauth2_client_secret",
// "s3SecretAccessKey", "X-Amz-Signature", "Pwd".
var SecretKeys = []string{"secret", "client_secret", "password", "passwd", "pwd", "pass", "passphrase",
	"token", "api_key", "apikey", "secret_key", "access_key", "access_key_id", "account_key",
	"credential", "credentials", "private_key", "connection_string", "authorization",
	"signature", "sig", "cookie"}

// secretQualifiers may follow a secret key's name and keep it one: "private_key_pem",
// "secretValue", "token_b64", "password_text" hold the secret in another form ("_url",
// "_file", "_ref", "_name" do not: they point at it).
var secretQualifiers = []string{"value", "pem", "der", "b64", "base64", "hex", "raw", "text", "str", "string", "bytes", "data"}

// structuralSecretKeys name a secret only when their value is a scalar or a list:
// "Authorization: Bearer …" is a credential, but `authorization: {allowed_groups: …}`
// (the manifest's promotion rules) is a block of settings, read key by key.
var structuralSecretKeys = []string{"authorization"}

// SecretUnder reports whether the value under key k is secret as a whole: k names a
// secret (IsSecretKey), and, for the keys that also name settings blocks
// (authorization), the value is not a mapping.
func SecretUnder(k string, mapping bool) bool {
	if !IsSecretKey(k) {
		return false
	}
	if mapping {
		n := snakeKey(k)
		for _, s := range structuralSecretKeys {
			if n == s || strings.HasSuffix(n, "_"+s) {
				return false
			}
		}
	}
	return true
}

// isMapping reports whether a free-form value is a mapping.
func isMapping(v any) bool {
	switch v.(type) {
	case *Map, Map, map[string]any:
		return true
	}
	return false
}

// IsSecretKey reports whether a config key names a secret.
func IsSecretKey(k string) bool {
	n := snakeKey(k)
	if isSecretKeyName(n) {
		return true
	}
	if i := strings.LastIndexByte(n, '_'); i > 0 && slices.Contains(secretQualifiers, n[i+1:]) {
		return isSecretKeyName(n[:i])
	}
	return false
}

// isSecretKeyName is IsSecretKey for a key in snake case, without a qualifier.
func isSecretKeyName(n string) bool {
	for _, s := range SecretKeys {
		plural := len(n) == len(s)+1 && n[len(s)] == 's' && strings.HasPrefix(n, s)
		if n == s || plural || (len(n) > len(s) && n[len(n)-len(s)-1] == '_' && strings.HasSuffix(n, s)) {
			return true
		}
	}
	return false
}

// snakeKey is k in lower snake case: "clientSecret" → "client_secret", "APIKey" →
// "api_key", "s3SecretAccessKey" → "s3_secret_access_key", "X-Amz-Signature" →
// "x_amz_signature".
func snakeKey(k string) string {
	rs := []rune(k)
	var b strings.Builder
	b.Grow(len(k) + 4)
	for i, r := range rs {
		switch {
		case r == '-' || r == '.' || r == ' ':
			b.WriteByte('_')
		case unicode.IsUpper(r):
			if i > 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IsSecretReference reports whether a value refers to a secret instead of holding it:
// ${ENV}, {{ env_var('X') }}, env:X, secret://name, the redaction marker, or empty.
func IsSecretReference(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || v == Redacted || strings.HasPrefix(v, "${") || strings.Contains(v, "env_var(") ||
		strings.HasPrefix(v, "secret://") || strings.HasPrefix(v, "env:")
}

// Redacted is what replaces a literal secret in generated files and output.
const Redacted = "**********"

// SecretKind says what made part of a string a secret.
type SecretKind int

// Kinds of secrets found inside a string.
const (
	// URLPassword is the password of a URL's user info (scheme://user:password@host).
	URLPassword SecretKind = iota + 1
	// URLUser is a token written as the user of a web URL (https://TOKEN@host).
	URLUser
	// KeyValuePair is the value of a secret key=value pair: a query parameter
	// (?client_secret=…, X-Amz-Signature=…, sig=…), a libpq or ODBC connection string
	// (host=db password=…, Server=x;Pwd=…).
	KeyValuePair
	// Credentials follow an HTTP authorization scheme (Bearer …, Basic …),
	// "Authorization:", a secret header ("X-Api-Key: …") or "Cookie:".
	Credentials
	// KnownSecret is a value that is a literal secret elsewhere in the inputs.
	KnownSecret
)

// Span is a literal secret inside a string: s[Start:End].
type Span struct {
	Start, End int
	Kind       SecretKind
	// Key is the key of a KeyValuePair secret.
	Key string
}

// SecretSpans returns the literal secrets inside s, in order, not overlapping.
func SecretSpans(s string) []Span {
	// Every kind needs one of these bytes: keep the common case (names, paths) cheap.
	if strings.IndexAny(s, "@= \t:") < 0 {
		return nil
	}
	var spans []Span
	spans = urlSpans(s, spans)
	spans = keyValueSpans(s, spans)
	spans = credentialSpans(s, spans)
	spans = headerSpans(s, spans)
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.Start < last.End { // overlapping: keep one span covering both
			last.End = max(last.End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// RedactString returns s with every literal secret inside it replaced by Redacted,
// and whether there was one.
func RedactString(s string) (string, bool) {
	return redactSpans(s, SecretSpans(s))
}

// RedactURLPassword returns s with the password of its URL replaced by Redacted, and
// true, when s is a URL whose user info holds a literal password; else s and false.
// (RedactString redacts every other kind of secret in a string too.)
func RedactURLPassword(s string) (string, bool) {
	var spans []Span
	for _, sp := range urlSpans(s, nil) {
		if sp.Kind == URLPassword {
			spans = append(spans, sp)
		}
	}
	if len(spans) == 0 {
		return s, false
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start] + Redacted)
		last = sp.End
	}
	return b.String() + s[last:], true
}

// urlSpans finds the user info secrets of every URL in s. The user info is what lies
// between "scheme://" and the first "@" after which a host follows; a password may
// itself hold "@", "/", "?" or "#" (written unencoded, as people do), the user may not
// (an "@" after a path or query is no user info: https://host/p?email=a:b@c).
func urlSpans(s string, spans []Span) []Span {
	for off := 0; ; {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return spans
		}
		i += off
		off = i + 3
		schemeStart := i
		for schemeStart > 0 && isSchemeByte(s[schemeStart-1]) {
			schemeStart--
		}
		if schemeStart == i || !isLetter(s[schemeStart]) {
			continue
		}
		scheme := strings.ToLower(s[schemeStart:i])
		auth := off
		end := auth
		for end < len(s) && !isSpace(s[end]) {
			end++
		}
		seg := s[auth:end]
		for at := 0; ; {
			j := strings.IndexByte(seg[at:], '@')
			if j < 0 {
				break
			}
			at += j
			host := seg[at+1:]
			if k := strings.IndexAny(host, "/?#"); k >= 0 {
				host = host[:k]
			}
			if !isHost(host) {
				at++
				continue
			}
			user, pass, hasPass := strings.Cut(seg[:at], ":")
			if strings.ContainsAny(user, "/?#@") {
				break
			}
			switch {
			case hasPass && pass != "" && !IsSecretReference(pass):
				start := auth + len(user) + 1
				spans = append(spans, Span{Start: start, End: auth + at, Kind: URLPassword})
			case !hasPass && user != "" && isWebScheme(scheme) && !IsSecretReference(user):
				spans = append(spans, Span{Start: auth, End: auth + at, Kind: URLUser})
			}
			break
		}
		off = end
	}
}

func isSchemeByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isHost reports whether h is a plausible host[:port] (name, IPv4 or [IPv6]).
func isHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || strings.IndexByte(".-_~%:[]", c) >= 0 || c >= utf8.RuneSelf) {
			return false
		}
	}
	return true
}

// isWebScheme reports whether a URL's user info without a password is a credential:
// web URLs carry tokens that way (https://TOKEN@github.com/…); a database URL's user
// (postgresql://floe@db/…) is a name.
func isWebScheme(scheme string) bool {
	for _, w := range []string{"http", "https", "ws", "wss"} {
		if scheme == w || strings.HasSuffix(scheme, "+"+w) {
			return true
		}
	}
	return false
}

// keyValueSpans finds the values of secret key=value pairs: query parameters
// (separated by ? & ;), libpq connection strings (separated by spaces, values may be
// 'quoted') and ODBC strings (separated by ;).
func keyValueSpans(s string, spans []Span) []Span {
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '=')
		if i < 0 {
			return spans
		}
		i += off
		off = i + 1
		ke := i
		for ke > 0 && s[ke-1] == ' ' { // libpq allows "password = x"
			ke--
		}
		ks := ke
		for ks > 0 && isKeyByte(s[ks-1]) {
			ks--
		}
		key := s[ks:ke]
		if key == "" || ks > 0 && strings.IndexByte(" \t?&;,#", s[ks-1]) < 0 || !IsSecretKey(key) {
			continue
		}
		vs := i + 1
		for vs < len(s) && s[vs] == ' ' {
			vs++
		}
		ve := vs
		if ref := referenceEnd(s[vs:]); ref > 0 {
			off = vs + ref // ${X} and {{ env_var('X') }} may hold blanks
			continue
		}
		if vs < len(s) && (s[vs] == '\'' || s[vs] == '"') {
			q := s[vs]
			ve = vs + 1
			for ve < len(s) && s[ve] != q {
				if s[ve] == '\\' {
					ve++
				}
				ve++
			}
			ve = min(ve+1, len(s))
		} else {
			for ve < len(s) && strings.IndexByte(" \t\r\n&;#", s[ve]) < 0 {
				ve++
			}
		}
		v := strings.Trim(s[vs:ve], `'"`)
		if v != "" && !IsSecretReference(v) {
			spans = append(spans, Span{Start: vs, End: ve, Kind: KeyValuePair, Key: key})
		}
		off = ve
	}
}

// referenceEnd is the length of the secret reference s starts with (${X},
// {{ env_var('X') }}), else 0.
func referenceEnd(s string) int {
	for _, p := range [][2]string{{"${", "}"}, {"{{", "}}"}} {
		if strings.HasPrefix(s, p[0]) {
			if i := strings.Index(s, p[1]); i > 0 && IsSecretReference(s[:i+len(p[1])]) {
				return i + len(p[1])
			}
		}
	}
	return 0
}

func isKeyByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// credentialSpans finds what follows "Bearer ", "Basic " or "Authorization:" (any case).
func credentialSpans(s string, spans []Span) []Span {
	lower := strings.ToLower(s)
	for _, word := range []string{"bearer", "basic", "authorization:"} {
		for off := 0; ; {
			i := strings.Index(lower[off:], word)
			if i < 0 {
				break
			}
			i += off
			off = i + len(word)
			if i > 0 && (isLetter(s[i-1]) || s[i-1] >= '0' && s[i-1] <= '9' || s[i-1] == '_') {
				continue // part of a longer word
			}
			vs := off
			for vs < len(s) && (s[vs] == ' ' || s[vs] == '\t') {
				vs++
			}
			if vs == off && word != "authorization:" {
				continue // "Bearer" must be followed by a blank
			}
			if word == "authorization:" { // skip the scheme, the credentials follow it
				if w := strings.IndexAny(s[vs:], " \t"); w > 0 && isAuthScheme(s[vs:vs+w]) {
					vs += w
					for vs < len(s) && (s[vs] == ' ' || s[vs] == '\t') {
						vs++
					}
				}
			}
			ve := vs
			for ve < len(s) && !isSpace(s[ve]) && strings.IndexByte(`"',;`, s[ve]) < 0 {
				ve++
			}
			if looksLikeCredential(s[vs:ve]) && !IsSecretReference(s[vs:ve]) {
				spans = append(spans, Span{Start: vs, End: ve, Kind: Credentials})
			}
			off = ve
		}
	}
	return spans
}

// looksLikeCredential tells a token ("Bearer eyJhbGciOi…", "Basic dXNlcjpwYXNz") from a
// word that follows "bearer" or "basic" in prose ("basic settings"): at least 8
// characters with a digit, a symbol of the token alphabets or mixed case.
func looksLikeCredential(w string) bool {
	if len(w) < 8 {
		return false
	}
	var upper, lower bool
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= '0' && c <= '9', strings.IndexByte("-._~+/=:", c) >= 0:
			return true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		}
	}
	return upper && lower
}

// headerSpans finds the values of secret headers written into a string: "X-Api-Key: v",
// "Private-Token: v", "api_key: v" (a secret-like name, then ": "), and the whole value
// of "Cookie:" and "Set-Cookie:" (session=…; other=…). A plain word as the name
// ("token: …", "signature: …") only counts before a value that looks like a credential,
// so prose is left alone; "Authorization:" is credentialSpans'.
func headerSpans(s string, spans []Span) []Span {
	for off := 0; ; {
		i := strings.IndexByte(s[off:], ':')
		if i < 0 {
			return spans
		}
		i += off
		off = i + 1
		ks := i
		for ks > 0 && isKeyByte(s[ks-1]) {
			ks--
		}
		key := s[ks:i]
		if key == "" || ks > 0 && strings.IndexByte(" \t\"'{,;", s[ks-1]) < 0 {
			continue
		}
		lower := strings.ToLower(key)
		cookie := lower == "cookie" || lower == "set-cookie"
		if !cookie && (!IsSecretKey(key) || lower == "authorization") {
			continue
		}
		vs := i + 1
		for vs < len(s) && (s[vs] == ' ' || s[vs] == '\t') {
			vs++
		}
		if vs == i+1 && !cookie && strings.IndexAny(key, "-_") < 0 {
			continue // "token:x" in prose or a scheme, not a header
		}
		ve := vs
		stop := " \t\r\n\"',;}"
		if cookie {
			stop = "\r\n\"'" // a cookie header is pairs separated by "; "
		}
		for ve < len(s) && strings.IndexByte(stop, s[ve]) < 0 {
			ve++
		}
		v := s[vs:ve]
		if v == "" || strings.IndexByte("{[|>&*!", v[0]) >= 0 || IsSecretReference(v) || referenceEnd(v) > 0 {
			continue
		}
		if !cookie && strings.IndexAny(key, "-_") < 0 && !looksLikeCredential(v) {
			continue
		}
		spans = append(spans, Span{Start: vs, End: ve, Kind: Credentials})
		off = ve
	}
}

func isAuthScheme(w string) bool {
	for i := 0; i < len(w); i++ {
		if !isLetter(w[i]) && w[i] != '-' {
			return false
		}
	}
	return true
}

// RedactValue returns v (a free-form config value: *Map, Map, []any, strings, numbers)
// with every literal secret replaced by Redacted, and whether it changed anything. v is
// never modified: what changes is copied. The keys of a mapping under a secret key are
// secrets too unless they are setting names (SecretKeyOf), and a key holding a URL with
// a password has that password redacted.
func RedactValue(v any) (any, bool) { return redactValue(v, false, nil) }

func redactValue(v any, secret bool, known *KnownSecrets) (any, bool) {
	switch t := v.(type) {
	case string:
		if secret {
			if IsSecretReference(t) {
				return t, false
			}
			return Redacted, true
		}
		return known.RedactString(t)
	case Int, Float:
		if secret {
			return Redacted, true
		}
	case Map:
		if r, ok := redactValue(&t, secret, known); ok {
			return *(r.(*Map)), true
		}
	case *Map:
		if t == nil {
			return v, false
		}
		var out *Map
		var used map[string]bool
		for i, it := range t.Items {
			r, ok := redactValue(it.Value, secret || SecretUnder(it.Key, isMapping(it.Value)), known)
			if used == nil && (secret || strings.IndexAny(it.Key, "@= \t:") >= 0 || known.Len() > 0) {
				used = make(map[string]bool, len(t.Items))
				for _, it := range t.Items {
					used[it.Key] = true
				}
			}
			key, kok := it.Key, false
			if used != nil {
				key, kok = redactKey(it.Key, secret, known, used)
			}
			if !ok && !kok {
				continue
			}
			if out == nil {
				out = &Map{Items: slices.Clone(t.Items)}
			}
			out.Items[i] = MapItem{Key: key, Value: r}
		}
		if out != nil {
			return out, true
		}
	case []any:
		var out []any
		for i, e := range t {
			r, ok := redactValue(e, secret, known)
			if !ok {
				continue
			}
			if out == nil {
				out = slices.Clone(t)
			}
			out[i] = r
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}

// RedactMap is RedactValue for a mapping (nil stays nil).
func RedactMap(m *Map) (*Map, bool) {
	if m == nil {
		return nil, false
	}
	r, ok := redactValue(m, false, nil)
	return r.(*Map), ok
}

// SecretStrings returns the literal secrets inside v (as RedactValue finds them): whole
// values under secret keys and the secret parts of other strings.
func SecretStrings(v any) []string {
	var out []string
	collectSecrets(v, false, &out)
	return out
}

func collectSecrets(v any, secret bool, out *[]string) {
	switch t := v.(type) {
	case string:
		if secret {
			if !IsSecretReference(t) {
				*out = append(*out, t)
			}
			return
		}
		for _, sp := range SecretSpans(t) {
			*out = append(*out, t[sp.Start:sp.End])
		}
	case Int:
		if secret {
			*out = append(*out, string(t))
		}
	case int, int64, float64, Float:
		if secret {
			*out = append(*out, fmt.Sprint(t))
		}
	case map[string]any: // a generic decode (yaml.Unmarshal into any)
		for k, e := range t {
			collectKey(k, secret, out)
			collectSecrets(e, secret || SecretUnder(k, isMapping(e)), out)
		}
	case Map:
		collectSecrets(&t, secret, out)
	case *Map:
		if t != nil {
			for _, it := range t.Items {
				collectKey(it.Key, secret, out)
				collectSecrets(it.Value, secret || SecretUnder(it.Key, isMapping(it.Value)), out)
			}
		}
	case []any:
		for _, e := range t {
			collectSecrets(e, secret, out)
		}
	}
}

// collectKey adds the secrets a mapping key holds (see SecretKeyOf).
func collectKey(k string, under bool, out *[]string) {
	if under && !IsSettingName(k) && !IsSecretReference(k) {
		*out = append(*out, k)
		return
	}
	for _, sp := range SecretSpans(k) {
		*out = append(*out, k[sp.Start:sp.End])
	}
}
