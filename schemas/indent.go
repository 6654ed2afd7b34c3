package schemas

import "bytes"

// AppendIndent appends src, compact JSON as json.Marshal writes it, to dst indented two
// spaces a level: byte for byte what json.Indent(dst, src, "", "  ") gives (empty objects
// and lists stay {} and []), at a fraction of its cost, because it relies on src being
// compact and valid instead of running the full JSON scanner over every byte.
// FuzzAppendIndent checks it against json.Indent; use json.Indent for anything else.
func AppendIndent(dst, src []byte) []byte {
	dst = slicesGrow(dst, len(src)+len(src)/2)
	depth := 0
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

func slicesGrow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		return nb
	}
	return b
}
