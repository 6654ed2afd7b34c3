package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Float is a float64 that serializes the way Python's json module does (repr):
// 1.0, 0.5, 30.0, 1e+20, 1.5e-07. Integral values keep their ".0".
type Float float64

// MarshalJSON writes f in Python repr form.
func (f Float) MarshalJSON() ([]byte, error) {
	return []byte(PyFloat(float64(f))), nil
}

// PyFloat formats v like Python's float.__repr__ (and json.dumps): shortest round-trip
// digits, fixed notation when -4 <= exponent < 16, scientific otherwise.
func PyFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case math.IsNaN(v):
		return "NaN"
	}
	s := strconv.FormatFloat(v, 'e', -1, 64) // d.ddde±XX
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	if exp >= -5 && exp < 16 { // Python: repr uses fixed notation when -4 <= decpt-1 < 16
		if exp < -4 {
			goto sci
		}
		if exp >= 0 {
			if len(digits) <= exp+1 {
				out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
			} else {
				out = digits[:exp+1] + "." + digits[exp+1:]
			}
		} else {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		}
		if neg {
			out = "-" + out
		}
		return out
	}
sci:
	out = digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	sign := "+"
	if exp < 0 {
		sign = "-"
		exp = -exp
	}
	out += fmt.Sprintf("e%s%02d", sign, exp)
	if neg {
		out = "-" + out
	}
	return out
}

// Int is an integer kept as its decimal text, so arbitrarily large YAML integers survive.
type Int string

// MarshalJSON writes the integer text.
func (i Int) MarshalJSON() ([]byte, error) { return []byte(i), nil }

// Map is a free-form JSON object that keeps its keys in insertion (YAML) order.
// Values are nil, bool, string, Int, Float, []any or *Map.
type Map struct {
	Items []MapItem
}

// MapItem is one key/value of a Map.
type MapItem struct {
	Key   string
	Value any
}

// NewMap returns an empty, non-nil Map.
func NewMap() *Map { return &Map{Items: []MapItem{}} }

// Get returns the value for key and whether it is present.
func (m *Map) Get(key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	for _, it := range m.Items {
		if it.Key == key {
			return it.Value, true
		}
	}
	return nil, false
}

// Set replaces key's value, or appends the key when absent.
func (m *Map) Set(key string, v any) {
	for i := range m.Items {
		if m.Items[i].Key == key {
			m.Items[i].Value = v
			return
		}
	}
	m.Items = append(m.Items, MapItem{Key: key, Value: v})
}

// Len is the number of keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.Items)
}

// Clone deep-copies m.
func (m *Map) Clone() *Map {
	if m == nil {
		return nil
	}
	out := &Map{Items: make([]MapItem, len(m.Items))}
	for i, it := range m.Items {
		out.Items[i] = MapItem{Key: it.Key, Value: cloneValue(it.Value)}
	}
	return out
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case *Map:
		return t.Clone()
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// MarshalJSON writes the object with keys in order.
func (m Map) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, it := range m.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := AppendJSON(nil, it.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := AppendJSON(nil, it.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object keeping key order; numbers become Int or Float.
func (m *Map) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		return err
	}
	mm, ok := v.(*Map)
	if !ok {
		return fmt.Errorf("expected a mapping")
	}
	*m = *mm
	return nil
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := NewMap()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				m.Items = append(m.Items, MapItem{Key: key, Value: v})
			}
			_, err := dec.Token()
			return m, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		s := string(t)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			return Float(f), err
		}
		return Int(s), nil
	default:
		return tok, nil
	}
}

// MarshalPython serializes v the way the reference writes compiled_artifacts.json:
// Python json.dumps(indent=2) — two-space indent, ", "/": " separators, ASCII-only
// (non-ASCII as \uXXXX escapes), Python float repr, no trailing newline.
func MarshalPython(v any) ([]byte, error) {
	b, err := AppendJSON(nil, v)
	if err != nil {
		return nil, err
	}
	return asciiEscape(AppendIndent(nil, b)), nil
}

// MarshalArtifacts is MarshalPython(ca) with the models encoded on every CPU (most of
// the bytes of a big product), each handed to check (when not nil) as it is encoded.
func MarshalArtifacts(ca *CompiledArtifacts, check ListChecker) ([]byte, error) {
	b, err := writeArtifacts(ca, check, true)
	if err != nil {
		return nil, err
	}
	return asciiEscape(b), nil
}

// CheckArtifacts is MarshalArtifacts for an artifact that is checked, not written.
func CheckArtifacts(ca *CompiledArtifacts, check ListChecker) error {
	_, err := writeArtifacts(ca, check, false)
	return err
}

func writeArtifacts(ca *CompiledArtifacts, check ListChecker, indent bool) ([]byte, error) {
	if ca.Transforms == nil {
		return nil, errors.New("compiled artifacts without transforms") // lower always writes them
	}
	doc, t := *ca, *ca.Transforms
	models := t.Models
	t.Models = []ResolvedModel{}
	doc.Transforms = &t
	return writeList(&doc, []string{"transforms", "models"}, len(models), func(i int) any { return &models[i] }, check, indent)
}

// asciiEscape rewrites every non-ASCII rune as a JSON \u escape (surrogate pairs above
// U+FFFF), as Python's ensure_ascii does. JSON structure is ASCII, so only string
// contents change.
func asciiEscape(in []byte) []byte {
	ascii := true
	for _, c := range in {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return in
	}
	out := make([]byte, 0, len(in)+len(in)/4)
	for len(in) > 0 {
		r, size := utf8.DecodeRune(in)
		in = in[size:]
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case r <= 0xFFFF:
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			r -= 0x10000
			out = fmt.Appendf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		}
	}
	return out
}
