package validate

import (
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/internal/lazy"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// Manifest is a manifest.yaml that passed validation. It is returned with errors too:
// Broken lists the values that failed, now null in File and zero in the Manifest.
type Manifest struct {
	*schemas.Manifest
	File   *parse.File
	Broken Broken
	// Secrets are the literal secrets of the file, in document order.
	Secrets []Finding
}

// manifestEnvKeys may not appear at the top level of a manifest (exact case).
var manifestEnvKeys = []string{"env_overrides", "environments", "environment", "env", "dev", "staging",
	"prod", "production", "target_env", "floe_env"}

// reservedNames may not name a manifest (compared lower-cased).
var reservedNames = []string{"default", "system", "floe", "admin", "root"}

// ValidateManifest validates a parsed manifest.yaml.
func ValidateManifest(f *parse.File) (*Manifest, diag.List) {
	var diags diag.List
	cs, err := Schema("manifest")
	if err != nil {
		return nil, diag.List{diag.Errorf(diag.Pos{File: f.Name}, diag.CodeInternal, "", "internal error: %v", err)}
	}
	t := top(f)
	secrets := Secrets(f) // before any rule drops a key or nulls a value (see Finding)
	if f.Root != nil {
		// Both spellings: the manifest's root keeps unknown keys (warnings), and the
		// reference reads apiVersion and ignores api_version as one of them.
		if ak, _ := parse.MapGet(f.Root, "api_version"); ak != nil {
			if ck, _ := parse.MapGet(f.Root, "apiVersion"); ck != nil {
				d := diag.Warnf(f.Pos(ak), diag.CodeUnknownTop, "api_version", "api_version is ignored: apiVersion is given (as the reference reads it)")
				d.Related = []diag.Related{{Pos: f.Pos(ck), Message: "apiVersion is here"}}
				d.Suggest = "remove api_version"
				diags.Add(d)
				removeKey(f.Root, "api_version")
			}
		}
		foldAlias(t, f.Root, "api_version", "apiVersion", &diags)
		unknownTopLevel(f, cs, &diags)
		flatPresets(f, &diags)
	}
	var b breakage
	if f.Root != nil {
		diags.Add(coerce(t, cs, cs.doc, f.Root, nil, &b)...)
	}
	diags.Add(schemaDiags(t, cs, cs.schema, "", 0, &b)...)
	broken := b.apply(Broken{})
	b = breakage{}
	if f.Root != nil {
		diags.Add(integerFields(t, cs, &b)...)
	}
	broken = b.apply(broken)
	var m schemas.Manifest
	if err := decode(f, &m); err != nil {
		diags.Add(diag.Errorf(diag.Pos{File: f.Name}, diag.CodeInternal, "", "internal error: decode manifest: %v", err))
		return nil, diags
	}
	diags.Add(manifestRules(f, &m, broken)...)
	return &Manifest{File: f, Manifest: &m, Broken: broken, Secrets: secrets}, diags
}

// Chain is a manifest and its parents, child first (domain → enterprise).
type Chain []*Manifest

// At is the position of the value at path in the first manifest of the chain that
// holds it (a child's value overrides its parent's), and whether one does.
func (c Chain) At(path ...string) (diag.Pos, bool) {
	for _, m := range c {
		if _, v, ok := m.File.Find(path...); ok {
			return m.File.Pos(v), true
		}
	}
	return diag.Pos{}, false
}

// Mark is File.Mark in the first manifest of the chain that holds path: the value, or
// its key when the value is a block mapping or list.
func (c Chain) Mark(path ...string) (diag.Pos, bool) {
	for _, m := range c {
		if m.File.Has(path...) {
			return m.File.Mark(path...), true
		}
	}
	return diag.Pos{}, false
}

// Key is the position of path's key (of its value, for a list item) in the first
// manifest of the chain that holds path.
func (c Chain) Key(path ...string) (diag.Pos, bool) {
	for _, m := range c {
		if k, v, ok := m.File.Find(path...); ok {
			if k != nil {
				return m.File.Pos(k), true
			}
			return m.File.Pos(v), true
		}
	}
	return diag.Pos{}, false
}

// Broken reports whether validation found the value at path broken in any manifest of
// the chain (what depends on it is skipped, not reported a second time).
func (c Chain) Broken(path ...string) bool {
	for _, m := range c {
		if m.Broken.Has(path...) {
			return true
		}
	}
	return false
}

// BrokenWithin reports whether validation found a value at, above or under path broken
// in any manifest of the chain.
func (c Chain) BrokenWithin(path ...string) bool {
	for _, m := range c {
		if m.Broken.Within(path...) {
			return true
		}
	}
	return false
}

// unknownTopLevel warns about (and drops) unknown top-level manifest keys; the
// environment-specific ones are errors.
func unknownTopLevel(f *parse.File, cs *compiledSchema, diags *diag.List) {
	known := cs.allowedKeys(nil)
	kept := f.Root.Content[:0:0]
	for i := 0; i+1 < len(f.Root.Content); i += 2 {
		k, v := f.Root.Content[i], f.Root.Content[i+1]
		switch {
		case slices.Contains(known, k.Value):
			kept = append(kept, k, v)
		case slices.Contains(manifestEnvKeys, k.Value):
			d := diag.Errorf(f.Pos(k), diag.CodeEnvKey, k.Value, "environment-specific key %q is not allowed in a manifest", k.Value)
			d.Suggest = "manifests are environment-agnostic; select the environment at run time (FLOE_ENV)"
			diags.Add(d)
		default:
			d := diag.Warnf(f.Pos(k), diag.CodeUnknownTop, k.Value, "unknown top-level key %q is ignored", k.Value)
			d.Suggest = diag.DidYouMean(k.Value, known)
			if d.Suggest == "" {
				d.Suggest = "it may belong to a newer manifest version, or be a typo"
			}
			diags.Add(d)
		}
	}
	f.Root.Content = kept
}

// privateHost reports whether an endpoint's host is loopback, private, link-local or
// unspecified: the reference's prefixes (127., 10., 192.168., 172.16-31., 169.254., ::1,
// localhost), matched on what a client would connect to — any case, a trailing dot,
// IPv6 (fc00::/7, fe80::/10, IPv4-mapped) and the legacy IPv4 forms resolvers accept
// (127.1, 2130706433, 0x7f.0.0.1).
func privateHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		v4, ok := legacyIPv4(h)
		if !ok {
			return false
		}
		ip = v4
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified()
}

