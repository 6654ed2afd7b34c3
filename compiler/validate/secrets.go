package validate

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/schemas"
)

// Literal secrets (see schemas/secrets.go for what counts) are found as a file (or a
// transform) reaches validation, before any rule drops an unknown or
// environment-specific key or nulls a broken value: a secret there is still quoted by
// diagnostics, and still a secret everywhere else its value appears. The govern pass
// reports the findings still in the tree (Live); every finding is redacted.

// Finding is one literal secret in a YAML file.
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
	// setting name, or a key holding a URL with a password.
	Key bool

	secrets []string     // the secret strings, as found
	tag     string       // Node's tag when found
	chain   []*yaml.Node // the nodes from the tree's root to Node, each as it sits in its parent
}

// Strings returns the secret strings of the finding (the whole value, or its parts) as
// they were when it was found.
func (s Finding) Strings() []string { return s.secrets }

// Kind is the kind of the finding's first secret part (0 for a whole value).
func (s Finding) Kind() schemas.SecretKind {
	if s.Whole || len(s.Spans) == 0 {
		return 0
	}
	return s.Spans[0].Kind
}

// Live reports whether the finding is still in its file's tree: validation drops
// unknown and environment-specific keys (reported there; a secret under them is still
// redacted, but not reported twice) and nulls broken values.
func (s Finding) Live() bool {
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
	// A transform is a few levels deep: the stacks rarely grow past their first size.
	w := secretWalker{tree: t, keys: keys, path: make([]pathSeg, 0, len(t.prefix)+8), stack: make([]*yaml.Node, 0, 8)}
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
	stack []*yaml.Node // the nodes being walked, the tree's root first, each as it sits in its parent
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

// find records a finding at n (the node being walked, or a key node of the mapping
// being walked), with the secret strings as they are now: validation may replace a
// broken value by null afterwards.
func (w *secretWalker) find(n *yaml.Node, whole bool, spans []schemas.Span, key bool) {
	f := Finding{Node: n, Path: w.pathString(), Whole: whole, Spans: spans, Key: key, tag: n.Tag}
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
			kn := n.Content[i]
			k := kn.Value
			spelled := k
			if s, ok := w.tree.spelledAs(kn); ok {
				spelled = s // as the user wrote it (quality_checks, not qualityChecks)
			}
			// A key can be a secret itself (keyed by secrets under a secret key, or a URL
			// with a password): reported, and never spelled out in a path.
			if kn.Kind == yaml.ScalarNode && kn.Tag == "!!str" {
				if secret && !schemas.IsSettingName(k) && !schemas.IsSecretReference(k) {
					spelled = schemas.Redacted
					w.path = append(w.path, pathSeg{key: spelled})
					w.find(kn, true, nil, true)
					w.path = w.path[:len(w.path)-1]
				} else if spans := schemas.SecretSpans(k); len(spans) > 0 {
					spelled, _ = schemas.RedactString(k)
					w.path = append(w.path, pathSeg{key: spelled})
					w.find(kn, false, spans, true)
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
					w.find(n, true, nil, false)
				}
			} else if spans := schemas.SecretSpans(n.Value); len(spans) > 0 {
				w.find(n, false, spans, false)
			}
		case "!!int", "!!float":
			if secret {
				w.find(n, true, nil, false)
			}
		}
	}
}
