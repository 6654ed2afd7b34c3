package compiler

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/schemas"
)

// What each pass produced, written for Options.DumpAfter: the YAML trees after parse
// (every node with its position), the passes' Go values as JSON after the others.

// dumpParse writes floe.yaml's top level and each transform as parse decoded it.
func dumpParse(c *compilation, w io.Writer) error {
	fmt.Fprintf(w, "%s: the top level (its transforms were handed to validate one by one)\n", c.spec.Name)
	fmt.Fprint(w, dumpNode(c.spec.Root, 1))
	for i, item := range c.items {
		fmt.Fprintf(w, "transforms[%d]:\n%s", i, item)
	}
	return nil
}

// dumpNode renders the tree under n, one node a line with its position, indented two
// spaces a level from indent on; an alias names its anchor and where it is.
func dumpNode(n *yaml.Node, indent int) string {
	var b strings.Builder
	var walk func(n *yaml.Node, depth int, label string)
	walk = func(n *yaml.Node, depth int, label string) {
		pad := strings.Repeat("  ", depth)
		if n == nil {
			fmt.Fprintf(&b, "%s%snull (none written)\n", pad, label)
			return
		}
		at := strconv.Itoa(n.Line) + ":" + strconv.Itoa(n.Column)
		anchor := ""
		if n.Anchor != "" {
			anchor = " &" + n.Anchor
		}
		switch n.Kind {
		case yaml.MappingNode:
			fmt.Fprintf(&b, "%s%s%s mapping%s\n", pad, label, at, anchor)
			if depth > parse.MaxDepth {
				return
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				walk(n.Content[i+1], depth+1, fmt.Sprintf("%q (key %d:%d) = ", k.Value, k.Line, k.Column))
			}
		case yaml.SequenceNode:
			fmt.Fprintf(&b, "%s%s%s list of %d%s\n", pad, label, at, len(n.Content), anchor)
			if depth > parse.MaxDepth {
				return
			}
			for _, ch := range n.Content {
				walk(ch, depth+1, "- ")
			}
		case yaml.AliasNode:
			target := ""
			if n.Alias != nil {
				target = fmt.Sprintf(" → %d:%d", n.Alias.Line, n.Alias.Column)
			}
			fmt.Fprintf(&b, "%s%s%s alias *%s%s\n", pad, label, at, n.Value, target)
		default:
			fmt.Fprintf(&b, "%s%s%s %s %q%s\n", pad, label, at, n.Tag, n.Value, anchor)
		}
	}
	walk(n, indent, "")
	return b.String()
}

// dumpJSON writes v as indented JSON.
func dumpJSON(w io.Writer, v any) error {
	b, err := schemas.IndentJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func brokenPaths(b map[string]bool) []string {
	paths := make([]string, 0, len(b))
	for p := range b {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

func dumpValidate(c *compilation, w io.Writer) error {
	return dumpJSON(w, struct {
		Spec   *schemas.FloeSpec `json:"floe_spec"`
		Broken []string          `json:"broken"`
	}{c.valid.FloeSpec, brokenPaths(c.valid.Broken)})
}

func dumpManifests(c *compilation, w io.Writer) error {
	type manifest struct {
		File     string            `json:"file"`
		Manifest *schemas.Manifest `json:"manifest"`
		Broken   []string          `json:"broken"`
	}
	var out []manifest
	for _, m := range c.chain {
		out = append(out, manifest{m.File.Name, m.Manifest, brokenPaths(m.Broken)})
	}
	return dumpJSON(w, out)
}

func dumpResolve(c *compilation, w io.Writer) error {
	r := c.resolved
	return dumpJSON(w, struct {
		Plugins        schemas.ResolvedPlugins       `json:"plugins"`
		DefaultCompute string                        `json:"default_compute"`
		Computes       []string                      `json:"computes"`
		Profiles       *schemas.Map                  `json:"profiles"`
		Presets        []schemas.NamedResourcePreset `json:"presets"`
		DefaultPreset  string                        `json:"default_preset"`
		ModelPresets   []string                      `json:"model_presets"`
		Slug           string                        `json:"slug"`
		ProjectName    string                        `json:"project_name"`
	}{r.Plugins, r.DefaultCompute, r.Computes, r.Profiles, r.Presets, r.DefaultPreset, r.ModelPresets, r.Slug, r.ProjectName})
}

func dumpGraph(c *compilation, w io.Writer) error {
	g := c.graphed
	if g.Order == nil {
		fmt.Fprintln(w, "(no order: the graph has errors)")
		return nil
	}
	for l, names := range g.Layers() {
		fmt.Fprintf(w, "layer %d: %s\n", l, strings.Join(names, " "))
	}
	return nil
}

func dumpDbt(c *compilation, w io.Writer) error {
	return dumpJSON(w, struct {
		Inputs []string `json:"inputs"`
	}{c.dbtInputs})
}

func dumpSchedule(c *compilation, w io.Writer) error {
	return dumpJSON(w, struct {
		Schedules []schemas.Schedule `json:"schedules"`
		NextRuns  any                `json:"next_runs"`
	}{c.schedules, c.res.NextRuns})
}

func dumpGovern(c *compilation, w io.Writer) error {
	return dumpJSON(w, struct {
		Level      string                           `json:"level"`
		Summary    schemas.EnforcementResultSummary `json:"summary"`
		Governance *schemas.ResolvedGovernance      `json:"governance"`
	}{c.policy.Level, c.policy.Summary, c.policy.Governance})
}

func dumpLower(c *compilation, w io.Writer) error {
	b := c.product.ArtifactsJSON
	if b == nil {
		var err error
		if b, err = schemas.MarshalArtifacts(c.product.Artifacts, nil); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%s\n", b)
	return err
}

func dumpNothing(_ *compilation, w io.Writer) error {
	_, err := fmt.Fprintln(w, "(the pass checks; it produces nothing new)")
	return err
}
