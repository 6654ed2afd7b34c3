package govern

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"

	"go.yaml.in/yaml/v3"
)

// diag.CodeLiteralSecret marks a secret written as a literal in a manifest or floe.yaml.

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
}

// Secrets returns every literal secret in f, in document order. Aliases are followed
// once each, so a value anchored elsewhere and used under a secret key is found too.
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

func (w *secretWalker) walk(n *yaml.Node, secret bool) {
	if n == nil {
		return
	}
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
			k := n.Content[i].Value
			spelled := k
			if s, ok := w.file.Spelled[n.Content[i]]; ok {
				spelled = s // as the user wrote it (quality_checks, not qualityChecks)
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
					w.found = append(w.found, Finding{Node: n, Path: w.pathString(), Whole: true})
				}
			} else if spans := schemas.SecretSpans(n.Value); len(spans) > 0 {
				w.found = append(w.found, Finding{Node: n, Path: w.pathString(), Spans: spans})
			}
		case "!!int", "!!float":
			if secret {
				w.found = append(w.found, Finding{Node: n, Path: w.pathString(), Whole: true})
			}
		}
	}
}

// literalSecrets reports every literal secret in floe.yaml and each manifest of the
// chain: a warning, an error under policy_enforcement_level strict. The value itself
// never appears in the diagnostic, and the quoted source line is redacted. It also
// returns the findings by file name, for redacting whatever quotes those files.
func literalSecrets(spec *parse.File, chain []*validate.Manifest, level string) (diag.List, map[string][]Finding) {
	var diags diag.List
	found := map[string][]Finding{}
	add := func(f *parse.File, where string) {
		fs := Secrets(f)
		for _, s := range fs {
			d := secretDiag(f, s, where, level)
			diags.Add(d)
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
	d := diag.Warnf(f.Pos(s.Node), diag.CodeLiteralSecret, s.Path, "%s "+what+tail, s.Path, where)
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
