// Package diag is floe's one position type and one diagnostic type, shared by the
// compiler passes, the generators and the CLI renderer. It imports nothing of floe's.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a 1-based position in a source file. Line 0 means "the whole file".
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column"`
}

// String renders file:line:col (omitting what is unknown).
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.Col <= 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Severity of a diagnostic.
type Severity int

// Severities, most severe first.
const (
	Error Severity = iota
	Warning
	Note
)

// String is the lower-case name used in every output format.
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// MarshalText makes severities render as words in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Related is a secondary position that explains a diagnostic (the parent value of a
// weakened policy, the next edge of a cycle).
type Related struct {
	Pos     Pos    `json:"pos"`
	Message string `json:"message"`
}

// Diagnostic is one finding about the inputs.
type Diagnostic struct {
	Pos      Pos       `json:"pos"`
	End      Pos       `json:"end,omitzero"`
	Severity Severity  `json:"severity"`
	Code     string    `json:"code"`
	Message  string    `json:"message"`
	Path     string    `json:"path,omitempty"`
	Related  []Related `json:"related,omitempty"`
	Suggest  string    `json:"suggestion,omitempty"`
	// Redact hides the source text from Pos to the end of its line when the line is
	// quoted (the value there is a secret).
	Redact bool `json:"-"`
}

// Errorf builds an error diagnostic.
func Errorf(pos Pos, code, path, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Severity: Error, Code: code, Path: path, Message: fmt.Sprintf(format, args...)}
}

// Warnf builds a warning diagnostic.
func Warnf(pos Pos, code, path, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Severity: Warning, Code: code, Path: path, Message: fmt.Sprintf(format, args...)}
}

// List collects the diagnostics of a run.
type List []Diagnostic

// Add appends diagnostics.
func (l *List) Add(d ...Diagnostic) { *l = append(*l, d...) }

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns the number of errors and warnings.
func (l List) Count() (errs, warns int) {
	for _, d := range l {
		switch d.Severity {
		case Error:
			errs++
		case Warning:
			warns++
		}
	}
	return errs, warns
}

// Sorted returns the diagnostics sorted by file, line, column, severity, code and
// message, with exact duplicates removed. The input is not modified.
func (l List) Sorted() List {
	out := slices.Clone(l)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Severity, b.Severity),
			strings.Compare(a.Code, b.Code),
			strings.Compare(a.Message, b.Message),
		)
	})
	return slices.CompactFunc(out, func(a, b Diagnostic) bool {
		return a.Pos == b.Pos && a.Severity == b.Severity && a.Code == b.Code && a.Message == b.Message
	})
}
