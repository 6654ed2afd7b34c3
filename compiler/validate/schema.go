package validate

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas/check"
)

// compiledSchema is one embedded schema with its raw document kept for looking up the
// keys allowed at a path (did-you-mean). Validation goes through schemas/check.
type compiledSchema struct {
	schema *check.Schema
	doc    map[string]any
}

// Schema returns the embedded schema name (no network loader: every $ref is local).
func Schema(name string) (*compiledSchema, error) {
	s, err := check.Load(name)
	if err != nil {
		return nil, err
	}
	return &compiledSchema{schema: s, doc: s.Doc()}, nil
}

// printer words santhosh-tekuri's messages (made on first use).
var printer = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })

// schemaDiags validates the tree t against s (the whole schema for the top level of a
// manifest, the split schemas for floe.yaml's top level and its transforms), with the
// value of t's list, when it has one, replaced by items placeholders (check.Split), and
// maps every violation to the YAML node it is about; b collects what is broken.
func schemaDiags(t *tree, cs *compiledSchema, s *check.Schema, list string, items int, b *breakage) diag.List {
	var v any = map[string]any{}
	if t.root != nil {
		var err error
		if v, err = parse.ToValue(t.root); err != nil {
			return diag.List{diag.Errorf(diag.Pos{File: t.f.Name}, diag.CodeLimit, "", "%v", err)}
		}
		if m, ok := v.(map[string]any); ok && list != "" {
			if _, seq := parse.MapGet(t.root, list); seq != nil && seq.Kind == yaml.SequenceNode {
				m[list] = check.Placeholders(items)
			}
		}
	}
	if err := s.Validate(v); err != nil {
		return validationDiags(t, cs, err, b)
	}
	return nil
}

// validationDiags maps a validation error about t (whose instance locations are from
// t's root) to diagnostics.
func validationDiags(t *tree, cs *compiledSchema, err error, b *breakage) diag.List {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return diag.List{diag.Errorf(diag.Pos{File: t.f.Name}, diag.CodeInternal, "", "internal error: %v", err)}
	}
	var diags diag.List
	for _, leaf := range leaves(ve) {
		if len(t.prefix) > 0 {
			leaf.InstanceLocation = append(slices.Clip(t.prefix), leaf.InstanceLocation...)
		}
		diags.Add(toDiag(t, cs, leaf, b)...)
	}
	return diags
}

// leaves flattens a validation error tree to the errors worth showing. For the
// oneOf/anyOf that nullable fields produce, the "want null" branch is dropped.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	causes := ve.Causes
	switch ve.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		var kept []*jsonschema.ValidationError
		for _, c := range causes {
			if t, ok := c.ErrorKind.(*kind.Type); ok && len(t.Want) == 1 && t.Want[0] == "null" {
				continue
			}
			kept = append(kept, c)
		}
		if len(kept) > 0 {
			causes = kept
		}
	}
	var out []*jsonschema.ValidationError
	for _, c := range causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// DottedPath renders an instance location as the user would write it: transforms[2].name.
