package parse

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/floe-dev/floe/internal/lazy"

	"github.com/floe-dev/floe/diag"
)

// yaml.v3 reports errors as strings ("yaml: line 3: column 5: found …"), some with the
// wrong line, some with none. syntaxDiag turns them into diagnostics at the place
// they are about.

var lineRe = lazy.Regexp(`^yaml: line (\d+): (.*)$`)
var colRe = lazy.Regexp(`^yaml: line (\d+): column (\d+): (.*)$`)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tabLine returns the first line from line on whose indentation holds a tab (yaml.v3
// reports tab errors at the scalar being scanned, which may start a line earlier).
func tabLine(src []byte, line int) (int, int) {
	lines := strings.Split(string(src), "\n")
	for i := max(line, 1) - 1; i < len(lines); i++ {
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
		if j := strings.IndexByte(indent, '\t'); j >= 0 {
			return i + 1, j + 1
		}
	}
	return line, 0
}

// parserProblem lists yaml.v3's parser errors (as opposed to its scanner errors); see
// syntaxDiag.
var parserProblem = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

var unknownAnchorRe = lazy.Regexp(`^unknown anchor '(.*)' referenced$`)

// aliasUse finds the first use of alias *name in src (yaml.v3 reports an undefined
// alias without a position).
func aliasUse(src []byte, name string) (line, col int) {
	for i, l := range strings.Split(string(src), "\n") {
		for off := 0; ; {
			j := strings.Index(l[off:], "*"+name)
			if j < 0 {
				break
			}
			end := off + j + 1 + len(name)
			if end == len(l) || strings.ContainsRune(" \t\r,]}#", rune(l[end])) {
				return i + 1, utf8.RuneCountInString(l[:off+j]) + 1
			}
			off = end
		}
	}
	return 0, 0
}

func syntaxDiag(name string, src []byte, err error) diag.Diagnostic {
	msg := err.Error()
	pos := diag.Pos{File: name}
	if m := colRe().FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Col, _ = strconv.Atoi(m[2])
		msg = m[3]
	} else if m := lineRe().FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if parserProblem[msg] {
		// yaml.v3 reports parser (not scanner) errors with the 0-based line of the
		// construct being parsed, and with no line at all when that is the first one.
		pos.Line++
	}
	if n := bytes.Count(src, []byte("\n")) + 1 - boolInt(bytes.HasSuffix(src, []byte("\n"))); pos.Line > n {
		pos.Line, pos.Col = n, 0 // an error at the end of the input: its last line
	}
	if strings.Contains(msg, "tab character") {
		pos.Line, pos.Col = tabLine(src, pos.Line)
	}
	if m := unknownAnchorRe().FindStringSubmatch(msg); m != nil && pos.Line == 0 {
		pos.Line, pos.Col = aliasUse(src, m[1])
	}
	d := diag.Errorf(pos, diag.CodeSyntax, "", "invalid YAML: %s", msg)
	if strings.Contains(msg, "found character that cannot start any token") || strings.Contains(msg, "tab") {
		d.Suggest = "YAML indentation must use spaces, not tabs"
	}
	return d
}