// legacyIPv4 parses the inet_aton forms of an IPv4 address: one to four parts, each
// decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes.
func legacyIPv4(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var vals []uint64
	for _, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" {
			return netip.Addr{}, false
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// manifestRules checks what the schema cannot express, over the values that passed
// it; a preset of the wrong shape is added to broken.
func manifestRules(f *parse.File, m *schemas.Manifest, broken Broken) diag.List {
	var diags diag.List
	at := f.Mark
	if !broken.Has("metadata", "name") && slices.Contains(reservedNames, strings.ToLower(m.Metadata.Name)) {
		d := diag.Errorf(at("metadata", "name"), diag.CodeReserved, "metadata.name", "manifest name %q is reserved", m.Metadata.Name)
		d.Suggest = "choose another name; reserved: " + strings.Join(reservedNames, ", ")
		diags.Add(d)
	}
	scope := ""
	if m.Scope != nil {
		scope = *m.Scope
	}
	switch {
	case broken.Has("scope") || broken.Has("parent_manifest"):
		// Reported; the scope rules depend on both.
	case scope != "domain" && m.ParentManifest != nil:
		d := diag.Errorf(at("parent_manifest"), diag.CodeScope, "parent_manifest", "parent_manifest is only valid with scope: domain")
		d.Suggest = "set scope: domain, or remove parent_manifest"
		diags.Add(d)
		broken.Add("parent_manifest")
	case scope == "domain" && m.ParentManifest == nil:
		d := diag.Errorf(at("scope"), diag.CodeScope, "scope", "a scope: domain manifest needs parent_manifest (the path of its enterprise manifest)")
		diags.Add(d)
		broken.Add("scope")
	}
	if broken.Has("scope") {
		// Reported; the approved_* rules depend on it.
	} else if m.ApprovedPlugins != nil && scope != "enterprise" {
		diags.Add(diag.Errorf(at("approved_plugins"), diag.CodeScope, "approved_plugins", "approved_plugins is only valid for scope: enterprise"))
	}
	if m.ApprovedProducts != nil && scope != "domain" {
		diags.Add(diag.Errorf(at("approved_products"), diag.CodeScope, "approved_products", "approved_products is only valid for scope: domain"))
	}
	if m.ApprovedSinks != nil && scope != "enterprise" {
		diags.Add(diag.Errorf(at("approved_sinks"), diag.CodeScope, "approved_sinks", "approved_sinks is only valid for scope: enterprise"))
	}
	if o := m.Observability; o != nil {
		if o.Tracing != nil && o.Tracing.Endpoint != nil {
			diags.Add(checkEndpoint(at("observability", "tracing", "endpoint"), "observability.tracing.endpoint", *o.Tracing.Endpoint)...)
		}
		if o.Lineage != nil && o.Lineage.Endpoint != nil {
			diags.Add(checkEndpoint(at("observability", "lineage", "endpoint"), "observability.lineage.endpoint", *o.Lineage.Endpoint)...)
		}
	}
	if q := m.Plugins.Quality; q != nil && q.DimensionWeights != nil && !broken.Within("plugins", "quality", "dimension_weights") {
		w := q.DimensionWeights
		sum := val(w.Completeness, 0.25) + val(w.Accuracy, 0.25) + val(w.Validity, 0.20) + val(w.Consistency, 0.15) + val(w.Timeliness, 0.15)
		if math.Abs(sum-1.0) > 1e-9 {
			diags.Add(diag.Errorf(at("plugins", "quality", "dimension_weights"), diag.CodeWeights, "plugins.quality.dimension_weights", "dimension weights must sum to 1.0, got %s", schemas.PyFloat(sum)))
		}
	}
	if g := m.Governance; g != nil && g.Naming != nil && !broken.Within("governance", "naming") {
		pattern := "medallion"
		if g.Naming.Pattern != nil {
			pattern = *g.Naming.Pattern
		}
		if pattern == "custom" && len(g.Naming.CustomPatterns) == 0 {
			broken.Add("governance", "naming")
			diags.Add(diag.Errorf(at("governance", "naming"), diag.CodeNamingConfig, "governance.naming.custom_patterns", "pattern: custom needs at least one entry in custom_patterns"))
		}
		for i, p := range g.Naming.CustomPatterns {
			if _, err := regexp.Compile(p); err != nil {
				broken.Add("governance", "naming", "custom_patterns", fmt.Sprint(i))
				diags.Add(diag.Errorf(at("governance", "naming", "custom_patterns", fmt.Sprint(i)), diag.CodeNamingConfig, fmt.Sprintf("governance.naming.custom_patterns[%d]", i), "invalid regular expression: %v", err))
			}
		}
	}
	if g := m.Governance; g != nil {
		diags.Add(customRuleShapes(f, g.CustomRules, broken)...)
	}
	if m.Artifacts != nil && !broken.Has("artifacts") {
		diags.Add(artifactRules(f, m.Artifacts, broken)...)
	}
	names := make([]string, 0, len(m.ResourcePresets))
	for n := range m.ResourcePresets {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if broken.Within("resource_presets", n) {
			continue
		}
		p := m.ResourcePresets[n]
		shapeErrors := len(diags)
		canonical := p.Requests != nil || p.Limits != nil
		flat := p.CPURequest != nil || p.MemoryRequest != nil || p.CPULimit != nil || p.MemoryLimit != nil
		path := "resource_presets." + n
		switch {
		case canonical && flat:
			diags.Add(diag.Errorf(at("resource_presets", n), diag.CodePreset, path, "preset %q mixes {requests, limits} with flat cpu_request/memory_limit keys; use one shape", n))
		case canonical && (p.Requests == nil || p.Limits == nil || p.Requests.CPU == "" || p.Requests.Memory == "" || p.Limits.CPU == "" || p.Limits.Memory == ""):
			diags.Add(diag.Errorf(at("resource_presets", n), diag.CodePreset, path, "preset %q needs requests.cpu, requests.memory, limits.cpu and limits.memory", n))
		case flat && (p.CPURequest == nil || p.MemoryRequest == nil || p.CPULimit == nil || p.MemoryLimit == nil):
			diags.Add(diag.Errorf(at("resource_presets", n), diag.CodePreset, path, "preset %q needs all four of cpu_request, memory_request, cpu_limit, memory_limit", n))
		case !canonical && !flat:
			diags.Add(diag.Errorf(at("resource_presets", n), diag.CodePreset, path, "preset %q is empty", n))
		}
		if len(diags) > shapeErrors {
			broken.Add("resource_presets", n)
		}
	}
	return diags
}

func val(f *schemas.Float, def float64) float64 {
	if f == nil {
		return def
	}
	return float64(*f)
}

// referencePrivate is the reference's test for private endpoints (schemas/manifest.py):
// a search of the text, anywhere in it.
var referencePrivate = lazy.Regexp(`://(?:127\.|192\.168\.|10\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|::1|localhost)`)

// checkEndpoint rejects what the reference rejects (http or https only, its private
// network test), and what its test misses but a client would reach as a private or
// loopback address ([::1], 0.0.0.0, 127.1, LOCALHOST: see docs/compatibility.md).
func checkEndpoint(pos diag.Pos, path, ep string) diag.List {
	var diags diag.List
	if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
		diags.Add(diag.Errorf(pos, diag.CodeEndpoint, path, "endpoint %q must use http or https", ep))
		return diags
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" {
		diags.Add(diag.Errorf(pos, diag.CodeEndpoint, path, "endpoint %q is not a valid URL", ep))
		return diags
	}
	if loc := referencePrivate().FindStringIndex(ep); loc != nil && !privateHost(u.Hostname()) {
		// The reference's own test: text, not address. It also rejects public names that
		// start like a private address (10.example.com, localhost.example.com): so does floe.
		d := diag.Errorf(pos, diag.CodeEndpoint, path, "endpoint %q looks like a private or loopback address to the reference (%q), which rejects it", ep, ep[loc[0]:loc[1]])
		d.Suggest = "use a host name that does not start with 10., 127., 169.254., 172.16-31., 192.168. or localhost"
		diags.Add(d)
		return diags
	}
	if privateHost(u.Hostname()) {
		d := diag.Errorf(pos, diag.CodeEndpoint, path, "endpoint %q targets a private or loopback network", ep)
		d.Suggest = "use the service's cluster DNS name; local runs use the embedded defaults"
		diags.Add(d)
	}
	return diags
}

