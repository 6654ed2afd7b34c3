package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/schemas"
)

// graphFormats are the values of graph's --output-format.
var graphFormats = []string{"dot", "mermaid", "json"}

func newGraphCmd(e *env) *cobra.Command {
	f := inputFlags{format: "text"}
	var graphFormat, oldFormat string
	cmd := &cobra.Command{
		Use:   "graph [PATH]",
		Short: "Print the dependency graph of the product's transforms",
		Long: `Print the transforms' dependency graph as Graphviz dot, Mermaid (renders in GitHub
and GitLab Markdown) or JSON (with the topological order and layers). Edges point from
a dependency to the transform that depends on it. Diagnostics, if any, go to stderr as
text.

--output-format names the graph's format, as it names the artifact's on compile;
--format, which means the diagnostics' format on every other command, is still
accepted here for the graph's format, with a warning.`,
		Example: `  floe graph                                   # dot, for: floe graph | dot -Tsvg > graph.svg
  floe graph examples/customer-360 --output-format mermaid
  floe graph --output-format json | jq .order`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("format") {
				if cmd.Flags().Changed("output-format") {
					return usageErr("--format is the old spelling of --output-format; give one")
				}
				fmt.Fprintln(e.stderr, "floe: warning: graph --format is deprecated; use --output-format instead")
				graphFormat = oldFormat
			}
			if !slices.Contains(graphFormats, graphFormat) {
				return usageErr("--output-format %q: want dot, mermaid or json", graphFormat)
			}
			res, err := checkProduct(e, &f, "graph", args, f.format)
			if err != nil {
				return err
			}
			b, err := renderGraph(res.Product, graphFormat)
			if err != nil {
				return internalErr(err)
			}
			_, err = e.stdout.Write(b)
			return err
		},
	}
	f.registerManifest(cmd)
	cmd.Flags().StringVar(&graphFormat, "output-format", "dot", "graph format: dot, mermaid or json")
	_ = cmd.RegisterFlagCompletionFunc("output-format", fixedCompletions(graphFormats...))
	cmd.Flags().StringVar(&oldFormat, "format", "", "deprecated spelling of --output-format")
	_ = cmd.Flags().MarkHidden("format")
	return cmd
}

type graphJSON struct {
	Nodes  []graphNode `json:"nodes"`
	Edges  [][2]string `json:"edges"`
	Order  []string    `json:"order"`
	Layers [][]string  `json:"layers"`
}

type graphNode struct {
	Name  string `json:"name"`
	Tier  string `json:"tier,omitempty"`
	Layer int    `json:"layer"`
}

// renderGraph prints the product graph; edges point from a dependency to its dependent.
func renderGraph(p *schemas.Product, format string) ([]byte, error) {
	var b bytes.Buffer
	switch format {
	case "dot":
		fmt.Fprintf(&b, "digraph %s {\n  rankdir=LR;\n", strconv.Quote(p.Name))
		for _, m := range p.Models {
			fmt.Fprintf(&b, "  %s;\n", strconv.Quote(m.Name))
		}
		for _, m := range p.Models {
			for _, d := range m.DependsOn {
				fmt.Fprintf(&b, "  %s -> %s;\n", strconv.Quote(d), strconv.Quote(m.Name))
			}
		}
		b.WriteString("}\n")
	case "mermaid":
		b.WriteString("graph LR\n")
		for _, m := range p.Models {
			fmt.Fprintf(&b, "  %s\n", m.Name)
		}
		for _, m := range p.Models {
			for _, d := range m.DependsOn {
				fmt.Fprintf(&b, "  %s --> %s\n", d, m.Name)
			}
		}
	case "json":
		g := graphJSON{Order: p.Order, Layers: p.Layers, Edges: [][2]string{}}
		for _, m := range p.Models {
			g.Nodes = append(g.Nodes, graphNode{Name: m.Name, Tier: m.Tier, Layer: m.Layer})
			for _, d := range m.DependsOn {
				g.Edges = append(g.Edges, [2]string{d, m.Name})
			}
		}
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(g); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}
