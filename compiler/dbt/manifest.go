package dbt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// dbt's manifest.json is big (hundreds of megabytes for a large project: every node's
// SQL, every macro, the docs) and the check needs little of it: per node its name,
// type, package, file, checksum and dependencies. decodeManifest streams it: the nodes
// are decoded one at a time and everything else is skipped as it is read, so memory
// stays bounded by the largest node, whatever the size of the file.

// errTruncated is what a manifest that ends inside a value reports (dbt killed while
// writing it), in encoding/json's words.
var errTruncated = errors.New("unexpected end of JSON input")

// decodeManifest reads a manifest.json from r.
func decodeManifest(r io.Reader) (*manifest, error) {
	s := &jsonScanner{r: r, buf: make([]byte, 64<<10)}
	m := &manifest{}
	if err := s.object(func(key string) error {
		if key != "nodes" {
			return s.skipValue()
		}
		return s.nodes(m)
	}); err != nil {
		return nil, err
	}
	if c, ok := s.peek(); ok {
		return nil, fmt.Errorf("invalid character %q after top-level value", c)
	}
	if s.err != nil && s.err != io.EOF {
		return nil, s.err
	}
	return m, nil
}

// nodes decodes the "nodes" object, one node at a time.
func (s *jsonScanner) nodes(m *manifest) error {
	c, ok := s.peek()
	if !ok {
		return s.failure()
	}
	if c == 'n' { // null: no nodes
		return s.skipValue()
	}
	if c != '{' {
		if err := s.skipValue(); err != nil {
			return err
		}
		return errors.New("nodes is not a JSON object")
	}
	if m.Nodes == nil {
		m.Nodes = map[string]manifestNode{}
	}
	return s.object(func(id string) error {
		n, err := s.node()
		if err != nil {
			return fmt.Errorf("nodes.%s: %w", id, err)
		}
		m.Nodes[id] = n
		return nil
	})
}

// node decodes one node's fields the check reads (matched as encoding/json matches
// them, ignoring case) and skips the rest (its SQL, its config, …) unread.
func (s *jsonScanner) node() (manifestNode, error) {
	var n manifestNode
	c, ok := s.peek()
	if !ok {
		return n, s.failure()
	}
	if c == 'n' { // null
		return n, s.skipValue()
	}
	if c != '{' {
		if err := s.skipValue(); err != nil {
			return n, err
		}
		return n, errors.New("not a JSON object")
	}
	var raw []byte
	err := s.object(func(key string) error {
		var dst any
		switch {
		case strings.EqualFold(key, "name"):
			dst = &n.Name
		case strings.EqualFold(key, "resource_type"):
			dst = &n.ResourceType
		case strings.EqualFold(key, "package_name"):
			dst = &n.PackageName
		case strings.EqualFold(key, "original_file_path"):
			dst = &n.OriginalFilePath
		case strings.EqualFold(key, "checksum"):
			dst = &n.Checksum
		case strings.EqualFold(key, "depends_on"):
			dst = &n.DependsOn
		default:
			return s.skipValue()
		}
		raw = raw[:0]
		s.capture = &raw
		err := s.skipValue()
		s.capture = nil
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		return nil
	})
	return n, err
}

// jsonScanner reads JSON text from r through its own buffer, skipping values without
// decoding them (and copying their bytes to capture, when set).
type jsonScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	err      error
	capture  *[]byte
}

// fill reads more input when the buffer is used up; false at the end (or an error).
func (s *jsonScanner) fill() bool {
	if s.pos < s.end {
		return true
	}
	if s.err != nil {
		return false
	}
	n, err := s.r.Read(s.buf)
	s.pos, s.end = 0, n
	if err != nil {
		s.err = err
	}
	return n > 0 || s.fill()
}

// consume moves past n buffered bytes.
func (s *jsonScanner) consume(n int) {
	if s.capture != nil {
		*s.capture = append(*s.capture, s.buf[s.pos:s.pos+n]...)
	}
	s.pos += n
}