// customRuleKeys are the keys each custom rule type has (the reference's models are a
// union discriminated by type, each closed): required first, then optional.
var customRuleKeys = map[string]struct{ required, optional []string }{
	"require_tags_for_prefix": {[]string{"prefix", "required_tags"}, []string{"applies_to"}},
	"require_meta_field":      {[]string{"field"}, []string{"required", "applies_to"}},
	"require_tests_of_type":   {[]string{"test_types"}, []string{"min_columns", "applies_to"}},
}

// customRuleShapes checks each custom rule has its type's keys and no other type's.
func customRuleShapes(f *parse.File, rules []schemas.CustomRule, broken Broken) diag.List {
	var diags diag.List
	for i, r := range rules {
		p := []string{"governance", "custom_rules", strconv.Itoa(i)}
		keys, ok := customRuleKeys[r.Type]
		if !ok || broken.Within(p...) {
			continue
		}
		_, item, _ := f.Find(p...)
		for _, k := range keys.required {
			if kn, _ := parse.MapGet(item, k); kn == nil {
				diags.Add(diag.Errorf(f.Pos(item), diag.CodeMissing, DottedPath(append(p, k)), "missing required key %q in a %s rule", k, r.Type))
				broken.Add(p...)
			}
		}
		allowed := append(append([]string{"type"}, keys.required...), keys.optional...)
		for j := 0; item != nil && j+1 < len(item.Content); j += 2 {
			k := item.Content[j]
			if !slices.Contains(allowed, k.Value) {
				d := diag.Errorf(f.Pos(k), diag.CodeUnknownKey, DottedPath(append(p, k.Value)), "unknown key %q in a %s rule", k.Value, r.Type)
				d.Suggest = "allowed keys here: " + strings.Join(allowed, ", ")
				diags.Add(d)
				broken.Add(p...)
			}
		}
	}
	return diags
}

