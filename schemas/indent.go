package schemas

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/floe-dev/floe/internal/par"
)

// AppendIndent appends src, compact JSON as json.Marshal writes it, to dst indented two
// spaces a level: byte for byte what json.Indent(dst, src, "", "  ") gives (empty objects
// and lists stay {} and []), at a fraction of its cost, because it relies on src being
// compact and valid instead of running the full JSON scanner over every byte.
// FuzzAppendIndent checks it against json.Indent; use json.Indent for anything else.
func AppendIndent(dst, src []byte) []byte {
	return appendIndentAt(dst, src, 0)
}

// appendIndentAt is AppendIndent for a value that sits depth levels deep.
func appendIndentAt(dst, src []byte, depth int) []byte {
	dst = slices.Grow(dst, len(src)+len(src)/2) // amortized: callers append piece after piece
	pad := []byte("\n                                ")
	newline := func() {
		for 1+2*depth > len(pad) {
			pad = append(pad, pad[1:]...)
		}
		dst = append(dst, pad[:1+2*depth]...)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			// Copy the string through its closing quote: the next quote not escaped, that
			// is not preceded by an odd number of backslashes.
			j := i + 1
			for j < len(src) {
				k := bytes.IndexByte(src[j:], '"')
				if k < 0 {
					j = len(src)
					break
				}
				j += k
				bs := 0
				for b := j - 1; b > i && src[b] == '\\'; b-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
				j++
			}
			end := min(j+1, len(src))
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// ListChecker checks a document written by IndentList: the document with its list
// empty (told the list's length), and each item of the list, as they are encoded.
// check.ListCheck is the one floe uses.
type ListChecker interface {
	Document(compact []byte, n int) error
	Item(i int, compact []byte) error
}

// IndentList returns the two-space indented JSON of doc, without HTML escaping, in
// which the list at path (object keys from the root, empty in doc) holds the n items
// item gives: the bytes of encoding the whole document at once (TestIndentList), but
// the items are encoded on every CPU, each handed, compact, to check (when not nil)
// as it is encoded, so a 100,000-item list is never one encoding nor one generic tree.
func IndentList(doc any, path []string, n int, item func(i int) any, check ListChecker) ([]byte, error) {
	return writeList(doc, path, n, item, check, true)
}

// CheckList is IndentList for a document that is checked, not written (floe validate):
// the same encoding and checks, no output.
func CheckList(doc any, path []string, n int, item func(i int) any, check ListChecker) error {
	_, err := writeList(doc, path, n, item, check, false)
	return err
}

// writeList is IndentList; without indent it only encodes and checks.
func writeList(doc any, path []string, n int, item func(i int) any, check ListChecker, indent bool) ([]byte, error) {
	compact, err := AppendJSON(nil, doc)
	if err != nil {
		return nil, err
	}
	at, ok := valueAt(compact, path)
	if !ok || !bytes.HasPrefix(compact[at:], []byte("[]")) {
		return nil, fmt.Errorf("the document has no empty list at %s", strings.Join(path, "."))
	}
	if check != nil {
		if err := check.Document(compact, n); err != nil {
			return nil, err
		}
	}
	depth := len(path) // the list sits in one object per key of its path
	workers := par.Workers(n, par.MinPer)
	chunks := make([][]byte, workers)
	err = par.Ranges(workers, n, func(w, lo, hi int) error {
		var buf, scratch []byte
		enc := newJSONAppender()
		inner := append([]byte("\n"), bytes.Repeat([]byte("  "), depth+1)...)
		for i := lo; i < hi; i++ {
			var err error
			if scratch, err = enc.append(scratch[:0], item(i)); err != nil {
				return err
			}
			if check != nil {
				if err := check.Item(i, scratch); err != nil {
					return err
				}
			}
			if !indent {
				continue
			}
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, inner...)
			buf = appendIndentAt(buf, scratch, depth+1)
			if i == lo {
				// Size the chunk from its first item, rather than regrow it (and
				// copy and clear megabytes) as it fills.
				buf = slices.Grow(buf, (hi-lo)*(len(buf)+len(buf)/4+8))
			}
		}
		chunks[w] = buf
		return nil
	})
	if err != nil || !indent {
		return nil, err
	}
	size := len(compact) + len(compact)/2
	for _, c := range chunks {
		size += len(c)
	}
	out := appendIndentAt(make([]byte, 0, size), compact[:at], 0)
	if n == 0 {
		out = append(out, "[]"...)
	} else {
		out = append(out, '[')
		for _, c := range chunks {
			out = append(out, c...)
		}
		out = append(out, '\n')
		out = append(out, bytes.Repeat([]byte("  "), depth)...)
		out = append(out, ']')
	}
	return appendIndentAt(out, compact[at+2:], depth), nil
}

// valueAt returns the offset in compact JSON (as the encoder writes it) of the value at
// path, a member of an object in an object … from the root.
func valueAt(b []byte, path []string) (int, bool) {
	i := 0
	for _, key := range path {
		if i >= len(b) || b[i] != '{' {
			return 0, false
		}
		i++
		for {
			if i >= len(b) || b[i] != '"' {
				return 0, false
			}
			end := skipValue(b, i)
			k := b[i+1 : end-1]
			i = end + 1 // past the ':'
			if string(k) == key {
				break
			}
			i = skipValue(b, i)
			if i >= len(b) || b[i] != ',' {
				return 0, false
			}
			i++
		}
	}
	return i, i < len(b)
}

// skipValue returns the offset just past the value at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
