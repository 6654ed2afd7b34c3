package resolve

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode"

	"github.com/floe-dev/floe/internal/lazy"

	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/schemas"
)

// ComputePlugins are the compute types floe can render a dbt profile for.
var ComputePlugins = []string{"duckdb"}

// duckdbProfile renders {<product>: {target: dev, outputs: {dev: {...}}}} from the
// compute plugin's config, expanding {product_name} and {product_slug} in string values.
func duckdbProfile(r *Resolved, product string, at func(path ...string) diag.Pos) (*schemas.Map, diag.List) {
	var diags diag.List
	ct := r.Plugins.Compute.Type
	if ct != "duckdb" {
		e := diag.Errorf(at("plugins", "compute", "type"), diag.CodeComputePlugin, "plugins.compute.type",
			"compute plugin %q is not supported by this floe; supported: %s", ct, strings.Join(ComputePlugins, ", "))
		e.Suggest = diag.DidYouMean(ct, ComputePlugins)
		diags.Add(e)
		return nil, diags
	}
	cfg := r.Plugins.Compute.Config.Clone()
	if cfg == nil {
		cfg = schemas.NewMap()
	}
	expand(cfg, product, r.Slug)
	diags.Add(dbtUnrepresentable(cfg, at, "plugins", "compute", "config")...)
	// threads and timeout_seconds are the reference's ComputeConfig fields: integers in
	// lax mode ("4", 4.0 and true convert), null is not one.
	intIn := func(key string, def, lo, hi int64) int64 {
		v, ok := cfg.Get(key)
		if !ok {
			return def
		}
		n, converted, ok := laxInt(v)
		if !ok || n < lo || n > hi {
			diags.Add(diag.Errorf(at("plugins", "compute", "config", key), diag.CodeComputeConfig, "plugins.compute.config."+key,
				"%s must be an integer from %d to %d", key, lo, hi))
			return def
		}
		if converted {
			d := diag.Warnf(at("plugins", "compute", "config", key), diag.CodeCoerced, "plugins.compute.config."+key,
				"%s is not written as an integer; the reference reads it as %d: write %d", key, n, n)
			diags.Add(d)
		}
		return n
	}
	threads := intIn("threads", 4, 1, 64)
	timeout := intIn("timeout_seconds", 3600, 1, 86400)
	path := ":memory:"
	if v, ok := cfg.Get("path"); ok {
		s, isStr := v.(string)
		if !isStr {
			diags.Add(diag.Errorf(at("plugins", "compute", "config", "path"), diag.CodeComputeConfig, "plugins.compute.config.path", "path must be a string"))
		} else {
			path = s
		}
	}
	if strings.Contains(path, "..") {
		e := diag.Errorf(at("plugins", "compute", "config", "path"), diag.CodeComputeConfig, "plugins.compute.config.path",
			"database path %q must not contain '..' (path traversal)", path)
		diags.Add(e)
	} else if i := strings.IndexFunc(path, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }); i >= 0 {
		// The file's directory is created in the code-location image (floe package): a
		// Dockerfile cannot name it, and no file system path needs one.
		diags.Add(diag.Errorf(at("plugins", "compute", "config", "path"), diag.CodeComputeConfig, "plugins.compute.config.path",
			"database path must not contain the control character %U", []rune(path[i:])[0]))
	} else if path != ":memory:" && strings.Trim(path, "/\\._-:") == "" {
		// The DuckDB plugin's rule: a path of nothing but separators and dots ("", ".", "/")
		// names no database file.
		diags.Add(diag.Errorf(at("plugins", "compute", "config", "path"), diag.CodeComputeConfig, "plugins.compute.config.path",
			"invalid database path %q", path))
	}
	out := schemas.NewMap()
	out.Set("type", "duckdb")
	out.Set("path", path)
	out.Set("threads", schemas.Int(fmt.Sprint(threads)))
	out.Set("timeout_seconds", schemas.Int(fmt.Sprint(timeout)))
	if v, ok := cfg.Get("extensions"); ok && truthy(v) {
		out.Set("extensions", v) // as the plugin does: copied when not empty
	}
	settings := schemas.NewMap()
	for _, k := range []string{"memory_limit", "access_mode"} {
		if v, ok := cfg.Get(k); ok {
			settings.Set(k, v)
		}
	}
	if v, ok := cfg.Get("settings"); ok && truthy(v) {
		if m, ok := v.(*schemas.Map); ok {
			for _, it := range m.Items {
				settings.Set(it.Key, it.Value)
			}
		} else {
			diags.Add(diag.Errorf(at("plugins", "compute", "config", "settings"), diag.CodeComputeConfig, "plugins.compute.config.settings",
				"settings must be a mapping of DuckDB settings (e.g. {memory_limit: 2GB})"))
		}
	}
	if settings.Len() > 0 {
		out.Set("settings", settings)
	}
	if v, ok := cfg.Get("attach"); ok && truthy(v) {
		l, ok := v.([]any)
		if !ok {
			diags.Add(diag.Errorf(at("plugins", "compute", "config", "attach"), diag.CodeComputeConfig, "plugins.compute.config.attach",
				"attach must be a list of {path, alias, type, options}"))
		} else {
			a, ds := attach(l, func(i int, key string) diag.Pos {
				if key == "" {
					return at("plugins", "compute", "config", "attach", fmt.Sprint(i))
				}
				return at("plugins", "compute", "config", "attach", fmt.Sprint(i), "options", key)
			})
			diags.Add(ds...)
			out.Set("attach", a)
		}
	}
	outputs := schemas.NewMap()
	outputs.Set("dev", out)
	prof := schemas.NewMap()
	prof.Set("target", "dev")
	prof.Set("outputs", outputs)
	doc := schemas.NewMap()
	doc.Set(product, prof)
	return doc, diags
}