// peek skips white space and returns the next byte without consuming it.
func (s *jsonScanner) peek() (byte, bool) {
	for s.fill() {
		c := s.buf[s.pos]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, true
		}
		s.pos++
	}
	return 0, false
}

// failure is the error of input that ended too early.
func (s *jsonScanner) failure() error {
	if s.err != nil && s.err != io.EOF {
		return s.err
	}
	return errTruncated
}

// expect consumes the byte c (after white space).
func (s *jsonScanner) expect(c byte) error {
	got, ok := s.peek()
	if !ok {
		return s.failure()
	}
	if got != c {
		return fmt.Errorf("invalid character %q, want %q", got, c)
	}
	s.consume(1)
	return nil
}

// object reads an object, calling each with every key, positioned at its value (which
// each must consume).
func (s *jsonScanner) object(each func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if c, ok := s.peek(); ok && c == '}' {
		s.consume(1)
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := each(key); err != nil {
			return err
		}
		c, ok := s.peek()
		if !ok {
			return s.failure()
		}
		s.consume(1)
		switch c {
		case ',':
		case '}':
			return nil
		default:
			return fmt.Errorf("invalid character %q after an object value", c)
		}
	}
}

// key reads an object key.
func (s *jsonScanner) key() (string, error) {
	c, ok := s.peek()
	if !ok {
		return "", s.failure()
	}
	if c != '"' {
		return "", fmt.Errorf("invalid character %q looking for an object key", c)
	}
	saved := s.capture
	var raw []byte
	s.capture = &raw
	err := s.skipString()
	s.capture = saved
	if err != nil {
		return "", err
	}
	if saved != nil {
		*saved = append(*saved, raw...)
	}
	if !bytes.ContainsRune(raw, '\\') {
		return string(raw[1 : len(raw)-1]), nil
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", err
	}
	return k, nil
}

// skipString consumes a string (positioned at its opening quote). It looks for the
// next quote (a fast byte search, most of a manifest is strings) and tells an escaped
// one by the backslashes before it.
func (s *jsonScanner) skipString() error {
	s.consume(1)
	carry := false // the bytes consumed so far end in an unpaired backslash
	for s.fill() {
		chunk := s.buf[s.pos:s.end]
		i := bytes.IndexByte(chunk, '"')
		if i < 0 {
			carry = oddBackslashes(chunk, carry)
			s.consume(len(chunk))
			continue
		}
		escaped := oddBackslashes(chunk[:i], carry)
		s.consume(i + 1)
		if !escaped {
			return nil
		}
		carry = false
	}
	return s.failure()
}

// oddBackslashes reports whether b ends in an odd run of backslashes, counting carry
// (an unpaired backslash before b) when b is all backslashes.
func oddBackslashes(b []byte, carry bool) bool {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	if n == len(b) && carry {
		n++
	}
	return n%2 == 1
}

// skipValue consumes one value: a string, an object or array (however deep), or a
// literal. Only the nesting is checked here; a captured value is checked by its decoder.
func (s *jsonScanner) skipValue() error {
	c, ok := s.peek()
	if !ok {
		return s.failure()
	}
	switch c {
	case '"':
		return s.skipString()
	case '{', '[':
		depth := 0
		for s.fill() {
			i := bytes.IndexAny(s.buf[s.pos:s.end], "\"{}[]")
			if i < 0 {
				s.consume(s.end - s.pos)
				continue
			}
			s.consume(i)
			switch s.buf[s.pos] {
			case '"':
				if err := s.skipString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			default:
				depth--
			}
			s.consume(1)
			if depth == 0 {
				return nil
			}
		}
		return s.failure()
	case '}', ']', ',', ':':
		return fmt.Errorf("invalid character %q looking for a value", c)
	}
	for s.fill() { // a literal: up to the next delimiter
		i := bytes.IndexAny(s.buf[s.pos:s.end], ",}] \t\r\n")
		if i >= 0 {
			s.consume(i)
			return nil
		}
		s.consume(s.end - s.pos)
	}
	if s.err == io.EOF {
		return nil // a literal may end the input; the caller sees what is missing
	}
	return s.failure()
}
