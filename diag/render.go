package diag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Formats accepted by Render.
var Formats = []string{"text", "json", "sarif", "github"}

// Sources maps a file name (as it appears in Pos.File) to its content, so the text
// format can quote the offending line.
type Sources map[string][]byte

// Render writes diags (already sorted) in format to w. Tool and version name the
// producer in SARIF.
func Render(w io.Writer, format string, diags List, src Sources, tool, version string) error {
	switch format {
	case "text", "":
		return renderText(w, diags, src)
	case "json":
		return renderJSON(w, diags)
	case "sarif":
		return renderSARIF(w, diags, tool, version)
	case "github":
		return renderGitHub(w, diags)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func renderText(w io.Writer, diags List, src Sources) error {
	var b bytes.Buffer
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s: %s [%s]\n", d.Pos, d.Severity, d.Message, d.Code)
		if line, ok := sourceLine(src, d.Pos); ok {
			if d.Redact {
				line = redactFrom(line, d.Pos.Col)
			}
			fmt.Fprintf(&b, "  %s\n", line)
			fmt.Fprintf(&b, "  %s^\n", caretPad(line, d.Pos.Col))
		}
		if d.Path != "" {
			fmt.Fprintf(&b, "  = at: %s\n", d.Path)
		}
		for _, r := range d.Related {
			fmt.Fprintf(&b, "  = %s: %s\n", r.Pos, r.Message)
		}
		if d.Suggest != "" {
			fmt.Fprintf(&b, "  = help: %s\n", d.Suggest)
		}
	}
	if len(diags) > 0 {
		errs, warns := diags.Count()
		fmt.Fprintf(&b, "%s, %s\n", plural(errs, "error"), plural(warns, "warning"))
	}
	_, err := w.Write(escapeControls(b.Bytes()))
	return err
}

// escapeControls writes every control character but line breaks and tabs as an escape
// (\x1b): the text goes to a terminal, and file names, messages and quoted lines are
// the user's.
func escapeControls(b []byte) []byte {
	if !bytes.ContainsFunc(b, isControl) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if isControl(r) {
			q := strconv.QuoteRune(r)
			out = append(out, q[1:len(q)-1]...)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == utf8.RuneError)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// sourceLine returns the line pos points at, with tabs kept so the caret lines up.
func sourceLine(src Sources, pos Pos) (string, bool) {
	data, ok := src[pos.File]
	if !ok || pos.Line <= 0 {
		return "", false
	}
	line := 1
	start := 0
	for i := 0; i < len(data) && line < pos.Line; i++ {
		if data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	if line != pos.Line || start > len(data) {
		return "", false
	}
	end := bytes.IndexByte(data[start:], '\n')
	if end < 0 {
		end = len(data) - start
	}
	s := strings.TrimRight(string(data[start:start+end]), "\r")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s, true
}

// caretPad returns the whitespace that puts a caret under column col (1-based, in runes).
func caretPad(line string, col int) string {
	var b strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	return b.String()
}

type jsonReport struct {
	Diagnostics List `json:"diagnostics"`
	Errors      int  `json:"errors"`
	Warnings    int  `json:"warnings"`
}

func renderJSON(w io.Writer, diags List) error {
	errs, warns := diags.Count()
	if diags == nil {
		diags = List{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonReport{Diagnostics: diags, Errors: errs, Warnings: warns})
}

func renderGitHub(w io.Writer, diags List) error {
	var b bytes.Buffer
	for _, d := range diags {
		level := d.Severity.String()
		if d.Severity == Note {
			level = "notice" // GitHub's word for it
		}
		msg := d.Message
		if d.Suggest != "" {
			msg += " (" + d.Suggest + ")"
		}
		props := []string{"file=" + ghProp(d.Pos.File)}
		if d.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
		}
		if d.Pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
		}
		props = append(props, "title="+ghProp(d.Code))
		fmt.Fprintf(&b, "::%s %s::%s\n", level, strings.Join(props, ","), ghData(msg))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// ghData and ghProp escape workflow-command text as the GitHub Actions toolkit does.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// redactFrom replaces the text from column col (1-based, in runes) to the end of line.
func redactFrom(line string, col int) string {
	r := []rune(line)
	if col < 1 || col > len(r) {
		return line
	}
	return string(r[:col-1]) + "**********"
}
