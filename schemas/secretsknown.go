package schemas

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// A value that is anywhere a literal secret is a secret everywhere it appears: a
// secret anchored under one key and aliased under another (`s3_region: &k X,
// s3_secret_access_key: *k`), or pasted twice, is redacted at both places.
// KnownSecrets are those values, collected from the whole input set (every file, every
// key and value, before validation drops anything); each generator redacts every
// occurrence of them in every file but the contract.

// MinSecretPart is the shortest known secret that is redacted wherever it occurs inside
// a longer string; a shorter one is redacted only where it is the whole value (replacing
// every "ab" inside other text would garble it and hide nothing).
const MinSecretPart = 3

// KnownSecrets is a set of literal secret strings. The nil set holds none.
type KnownSecrets struct {
	whole map[string]bool
	parts []string // at least MinSecretPart bytes, longest first
}

// NewKnownSecrets returns the set of the given secrets (empty strings, references and
// the redaction marker are not secrets; duplicates count once).
func NewKnownSecrets(secrets ...[]string) *KnownSecrets {
	k := &KnownSecrets{whole: map[string]bool{}}
	for _, list := range secrets {
		for _, s := range list {
			if s == "" || IsSecretReference(s) || k.whole[s] {
				continue
			}
			k.whole[s] = true
			if len(s) >= MinSecretPart {
				k.parts = append(k.parts, s)
			}
		}
	}
	slices.SortFunc(k.parts, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return k
}

// Len is the number of secrets in the set.
func (k *KnownSecrets) Len() int {
	if k == nil {
		return 0
	}
	return len(k.whole)
}

// List returns the secrets, sorted.
func (k *KnownSecrets) List() []string {
	if k == nil {
		return nil
	}
	out := make([]string, 0, len(k.whole))
	for s := range k.whole {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Spans returns the secrets inside s: what SecretSpans finds, the whole of s when it is
// a known secret, and every occurrence of a known secret of at least MinSecretPart
// bytes; in order, not overlapping.
func (k *KnownSecrets) Spans(s string) []Span {
	spans := SecretSpans(s)
	if k.Len() == 0 || s == "" {
		return spans
	}
	if k.whole[s] {
		return []Span{{Start: 0, End: len(s), Kind: KnownSecret}}
	}
	added := false
	for _, p := range k.parts {
		if len(p) > len(s) {
			continue
		}
		for off := 0; ; {
			i := strings.Index(s[off:], p)
			if i < 0 {
				break
			}
			spans = append(spans, Span{Start: off + i, End: off + i + len(p), Kind: KnownSecret})
			added = true
			off += i + len(p)
		}
	}
	if !added {
		return spans
	}
	return mergeSpans(spans)
}

// mergeSpans sorts spans and joins the overlapping ones.
func mergeSpans(spans []Span) []Span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.Start < last.End {
			last.End = max(last.End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// RedactString is the package's RedactString that also redacts the known secrets.
func (k *KnownSecrets) RedactString(s string) (string, bool) {
	return redactSpans(s, k.Spans(s))
}

func redactSpans(s string, spans []Span) (string, bool) {
	if len(spans) == 0 {
		return s, false
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start])
		b.WriteString(Redacted)
		last = sp.End
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// RedactStrings returns l with each string redacted (RedactString), copied only when
// something changed.
func (k *KnownSecrets) RedactStrings(l []string) ([]string, bool) {
	var out []string
	for i, s := range l {
		r, ok := k.RedactString(s)
		if !ok {
			continue
		}
		if out == nil {
			out = slices.Clone(l)
		}
		out[i] = r
	}
	if out == nil {
		return l, false
	}
	return out, true
}

// RedactValue is the package's RedactValue that also redacts the known secrets.
func (k *KnownSecrets) RedactValue(v any) (any, bool) { return redactValue(v, false, k) }

// RedactMap is RedactValue for a mapping (nil stays nil).
func (k *KnownSecrets) RedactMap(m *Map) (*Map, bool) {
	if m == nil {
		return nil, false
	}
	r, ok := redactValue(m, false, k)
	return r.(*Map), ok
}

// RedactJSON redacts every string of a JSON document, keys and values alike, with
// RedactString: a final pass over a generated file's values. A changed string is
// written back the way floe writes JSON (no HTML escapes, non-ASCII as \u escapes); the
// rest of the bytes stay as they are. A text that is not JSON is returned unchanged,
// with false.
func (k *KnownSecrets) RedactJSON(data []byte) ([]byte, bool) {
	if !json.Valid(data) {
		return data, false
	}
	var out []byte
	last := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		// A string token: find its end (JSON structure outside strings holds no quote).
		end := i + 1
		escaped := false
		for ; end < len(data); end++ {
			c := data[end]
			if c == '\\' {
				escaped = true
				end++
				continue
			}
			if c == '"' {
				break
			}
		}
		tok := data[i : end+1]
		var s string
		if escaped {
			if json.Unmarshal(tok, &s) != nil {
				i = end
				continue
			}
		} else {
			s = string(tok[1 : len(tok)-1])
		}
		if r, ok := k.RedactString(s); ok {
			enc, err := AppendJSON(nil, r)
			if err == nil {
				out = append(append(out, data[last:i]...), asciiEscape(enc)...)
				last = end + 1
			}
		}
		i = end
	}
	if out == nil {
		return data, false
	}
	return append(out, data[last:]...), true
}

// Contains reports whether data holds one of the known secrets of at least
// MinSecretPart bytes, as it is or as a JSON string would escape it.
func (k *KnownSecrets) Contains(data []byte) bool {
	if k == nil {
		return false
	}
	for _, p := range k.parts {
		if bytes.Contains(data, []byte(p)) {
			return true
		}
		if enc, err := AppendJSON(nil, p); err == nil {
			if e := asciiEscape(enc); !bytes.Equal(e[1:len(e)-1], []byte(p)) && bytes.Contains(data, e[1:len(e)-1]) {
				return true
			}
		}
	}
	return false
}

// IsSettingName reports whether a mapping key reads as the name of a setting (lower
// case words: key_id, region, s3.endpoint, clientId, oauth2) rather than as data. A key
// of a mapping under a secret key is a secret itself unless it is a setting name:
// `api_keys: {AKIA4XRN7ExAMPLE: …}` is keyed by secrets, `secrets: [{type: s3, key_id:
// …}]` (dbt-duckdb) by setting names.
func IsSettingName(k string) bool {
	if k == "" || len(k) > 64 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	// Words of lower-case letters, each optionally ending in digits, separated by _ - .
	// or by a camelCase hump (an upper-case letter and at least one lower-case one).
	for i := 0; i < len(k); {
		c := k[i]
		switch {
		case c == '_' || c == '-' || c == '.':
			if i+1 >= len(k) || k[i+1] < 'a' || k[i+1] > 'z' {
				return false
			}
			i++
		case c >= 'A' && c <= 'Z':
			if i+1 >= len(k) || k[i+1] < 'a' || k[i+1] > 'z' {
				return false
			}
			i++
		case c >= 'a' && c <= 'z':
			i++
		case c >= '0' && c <= '9':
			// digits end a word: what follows is a separator, a hump or the end
			for i < len(k) && k[i] >= '0' && k[i] <= '9' {
				i++
			}
			if i < len(k) && k[i] >= 'a' && k[i] <= 'z' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// SecretKeyOf reports whether the key k of a mapping is itself a literal secret: a key
// under a secret key (under is set) that is not a setting name, or a key holding a
// secret part (a URL with a password).
func SecretKeyOf(k string, under bool) bool {
	if under && !IsSettingName(k) && !IsSecretReference(k) {
		return true
	}
	return len(SecretSpans(k)) > 0
}

// redactKey returns the key as a generated file may show it: Redacted for a secret key
// (a second one in the same mapping gets "_2", and so on, so keys stay distinct), or the
// key with its secret parts redacted.
func redactKey(k string, under bool, known *KnownSecrets, used map[string]bool) (string, bool) {
	out := k
	if under && !IsSettingName(k) && !IsSecretReference(k) {
		out = Redacted
	} else if r, ok := known.RedactString(k); ok {
		out = r
	}
	if out == k {
		return k, false
	}
	base := out
	for n := 2; used[out]; n++ {
		out = base + "_" + strconv.Itoa(n)
	}
	used[out] = true
	return out, true
}
