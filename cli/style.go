package cli

import (
	"bytes"
	"io"
	"os"
	"regexp"

	"golang.org/x/term"
)

// ANSI styles. floe colours only what helps the eye: severities, ok/FAIL, the caret.
const (
	styleBold   = "1"
	styleRed    = "1;31"
	styleYellow = "1;33"
	styleGreen  = "32"
	styleCyan   = "36"
	styleDim    = "2"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorOn reports whether output to w is coloured: --color always, or --color auto
// (the default) on a terminal when NO_COLOR is not set (https://no-color.org: any
// non-empty value) and TERM is not "dumb".
func (e *env) colorOn(w io.Writer) bool {
	switch e.color {
	case "always":
		return true
	case "never":
		return false
	}
	if e.getenv("NO_COLOR") != "" || e.getenv("TERM") == "dumb" {
		return false
	}
	return e.terminal != nil && e.terminal(w)
}

// paint wraps s in style when output to w is coloured.
func (e *env) paint(w io.Writer, s, style string) string {
	if !e.colorOn(w) || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

var (
	diagHead  = regexp.MustCompile(`^(.*?:\d+:\d+: |[^ ].*?: )(error|warning|note)(: .*)$`)
	diagCaret = regexp.MustCompile(`^ +\^$`)
	diagHelp  = regexp.MustCompile(`^(  = help:)(.*)$`)
	diagTotal = regexp.MustCompile(`^(\d+) errors?, (\d+) warnings?$`)
)

// colorDiagnostics colours diagnostics rendered as text (diag's text format): the
// severity, the caret and the help line. The text itself is unchanged, so what a
// terminal shows and what a pipe gets differ only by escape sequences.
func (e *env) colorDiagnostics(w io.Writer, text []byte) []byte {
	if !e.colorOn(w) {
		return text
	}
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(text, []byte("\n")) {
		body := bytes.TrimSuffix(line, []byte("\n"))
		nl := line[len(body):]
		s := string(body)
		switch {
		case diagHead.MatchString(s):
			m := diagHead.FindStringSubmatch(s)
			style := styleRed
			switch m[2] {
			case "warning":
				style = styleYellow
			case "note":
				style = styleCyan
			}
			s = e.paint(w, m[1], styleBold) + e.paint(w, m[2], style) + e.paint(w, m[3], styleBold)
		case diagCaret.MatchString(s):
			s = e.paint(w, s, styleGreen)
		case diagHelp.MatchString(s):
			m := diagHelp.FindStringSubmatch(s)
			s = e.paint(w, m[1], styleCyan) + m[2]
		case diagTotal.MatchString(s):
			s = e.paint(w, s, styleBold)
		}
		out.WriteString(s)
		out.Write(nl)
	}
	return out.Bytes()
}
