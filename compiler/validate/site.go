package validate

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
)

// Site is where one transform was written in floe.yaml: the positions the passes after
// validation point their diagnostics at, kept when the transform's YAML is dropped. A
// position is that of the value at its path, or of the deepest value on the path that
// was written (as File.At gives it).
type Site struct {
	item, name, compute, resources, deps at
	depsKey                              at // zero when dependsOn was not written
	depItems                             []at
	// depsSpelled is how dependsOn was written (depends_on folds into it).
	depsSpelled string
}

// at is a compact position in floe.yaml (a transform holds several).
type at struct{ line, col int32 }

func atNode(n *yaml.Node) at {
	if n == nil {
		return at{}
	}
	return at{int32(n.Line), int32(n.Column)}
}

// locate records the site of the transform t.
func locate(t *tree) Site {
	s := Site{item: atNode(parse.Deref(t.root))}
	for _, f := range []struct {
		key string
		to  *at
	}{{"name", &s.name}, {"compute", &s.compute}, {"resources", &s.resources}} {
		_, v := parse.Lookup(t.root, []string{f.key})
		*f.to = atNode(v)
	}
	k, v := parse.Lookup(t.root, []string{"dependsOn"})
	s.deps = atNode(v)
	if k != nil {
		s.depsKey = atNode(k)
		s.depsSpelled = "dependsOn"
		if w, ok := t.spelledAs(k); ok {
			s.depsSpelled = w
		}
		if v != nil && v.Kind == yaml.SequenceNode {
			s.depItems = make([]at, len(v.Content))
			for i, c := range v.Content {
				s.depItems[i] = atNode(parse.Deref(c))
			}
		}
	}
	return s
}

// TransformAt is where a diagnostic about transforms[i]'s value at path points: path is
// "name", "compute", "resources", "dependsOn" or "dependsOn" and an index; another
// path points at the transform.
func (s *Spec) TransformAt(i int, path ...string) diag.Pos {
	site := &s.Sites[i]
	a := site.item
	if len(path) > 0 {
		switch path[0] {
		case "name":
			a = site.name
		case "compute":
			a = site.compute
		case "resources":
			a = site.resources
		case "dependsOn":
			a = site.deps
			if len(path) > 1 {
				if k, err := strconv.Atoi(path[1]); err == nil && k >= 0 && k < len(site.depItems) {
					a = site.depItems[k]
				}
			}
		}
	}
	return s.pos(a)
}

// DependsOnKey is the position of transforms[i]'s dependsOn key, when it was written.
func (s *Spec) DependsOnKey(i int) (diag.Pos, bool) {
	site := &s.Sites[i]
	return s.pos(site.depsKey), site.depsKey != at{}
}

// TransformPath renders the path of transforms[i]'s value at path as the user wrote
// it: transforms[3].depends_on[1] when floe.yaml says depends_on.
func (s *Spec) TransformPath(i int, path ...string) string {
	loc := append([]string{listKey, strconv.Itoa(i)}, path...)
	if len(path) > 0 && path[0] == "dependsOn" && s.Sites[i].depsSpelled != "" {
		loc[2] = s.Sites[i].depsSpelled
	}
	return DottedPath(loc)
}

func (s *Spec) pos(a at) diag.Pos {
	return diag.Pos{File: s.File.Name, Line: int(a.line), Col: int(a.col)}
}
