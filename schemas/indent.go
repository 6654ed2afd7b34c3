package schemas

import (
	"bytes"
	"errors"
	"slices"

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

// ErrNoSplice says IndentSplice could not find the one place of the list.
var ErrNoSplice = errors.New("list position not found")

// IndentSplice returns the two-space indented JSON of doc (without HTML escaping) in
// which the value of key, a member of an object depth levels deep, is the list of the
// n items: doc must hold that list empty, and the items are encoded (and passed to
// check, as compact JSON, when check is not nil) on every CPU. The bytes are those of
// encoding the whole document at once (TestIndentSplice). When the empty list cannot be
// found exactly once, the error says so and the caller encodes the document whole.
func IndentSplice(doc any, key string, depth, n int, item func(i int) any, check func(i int, compact []byte) error) ([]byte, error) {
	compact, err := AppendJSON(nil, doc)
	if err != nil {
		return nil, err
	}
	head := AppendIndent(nil, compact)
	pad := bytes.Repeat([]byte("  "), depth)
	marker := append(append(append([]byte("\n"), pad...), '"'), key...)
	marker = append(marker, `": []`...)
	at := bytes.Index(head, marker)
	if at < 0 || bytes.Index(head[at+len(marker):], marker) >= 0 {
		return nil, ErrNoSplice
	}
	if n == 0 {
		return head, nil
	}
	open := at + len(marker) - 1 // the ']' of "[]"
	workers := par.Workers(n, par.MinPer)
	chunks := make([][]byte, workers)
	err = par.Ranges(workers, n, func(w, lo, hi int) error {
		var buf, scratch []byte
		inner := append([]byte("\n"), bytes.Repeat([]byte("  "), depth+1)...)
		for i := lo; i < hi; i++ {
			var err error
			if scratch, err = AppendJSON(scratch[:0], item(i)); err != nil {
				return err
			}
			if check != nil {
				if err := check(i, scratch); err != nil {
					return err
				}
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
	if err != nil {
		return nil, err
	}
	size := len(head) + len(pad) + 1
	for _, c := range chunks {
		size += len(c)
	}
	out := make([]byte, 0, size)
	out = append(out, head[:open]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	out = append(out, '\n')
	out = append(out, pad...)
	out = append(out, head[open:]...)
	return out, nil
}
