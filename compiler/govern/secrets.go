package govern

import (
	"fmt"
	"strconv"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// literalSecrets reports every literal secret in floe.yaml and each manifest of the
// chain that is still in its file's tree after validation (validate.Finding.Live): a
// warning, an error under policy_enforcement_level strict. The value itself never
// appears in the diagnostic, and the quoted source line is redacted. It returns every
// finding by file name, for redacting whatever quotes those files.
func literalSecrets(spec *validate.Spec, chain validate.Chain, level string) (diag.List, map[string][]validate.Finding) {
	var diags diag.List
	found := map[string][]validate.Finding{}
	add := func(f *parse.File, fs []validate.Finding, where string) {
		for _, s := range fs {
			if s.Live() {
				diags.Add(secretDiag(f, s, where, level))
			}
		}
		found[f.Name] = append(found[f.Name], fs...)
	}
	add(spec.File, spec.Secrets, "floe.yaml")
	for _, m := range chain {
		add(m.File, m.Secrets, "the manifest")
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
	case s.Key && s.Whole:
		what = "has a key that is a literal secret (a mapping under a secret key is keyed by setting names)"
	case s.Key:
		what = "has a key that is a URL with a literal password"
		suggest = "take the password out of the URL: " + suggest
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

// secretNames reports the names the output is built on (the product's name and
// version, each transform's name) that are, or hold, a literal secret of the inputs: a
// secret is redacted from every generated file by value, but a name cannot be (the
// Dagster assets, the chart and the Iceberg tables are called by it). An error
// whatever the policy level; the value is never printed.
func secretNames(r *resolve.Resolved, known *schemas.KnownSecrets) diag.List {
	if known.Len() == 0 || r.Spec == nil || r.Spec.FloeSpec == nil {
		return nil
	}
	var diags diag.List
	check := func(value string, pos diag.Pos, path ...string) {
		if len(known.Spans(value)) == 0 {
			return
		}
		dotted := validate.DottedPath(path)
		d := diag.Errorf(pos, diag.CodeSecretName, dotted, "%s is, or holds, a value that is a literal secret in the inputs; a name cannot be redacted from the files built on it", dotted)
		d.Suggest = "rename it, or change the secret (and keep it out of the inputs: ${ENV_VAR} or connection_secret_ref)"
		d.Redact = true
		diags.Add(d)
	}
	spec, f := r.Spec, r.Spec.File
	check(spec.Metadata.Name, f.At("metadata", "name"), "metadata", "name")
	check(spec.Metadata.Version, f.At("metadata", "version"), "metadata", "version")
	for i, t := range spec.Transforms {
		check(t.Name, spec.TransformAt(i, "name"), "transforms", strconv.Itoa(i), "name")
	}
	return diags
}
