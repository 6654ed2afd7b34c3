package govern

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"

	"go.yaml.in/yaml/v3"
)

// CodeLiteralSecret marks a secret written as a literal in a manifest or floe.yaml.
const CodeLiteralSecret = "FLOE-E600"

// CodeSecretName marks a name (the product's, its version, a transform's) that is or
// holds a literal secret of the inputs: names build the output, so it cannot be hidden.
const CodeSecretName = "FLOE-E601"

// Finding is one literal secret in a YAML file (see schemas/secrets.go for what counts).
type Finding struct {
	// Node is the scalar holding the secret (an alias's target when it came through one).
	Node *yaml.Node
	// Path is where it is, as diagnostics show it (plugins.catalog.config.uri,
	// transforms[0].quality_checks[1].parameters.url).
	Path string
	// Whole is set when the whole value is the secret (it sits under a secret-like key);
	// else Spans are the secret parts of the string.
	Whole bool
	Spans []schemas.Span
	// Key is set when Node is a mapping key: a key under a secret key that is not a
	// setting name (schemas.SecretKeyOf), or a key holding a URL with a password.
	Key bool

	secrets []string     // the secret strings, as found
	tag     string       // Node's tag when found
	chain   []*yaml.Node // the nodes from the root to Node, each as it sits in its parent
}

// Strings returns the secret strings of the finding (the whole value, or its parts) as
// they were when it was found.
func (s Finding) Strings() []string { return s.secrets }

