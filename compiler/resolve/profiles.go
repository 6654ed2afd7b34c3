package resolve

import (
	"fmt"
	"math/big"
	"strings"

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
		e := diag.Errorf(at("plugins", "compute", "type"), CodeComputePlugin, "plugins.compute.type",
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
	intIn := func(key string, def, lo, hi int64) int64 {
		v, ok := cfg.Get(key)
		if !ok || v == nil {
			return def
		}
		n, ok := asInt(v)
		if !ok || n < lo || n > hi {
			diags.Add(diag.Errorf(at("plugins", "compute", "config", key), CodeComputeConfig, "plugins.compute.config."+key,
				"%s must be an integer from %d to %d", key, lo, hi))
			return def
		}
		return n
	}
	threads := intIn("threads", 4, 1, 64)
	timeout := intIn("timeout_seconds", 3600, 1, 86400)
	path := ":memory:"
	if v, ok := cfg.Get("path"); ok {
		s, isStr := v.(string)
		if !isStr {
			diags.Add(diag.Errorf(at("plugins", "compute", "config", "path"), CodeComputeConfig, "plugins.compute.config.path", "path must be a string"))
		} else {
			path = s
		}
	}
	if strings.Contains(path, "..") {
		e := diag.Errorf(at("plugins", "compute", "config", "path"), CodeComputeConfig, "plugins.compute.config.path",
			"database path %q must not contain '..' (path traversal)", path)
		diags.Add(e)
	}
	out := schemas.NewMap()
	out.Set("type", "duckdb")
	out.Set("path", path)
	out.Set("threads", schemas.Int(fmt.Sprint(threads)))
	out.Set("timeout_seconds", schemas.Int(fmt.Sprint(timeout)))
	if v, ok := cfg.Get("extensions"); ok {
		if l, ok := v.([]any); ok && len(l) > 0 {
			out.Set("extensions", l)
		}
	}
	settings := schemas.NewMap()
	for _, k := range []string{"memory_limit", "access_mode"} {
		if v, ok := cfg.Get(k); ok {
			settings.Set(k, v)
		}
	}
	if v, ok := cfg.Get("settings"); ok {
		if m, ok := v.(*schemas.Map); ok {
			for _, it := range m.Items {
				settings.Set(it.Key, it.Value)
			}
		}
	}
	if settings.Len() > 0 {
		out.Set("settings", settings)
	}
	if v, ok := cfg.Get("attach"); ok {
		if l, ok := v.([]any); ok && len(l) > 0 {
			out.Set("attach", attach(l))
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

func attach(items []any) []any {
	out := make([]any, 0, len(items))
	for _, it := range items {
		m, ok := it.(*schemas.Map)
		if !ok {
			continue
		}
		a := schemas.NewMap()
		for _, k := range []string{"path", "alias", "type"} {
			if v, ok := m.Get(k); ok {
				a.Set(k, v)
			}
		}
		if o, ok := m.Get("options"); ok {
			if om, ok := o.(*schemas.Map); ok {
				for _, oi := range om.Items {
					switch oi.Key {
					case "catalog_uri", "read_only", "schema", "access_mode", "type":
						a.Set(oi.Key, oi.Value)
					}
				}
			}
		}
		out = append(out, a)
	}
	return out
}

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
			diags.Add(diag.Errorf(at(path...), CodeComputeConfig, p,
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
