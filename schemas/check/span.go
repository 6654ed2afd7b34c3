package check

import (
	"encoding/json"
	"unsafe"
)

// validSpan is valid for the JSON text b of one value (nothing around it), read in
// place: objects and arrays are walked in the text, not built, and only scalars become
// values (borrowing b's bytes) for valid itself to judge. Like valid, false means
// "invalid, or not judged here": text this reader does not take (escapes in a string,
// a duplicate key where the count of keys matters, anything malformed) is left to the
// parsing path. True only where valid on the parsed value is true (FuzzValidSpan).
func (n *node) validSpan(b []byte) bool {
	end, ok := n.spanAt(b, 0, 0)
	return ok && end == len(b)
}

// spanAt judges the value that starts at b[i], at nesting depth, and returns where it
// ends: the text is read once, each value judged as the walk reaches it.
func (n *node) spanAt(b []byte, i, depth int) (int, bool) {
	if n.never || i >= len(b) {
		return 0, false
	}
	var k uint8
	switch b[i] {
	case '{':
		k = tObj
	case '[':
		k = tArr
	default:
		end, ok := valueEnd(b, i, depth)
		if !ok {
			return 0, false
		}
		v, ok := scalarOf(b[i:end])
		return end, ok && n.valid(v)
	}
	if depth++; depth > maxJSONDepth {
		return 0, false
	}
	if n.types != 0 && n.types&k == 0 {
		return 0, false
	}
	if n.enum != nil || n.hasConst || n.oneOf != nil {
		return 0, false // enum and const hold scalars only; oneOf is never judged here
	}
	end, ok := -1, true
	if n.ref != nil {
		// Most refs are all there is to a node (an item of a list): the text is then
		// walked once, by the ref.
		if end, ok = n.ref.spanAt(b, i, depth-1); !ok {
			return 0, false
		}
	}
	if n.ref == nil || n.bounds(k) {
		var e int
		if k == tArr {
			e, ok = n.arrayAt(b, i, depth)
		} else {
			e, ok = n.objectAt(b, i, depth)
		}
		if !ok || end >= 0 && e != end {
			return 0, false
		}
		end = e
	}
	for _, s := range n.allOf {
		if !s.validSpan(b[i:end]) {
			return 0, false
		}
	}
	if n.anyOf != nil {
		for _, s := range n.anyOf {
			if s.validSpan(b[i:end]) {
				return end, true
			}
		}
		return 0, false
	}
	return end, true
}

// bounds says whether n constrains arrays (k is tArr) or objects (tObj) itself.
func (n *node) bounds(k uint8) bool {
	if k == tArr {
		return n.items != nil || n.minItems > 0 || n.maxItems >= 0
	}
	return n.props != nil || n.required != nil || n.additional != nil || n.minProps > 0 || n.maxProps >= 0
}

// spanOf is n.spanAt, or, for no schema (anything goes), the end of a well-formed value.
func spanOf(n *node, b []byte, i, depth int) (int, bool) {
	if n == nil {
		return valueEnd(b, i, depth)
	}
	return n.spanAt(b, i, depth)
}

// arrayAt judges the items and the count of the array that starts at b[i] (depth
// counts it), and returns where it ends.
func (n *node) arrayAt(b []byte, i, depth int) (int, bool) {
	count := 0
	end, ok := members(b, i, func(_ []byte, j int) (int, bool) {
		count++
		return spanOf(n.items, b, j, depth)
	})
	return end, ok && count >= n.minItems && (n.maxItems < 0 || count <= n.maxItems)
}

// objectAt judges the properties, the required keys and the count of the object that
// starts at b[i] (depth counts it), and returns where it ends.
func (n *node) objectAt(b []byte, i, depth int) (int, bool) {
	if len(n.required) > 64 {
		return 0, false
	}
	var seen uint64 // bit r: required[r] is there
	var keys []string
	count := 0
	end, ok := members(b, i, func(kb []byte, j int) (int, bool) {
		key := unsafe.String(unsafe.SliceData(kb), len(kb))
		if n.minProps > 0 {
			// A repeated key counts once in the parsed object: count keys as it does.
			for _, k := range keys {
				if k == key {
					return 0, false
				}
			}
			keys = append(keys, key)
		}
		count++
		for r, name := range n.required {
			if name == key {
				seen |= 1 << r
			}
		}
		value := n.additional
		if p, ok := n.props[key]; ok {
			value = p
		}
		return spanOf(value, b, j, depth)
	})
	return end, ok && seen == 1<<len(n.required)-1 &&
		count >= n.minProps && (n.maxProps < 0 || count <= n.maxProps)
}

// members walks the array or object whose opening bracket is at b[i]: each is called
// with a member's key (the bytes between its quotes; nil in an array) and the offset of
// its value, and returns where that value ends. members returns where the array or
// object ends, after its closing bracket; false for anything malformed, or when each
// returned false.
func members(b []byte, i int, each func(key []byte, j int) (int, bool)) (int, bool) {
	close := byte(']')
	if b[i] == '{' {
		close = '}'
	}
	if i = skipSpace(b, i+1); i < len(b) && b[i] == close {
		return i + 1, true
	}
	for {
		var key []byte
		if close == '}' {
			keyEnd, ok := stringEnd(b, i)
			if !ok {
				return 0, false
			}
			key = b[i+1 : keyEnd-1]
			if i = skipSpace(b, keyEnd); i >= len(b) || b[i] != ':' {
				return 0, false
			}
			i = skipSpace(b, i+1)
		}
		end, ok := each(key, i)
		if !ok {
			return 0, false
		}
		if i = skipSpace(b, end); i >= len(b) {
			return 0, false
		}
		if b[i] == close {
			return i + 1, true
		}
		if b[i] != ',' {
			return 0, false
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
		return members(b, i, func(_ []byte, j int) (int, bool) { return valueEnd(b, j, depth) })
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
		raw := b[1 : len(b)-1] // valid UTF-8 without escapes (stringEnd)
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