// SecretStrings returns every secret string of the findings (of any files), sorted and
// without duplicates: what schemas.NewKnownSecrets takes.
func SecretStrings(found map[string][]Finding) []string {
	var out []string
	for _, fs := range found {
		for _, f := range fs {
			out = append(out, f.Strings()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Secrets returns every literal secret in f, in document order. Aliases are followed
// once each, so a value anchored elsewhere and used under a secret key is found too.
// The compiler calls it on each file as parsed, before validation drops unknown or
// environment-specific keys: a secret there is still quoted by diagnostics, and still
// a secret everywhere else it appears.
func Secrets(f *parse.File) []Finding {
	if f == nil || f.Root == nil {
		return nil
	}
	w := secretWalker{file: f, keys: map[string]bool{}, seen: map[*yaml.Node]bool{}}
	w.walk(f.Root, false)
	return w.found
}

// secretWalker walks a file's tree. The path is kept as a stack of segments and only
// spelled out for a finding: most of a big floe.yaml holds none.
type secretWalker struct {
	file  *parse.File
	keys  map[string]bool // IsSecretKey, memoized: a big floe.yaml repeats a few keys
	seen  map[*yaml.Node]bool
	path  []pathSeg
	stack []*yaml.Node // the nodes being walked, root first, each as it sits in its parent
	found []Finding
}

// pathSeg is a mapping key (as the user spelled it) or a list index (key "").
type pathSeg struct {
	key   string
	index int
}

func (w *secretWalker) isSecretKey(k string) bool {
	s, ok := w.keys[k]
	if !ok {
		s = schemas.IsSecretKey(k)
		w.keys[k] = s
	}
	return s
}

func (w *secretWalker) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		switch {
		case s.key == "":
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case i > 0:
			b.WriteString("." + s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// find records a finding at n (the node being walked, or the key node kn of the
// mapping being walked), with the secret strings as they are now: validation may
// replace a broken value by null afterwards.
func (w *secretWalker) find(n *yaml.Node, path string, whole bool, spans []schemas.Span, key bool) {
	f := Finding{Node: n, Path: path, Whole: whole, Spans: spans, Key: key, tag: n.Tag}
	if whole {
		f.secrets = []string{n.Value}
	} else {
		for _, sp := range spans {
			f.secrets = append(f.secrets, n.Value[sp.Start:sp.End])
		}
	}
	f.chain = slices.Clone(w.stack)
	if key {
		f.chain = append(f.chain, n)
	}
	w.found = append(w.found, f)
}

func (w *secretWalker) walk(n *yaml.Node, secret bool) {
	if n == nil {
		return
	}
	w.stack = append(w.stack, n) // as it sits in its parent
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	if n.Kind == yaml.AliasNode {
		// The target is walked where it is written; walk it again only when the alias puts
		// it under a secret key, and at most once.
		t := parse.Deref(n)
		if !secret || t == nil || w.seen[t] {
			return
		}
		w.seen[t] = true
		n = t
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			w.walk(c, secret)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.path = append(w.path, pathSeg{index: i})
			w.walk(c, secret)
			w.path = w.path[:len(w.path)-1]
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn := n.Content[i]
			k := kn.Value
			spelled := k
			if s, ok := w.file.Spelled[kn]; ok {
				spelled = s // as the user wrote it (quality_checks, not qualityChecks)
			}
			// A key can be a secret itself (keyed by secrets under a secret key, or a URL
			// with a password): reported, and never spelled out in a path.
			if kn.Kind == yaml.ScalarNode && kn.Tag == "!!str" {
				if secret && !schemas.IsSettingName(k) && !schemas.IsSecretReference(k) {
					spelled = schemas.Redacted
					w.path = append(w.path, pathSeg{key: spelled})
					w.find(kn, w.pathString(), true, nil, true)
					w.path = w.path[:len(w.path)-1]
				} else if spans := schemas.SecretSpans(k); len(spans) > 0 {
					spelled, _ = schemas.RedactString(k)
					w.path = append(w.path, pathSeg{key: spelled})
					w.find(kn, w.pathString(), false, spans, true)
					w.path = w.path[:len(w.path)-1]
				}
			}
			w.path = append(w.path, pathSeg{key: spelled})
			v := n.Content[i+1]
			under := w.isSecretKey(k)
			if under {
				if d := parse.Deref(v); d != nil && d.Kind == yaml.MappingNode {
					under = schemas.SecretUnder(k, true)
				}
			}
			w.walk(v, secret || under)
			w.path = w.path[:len(w.path)-1]
		}
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			if secret {
				if !schemas.IsSecretReference(n.Value) {
					w.find(n, w.pathString(), true, nil, false)
				}
			} else if spans := schemas.SecretSpans(n.Value); len(spans) > 0 {
				w.find(n, w.pathString(), false, spans, false)
			}
		case "!!int", "!!float":
			if secret {
				w.find(n, w.pathString(), true, nil, false)
			}
		}
	}
}

// live reports whether the finding is still in its file's tree: validation drops
// unknown and environment-specific keys (reported there; a secret under them is still
// redacted, but not reported twice) and nulls broken values.
func (s Finding) live() bool {
	if s.Node.Tag != s.tag {
		return false
	}
	for i := 0; i+1 < len(s.chain); i++ {
		if !slices.Contains(s.chain[i].Content, s.chain[i+1]) {
			return false
		}
	}
	return true
}

// literalSecrets reports every literal secret in floe.yaml and each manifest of the
// chain: a warning, an error under policy_enforcement_level strict. The value itself
// never appears in the diagnostic, and the quoted source line is redacted. parsed are
// the findings of each file as parsed (Secrets); a file without them is walked now. It
// returns the findings by file name, for redacting whatever quotes those files.
func literalSecrets(spec *parse.File, chain []*validate.Manifest, level string, parsed map[string][]Finding) (diag.List, map[string][]Finding) {
	var diags diag.List
	found := map[string][]Finding{}
	add := func(f *parse.File, where string) {
		fs, ok := parsed[f.Name]
		if !ok {
			fs = Secrets(f)
		}
		for _, s := range fs {
			if s.live() {
				diags.Add(secretDiag(f, s, where, level))
			}
		}
		found[f.Name] = append(found[f.Name], fs...)
	}
	add(spec, "floe.yaml")
	for _, m := range chain {
		add(m.File, "the manifest")
	}
	return diags, found
}

// secretDiag is the FLOE-E600 diagnostic for s: a warning, an error under strict.
func secretDiag(f *parse.File, s Finding, where, level string) diag.Diagnostic {
	const tail = "; it is redacted from every generated file but must not live in %s"
	var what string
	suggest := "name a Kubernetes Secret with connection_secret_ref, or write ${ENV_VAR}"
	if where == "floe.yaml" {
		suggest = "floe.yaml is shared and environment-agnostic: write ${ENV_VAR} and let the check read the secret from the environment"
	}
	switch kind := s.kind(); {
	case s.Key && s.Whole:
		what = "has a key that is a literal secret (a mapping under a secret key is keyed by setting names)"
	case s.Key:
		what = "has a key that is a URL with a literal password"
		suggest = "take the password out of the URL: " + suggest
	case s.Whole:
		what = "holds a literal secret"
	case kind == schemas.URLPassword:
		what = "is a URL with a literal password"
		suggest = "take the password out of the URL: " + suggest
	case kind == schemas.URLUser:
		what = "is a URL with a token as its user"
		suggest = "take the token out of the URL: " + suggest
	case kind == schemas.KeyValuePair:
		what = fmt.Sprintf("holds a literal %s in its query or connection string", s.Spans[0].Key)
	default:
		what = "holds literal authorization credentials"
	}
	d := diag.Warnf(f.Pos(s.Node), CodeLiteralSecret, s.Path, "%s "+what+tail, s.Path, where)
	d.Suggest = suggest
	d.Redact = true
	if level == "strict" {
		d.Severity = diag.Error
	}
	return d
}

// kind is the kind of the finding's first secret part (0 for a whole value).
func (s Finding) kind() schemas.SecretKind {
	if s.Whole || len(s.Spans) == 0 {
		return 0
	}
	return s.Spans[0].Kind
}

// secretNames reports the names the output is built on (the product's name and
// version, each transform's name) that are, or hold, a literal secret of the inputs: a
// secret is redacted from every generated file by value, but a name cannot be (the
// Dagster assets, the chart and the Iceberg tables are called by it). An error
// whatever the policy level; the value is never printed.
func secretNames(r *resolve.Resolved, known *schemas.KnownSecrets) diag.List {
	if known.Len() == 0 || r.Spec == nil || r.Spec.Spec == nil {
		return nil
	}
	var diags diag.List
	f := r.Spec.File
	check := func(value string, path ...string) {
		if len(known.Spans(value)) == 0 {
			return
		}
		_, n := parse.Lookup(f.Root, path)
		dotted := validate.DottedPath(path)
		d := diag.Errorf(f.Pos(n), CodeSecretName, dotted, "%s is, or holds, a value that is a literal secret in the inputs; a name cannot be redacted from the files built on it", dotted)
		d.Suggest = "rename it, or change the secret (and keep it out of the inputs: ${ENV_VAR} or connection_secret_ref)"
		d.Redact = true
		diags.Add(d)
	}
	spec := r.Spec.Spec
	check(spec.Metadata.Name, "metadata", "name")
	check(spec.Metadata.Version, "metadata", "version")
	for i, t := range spec.Transforms {
		check(t.Name, "transforms", strconv.Itoa(i), "name")
	}
	return diags
}
