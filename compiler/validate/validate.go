// Package validate is the compiler's second pass: it checks each parsed file against
// its embedded JSON Schema (generated from the Go types in schemas) and the rules the
// schema cannot express, maps every violation to a YAML position, finds the literal
// secrets, and decodes the file into its Go type. All problems of a file are reported,
// not just the first.
//
// floe.yaml's transforms come one by one, as parse decodes them (Transforms): each is
// checked, decoded, searched for literal secrets and located (Site) on the goroutine
// that decoded it, and its YAML is garbage afterwards. ValidateSpec then validates the
// rest of the file and puts the two together. Every rule is written once, for a tree:
// the top level of a file, or one transform (tree.go).
package validate

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/schemas/check"
)

// listKey is floe.yaml's list that grows with the product.
const listKey = "transforms"

// Spec is a floe.yaml that passed validation.
//
// A Spec is returned even when validation found errors (the driver then writes
// nothing): Broken lists the values that failed, now null in File and zero in the
// FloeSpec.
type Spec struct {
	*schemas.FloeSpec
	// File is floe.yaml without its transforms (handed over to Transforms by parse).
	File   *parse.File
	Broken Broken
	// Names are the transforms' names as written, valid or not ("" where none is).
	Names []string
	// Sites are where each transform was written.
	Sites []Site
	// Secrets are the literal secrets of floe.yaml, in document order.
	Secrets []Finding
}

// Transforms validates floe.yaml's transforms as parse hands them over (List), each on
// the goroutine that decoded it. The zero Transforms is ready for use.
type Transforms struct {
	f *parse.File
	// What Spec keeps of each transform, by index.
	specs []schemas.TransformSpec
	names []string
	sites []Site
	// found is what validating each found: for most transforms, nothing.
	found []found
	keys  *sync.Map // secret keys, memoized (see secretsIn)
	err   error     // the schemas could not be loaded (floe's fault)
}

// found is what validating a transform found besides its value.
type found struct {
	diags   diag.List
	broken  Broken // paths from the file's top level (transforms/3/name)
	secrets []Finding
}

// List is the parse.List that hands floe.yaml's transforms to ts.
func (ts *Transforms) List() *parse.List {
	return &parse.List{Key: listKey, Start: ts.start}
}

func (ts *Transforms) start(f *parse.File, n int) func(int, *yaml.Node) {
	*ts = Transforms{f: f, specs: make([]schemas.TransformSpec, n), names: make([]string, n), sites: make([]Site, n),
		found: make([]found, n), keys: &sync.Map{}}
	cs, err := Schema("floe-spec")
	var itemSchema *check.Schema
	if err == nil {
		_, itemSchema, err = cs.schema.Split(listKey)
	}
	if err != nil {
		ts.err = err
		return func(int, *yaml.Node) {}
	}
	schema := cs.node([]string{listKey, "0"})
	return func(i int, n *yaml.Node) {
		ts.found[i] = validateTransform(item(f, listKey, i, n), cs, itemSchema, schema, ts.keys, &ts.specs[i], &ts.names[i], &ts.sites[i])
	}
}

// validateTransform runs the rules over one transform (in the order ValidateSpec runs
// them over the top level), decodes it into dst, and records its name as written and
// its site.
func validateTransform(t *tree, cs *compiledSchema, s *check.Schema, schema map[string]any, keys *sync.Map,
	dst *schemas.TransformSpec, name *string, site *Site) found {
	var r found
	// Before any rule drops a key or nulls a value (see Finding).
	r.secrets = secretsIn(t, keys)
	banEnvKeys(t, t.root, t.prefix, new(nodeSet), &r.diags)
	n := parse.Deref(t.root)
	foldAlias(t, n, "depends_on", "dependsOn", &r.diags)
	foldAlias(t, n, "quality_checks", "qualityChecks", &r.diags)
	// Values the reference's lax mode converts are converted first (with a warning), so
	// the schema sees them as the reference's model does.
	var b breakage
	r.diags.Add(coerce(t, cs, schema, t.root, t.prefix, &b)...)
	r.diags.Add(schemaDiags(t, cs, s, "", 0, &b)...)
	// The name as written, before a broken one is nulled: a dependsOn naming a transform
	// whose name is invalid is not a second error.
	if _, v := parse.MapGet(t.root, "name"); v != nil && v.Kind == yaml.ScalarNode {
		*name = v.Value
	}
	r.broken = b.apply(nil)
	b = breakage{}
	r.diags.Add(integerFields(t, cs, &b)...)
	r.broken = b.apply(r.broken)
	if err := decodeInto(t.root, dst); err != nil {
		r.diags.Add(diag.Errorf(diag.Pos{File: t.f.Name}, diag.CodeInternal, "", "internal error: decode %s: %v", DottedPath(t.prefix), err))
	}
	*site = locate(t)
	return r
}

