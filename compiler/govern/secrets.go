package govern

import (
	"fmt"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"

	"go.yaml.in/yaml/v3"
)

// CodeLiteralSecret marks a secret written as a literal in a manifest.
const CodeLiteralSecret = "FLOE-E600"

// literalSecrets reports every literal secret value under plugins.*.config of each
// manifest: a warning, an error under policy_enforcement_level strict. The value itself
// never appears in the diagnostic.
func literalSecrets(chain []*validate.Manifest, level string) diag.List {
	var diags diag.List
	for _, m := range chain {
		_, plugins := parse.Lookup(m.File.Root, []string{"plugins"})
		if plugins == nil || plugins.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(plugins.Content); i += 2 {
			cat := plugins.Content[i].Value
			_, cfg, ok := parse.LookupExact(plugins.Content[i+1], []string{"config"})
			if !ok {
				continue
			}
			walkSecrets(m.File, cfg, "plugins."+cat+".config", level, &diags)
		}
	}
	return diags
}

func walkSecrets(f *parse.File, n *yaml.Node, path, level string, diags *diag.List) {
	n = parse.Deref(n)
	if n != nil && n.Kind == yaml.SequenceNode {
		for i, c := range n.Content {
			walkSecrets(f, c, fmt.Sprintf("%s[%d]", path, i), level, diags)
		}
		return
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], parse.Deref(n.Content[i+1])
		p := path + "." + k.Value
		if v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!str" && schemas.IsSecretKey(k.Value) && !schemas.IsSecretReference(v.Value) {
			d := diag.Warnf(f.Pos(v), CodeLiteralSecret, p, "%s holds a literal secret; it is redacted from every generated file but must not live in the manifest", p)
			d.Suggest = "name a Kubernetes Secret with connection_secret_ref, or write ${ENV_VAR}"
			d.Redact = true
			if level == "strict" {
				d.Severity = diag.Error
			}
			diags.Add(d)
			continue
		}
		walkSecrets(f, v, p, level, diags)
	}
}
