package check

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// validSpan is valid for the JSON text b of one value (nothing around it), read in
// place: objects and arrays are walked in the text, not built, and only scalars become
// values (borrowing b's bytes) for valid itself to judge. Like valid, false means
// "invalid, or not judged here": text this reader does not take (escapes in a string,
// a duplicate key where the count of keys matters, anything malformed) is left to the
// parsing path. True only where valid on the parsed value is true (FuzzValidSpan).
func (n *node) validSpan(b []byte) bool {
	if n.never || len(b) == 0 {
		return false
	}
	var k uint8
	switch b[0] {
	case '{':
		k = tObj
	case '[':
		k = tArr
	default:
		v, ok := scalarOf(b)
		return ok && n.valid(v)
	}
	if n.types != 0 && n.types&k == 0 {
		return false
	}
	if n.enum != nil || n.hasConst || n.oneOf != nil {
		return false // enum and const hold scalars only; oneOf is never judged here
	}
	if n.ref != nil && !n.ref.validSpan(b) {
		return false
	}
	if k == tArr && !n.validArray(b) || k == tObj && !n.validObject(b) {
		return false
	}
	for _, s := range n.allOf {
		if !s.validSpan(b) {
			return false
		}
	}
	if n.anyOf != nil {
		for _, s := range n.anyOf {
			if s.validSpan(b) {
				return true
			}
		}
		return false
	}
	return true
}

// validArray judges the items and the count of the array b.
func (n *node) validArray(b []byte) bool {
	count := 0
	ok := elements(b, '[', ']', func(_, v []byte) bool {
		count++
		return n.items == nil || n.items.validSpan(v)
	})
	return ok && count >= n.minItems && (n.maxItems < 0 || count <= n.maxItems)
}

// validObject judges the properties, the required keys and the count of the object b.
func (n *node) validObject(b []byte) bool {
	if len(n.required) > 64 {
		return false
	}
	var seen uint64 // bit i: required[i] is there
	var keys []string
	count := 0
	ok := elements(b, '{', '}', func(kb, v []byte) bool {
		key := unsafe.String(unsafe.SliceData(kb), len(kb))
		if n.minProps > 0 {
			// A repeated key counts once in the parsed object: count keys as it does.
			for _, k := range keys {
				if k == key {
					return false
				}
			}
			keys = append(keys, key)
		}
		count++
		for i, r := range n.required {
			if r == key {
				seen |= 1 << i
			}
		}
		if p, ok := n.props[key]; ok {
			return p.validSpan(v)
		}
		return n.additional == nil || n.additional.validSpan(v)
	})
	return ok && seen == 1<<len(n.required)-1 &&
		count >= n.minProps && (n.maxProps < 0 || count <= n.maxProps)
}

// elements walks the array or object b (open and close its brackets), calling each
// with an object member's key (the bytes between its quotes; nil in an array) and
// value text, until each returns false. It reports whether b is exactly that array or
// object and each returned true.
func elements(b []byte, open, close byte, each func(key, v []byte) bool) bool {
	if len(b) < 2 || b[0] != open || b[len(b)-1] != close {
		return false
	}
	i := skipSpace(b, 1)
	if i == len(b)-1 {
		return true // empty
	}
	for {
		var key []byte
		if open == '{' {
			end, ok := stringEnd(b, i)
			if !ok {
				return false
			}
			key = b[i+1 : end-1]
			if i = skipSpace(b, end); i >= len(b) || b[i] != ':' {
				return false
			}
			i = skipSpace(b, i+1)
		}
		end, ok := valueEnd(b, i, 0)
		if !ok || !each(key, b[i:end]) {
			return false
		}
		i = skipSpace(b, end)
		switch {
		case i >= len(b)-1: // at the closing bracket, or the value took it: [[1]
			return i == len(b)-1
		case b[i] != ',':
			return false
		}
		i = skipSpace(b, i+1)
	}
}

// valueEnd returns where the value starting at b[i] ends: after its closing quote or
// bracket, or its last character. Strings with escapes or control characters, and
// nesting deeper than encoding/json's limit, are not taken.
func valueEnd(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; c {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		if depth++; depth > maxJSONDepth {
			return 0, false
		}
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		j := skipSpace(b, i+1)
		if j < len(b) && b[j] == close {
			return j + 1, true
		}
		for {
			if c == '{' {
				end, ok := stringEnd(b, j)
				if !ok {
					return 0, false
				}
				if j = skipSpace(b, end); j >= len(b) || b[j] != ':' {
					return 0, false
				}
				j = skipSpace(b, j+1)
			}
			end, ok := valueEnd(b, j, depth)
			if !ok {
				return 0, false
			}
			j = skipSpace(b, end)
			if j >= len(b) {
				return 0, false
			}
			if b[j] == close {
				return j + 1, true
			}
			if b[j] != ',' {
				return 0, false
			}
			j = skipSpace(b, j+1)
		}
	default: // a number, true, false or null: up to the next delimiter, and well formed
		j := i
	scan:
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				break scan
			}
			j++
		}
		if j == i {
			return 0, false
		}
		_, ok := scalarOf(b[i:j])
		return j, ok
	}
}

// stringEnd returns where the string starting at b[i] ends (after its closing quote):
// a string without escapes or control characters, in valid UTF-8.
func stringEnd(b []byte, i int) (int, bool) {
	p := jsonParser{b: b, i: i}
	if _, ok := p.raw(); !ok {
		return 0, false
	}
	return p.i, true
}

// scalarOf is the value of the scalar text b as the parser gives it (strings borrow
// b's bytes; numbers are json.Number), or false when b is not one it takes.
func scalarOf(b []byte) (any, bool) {
	switch b[0] {
	case '"':
		end, ok := stringEnd(b, 0)
		if !ok || end != len(b) {
			return nil, false
		}
		raw := b[1 : len(b)-1]
		if !utf8.Valid(raw) {
			return nil, false
		}
		return unsafe.String(unsafe.SliceData(raw), len(raw)), true
	case 't', 'f', 'n':
		switch string(b) {
		case "true":
			return true, true
		case "false":
			return false, true
		case "null":
			return nil, true
		}
		return nil, false
	}
	p := jsonParser{b: b}
	if !p.number() || p.i != len(b) {
		return nil, false
	}
	return json.Number(unsafe.String(unsafe.SliceData(b), len(b))), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
