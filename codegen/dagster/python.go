package dagster

import (
	"fmt"
	"strings"
	"unicode"
)

// pythonLineLength is ruff's default line length: generated Python must pass
// `ruff format --check` with default settings.
const pythonLineLength = 88

// pyString is s as a Python string literal. It is the only way user text reaches
// generated Python. Double quotes are preferred; single quotes are used when that
// avoids escaping (ruff format's own rule), so the output is already formatted.
func pyString(s string) string {
	quote := '"'
	if strings.ContainsRune(s, '"') && !strings.ContainsRune(s, '\'') {
		quote = '\''
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == unicode.ReplacementChar || !unicode.IsPrint(r):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// pyBool is b as a Python literal.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyTuple renders `key=(...)` for a keyword argument written at column indent: on one
// line when it fits ruff's line length (with the trailing comma), else one item a line
// with a magic trailing comma, which is how ruff format would lay it out.
func pyTuple(indent int, key string, items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = pyString(it)
	}
	var inline string
	switch len(quoted) {
	case 0:
		inline = "()"
	case 1:
		inline = "(" + quoted[0] + ",)"
	default:
		inline = "(" + strings.Join(quoted, ", ") + ")"
	}
	if indent+len(key)+1+len(inline)+1 <= pythonLineLength {
		return key + "=" + inline
	}
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	b.WriteString(key + "=(\n")
	for _, q := range quoted {
		b.WriteString(pad + "    " + q + ",\n")
	}
	b.WriteString(pad + ")")
	return b.String()
}

// pyIdent is s as a Python identifier: runs of characters outside [A-Za-z0-9_] become
// one "_", a leading digit gets a "_" prefix, and an empty result is "floe".
func pyIdent(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			b.WriteRune(r)
			under = false
			continue
		}
		if !under {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" {
		return "floe"
	}
	if out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}
