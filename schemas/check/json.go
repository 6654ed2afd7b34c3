package check

import (
	"bytes"
	"encoding/json"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ParseJSON returns the generic value of the JSON document b as
// jsonschema.UnmarshalJSON does (objects as map[string]any, numbers as json.Number),
// several times faster on what floe's encoders write: a direct parser handles
// documents whose strings have no escapes, and anything else (escapes, invalid input)
// goes to jsonschema.UnmarshalJSON. FuzzParseJSON checks both agree.
func ParseJSON(b []byte) (any, error) {
	return parseJSON(b, nil)
}

// parseJSON is ParseJSON, with object keys taken from keys when given (a document of
// many small items repeats a few keys).
func parseJSON(b []byte, keys *keyCache) (any, error) {
	p := jsonParser{b: b, keys: keys}
	return p.parse()
}

func (p *jsonParser) parse() (any, error) {
	b := p.b
	v, ok := p.value()
	if ok {
		p.space()
		if p.i == len(p.b) {
			return v, nil
		}
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

type jsonParser struct {
	b     []byte
	i     int
	depth int
	keys  *keyCache
}

// keyCache holds the object keys parsed so far, for reuse (safe for concurrent use).
type keyCache struct {
	mu   sync.RWMutex
	keys map[string]string
}

// key returns raw as a string, the one of the cache when raw was seen before.
func (c *keyCache) key(raw []byte) string {
	c.mu.RLock()
	s, ok := c.keys[string(raw)]
	c.mu.RUnlock()
	if ok {
		return s
	}
	s = string(raw)
	c.mu.Lock()
	if c.keys == nil {
		c.keys = map[string]string{}
	}
	if len(c.keys) < 1024 {
		c.keys[s] = s
	}
	c.mu.Unlock()
	return s
}

// maxJSONDepth is encoding/json's nesting limit: deeper documents are its to refuse.
const maxJSONDepth = 10000

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses one value; false means "not handled here" (or invalid).
func (p *jsonParser) value() (any, bool) {
	p.space()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		if p.depth++; p.depth > maxJSONDepth {
			return nil, false
		}
		defer func() { p.depth-- }()
		p.i++
		m := map[string]any{}
		p.space()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return m, true
		}
		for {
			p.space()
			k, ok := p.key()
			if !ok {
				return nil, false
			}
			p.space()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, false
			}
			p.i++
			v, ok := p.value()
			if !ok {
				return nil, false
			}
			m[k] = v
			p.space()
			if p.i >= len(p.b) {
				return nil, false
			}
			switch p.b[p.i] {
			case ',':
				p.i++
			case '}':
				p.i++
				return m, true
			default:
				return nil, false
			}
		}
	case c == '[':
		if p.depth++; p.depth > maxJSONDepth {
			return nil, false
		}
		defer func() { p.depth-- }()
		p.i++
		l := []any{}
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return l, true
		}
		for {
			v, ok := p.value()
			if !ok {
				return nil, false
			}
			l = append(l, v)
			p.space()
			if p.i >= len(p.b) {
				return nil, false
			}
			switch p.b[p.i] {
			case ',':
				p.i++
			case ']':
				p.i++
				return l, true
			default:
				return nil, false
			}
		}
	case c == '"':
		s, ok := p.str()
		return s, ok
	case c == 't':
		return true, p.word("true")
	case c == 'f':
		return false, p.word("false")
	case c == 'n':
		return nil, p.word("null")
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.i
		if !p.number() {
			return nil, false
		}
		return json.Number(p.b[start:p.i]), true
	}
	return nil, false
}

func (p *jsonParser) word(w string) bool {
	if !bytes.HasPrefix(p.b[p.i:], []byte(w)) {
		return false
	}
	p.i += len(w)
	return true
}

// key parses an object key (a string, see str).
func (p *jsonParser) key() (string, bool) {
	raw, ok := p.raw()
	if !ok {
		return "", false
	}
	if p.keys != nil {
		return p.keys.key(raw), true
	}
	return string(raw), true
}

// str parses a string with no escapes and no control characters, in valid UTF-8.
func (p *jsonParser) str() (string, bool) {
	raw, ok := p.raw()
	return string(raw), ok
}

// raw parses a string (see str) and returns its bytes.
func (p *jsonParser) raw() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(p.b[p.i+1:], '"')
	if end < 0 {
		return nil, false
	}
	raw := p.b[p.i+1 : p.i+1+end]
	for _, c := range raw {
		if c < 0x20 || c == '\\' {
			return nil, false
		}
	}
	if !utf8.Valid(raw) {
		return nil, false
	}
	p.i += end + 2
	return raw, true
}

// number scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() bool {
	b, i := p.b, p.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	p.i = i
	return true
}
