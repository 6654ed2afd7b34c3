package govern

import (
	"fmt"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// literalSecrets reports every literal secret in floe.yaml and each manifest of the
// chain: a warning, an error under policy_enforcement_level strict. The value itself
// never appears in the diagnostic, and the quoted source line is redacted. It also
// returns the findings by file name, for redacting whatever quotes those files.
func literalSecrets(spec *validate.Spec, chain validate.Chain, level string) (diag.List, map[string][]validate.Finding) {
	var diags diag.List
	found := map[string][]validate.Finding{}
	add := func(f *parse.File, fs []validate.Finding, where string) {
		for _, s := range fs {
			d := secretDiag(f, s, where, level)
			diags.Add(d)
		}
		found[f.Name] = append(found[f.Name], fs...)
	}
	add(spec.File, spec.Secrets, "floe.yaml")
	for _, m := range chain {
		add(m.File, validate.Secrets(m.File), "the manifest")
	}
	return diags, found
}

// secretDiag is the FLOE-E600 diagnostic for s: a warning, an error under strict.
func secretDiag(f *parse.File, s validate.Finding, where, level string) diag.Diagnostic {
	const tail = "; it is redacted from every generated file but must not live in %s"
	var what string
	suggest := "name a Kubernetes Secret with connection_secret_ref, or write ${ENV_VAR}"
	if where == "floe.yaml" {
		suggest = "floe.yaml is shared and environment-agnostic: write ${ENV_VAR} and let the check read the secret from the environment"
	}
	switch kind := s.Kind(); {
	case s.Whole:
		what = "holds a literal secret"
	case kind == schemas.URLPassword:
		what = "is a URL with a literal password"
		suggest = "take the password out of the URL: " + suggest
	case kind == schemas.URLUser:
		what = "is a URL with a token as its user"
		suggest = "take the token out of the URL: " + suggest
	case kind == schemas.KeyValuePair:
		what = fmt.Sprintf("holds a literal %s in its query or connection string", s.Spans[0].Key)
	default:
		what = "holds literal authorization credentials"
	}
	d := diag.Warnf(f.Pos(s.Node), diag.CodeLiteralSecret, s.Path, "%s "+what+tail, s.Path, where)
	d.Suggest = suggest
	d.Redact = true
	if level == "strict" {
		d.Severity = diag.Error
	}
	return d
}
