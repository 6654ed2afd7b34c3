package compiler

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// Redacted returns the run's diagnostics and the sources they quote as they may be
// shown: every literal secret of the inputs replaced by schemas.Redacted in the quoted
// lines and in the messages, whatever the diagnostic (a YAML syntax error or a schema
// error on a secret's line, too). Res.Diags and Res.Sources stay as they are (the
// up-to-date check hashes the sources).
//
// Only the files the diagnostics point at are redacted. Their secrets come from the
// govern pass when it ran, else from parsing the file again (the run stopped at an
// error, so this costs nothing on the successful path), and in every case from a
// line-by-line scan that needs no parse (a file with a syntax error has no tree).
func (r *Result) Redacted() (diag.List, diag.Sources) {
	if len(r.Diags) == 0 {
		return r.Diags, diag.Sources{}
	}
	var names []string
	for _, d := range r.Diags {
		names = append(names, d.Pos.File)
		for _, rel := range d.Related {
			names = append(names, rel.Pos.File)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	quoted := map[string]map[int]bool{} // the lines the text renderer quotes, by file
	for _, d := range r.Diags {
		if quoted[d.Pos.File] == nil {
			quoted[d.Pos.File] = map[int]bool{}
		}
		quoted[d.Pos.File][d.Pos.Line-1] = true
	}
	src := diag.Sources{}
	// A value that is a secret in one input is one in every input and every line.
	secrets := r.SecretStrings()
	for _, name := range names {
		b, ok := r.Sources[name]
		if !ok {
			continue
		}
		found, ok := r.secrets[name]
		if !ok {
			f, _ := parse.Parse(name, b)
			found = validate.Secrets(f)
		}
		red, s := redactSource(string(b), found, quoted[name], secrets)
		src[name] = []byte(red)
		secrets = append(secrets, s...)
	}
	scrub := func(s string) string {
		s = schemas.ReplaceSecrets(s, secrets)
		s, _ = schemas.RedactString(s)
		return s
	}
	diags := slices.Clone(r.Diags)
	for i := range diags {
		d := &diags[i]
		d.Message, d.Suggest, d.Path = scrub(d.Message), scrub(d.Suggest), scrub(d.Path)
		if len(d.Related) > 0 {
			d.Related = slices.Clone(d.Related)
			for j := range d.Related {
				d.Related[j].Message = scrub(d.Related[j].Message)
			}
		}
	}
	return diags, src
}

// redactSource blanks the secrets found in a file's text (from the secret's column to
// the end of its line, and the lines a multi-line value continues on), then redacts it
// line by line (schemas.RedactLines) with those and the known secrets of every input;
// it returns the text, of which only the lines in quoted (0-based) are kept, and every
// secret it knows.
func redactSource(text string, found []validate.Finding, quoted map[int]bool, known []string) (string, []string) {
	lines := strings.Split(text, "\n")
	secrets := slices.Clone(known)
	for _, f := range found {
		n := f.Node
		li := n.Line - 1
		if li < 0 || li >= len(lines) {
			continue
		}
		line := lines[li]
		off := byteOffset(line, n.Column)
		parts := f.Strings()
		secrets = append(secrets, parts...)
		multiline := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || strings.Contains(strings.Join(parts, ""), "\n")
		inLine := true
		for _, p := range parts {
			inLine = inLine && len(p) >= 3 && strings.Contains(line[off:], p)
		}
		if inLine && !multiline && !f.Whole {
			for _, p := range parts {
				line = line[:off] + strings.ReplaceAll(line[off:], p, schemas.Redacted)
			}
			lines[li] = line
			continue
		}
		lines[li] = line[:off] + schemas.Redacted
		if inLine && !multiline {
			continue
		}
		// The value goes on: a block scalar, or a plain or quoted one folded over lines
		// indented deeper than the line it starts on.
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		for j := li + 1; j < len(lines); j++ {
			l := lines[j]
			body := strings.TrimLeft(l, " \t")
			if strings.TrimSpace(body) != "" && len(l)-len(body) <= indent {
				break
			}
			if strings.TrimSpace(body) != "" {
				lines[j] = l[:len(l)-len(body)] + schemas.Redacted
			}
		}
	}
	lines, more := schemas.RedactLines(lines, secrets, func(i int) bool { return quoted[i] })
	return strings.Join(lines, "\n"), append(secrets, more...)
}

// byteOffset is the byte offset of 1-based rune column col in line (clamped).
func byteOffset(line string, col int) int {
	off := 0
	for i := 1; i < col && off < len(line); i++ {
		_, size := utf8.DecodeRuneInString(line[off:])
		off += size
	}
	return off
}

// SecretStrings returns the literal secrets of every input read (as parsed, before
// validation), for redacting other output (the --check diff).
func (r *Result) SecretStrings() []string {
	return validate.SecretStrings(r.secrets)
}
