package gen

import (
	"fmt"
	"unicode/utf8"
)

// OptionError is an option a generator cannot represent in the file it writes (an
// output path with a line break, for the Dockerfile). Options come from command-line
// flags, so the CLI reports it as a usage error (exit 2), never as floe's own failure.
type OptionError struct {
	// Option names what the value is ("the output directory").
	Option string
	// Value is the refused value.
	Value string
	// Err says why, as a predicate ("contains a line break").
	Err error
}

// Error says which value was refused and why.
func (e *OptionError) Error() string {
	return fmt.Sprintf("%s %q %v", e.Option, e.Value, e.Err)
}

// Unwrap returns Err.
func (e *OptionError) Unwrap() error { return e.Err }

// yamlUnsafe reports whether YAML parsers (yaml.v3, sigs.k8s.io/yaml, PyYAML) cannot
// carry r as it is inside a scalar: C0 controls (JSON text never holds them raw), DEL
// and C1 controls ("control characters are not allowed"), NEL, LS and PS (line breaks to
// YAML, so a block scalar would be cut or folded there), the byte-order mark and the
// non-characters U+FFFE and U+FFFF.
func yamlUnsafe(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n' && r != '\r'
	case r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// YAMLSafeJSON returns the JSON document b with every character a YAML parser cannot
// carry (see yamlUnsafe) written as a \uXXXX escape, so the document can be embedded in
// a YAML block scalar (the chart's ConfigMap) and read back unchanged. Such characters
// only occur inside JSON strings, where the escape means the same character, so the
// document's value is unchanged. Invalid UTF-8 becomes \ufffd, as encoding/json writes it.
// b itself is returned when nothing needs escaping.
func YAMLSafeJSON(b []byte) []byte {
	first := -1
	for i := 0; i < len(b); {
		r, n := decodeRune(b[i:])
		if yamlUnsafe(r) {
			first = i
			break
		}
		i += n
	}
	if first < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:first]...)
	for i := first; i < len(b); {
		r, n := decodeRune(b[i:])
		switch {
		case r == invalidByte:
			out = append(out, `\ufffd`...)
		case yamlUnsafe(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// invalidByte is what decodeRune returns for a byte that is not valid UTF-8.
const invalidByte rune = -1

// decodeRune is utf8.DecodeRune with a fast path for ASCII, returning invalidByte (which
// yamlUnsafe refuses) for invalid UTF-8.
func decodeRune(b []byte) (rune, int) {
	if b[0] < utf8.RuneSelf {
		return rune(b[0]), 1
	}
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError && n == 1 {
		return invalidByte, 1
	}
	return r, n
}