// attachOptions are the attach option keys the DuckDB plugin allows.
var attachOptions = []string{"access_mode", "catalog_uri", "read_only", "schema", "type"}

// attach renders the attach list as the DuckDB plugin does: each item a mapping with a
// path, options limited to attachOptions and flattened in.
func attach(items []any, at func(i int, key string) diag.Pos) ([]any, diag.List) {
	var diags diag.List
	out := make([]any, 0, len(items))
	for i, it := range items {
		m, ok := it.(*schemas.Map)
		if _, hasPath := m.Get("path"); !ok || !hasPath {
			diags.Add(diag.Errorf(at(i, ""), diag.CodeComputeConfig, fmt.Sprintf("plugins.compute.config.attach[%d]", i),
				"attach[%d] must be a mapping with a path", i))
			continue
		}
		a := schemas.NewMap()
		for _, k := range []string{"path", "alias", "type"} {
			if v, ok := m.Get(k); ok {
				a.Set(k, v)
			}
		}
		if o, ok := m.Get("options"); ok && truthy(o) {
			om, ok := o.(*schemas.Map)
			if !ok {
				diags.Add(diag.Errorf(at(i, ""), diag.CodeComputeConfig, fmt.Sprintf("plugins.compute.config.attach[%d].options", i),
					"attach[%d].options must be a mapping", i))
				continue
			}
			for _, oi := range om.Items {
				if !slices.Contains(attachOptions, oi.Key) {
					d := diag.Errorf(at(i, oi.Key), diag.CodeComputeConfig, fmt.Sprintf("plugins.compute.config.attach[%d].options.%s", i, oi.Key),
						"attach option %q is not allowed", oi.Key)
					d.Suggest = "allowed: " + strings.Join(attachOptions, ", ")
					diags.Add(d)
					continue
				}
				a.Set(oi.Key, oi.Value)
			}
		}
		out = append(out, a)
	}
	return out, diags
}

// truthy is Python's truth of a config value.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case *schemas.Map:
		return t.Len() > 0
	case schemas.Int:
		return t != "0"
	case schemas.Float:
		return t != 0
	}
	return true
}

// laxInt is Pydantic's lax integer of a config value; converted says it was not
// written as an integer.
func laxInt(v any) (n int64, converted, ok bool) {
	switch t := v.(type) {
	case bool:
		if t {
			return 1, true, true
		}
		return 0, true, true
	case string:
		s := strings.ReplaceAll(strings.TrimSpace(t), "_", "")
		s, _, _ = strings.Cut(s, ".")
		var z big.Int
		if _, ok := z.SetString(s, 10); ok && z.IsInt64() && laxIntText().MatchString(strings.TrimSpace(t)) {
			return z.Int64(), true, true
		}
		return 0, false, false
	case schemas.Float:
		n, ok := asInt(t)
		return n, ok, ok
	}
	n, ok = asInt(v)
	return n, false, ok
}

var laxIntText = lazy.Regexp(`^[+-]?[0-9]+(?:_[0-9]+)*(?:\.0*)?$`)

func asInt(v any) (int64, bool) {
	switch t := v.(type) {
	case schemas.Int:
		var z big.Int
		if _, ok := z.SetString(string(t), 10); ok && z.IsInt64() {
			return z.Int64(), true
		}
	case schemas.Float:
		if float64(t) == float64(int64(t)) {
			return int64(t), true
		}
	}
	return 0, false
}

func expand(m *schemas.Map, name, slug string) {
	for i := range m.Items {
		m.Items[i].Value = expandValue(m.Items[i].Value, name, slug)
	}
}

func expandValue(v any, name, slug string) any {
	switch t := v.(type) {
	case string:
		return strings.NewReplacer("{product_name}", name, "{product_slug}", slug).Replace(t)
	case *schemas.Map:
		expand(t, name, slug)
		return t
	case []any:
		for i := range t {
			t[i] = expandValue(t[i], name, slug)
		}
		return t
	}
	return v
}

// dbtUnrepresentable reports the compute config's strings that dbt cannot be given in
// profiles.yml unchanged (schemas.DbtUnrepresentable), at their positions.
func dbtUnrepresentable(v any, at func(path ...string) diag.Pos, path ...string) diag.List {
	var diags diag.List
	switch t := v.(type) {
	case string:
		if schemas.DbtUnrepresentable(t) {
			p := strings.Join(path, ".")
			diags.Add(diag.Errorf(at(path...), diag.CodeComputeConfig, p,
				"%s holds %q outside an env_var() reference; dbt would replace the value in profiles.yml "+
					"(write the whole value as {{ env_var('NAME') }})", p, schemas.DbtSecretEnvPrefix))
		}
	case *schemas.Map:
		for _, it := range t.Items {
			diags.Add(dbtUnrepresentable(it.Value, at, append(path[:len(path):len(path)], it.Key)...)...)
		}
	case []any:
		for i, e := range t {
			diags.Add(dbtUnrepresentable(e, at, append(path[:len(path):len(path)], fmt.Sprint(i))...)...)
		}
	}
	return diags
}
