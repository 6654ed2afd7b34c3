package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/floe-dev/floe/schemas"
)

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
