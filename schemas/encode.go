package schemas

import (
	"bytes"
	"encoding/json"
)

// AppendJSON appends v's compact JSON to dst, without HTML escaping ("<", ">" and "&"
// stay as written: floe's files are read by programs and people, not browsers) and
// without the encoder's final newline. It is the one JSON encoder set-up of floe's own
// files; every other writer starts from it.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	return newJSONAppender().append(dst, v)
}

// jsonAppender is AppendJSON's encoder, kept by a loop that encodes many values.
type jsonAppender struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newJSONAppender() *jsonAppender {
	a := &jsonAppender{}
	a.enc = json.NewEncoder(&a.buf)
	a.enc.SetEscapeHTML(false)
	return a
}

// append appends v's compact JSON to dst.
func (a *jsonAppender) append(dst []byte, v any) ([]byte, error) {
	a.buf.Reset()
	if err := a.enc.Encode(v); err != nil {
		return nil, err
	}
	return append(dst, bytes.TrimSuffix(a.buf.Bytes(), []byte("\n"))...), nil
}

// IndentJSON encodes v as two-space indented JSON with a final newline, without HTML
// escaping: the format of every JSON file floe itself defines.
func IndentJSON(v any) ([]byte, error) {
	b, err := AppendJSON(nil, v)
	if err != nil {
		return nil, err
	}
	return append(AppendIndent(nil, b), '\n'), nil
}
