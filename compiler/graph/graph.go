// Package graph is the dependency pass: it checks that every dependsOn target is a
// transform of the product, finds every cycle (self-loops included) with its ordered
// path, and computes a stable topological order and layering for later passes. It
// runs on every compile, whatever the governance settings. Linear in nodes + edges.
package graph

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
)

// maxSuggested bounds the unknown dependsOn targets that get a did-you-mean.
const maxSuggested = 100

// Graph is the product's model graph.
type Graph struct {
	// Names are the model names in floe.yaml order; node i is Names[i].
	Names []string
	// Deps[i] lists the nodes node i depends on, in dependsOn order (duplicates removed).
	Deps [][]int
	// Order is a stable topological order (dependencies first; ties in floe.yaml order).
	Order []int
	// Layer[i] is node i's depth: 0 without dependencies, else 1 + max over its deps.
	Layer []int
}

// Layers groups names by layer.
func (g *Graph) Layers() [][]string {
	var out [][]string
	for _, i := range g.Order {
		for len(out) <= g.Layer[i] {
			out = append(out, nil)
		}
		out[g.Layer[i]] = append(out[g.Layer[i]], g.Names[i])
	}
	return out
}

// OrderNames returns Order as names.
func (g *Graph) OrderNames() []string {
	out := make([]string, len(g.Order))
	for k, i := range g.Order {
		out[k] = g.Names[i]
	}
	return out
}

// Build checks and orders the transforms of spec. With broken values (reported by
// validation), what depends on them is skipped: a transform whose name is broken is no
// dependency target (and a dependsOn naming it is no error), broken dependsOn items are
// no edges.
func Build(spec *validate.Spec) (*Graph, diag.List) {
	var diags diag.List
	n := len(spec.Transforms)
	g := &Graph{Names: make([]string, n), Deps: make([][]int, n)}
	index := make(map[string]int, n)
	brokenNames := map[string]bool{}
	for i, t := range spec.Transforms {
		g.Names[i] = t.Name
		if spec.Broken.Has("transforms", strconv.Itoa(i), "name") {
			if i < len(spec.Names) && spec.Names[i] != "" {
				brokenNames[spec.Names[i]] = true
			}
			continue
		}
		index[t.Name] = i
	}
	depPos := func(i, k int) diag.Pos { return spec.TransformAt(i, "dependsOn", strconv.Itoa(k)) }
	var sorted []string // built lazily: did-you-mean over names
	suggested := 0
	for i, t := range spec.Transforms {
		for k, d := range t.DependsOn {
			j, ok := index[d]
			if !ok && (brokenNames[d] || spec.Broken.Has("transforms", strconv.Itoa(i), "dependsOn", strconv.Itoa(k))) {
				continue
			}
			if !ok {
				if sorted == nil {
					sorted = slices.Clone(g.Names)
				}
				e := diag.Errorf(depPos(i, k), diag.CodeUnknownDep, spec.TransformPath(i, "dependsOn", strconv.Itoa(k)),
					"transform %q depends on %q, which is not a transform of this product", t.Name, d)
				// Each suggestion scans every name: only the first maxSuggested unknown
				// targets get one, so thousands of them cannot make the pass quadratic.
				if suggested < maxSuggested {
					suggested++
					e.Suggest = diag.DidYouMean(d, sorted)
				}
				if e.Suggest == "" {
					e.Suggest = "dependsOn names other transforms in this floe.yaml; sources and seeds are not listed"
				}
				diags.Add(e)
				continue
			}
			if !slices.Contains(g.Deps[i], j) {
				g.Deps[i] = append(g.Deps[i], j)
			}
		}
	}
	// Cycles: iterative DFS with colours; each back edge closes one cycle, reported once
	// per strongly connected set of back edges found.
	const (
		white = iota
		grey
		black
	)
	colour := make([]int, n)
	onStack := make([]int, n) // position in stack, valid while grey
	type frame struct{ node, next int }
	for s := range n {
		if colour[s] != white {
			continue
		}
		stack := []frame{{s, 0}}
		colour[s] = grey
		onStack[s] = 0
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next >= len(g.Deps[top.node]) {
				colour[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			j := g.Deps[top.node][top.next]
			top.next++
			switch colour[j] {
			case white:
				colour[j] = grey
				onStack[j] = len(stack)
				stack = append(stack, frame{j, 0})
			case grey:
				cyc := make([]int, 0, len(stack)-onStack[j]+1)
				for _, fr := range stack[onStack[j]:] {
					cyc = append(cyc, fr.node)
				}
				diags.Add(cycleDiag(g, spec, depPos, cyc))
			}
		}
	}
	if diags.HasErrors() {
		return g, diags
	}
	g.Order, g.Layer = topo(g)
	return g, diags
}

// cycleDiag reports cycle path (each node depends on the next; the last on the first)
// at the dependsOn item of its first edge, with every edge as a related position.
func cycleDiag(g *Graph, spec *validate.Spec, depPos func(i, k int) diag.Pos, cyc []int) diag.Diagnostic {
	// Rotate so the path starts at the node that comes first in floe.yaml: stable output.
	start := 0
	for k := range cyc {
		if cyc[k] < cyc[start] {
			start = k
		}
	}
	cyc = append(cyc[start:], cyc[:start]...)
	names := make([]string, 0, len(cyc)+1)
	var related []diag.Related
	var first diag.Pos
	for k, a := range cyc {
		b := cyc[(k+1)%len(cyc)]
		names = append(names, g.Names[a])
		item := slices.Index(spec.Transforms[a].DependsOn, g.Names[b])
		pos := depPos(a, item)
		if k == 0 {
			first = pos
		}
		related = append(related, diag.Related{Pos: pos, Message: fmt.Sprintf("%s depends on %s", g.Names[a], g.Names[b])})
	}
	names = append(names, g.Names[cyc[0]])
	d := diag.Errorf(first, diag.CodeCycle, spec.TransformPath(cyc[0], "dependsOn"), "dependency cycle: %s", strings.Join(names, " -> "))
	d.Related = related
	d.Suggest = "remove one of these dependsOn entries"
	if len(cyc) == 1 {
		d.Message = fmt.Sprintf("transform %q depends on itself", g.Names[cyc[0]])
	}
	return d
}

// topo is Kahn's algorithm with a FIFO queue seeded in floe.yaml order: stable.
func topo(g *Graph) (order, layer []int) {
	n := len(g.Names)
	indeg := make([]int, n)
	dependents := make([][]int, n)
	for i, deps := range g.Deps {
		indeg[i] = len(deps)
		for _, j := range deps {
			dependents[j] = append(dependents[j], i)
		}
	}
	layer = make([]int, n)
	order = make([]int, 0, n)
	for i := range n {
		if indeg[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		i := order[k]
		for _, d := range dependents[i] {
			layer[d] = max(layer[d], layer[i]+1)
			indeg[d]--
			if indeg[d] == 0 {
				order = append(order, d)
			}
		}
	}
	return order, layer
}
