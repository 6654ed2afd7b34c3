package diag

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readmeRow is a row of the README's table of codes: | `E100` | meaning |
var readmeRow = regexp.MustCompile("^\\| `([EW][0-9]{3})` \\| (.*) \\|$")

// TestREADMECodes: the README's table of codes lists exactly the codes of codes.go, in
// the same order, each with the meaning Codes gives it.
func TestREADMECodes(t *testing.T) {
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []CodeInfo
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := readmeRow.FindStringSubmatch(sc.Text()); m != nil {
			rows = append(rows, CodeInfo{Code: "FLOE-" + m[1], Meaning: m[2]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < max(len(rows), len(Codes)); i++ {
		var got, want CodeInfo
		if i < len(rows) {
			got = rows[i]
		}
		if i < len(Codes) {
			want = Codes[i]
		}
		if got != want {
			t.Errorf("README row %d = %q %q, codes.go has %q %q", i+1, got.Code, got.Meaning, want.Code, want.Meaning)
		}
	}
}

// TestCodesDeclaredHere: every constant of codes.go is listed in Codes once, and no Go
// file of floe but codes.go spells a code (a string literal "FLOE-…").
func TestCodesDeclaredHere(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					if consts[s] {
						t.Errorf("%s is declared twice", s)
					}
					consts[s] = true
				}
			}
		}
		return true
	})
	listed := map[string]bool{}
	for _, c := range Codes {
		if !consts[c.Code] || listed[c.Code] {
			t.Errorf("Codes lists %s, which is not a constant of codes.go or is listed twice", c.Code)
		}
		listed[c.Code] = true
	}
	for c := range consts {
		if !listed[c] {
			t.Errorf("%s is not listed in Codes", c)
		}
	}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.ToSlash(path) == "../diag/codes.go" {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(lit.Value, "FLOE-") {
				t.Errorf("%s spells a diagnostic code (%s): use the constant of diag/codes.go", path, lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
