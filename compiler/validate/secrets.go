package validate

import (
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/schemas"
)

// Literal secrets (see schemas/secrets.go for what counts) are found while a file is
// validated, for the govern pass to report and for redacting whatever quotes the
// inputs: a transform's YAML is not kept past its validation.

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

// Secrets returns every literal secret in f's tree, in document order. Aliases are
// followed once each, so a value anchored elsewhere and used under a secret key is
// found too.
func Secrets(f *parse.File) []Finding {
	if f == nil || f.Root == nil {
		return nil
	}
	return secretsIn(top(f), &sync.Map{})
}

// secretsIn returns every literal secret in the tree t (the top level of a file, or a
// transform handed over apart); keys memoizes schemas.IsSecretKey (a big floe.yaml
// repeats a few keys), shared by the goroutines that walk its transforms.
func secretsIn(t *tree, keys *sync.Map) []Finding {
	w := secretWalker{tree: t, keys: keys}
	for i, p := range t.prefix {
		if i%2 == 0 {
			w.path = append(w.path, pathSeg{key: p})
		} else {
			n, _ := strconv.Atoi(p)
			w.path = append(w.path, pathSeg{index: n})
		}
	}
	w.walk(t.root, false)
	return w.found
}

// secretWalker walks a file's tree. The path is kept as a stack of segments and only
// spelled out for a finding: most of a big floe.yaml holds none.
type secretWalker struct {
	tree  *tree
	keys  *sync.Map // IsSecretKey, memoized
	seen  nodeSet
	path  []pathSeg
	found []Finding
}

// pathSeg is a mapping key (as the user spelled it) or a list index (key "").
type pathSeg struct {
	key   string
	index int
}

func (w *secretWalker) isSecretKey(k string) bool {
	if s, ok := w.keys.Load(k); ok {
		return s.(bool)
	}
	s := schemas.IsSecretKey(k)
	w.keys.Store(k, s)
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
		if !secret || t == nil || !w.seen.add(t) {
			return
		}
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
			if s, ok := w.tree.spelledAs(n.Content[i]); ok {
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

// Kind is the kind of the finding's first secret part (0 for a whole value).
func (s Finding) Kind() schemas.SecretKind {
	if s.Whole || len(s.Spans) == 0 {
		return 0
	}
	return s.Spans[0].Kind
}