// diag.CodeDropped: keys the reference reads and drops without a word.

var flatPresetKeys = []string{"cpu_request", "memory_request", "cpu_limit", "memory_limit"}

// flatPresets does what the reference does to a resource preset written with all four
// flat keys (cpu_request, memory_request, cpu_limit, memory_limit): it keeps those and
// drops every other key of the preset (requests:, gpu:, …). floe says which.
func flatPresets(f *parse.File, diags *diag.List) {
	_, ps := parse.MapGet(f.Root, "resource_presets")
	if ps == nil || ps.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(ps.Content); i += 2 {
		name, p := ps.Content[i].Value, parse.Deref(ps.Content[i+1])
		if p == nil || p.Kind != yaml.MappingNode {
			continue
		}
		all := true
		for _, k := range flatPresetKeys {
			if kn, _ := parse.MapGet(p, k); kn == nil {
				all = false
			}
		}
		if !all {
			continue
		}
		kept := make([]*yaml.Node, 0, 8)
		for j := 0; j+1 < len(p.Content); j += 2 {
			k := p.Content[j]
			if slices.Contains(flatPresetKeys, k.Value) {
				kept = append(kept, k, p.Content[j+1])
				continue
			}
			d := diag.Warnf(f.Pos(k), diag.CodeDropped, "resource_presets."+name+"."+k.Value,
				"key %q is ignored: a preset with cpu_request, memory_request, cpu_limit and memory_limit is read from those four (as the reference does)", k.Value)
			d.Suggest = "remove it, or write the preset as {requests: {cpu, memory}, limits: {cpu, memory}} alone"
			diags.Add(d)
		}
		p.Content = kept
	}
}

// removeKey removes key from mapping m.
func removeKey(m *yaml.Node, key string) {
	kept := m.Content[:0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			kept = append(kept, m.Content[i], m.Content[i+1])
		}
	}
	m.Content = kept
}
