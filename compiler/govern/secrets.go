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
// manifest, and every URL anywhere in it with a literal password
// (scheme://user:password@host): a warning, an error under policy_enforcement_level
// strict. The value itself never appears in the diagnostic.
func literalSecrets(chain []*validate.Manifest, level string) diag.List {
	var diags diag.List
	for _, m := range chain {
		walkURLs(m.File, m.File.Root, "", level, &diags)
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
			if _, inURL := schemas.RedactURLPassword(v.Value); inURL {
				continue // walkURLs reports it
			}
			diags.Add(secretDiag(f, v, p, "%s holds a literal secret; it is redacted from every generated file but must not live in the manifest", level))
			continue
		}
		walkSecrets(f, v, p, level, diags)
	}
}

// walkURLs reports every string under n that is a URL with a literal password.
func walkURLs(f *parse.File, n *yaml.Node, path, level string, diags *diag.List) {
	n = parse.Deref(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkURLs(f, c, path, level, diags)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkURLs(f, c, fmt.Sprintf("%s[%d]", path, i), level, diags)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			walkURLs(f, n.Content[i+1], p, level, diags)
		}
	case yaml.ScalarNode:
		if _, ok := schemas.RedactURLPassword(n.Value); ok && n.Tag == "!!str" {
			d := secretDiag(f, n, path, "%s is a URL with a literal password; the password is redacted from every generated file but must not live in the manifest", level)
			d.Suggest = "take the password out of the URL: name a Kubernetes Secret with connection_secret_ref, or let the runtime read it from an environment variable"
			diags.Add(d)
		}
	}
}

// secretDiag is the FLOE-E600 diagnostic for a literal secret at n (path): a warning,
// an error under strict; its value is redacted wherever the diagnostic is shown.
func secretDiag(f *parse.File, n *yaml.Node, path, format, level string) diag.Diagnostic {
	d := diag.Warnf(f.Pos(n), CodeLiteralSecret, path, format, path)
	d.Suggest = "name a Kubernetes Secret with connection_secret_ref, or write ${ENV_VAR}"
	d.Redact = true
	if level == "strict" {
		d.Severity = diag.Error
	}
	return d
}
