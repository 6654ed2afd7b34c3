package gen

// Python literals for generated Python files: the one way user text reaches them. These
// are codegen/dagster's functions (python.go there), shared here for every generator.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// PythonLineLength is ruff's default line length: generated Python must pass
// `ruff format --check` with default settings.
const PythonLineLength = 88

// PyString is s as a Python string literal. It is the only way user text reaches
// generated Python (AppendPyString is the same function writing into a buffer).
func PyString(s string) string {
	return string(AppendPyString(make([]byte, 0, len(s)+2), s))
}

// AppendPyString appends s as a Python string literal to dst. Double quotes are
// preferred; single quotes are used when that avoids escaping (ruff format's own rule),
// so the output is already formatted.
func AppendPyString(dst []byte, s string) []byte {
	// Fast path: printable ASCII without '"' or '\\' is written as is between double
	// quotes. Nearly every model, tag and preset name takes it.
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	quote := byte('"')
	if strings.IndexByte(s, '"') >= 0 && strings.IndexByte(s, '\'') < 0 {
		quote = '\''
	}
	dst = append(dst, quote)
	// Ranging over the string decodes invalid UTF-8 as utf8.RuneError (U+FFFD), which is
	// escaped below like a literal U+FFFD: the output is always valid UTF-8.
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r < 0x20 || r == 0x7f:
			dst = appendHexEscape(append(dst, `\x`...), r, 2)
		case r == unicode.ReplacementChar || !unicode.IsPrint(r):
			if r > 0xffff {
				dst = appendHexEscape(append(dst, `\U`...), r, 8)
			} else {
				dst = appendHexEscape(append(dst, `\u`...), r, 4)
			}
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, quote)
}

// appendHexEscape appends r as exactly digits lowercase hex digits (the digits of a
// Python \x, \u or \U escape).
func appendHexEscape(dst []byte, r rune, digits int) []byte {
	const hex = "0123456789abcdef"
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hex[(r>>shift)&0xf])
	}
	return dst
}

// PyBool is b as a Python literal.
func PyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// AppendPyTuple appends `key=(...)` for a keyword argument written at column indent: on
// one line when it fits ruff's line length (with the trailing comma), else one item a
// line with a magic trailing comma, which is how ruff format would lay it out. Lengths
// are in bytes, as they always were: a line of wide characters wraps early, never late.
func AppendPyTuple(dst []byte, indent int, key string, items []string) []byte {
	start := len(dst)
	dst = append(dst, key...)
	dst = append(dst, "=("...)
	for i, it := range items {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = AppendPyString(dst, it)
	}
	if len(items) == 1 {
		dst = append(dst, ',')
	}
	dst = append(dst, ')')
	// The line is indent, the keyword argument and its trailing comma.
	if indent+len(dst)-start+1 <= PythonLineLength {
		return dst
	}
	dst = dst[:start]
	dst = append(dst, key...)
	dst = append(dst, "=(\n"...)
	for _, it := range items {
		dst = appendSpaces(dst, indent+4)
		dst = AppendPyString(dst, it)
		dst = append(dst, ",\n"...)
	}
	dst = appendSpaces(dst, indent)
	return append(dst, ')')
}

// appendSpaces appends n spaces.
func appendSpaces(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}

// PyIdent is s as a Python identifier: runs of characters outside [A-Za-z0-9_] become
// one "_", a leading digit gets a "_" prefix, and an empty result is "floe".
func PyIdent(s string) string {
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
