package schemas

import (
	"slices"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"
)

// RedactText redacts the literal secrets of a YAML or JSON text line by line, without
// parsing it (it may not parse: a YAML syntax error is quoted from such a file), and
// returns the secrets it removed. Each line keeps its place (no line is added or
// removed), so line numbers still point at the same lines. It finds
//   - the value after a secret-like key ("password: x", `"clientSecret": "x"`, and
//     key: value pairs of one-line flow mappings), and every line nested under such a
//     key whose value starts on the next lines (a block scalar, a list, a mapping, an
//     open JSON [ or {);
//   - the secret parts of any line (RedactString: URL passwords, query strings,
//     connection strings, bearer credentials);
//   - every occurrence of known (literal secrets found elsewhere, e.g. by a parser),
//     longest first, when at least 3 bytes long.
func RedactText(text string, known []string) (string, []string) {
	lines, found := RedactLines(strings.Split(text, "\n"), known, nil)
	return strings.Join(lines, "\n"), found
}

// RedactLines is RedactText over a text's lines (modified in place and returned). When
// keep is not nil, only the lines it keeps are redacted and returned, every other line
// becomes "" (a renderer quoting a few lines of a big file need not pay for all of
// them); the secret-like keys of every line are still followed, so a kept line nested
// under one is redacted.
func RedactLines(lines []string, known []string, keep func(i int) bool) ([]string, []string) {
	var found []string
	secretKeys := map[string]bool{} // IsSecretKey, memoized: a big file repeats a few keys
	blockIndent := -1               // lines indented deeper than this belong to a secret block
	for i, line := range lines {
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		body := strings.TrimSpace(line)
		if blockIndent >= 0 {
			if body == "" || indent > blockIndent || body == "]" || body == "}" || body == "]," || body == "}," {
				if v := strings.Trim(body, `-[]{},"' `); v != "" {
					found = append(found, v)
					lines[i] = line[:indent] + Redacted
				}
				if keep != nil && !keep(i) {
					lines[i] = ""
				}
				continue
			}
			blockIndent = -1
		}
		if lineMayHoldSecretKey(body, secretKeys) {
			var opens bool
			var secrets []string
			line, opens, secrets = redactKeyValues(line)
			found = append(found, secrets...)
			if opens {
				blockIndent = indent
			}
		}
		// A URL whose password goes on to the next line (a quoted or plain scalar folded
		// inside the user info, or a broken file): both pieces are secret.
		if pw, ok := openURLPassword(lines, i); ok {
			if pw < len(line) {
				found = append(found, line[pw:])
				line = line[:pw] + Redacted
			}
			if i+1 < len(lines) {
				next := lines[i+1]
				body := strings.TrimLeft(next, " \t")
				tok := body
				if e := strings.IndexAny(tok, " \t"); e >= 0 {
					tok = tok[:e]
				}
				if at := strings.IndexByte(tok, '@'); at >= 0 {
					tok = tok[:at]
				}
				if tok != "" {
					found = append(found, tok)
					lines[i+1] = next[:len(next)-len(body)] + Redacted + body[len(tok):]
				}
			}
		}
		if keep != nil && !keep(i) {
			lines[i] = ""
			continue
		}
		if r, ok := RedactString(line); ok {
			for _, sp := range SecretSpans(line) {
				found = append(found, line[sp.Start:sp.End])
			}
			line = r
		}
		lines[i] = ReplaceSecrets(line, known)
	}
	return lines, found
}

// openURLPassword reports whether lines[i] ends inside the user info of a URL whose
// password continues on the next line ("https://u:pa" then "  ss@host/x"), and where
// the password starts on this line. It is so when the line ends in scheme://user:…
// with no "@" and no blank after "://", and either a quoted scalar opened before the
// URL is still open (a broken file: conservatively) or the next line's first word holds
// the "@" that ends the user info.
func openURLPassword(lines []string, i int) (int, bool) {
	line := strings.TrimRight(lines[i], " \t\r")
	u := strings.LastIndex(line, "://")
	if u <= 0 || !isSchemeByte(line[u-1]) {
		return 0, false
	}
	auth := line[u+3:]
	if auth == "" || strings.ContainsAny(auth, " \t@\"'") {
		return 0, false
	}
	colon := strings.IndexByte(auth, ':')
	if colon < 0 || strings.ContainsAny(auth[:colon], "/?#") {
		return 0, false
	}
	before := line[:u]
	quoted := strings.Count(before, `"`)%2 == 1 || strings.Count(before, "'")%2 == 1
	if !quoted {
		if i+1 >= len(lines) {
			return 0, false
		}
		next := strings.TrimLeft(lines[i+1], " \t")
		if e := strings.IndexAny(next, " \t"); e >= 0 {
			next = next[:e]
		}
		if !strings.Contains(next, "@") {
			return 0, false
		}
	}
	return u + 3 + colon + 1, true
}

