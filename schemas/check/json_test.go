package check

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,-2.5e+3,0,true,false,null,"x"]}`, ` { "k" : "v" } `, `"é"`, `"a\"b"`,
		`01`, `1.`, `-`, `{"a":1,"a":2}`, `[1,]`, `{"a" 1}`, "\"\x01\"", "\"\xff\"", `1e`, `tru`, `[1 2]`, `{"a":{}}x`} {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("[", 10001) + strings.Repeat("]", 10001))) // beyond encoding/json's depth
	f.Add([]byte(strings.Repeat("[", 10000) + strings.Repeat("]", 10000)))
	golden, _ := filepath.Glob("../../cli/testdata/golden/*/want/*.json")
	for _, p := range golden {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, gerr := ParseJSON(in)
		want, werr := jsonschema.UnmarshalJSON(bytes.NewReader(in))
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("ParseJSON(%q) error %v, UnmarshalJSON error %v", in, gerr, werr)
		}
		if gerr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseJSON(%q) = %#v, UnmarshalJSON = %#v", in, got, want)
		}
	})
}
