package validate

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// diag.CodeArtifacts is a rule of the manifest's artifacts block beyond its schema.

// The reference's value sets (schemas/promotion.py).
var (
	webhookEvents  = []string{"lock", "promote", "rollback", "unlock"}
	severityLevels = []string{"CRITICAL", "HIGH", "LOW", "MEDIUM", "UNKNOWN"}
)

// artifactRules checks the artifacts block as the reference's models do (schemas/oci.py,
// signing.py, promotion.py): the cross-field rules its validators enforce.
func artifactRules(f *parse.File, a *schemas.ArtifactsConfig, broken Broken) diag.List {
	var diags diag.List
	at := f.Mark
	add := func(path []string, format string, args ...any) {
		if broken.Within(path...) {
			return
		}
		diags.Add(diag.Errorf(at(path...), diag.CodeArtifacts, DottedPath(path), format, args...))
	}
	reg := []string{"artifacts", "registry"}
	// credentials_ref is checked only when written (a field validator does not run on
	// defaults): required for basic and token, not allowed for the others.
	if written := f.Has(append(slices.Clone(reg), "auth", "credentials_ref")...); written && !broken.Has(append(slices.Clone(reg), "auth", "type")...) {
		switch t := a.Registry.Auth.Type; {
		case (t == "basic" || t == "token") && a.Registry.Auth.CredentialsRef == nil:
			add(append(slices.Clone(reg), "auth", "credentials_ref"), "credentials_ref is required for auth type %q", t)
		case t != "basic" && t != "token" && a.Registry.Auth.CredentialsRef != nil:
			add(append(slices.Clone(reg), "auth", "credentials_ref"), "credentials_ref is not allowed for auth type %q", t)
		}
	}
	if s := a.Registry.Signing; s != nil && !broken.Within(append(slices.Clone(reg), "signing")...) {
		p := append(slices.Clone(reg), "signing")
		switch {
		case s.Mode == "keyless" && (s.OIDCIssuer == nil || *s.OIDCIssuer == ""):
			add(p, "signing mode keyless needs oidc_issuer")
		case s.Mode == "key-based" && s.PrivateKeyRef == nil:
			add(p, "signing mode key-based needs private_key_ref")
		case s.Mode == "keyless" && s.PrivateKeyRef != nil:
			add(append(p, "private_key_ref"), "private_key_ref is not allowed in signing mode keyless")
		}
		for _, u := range []struct {
			key string
			v   *string
		}{{"oidc_issuer", s.OIDCIssuer}, {"rekor_url", s.RekorURL}, {"fulcio_url", s.FulcioURL}} {
			if u.v != nil {
				checkHTTPURL(append(slices.Clone(p), u.key), *u.v, add)
			}
		}
	}
	if v := a.Registry.Verification; v != nil && !broken.Within(append(slices.Clone(reg), "verification")...) {
		p := append(slices.Clone(reg), "verification")
		if (v.Enabled == nil || *v.Enabled) && len(v.TrustedIssuers) == 0 && v.PublicKeyRef == nil {
			add(p, "verification is enabled but names no trusted_issuers and no public_key_ref")
		}
		for i, ti := range v.TrustedIssuers {
			ip := append(slices.Clone(p), "trusted_issuers", fmt.Sprint(i))
			checkHTTPURL(append(slices.Clone(ip), "issuer"), ti.Issuer, add)
			hasSubject, hasRegex := ti.Subject != nil && *ti.Subject != "", ti.SubjectRegex != nil && *ti.SubjectRegex != ""
			switch {
			case !hasSubject && !hasRegex:
				add(ip, "a trusted issuer needs subject or subject_regex")
			case hasSubject && hasRegex:
				add(ip, "subject and subject_regex are mutually exclusive")
			}
			if ti.SubjectRegex != nil {
				if _, err := regexp.Compile(*ti.SubjectRegex); err != nil {
					add(append(slices.Clone(ip), "subject_regex"), "invalid regular expression: %v", err)
				}
			}
		}
	}
	pr := a.Promotion
	if pr == nil || broken.Has("artifacts", "promotion") {
		return diags
	}
	names := map[string]int{}
	for i, env := range pr.Environments {
		ep := []string{"artifacts", "promotion", "environments", fmt.Sprint(i)}
		if j, dup := names[env.Name]; dup && !broken.Has(append(slices.Clone(ep), "name")...) {
			add(append(slices.Clone(ep), "name"), "environment name %q is used twice (first at environments[%d])", env.Name, j)
		} else {
			names[env.Name] = i
		}
		gates := make([]string, 0, len(env.Gates))
		for g := range env.Gates {
			gates = append(gates, g)
		}
		slices.Sort(gates)
		for _, g := range gates {
			gp := append(slices.Clone(ep), "gates", g)
			if !slices.Contains(schemas.PromotionGates, g) {
				if !broken.Within(gp...) {
					d := diag.Errorf(f.Key(gp...), diag.CodeArtifacts, DottedPath(gp), "unknown promotion gate %q", g)
					d.Suggest = diag.DidYouMean(g, schemas.PromotionGates)
					if d.Suggest == "" {
						d.Suggest = "gates: " + strings.Join(schemas.PromotionGates, ", ")
					}
					diags.Add(d)
				}
				continue
			}
			s := env.Gates[g]
			if g == "policy_compliance" && s.On != nil && !*s.On {
				add(gp, "the policy_compliance gate cannot be turned off: it is mandatory for every environment")
			}
			if s.Gate != nil {
				checkSeverities(gp, s.Gate, add)
			}
		}
	}
	for i, w := range pr.Webhooks {
		for k, e := range w.Events {
			if !slices.Contains(webhookEvents, e) {
				add([]string{"artifacts", "promotion", "webhooks", fmt.Sprint(i), "events", fmt.Sprint(k)},
					"unknown webhook event %q; events: %s", e, strings.Join(webhookEvents, ", "))
			}
		}
	}
	cmds := make([]string, 0, len(pr.GateCommands))
	for c := range pr.GateCommands {
		cmds = append(cmds, c)
	}
	slices.Sort(cmds)
	for _, c := range cmds {
		if g := pr.GateCommands[c].Gate; g != nil {
			checkSeverities([]string{"artifacts", "promotion", "gate_commands", c}, g, add)
		}
	}
	return diags
}

func checkSeverities(path []string, g *schemas.SecurityGateConfig, add func([]string, string, ...any)) {
	for k, s := range g.BlockOnSeverity {
		if !slices.Contains(severityLevels, s) {
			add(append(slices.Clone(path), "block_on_severity", fmt.Sprint(k)), "unknown severity %q; levels: %s", s, strings.Join(severityLevels, ", "))
		}
	}
}

// checkHTTPURL is Pydantic's HttpUrl: an http or https URL with a host.
func checkHTTPURL(path []string, v string, add func([]string, string, ...any)) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(path, "%q is not an http(s) URL", v)
	}
}