// decodeKey is a key as YAML reads it: a double-quoted key with its escapes decoded
// ("pass\x77ord" is "password"), a single-quoted one with each doubled quote read as one.
func decodeKey(raw string, quote byte) string {
	switch quote {
	case '\'':
		return strings.ReplaceAll(raw, "''", "'")
	case '"':
		if !strings.Contains(raw, `\`) {
			return raw
		}
	default:
		return raw
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		n := 0
		switch raw[i] {
		case 'x':
			n = 2
		case 'u':
			n = 4
		case 'U':
			n = 8
		case 't', '\t':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case '_':
			b.WriteString("\u00a0")
		case 'N':
			b.WriteString("\u0085")
		case 'L':
			b.WriteString("\u2028")
		case 'P':
			b.WriteString("\u2029")
		default:
			b.WriteByte(raw[i]) // \\ \" \/ and the rest: the character itself
		}
		if n > 0 {
			if i+1+n > len(raw) {
				return raw
			}
			v, err := strconv.ParseUint(raw[i+1:i+1+n], 16, 32)
			if err != nil {
				return raw
			}
			b.WriteRune(rune(v))
			i += n
		}
	}
	return b.String()
}

// ReplaceSecrets replaces every occurrence of each secret (each of its lines, when it
// has several) in s by Redacted, longest first; secrets shorter than 3 bytes are left
// to the structural redactions (replacing every "a" would garble everything).
func ReplaceSecrets(s string, secrets []string) string {
	var parts []string
	for _, sec := range secrets {
		for _, l := range strings.Split(sec, "\n") {
			if l = strings.TrimSpace(l); len(l) >= 3 && l != Redacted {
				parts = append(parts, l)
			}
		}
	}
	if len(parts) == 0 {
		return s
	}
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	parts = slices.Compact(parts)
	for _, p := range parts {
		s = strings.ReplaceAll(s, p, Redacted)
	}
	return s
}

// lineMayHoldSecretKey is a cheap test before the regular expressions: the line's own
// key (after "- " and quotes) is secret-like, or the line holds a flow mapping.
func lineMayHoldSecretKey(body string, memo map[string]bool) bool {
	if strings.Contains(body, "{") {
		return true
	}
	for strings.HasPrefix(body, "- ") {
		body = strings.TrimLeft(body[2:], " ")
	}
	key := body
	if i := strings.IndexByte(key, ':'); i >= 0 {
		key = key[:i]
	} else {
		return false
	}
	key = strings.TrimSpace(key)
	if len(key) >= 2 && (key[0] == '"' || key[0] == '\'') && key[len(key)-1] == key[0] {
		key = decodeKey(key[1:len(key)-1], key[0])
	}
	key = strings.Trim(key, `"' `)
	s, ok := memo[key]
	if !ok {
		s = IsSecretKey(key)
		memo[key] = s
	}
	return s
}

// keyLine matches "key: rest" and `"key": rest` (also as a list item "- key: rest").
var keyLine = lazy.Regexp(`^(\s*(?:-\s+)*)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'#{}\[\],:][^#{}\[\],:]*?))\s*:(\s+|$)(.*)$`)

// flowPair matches "key: value" inside a one-line flow mapping ({a: 1, password: x}).
var flowPair = lazy.Regexp(`([{,]\s*)("[^"]*"|'[^']*'|[A-Za-z0-9_.\-]+)(\s*:\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\]]*)`)

// redactKeyValues redacts the values of secret keys on one line; opens reports that
// the value of a secret key continues on the following, deeper-indented lines.
func redactKeyValues(line string) (out string, opens bool, found []string) {
	if m := keyLine().FindStringSubmatchIndex(line); m != nil {
		key := firstGroup(line, m, 4)
		switch {
		case m[4] >= 0:
			key = decodeKey(line[m[4]:m[5]], '"')
		case m[6] >= 0:
			key = decodeKey(line[m[6]:m[7]], '\'')
		}
		rest := line[m[12]:m[13]]
		if IsSecretKey(key) {
			v := strings.TrimSpace(stripComment(rest))
			v = strings.TrimSuffix(v, ",")
			switch {
			case v == "" || strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") || v == "[" || v == "{":
				return line, true, nil // the value is on the next lines
			case (strings.HasPrefix(v, "[") && !strings.HasSuffix(v, "]")) || (strings.HasPrefix(v, "{") && !strings.HasSuffix(v, "}")):
				found = append(found, strings.Trim(v, `[]{}"' `))
				return line[:m[12]] + Redacted, true, found
			}
			if lit := strings.Trim(v, `"'`); !IsSecretReference(lit) {
				found = append(found, lit)
				for _, el := range strings.Split(strings.Trim(lit, "[]{}"), ",") {
					if el = strings.Trim(el, `"' `); el != "" && el != lit {
						found = append(found, el)
					}
				}
				return line[:m[12]] + Redacted, false, found
			}
			return line, false, nil
		}
	}
	if !strings.Contains(line, "{") {
		return line, false, nil
	}
	out = flowPair().ReplaceAllStringFunc(line, func(pair string) string {
		sm := flowPair().FindStringSubmatch(pair)
		v := strings.Trim(strings.TrimSpace(sm[4]), `"'`)
		k := sm[2]
		if len(k) >= 2 && (k[0] == '"' || k[0] == '\'') {
			k = decodeKey(k[1:len(k)-1], k[0])
		}
		if !IsSecretKey(k) || IsSecretReference(v) {
			return pair
		}
		found = append(found, v)
		return sm[1] + sm[2] + sm[3] + Redacted
	})
	return out, false, found
}

func firstGroup(s string, m []int, groups ...int) string {
	for _, g := range groups {
		if m[2*g] >= 0 {
			return s[m[2*g]:m[2*g+1]]
		}
	}
	return ""
}

// stripComment drops a YAML comment (" #…") from a value that is not quoted.
func stripComment(v string) string {
	t := strings.TrimSpace(v)
	if strings.HasPrefix(t, `"`) || strings.HasPrefix(t, "'") {
		return v
	}
	if i := strings.Index(v, " #"); i >= 0 {
		return v[:i]
	}
	return v
}
