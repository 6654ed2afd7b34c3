package compiler

import (
	"strings"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
	"github.com/floe-dev/floe/schemas/k8scheck"
)

// diag.CodeKubernetes marks a value that cannot become a valid Kubernetes object.

// flatKeys maps canonical preset sub-paths to the flat shape's keys.
var flatKeys = map[string]string{"requests.cpu": "cpu_request", "requests.memory": "memory_request",
	"limits.cpu": "cpu_limit", "limits.memory": "memory_limit"}

// kubernetesDiags runs the Kubernetes constraints on what packaging will emit (names,
// label values, quantities, requests not above limits) and places each at the YAML
// value it came from.
func kubernetesDiags(p *schemas.Product, spec *validate.Spec, chain validate.Chain) diag.List {
	var diags diag.List
	for _, e := range k8scheck.Product(p) {
		pos := diag.Pos{File: spec.File.Name}
		switch {
		case strings.HasPrefix(e.Path, "metadata."):
			pos = spec.File.At(strings.Split(e.Path, ".")...)
		case e.Path == "deployment.image_repository" || e.Path == "deployment.image_tag":
			// Set by plugins.orchestrator.config.image, else derived from floe.yaml's
			// metadata.name / metadata.version: point at whichever the value came from.
			field, derived := "repository", "name"
			if e.Path == "deployment.image_tag" {
				field, derived = "tag", "version"
			}
			pos = spec.File.At("metadata", derived)
			if at, ok := chain.At("plugins", "orchestrator", "config", "image", field); ok {
				pos = at
			}
		case strings.HasPrefix(e.Path, "resource_presets."):
			parts := strings.SplitN(strings.TrimPrefix(e.Path, "resource_presets."), ".", 2)
			pos = presetPos(chain, parts)
		default:
			pos = chain[0].File.At("plugins")
		}
		diags.Add(diag.Errorf(pos, diag.CodeKubernetes, e.Path, "%s: %s", e.Value, e.Message))
	}
	return diags
}

// presetPos is where a preset's value came from: the first tier of the chain that
// names resource_presets, at the value (in its canonical or flat shape) or the preset.
func presetPos(chain validate.Chain, parts []string) diag.Pos {
	for _, m := range chain {
		k, v := parse.Lookup(m.File.Root, []string{"resource_presets", parts[0]})
		if k == nil {
			continue
		}
		if len(parts) == 1 {
			return m.File.Pos(k)
		}
		if kk, vv := parse.Lookup(v, strings.Split(parts[1], ".")); kk != nil {
			return m.File.Pos(vv)
		}
		if kk, vv := parse.Lookup(v, []string{flatKeys[parts[1]]}); kk != nil {
			return m.File.Pos(vv)
		}
		return m.File.Pos(k)
	}
	return diag.Pos{File: chain[0].File.Name}
}