// maxDestinationConfigKeys bounds destinations[].config (contract.md §1.3).
const maxDestinationConfigKeys = 50

// ValidateSpec validates floe.yaml: its top level, and the transforms ts took as parse
// handed them over (parse.ParseList with ts.List()).
func ValidateSpec(f *parse.File, ts *Transforms) (*Spec, diag.List) {
	var diags diag.List
	cs, err := Schema("floe-spec")
	var docSchema *check.Schema
	if err == nil {
		docSchema, _, err = cs.schema.Split(listKey)
	}
	if err == nil {
		err = ts.err
	}
	if _, seq := parse.MapGet(f.Root, listKey); err == nil && (ts.f != f && f.Items > 0 || seq != nil && seq.Kind == yaml.SequenceNode && len(seq.Content) > 0) {
		// A File parsed whole (parse.Parse) keeps its transforms in its tree: they
		// would not be validated.
		err = fmt.Errorf("the transforms of %s were not handed to validation (parse it with parse.ParseList and Transforms.List)", f.Name)
	}
	if err != nil {
		return nil, diag.List{diag.Errorf(diag.Pos{File: f.Name}, diag.CodeInternal, "", "internal error: %v", err)}
	}
	t := top(f)
	secrets := Secrets(f) // before any rule drops a key or nulls a value (see Finding)
	if f.Root != nil {
		banEnvKeys(t, f.Root, nil, new(nodeSet), &diags)
		foldAlias(t, f.Root, "api_version", "apiVersion", &diags)
		foldAlias(t, f.Root, "output_ports", "outputPorts", &diags)
	}
	var b breakage
	if f.Root != nil {
		diags.Add(coerce(t, cs, cs.doc, f.Root, nil, &b)...)
	}
	diags.Add(schemaDiags(t, cs, docSchema, listKey, f.Items, &b)...)
	broken := b.apply(Broken{})
	// The schema pass may have found errors: what is left (broken values are null now)
	// is still checked and decoded, so later passes can run over the valid parts.
	b = breakage{}
	if f.Root != nil {
		diags.Add(integerFields(t, cs, &b)...)
	}
	broken = b.apply(broken)
	spec := &Spec{FloeSpec: &schemas.FloeSpec{}, File: f, Broken: broken}
	if err := decode(f, spec.FloeSpec); err != nil {
		diags.Add(diag.Errorf(diag.Pos{File: f.Name}, diag.CodeInternal, "", "internal error: decode floe.yaml: %v", err))
		return nil, diags
	}
	spec.Secrets = secrets
	if ts.f == f {
		spec.Transforms, spec.Names, spec.Sites = ts.specs, ts.names, ts.sites
		for _, r := range ts.found {
			diags.Add(r.diags...)
			for p := range r.broken { // paths from the top level, like the file's own
				broken[p] = true
			}
			spec.Secrets = append(spec.Secrets, r.secrets...)
		}
	}
	// Model names are compared ignoring case: DuckDB and Iceberg identifiers are
	// case-insensitive, so Orders and orders would be one table.
	diags.Add(duplicateNames(listKey, len(spec.Transforms), func(i int) string {
		if broken.Has(listKey, strconv.Itoa(i), "name") {
			return ""
		}
		return spec.Transforms[i].Name
	}, strings.ToLower, func(i int) diag.Pos { return spec.TransformAt(i, "name") })...)
	diags.Add(duplicateNames("destinations", len(spec.Destinations), func(i int) string {
		if broken.Has("destinations", strconv.Itoa(i), "name") {
			return ""
		}
		return spec.Destinations[i].Name
	}, func(s string) string { return s }, func(i int) diag.Pos { return f.At("destinations", strconv.Itoa(i), "name") })...)
	// The generated schema loses maxProperties on free-form maps, so the reference's
	// limit on destination config keys is checked here.
	for i, d := range spec.Destinations {
		if d.Config != nil && d.Config.Len() > maxDestinationConfigKeys {
			diags.Add(diag.Errorf(f.Key("destinations", strconv.Itoa(i), "config"), diag.CodeRange, fmt.Sprintf("destinations[%d].config", i),
				"destinations[%d].config has %d keys; at most %d are allowed", i, d.Config.Len(), maxDestinationConfigKeys))
		}
	}
	return spec, diags
}

