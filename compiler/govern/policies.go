package govern

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// violation is a policy finding with the reference's policy type.
type violation struct {
	d          diag.Diagnostic
	policyType string
}

// policyChecks runs documentation, RBAC, custom rules and policies; every finding is an
// error, made a warning by the caller under level warn (a policies entry with action
// warn is a warning at any level).
func policyChecks(r *resolve.Resolved, g *schemas.GovernanceConfig, brokenIn func(path ...string) bool) []violation {
	var out []violation
	ts := r.Spec.Transforms
	// valid lists the transforms whose name passed validation.
	var valid []int
	for i := range ts {
		if !r.Spec.Broken.Has("transforms", fmt.Sprint(i), "name") {
			valid = append(valid, i)
		}
	}
	nameAt := func(i int) (diag.Pos, string) {
		return r.Spec.TransformAt(i, "name"), fmt.Sprintf("transforms[%d].name", i)
	}
	manifestAt := func(p ...string) diag.Pos {
		if pos, ok := r.Chain.Key(p...); ok {
			return pos
		}
		return diag.Pos{File: r.Chain[0].File.Name}
	}

	if q := g.QualityGates; q != nil && q.RequireDescriptions != nil && *q.RequireDescriptions && !brokenIn("governance", "quality_gates") {
		for _, i := range valid {
			pos, p := nameAt(i)
			d := diag.Errorf(pos, diag.CodeDocumentation, p, "model %q has no description, and governance.quality_gates.require_descriptions is set", ts[i].Name)
			d.Suggest = "floe.yaml carries no model descriptions (the reference checks none it could find): turn require_descriptions off, or lower policy_enforcement_level to warn"
			out = append(out, violation{d, "documentation"})
		}
	}
	if rb := g.RBAC; rb != nil && rb.Enabled != nil && *rb.Enabled && !brokenIn("governance", "rbac") {
		d := diag.Errorf(manifestAt("governance", "rbac", "enabled"), diag.CodeRBAC, "governance.rbac.enabled",
			"RBAC is enabled, but no identity plugin can check it at compile time")
		d.Suggest = "the reference fails this check on every compile; enforce access in the cluster and set rbac.enabled: false here"
		out = append(out, violation{d, "rbac"})
	}
	for k, rule := range g.CustomRules {
		if brokenIn("governance", "custom_rules", fmt.Sprint(k)) {
			continue
		}
		applies := "*"
		if rule.AppliesTo != nil {
			applies = *rule.AppliesTo
		}
		for _, i := range valid {
			t := ts[i]
			if ok, _ := path.Match(globToPath(applies), t.Name); !ok {
				continue
			}
			pos, p := nameAt(i)
			var d diag.Diagnostic
			switch rule.Type {
			case "require_tags_for_prefix":
				if rule.Prefix == nil || !strings.HasPrefix(t.Name, *rule.Prefix) {
					continue
				}
				var missing []string
				for _, tag := range rule.RequiredTags {
					if !slices.Contains(t.Tags, tag) && !slices.Contains(missing, tag) {
						missing = append(missing, tag)
					}
				}
				if len(missing) == 0 {
					continue
				}
				slices.Sort(missing)
				d = diag.Errorf(pos, diag.CodeCustomRule, p, "model %q with prefix %q is missing required tags: %s (custom_rules[%d])", t.Name, *rule.Prefix, strings.Join(missing, ", "), k)
				d.Suggest = "add them to the transform's tags"
			case "require_meta_field":
				field := ""
				if rule.Field != nil {
					field = *rule.Field
				}
				d = diag.Errorf(pos, diag.CodeCustomRule, p, "model %q has no meta field %q (custom_rules[%d])", t.Name, field, k)
				d.Suggest = "floe.yaml carries no model meta: the rule fails for every model it applies to (as in the reference)"
			case "require_tests_of_type":
				d = diag.Errorf(pos, diag.CodeCustomRule, p, "model %q has no tests of type %s (custom_rules[%d])", t.Name, strings.Join(rule.TestTypes, ", "), k)
				d.Suggest = "floe.yaml carries no dbt tests: the rule fails for every model it applies to (as in the reference)"
			default:
				continue
			}
			out = append(out, violation{d, "custom"})
		}
	}
	for k, pol := range g.Policies {
		if brokenIn("governance", "policies", fmt.Sprint(k)) {
			continue
		}
		sev := diag.Error
		if pol.Action == "warn" {
			sev = diag.Warning
		}
		mk := func(pos diag.Pos, p, format string, args ...any) {
			d := diag.Errorf(pos, diag.CodePolicy, p, "[%s] %s (%s)", pol.Name, pol.Message, fmt.Sprintf(format, args...))
			d.Severity = sev
			out = append(out, violation{d, "custom"})
		}
		polPos := manifestAt("governance", "policies", fmt.Sprint(k), "type")
		polPath := fmt.Sprintf("governance.policies[%d]", k)
		switch pol.Type {
		case "required_tags":
			required := stringList(pol.Config, "required_tags")
			for _, i := range valid {
				var missing []string
				for _, tag := range required {
					if !slices.Contains(ts[i].Tags, tag) {
						missing = append(missing, tag)
					}
				}
				if len(missing) > 0 {
					pos, p := nameAt(i)
					mk(pos, p, "missing tags: %s", strings.Join(missing, ", "))
				}
			}
		case "naming_convention":
			pattern, _ := configValue(pol.Config, "pattern").(string)
			re, err := regexp.Compile(pattern)
			if err != nil {
				mk(polPos, polPath, "pattern %q is not a regular expression: %v", pattern, err)
				continue
			}
			for _, i := range valid {
				// Python's re.match: anchored at the start only.
				if loc := re.FindStringIndex(ts[i].Name); loc == nil || loc[0] != 0 {
					pos, p := nameAt(i)
					mk(pos, p, "pattern: %s", pattern)
				}
			}
		case "max_transforms":
			threshold := 0
			if n, ok := configValue(pol.Config, "threshold").(schemas.Int); ok {
				fmt.Sscan(string(n), &threshold)
			}
			if len(ts) > threshold {
				mk(polPos, polPath, "%d transforms, threshold %d", len(ts), threshold)
			}
		case "custom":
			// A Python condition over dbt's node: floe does not evaluate it (listed in
			// docs/compatibility.md); it says so once.
			d := diag.Warnf(polPos, diag.CodePolicy, polPath, "[%s] custom policy conditions are not evaluated by floe", pol.Name)
			d.Suggest = "use required_tags, naming_convention or max_transforms, or check the condition in CI"
			out = append(out, violation{d, ""})
		}
	}
	return out
}

// globToPath turns an fnmatch glob into a path.Match pattern (no separators in names;
// fnmatch's [!x] is path.Match's [^x]).
func globToPath(g string) string {
	return strings.ReplaceAll(g, "[!", "[^")
}

func configValue(m *schemas.Map, key string) any {
	v, _ := m.Get(key)
	return v
}

func stringList(m *schemas.Map, key string) []string {
	l, _ := configValue(m, key).([]any)
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