func DottedPath(loc []string) string {
	var b strings.Builder
	for _, p := range loc {
		if isIndex(p) {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func join(path []string, key string) []string {
	return append(slices.Clip(path), key)
}

func toDiag(t *tree, cs *compiledSchema, ve *jsonschema.ValidationError, b *breakage) []diag.Diagnostic {
	f := t.f
	loc := ve.InstanceLocation
	key, val := t.lookup(loc)
	at := val
	if at == nil {
		at = key
	}
	path := t.userPath(loc)
	switch ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
	case *kind.Required:
	default:
		b.broken(t, loc)
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		allowed := cs.allowedKeys(loc)
		var out []diag.Diagnostic
		for _, p := range k.Properties {
			kn, _ := parse.MapGet(val, p)
			b.unknown(val, p)
			// A misspelt key stands for the key it resembles: that one is not also
			// reported missing by a later pass.
			for _, near := range diag.Suggest(p, allowed) {
				if mk, _ := parse.MapGet(val, near); mk == nil {
					b.missing(join(loc, near))
				}
			}
			d := diag.Errorf(f.Pos(kn), diag.CodeUnknownKey, t.userPath(join(loc, p)), "unknown key %q", p)
			d.Suggest = diag.DidYouMean(p, allowed)
			if d.Suggest == "" && len(allowed) > 0 && len(allowed) <= 12 {
				d.Suggest = "allowed keys here: " + strings.Join(allowed, ", ")
			}
			out = append(out, d)
		}
		return out
	case *kind.Required:
		var out []diag.Diagnostic
		pos := f.Pos(at)
		if key != nil {
			pos = f.Pos(key)
		}
		if t.root == nil {
			pos = diag.Pos{File: f.Name, Line: 1, Col: 1}
		}
		for _, m := range k.Missing {
			b.missing(join(loc, m))
			where := path
			if where == "" {
				where = "the top level"
			}
			out = append(out, diag.Errorf(pos, diag.CodeMissing, t.userPath(join(loc, m)), "missing required key %q in %s", m, where))
		}
		return out
	case *kind.Type:
		pos := f.Pos(at)
		if key != nil && parse.IsBlock(at) {
			// A block mapping or list starts on the line after its key: point at the key.
			pos = f.Pos(key)
		}
		d := diag.Errorf(pos, diag.CodeType, path, "%s must be %s, not %s", fieldName(path), wantName(k.Want), parse.KindName(at))
		d.Suggest = typeHint(f, at, k.Want)
		return []diag.Diagnostic{d}
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		d := diag.Errorf(f.Pos(at), diag.CodeEnum, path, "%s must be one of %s, not %s", fieldName(path), strings.Join(want, ", "), show(k.Got))
		if s, ok := k.Got.(string); ok {
			d.Suggest = diag.DidYouMean(s, want)
		}
		return []diag.Diagnostic{d}
	case *kind.Const:
		return []diag.Diagnostic{diag.Errorf(f.Pos(at), diag.CodeEnum, path, "%s must be %s, not %s", fieldName(path), show(k.Want), show(k.Got))}
	case *kind.Pattern:
		d := diag.Errorf(f.Pos(at), diag.CodePattern, path, "%s %s does not match %s", fieldName(path), show(k.Got), k.Want)
		d.Suggest = cs.description(loc)
		return []diag.Diagnostic{d}
	case *kind.Format:
		return []diag.Diagnostic{diag.Errorf(f.Pos(at), diag.CodePattern, path, "%s %s is not a valid %s", fieldName(path), show(k.Got), k.Want)}
	}
	return []diag.Diagnostic{diag.Errorf(f.Pos(at), diag.CodeRange, path, "%s: %s", fieldName(path), ve.ErrorKind.LocalizedString(printer()))}
}

func fieldName(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

func show(v any) string {
	switch t := v.(type) {
	case string:
		return fmt.Sprintf("%q", t)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func wantName(want []string) string {
	names := make([]string, 0, len(want))
	for _, w := range want {
		switch w {
		case "object":
			names = append(names, "a mapping")
		case "array":
			names = append(names, "a list")
		case "string":
			names = append(names, "a string")
		case "integer":
			names = append(names, "an integer")
		case "number":
			names = append(names, "a number")
		case "boolean":
			names = append(names, "a boolean (true or false)")
		case "null":
			names = append(names, "null")
		}
	}
	return strings.Join(names, " or ")
}

func typeHint(f *parse.File, n *yaml.Node, want []string) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	if slices.Contains(want, "string") && n.Style == 0 && (n.Tag == "!!float" || n.Tag == "!!int" || n.Tag == "!!bool") {
		return fmt.Sprintf("quote it to make it a string: \"%s\"", f.WrittenText(n))
	}
	if (slices.Contains(want, "integer") || slices.Contains(want, "number")) && n.Tag == "!!str" && n.Style == 0 {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return fmt.Sprintf("YAML 1.1 reads %s as a string (as the reference does): write %s", n.Value, strconv.FormatFloat(f, 'f', -1, 64))
		}
	}
	if slices.Contains(want, "array") && n.Tag == "!!str" {
		return fmt.Sprintf("write a list: [%s]", n.Value)
	}
	return ""
}

// node returns the schema object that describes the instance at loc, following $ref,
// properties, items and the oneOf of nullable fields.
func (cs *compiledSchema) node(loc []string) map[string]any {
	cur := cs.resolve(cs.doc)
	for _, p := range loc {
		if cur == nil {
			return nil
		}
		if props, ok := cur["properties"].(map[string]any); ok && !isIndex(p) {
			next, _ := props[p].(map[string]any)
			cur = cs.resolve(next)
			continue
		}
		if items, ok := cur["items"].(map[string]any); ok && isIndex(p) {
			cur = cs.resolve(items)
			continue
		}
		if ap, ok := cur["additionalProperties"].(map[string]any); ok {
			cur = cs.resolve(ap)
			continue
		}
		return nil
	}
	return cur
}

func (cs *compiledSchema) resolve(s map[string]any) map[string]any {
	for range 8 {
		if s == nil {
			return nil
		}
		if ref, ok := s["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			defs, _ := cs.doc["$defs"].(map[string]any)
			s, _ = defs[name].(map[string]any)
			continue
		}
		one, ok := s["oneOf"].([]any)
		if !ok {
			one, ok = s["anyOf"].([]any)
		}
		if ok {
			var next map[string]any
			for _, o := range one {
				if om, ok := o.(map[string]any); ok && om["type"] != "null" {
					next = om
					break
				}
			}
			s = next
			continue
		}
		return s
	}
	return s
}

func (cs *compiledSchema) allowedKeys(loc []string) []string {
	n := cs.node(loc)
	props, _ := n["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (cs *compiledSchema) description(loc []string) string {
	n := cs.node(loc)
	if d, ok := n["description"].(string); ok {
		return d
	}
	return ""
}

// integerFields makes the integers of the tree t decodable into the Go types: a YAML
// float with no fraction (1e3, 30.0) where the schema wants an integer is rewritten to
// the integer (the reference's lax mode accepts it), and an integer that does not fit
// 64 bits is an error at its position rather than a failure to decode. Run it after
// the schema pass (every integer field that is left holds a number).
func integerFields(t *tree, cs *compiledSchema, b *breakage) diag.List {
	f, n, prefix := t.f, t.root, t.prefix
	var diags diag.List
	// The path is kept as a stack of keys and indexes and only spelled out at numbers:
	// most of a big file has none.
	type step struct {
		key string
		idx int // -1: key
	}
	var stack []step
	spell := func() []string {
		loc := make([]string, 0, len(prefix)+len(stack))
		loc = append(loc, prefix...)
		for _, s := range stack {
			if s.idx >= 0 {
				loc = append(loc, strconv.Itoa(s.idx))
			} else {
				loc = append(loc, s.key)
			}
		}
		return loc
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		n = parse.Deref(n)
		if n == nil {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				stack = append(stack, step{key: n.Content[i].Value, idx: -1})
				walk(n.Content[i+1])
				stack = stack[:len(stack)-1]
			}
			return
		case yaml.SequenceNode:
			for i, c := range n.Content {
				stack = append(stack, step{idx: i})
				walk(c)
				stack = stack[:len(stack)-1]
			}
			return
		case yaml.ScalarNode:
		default:
			return
		}
		if n.Tag != "!!int" && n.Tag != "!!float" {
			return
		}
		loc := spell()
		if t, _ := cs.node(loc)["type"].(string); t != "integer" {
			return
		}
		v, ok := parse.ToNumber(n)
		if !ok {
			return
		}
		if !v.IsInt() || !v.Num().IsInt64() {
			diags.Add(diag.Errorf(f.Pos(n), diag.CodeRange, DottedPath(loc), "%s: %s is out of range for an integer", DottedPath(loc), n.Value))
			b.brokenNode(loc, n)
			return
		}
		n.Tag, n.Value, n.Style = "!!int", v.Num().String(), 0
	}
	walk(n)
	return diags
}