func decode(f *parse.File, v any) error {
	if f.Root == nil {
		return nil // an empty document: every required key was reported missing
	}
	return decodeInto(f.Root, v)
}

// envKeys may not appear anywhere in floe.yaml: environment-specific settings belong
// to the platform manifest (compared lower-cased).
var envKeys = []string{"database", "schema", "host", "port", "username", "password", "credentials",
	"connection_string", "endpoint", "access_key", "secret_key", "token", "api_key"}

// banEnvKeys reports every environment-specific key in floe.yaml and removes it, so the
// schema pass does not report it a second time as unknown.
//
// Each node is visited once: a node reached again through an alias was already
// checked, and without this an alias "bomb" would be walked exponentially often.
func banEnvKeys(t *tree, n *yaml.Node, path []string, seen *nodeSet, diags *diag.List) {
	if n != nil && n.Kind == yaml.AliasNode {
		// Only alias targets can be reached twice: remember those alone (a map entry
		// per node would dominate the cost of big files).
		n = parse.Deref(n)
		if n == nil || !seen.add(n) {
			return
		}
	}
	if n == nil {
		return
	}
	// path is a stack shared with the caller: appended for each child, never retained.
	switch n.Kind {
	case yaml.MappingNode:
		banned := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if isEnvKey(k.Value) {
				banned = true
				d := diag.Errorf(t.pos(k), diag.CodeEnvKey, DottedPath(append(path, k.Value)), "environment-specific key %q is not allowed in floe.yaml", k.Value)
				d.Suggest = "floe.yaml is environment-agnostic: put connection settings in the platform manifest (manifest.yaml)"
				diags.Add(d)
				continue
			}
			banEnvKeys(t, n.Content[i+1], append(path, k.Value), seen, diags)
		}
		if banned {
			kept := make([]*yaml.Node, 0, len(n.Content))
			for i := 0; i+1 < len(n.Content); i += 2 {
				if !isEnvKey(n.Content[i].Value) {
					kept = append(kept, n.Content[i], n.Content[i+1])
				}
			}
			n.Content = kept
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			banEnvKeys(t, c, append(path, strconv.Itoa(i)), seen, diags)
		}
	}
}

// isEnvKey reports whether key (any case) is an environment-specific key.
func isEnvKey(key string) bool {
	for _, k := range envKeys {
		if len(k) == len(key) && strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// foldAlias renames the snake_case spelling of a key to its canonical camelCase one;
// writing both is an error.
func foldAlias(t *tree, m *yaml.Node, alias, canonical string, diags *diag.List) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	ak, _ := parse.MapGet(m, alias)
	if ak == nil {
		return
	}
	if ck, _ := parse.MapGet(m, canonical); ck != nil {
		d := diag.Errorf(t.pos(ak), diag.CodeAliasConflict, alias, "%q and %q are the same key; write only one", alias, canonical)
		d.Related = []diag.Related{{Pos: t.pos(ck), Message: canonical + " is here"}}
		diags.Add(d)
		return
	}
	t.spell(ak, alias)
	ak.Value = canonical
}

// duplicateNames reports each name of the list used before: name gives item i's name
// ("" for a broken one, reported by validation), fold the form names are compared in,
// at where item i's name was written.
func duplicateNames(list string, n int, name func(i int) string, fold func(string) string, at func(i int) diag.Pos) diag.List {
	var diags diag.List
	first := make(map[string]int, n)
	for i := range n {
		nm := name(i)
		if nm == "" {
			continue
		}
		j, dup := first[fold(nm)]
		if !dup {
			first[fold(nm)] = i
			continue
		}
		d := diag.Errorf(at(i), diag.CodeDuplicateName, fmt.Sprintf("%s[%d].name", list, i), "duplicate name %q in %s", nm, list)
		if prev := name(j); nm != prev {
			d.Message = fmt.Sprintf("name %q in %s differs from %q only in case; model names are case-insensitive in the warehouse", nm, list, prev)
		}
		d.Related = []diag.Related{{Pos: at(j), Message: "first used here"}}
		diags.Add(d)
	}
	return diags
}

// nodeSet is a set of nodes, made on first use: the walks that remember the alias
// targets they visited need none for a tree without aliases (most of them).
type nodeSet map[*yaml.Node]bool

// add adds n, and reports whether it was not in the set yet.
func (s *nodeSet) add(n *yaml.Node) bool {
	if *s == nil {
		*s = nodeSet{}
	}
	if (*s)[n] {
		return false
	}
	(*s)[n] = true
	return true
}
