package compiler

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
)

// Finding and reading the manifest chain: floe.yaml's platform.manifest (or
// --manifest), then each parent_manifest up to the enterprise manifest.

// manifestFromSpec finds platform.manifest relative to floe.yaml.
func manifestFromSpec(sf *parse.File, specPath string, diags *diag.List) string {
	if sf == nil {
		return ""
	}
	k, v := parse.Lookup(sf.Root, []string{"platform", "manifest"})
	if k == nil || v == nil || v.Value == "" {
		d := diag.Errorf(diag.Pos{File: specPath, Line: 1, Col: 1}, diag.CodeFile, "platform.manifest", "no manifest: floe.yaml has no platform.manifest and --manifest was not given")
		d.Suggest = "add platform: {manifest: ../manifest.yaml} to floe.yaml, or pass --manifest"
		diags.Add(d)
		return ""
	}
	if strings.HasPrefix(v.Value, "oci://") {
		d := diag.Errorf(sf.Pos(v), diag.CodeParent, "platform.manifest", "manifest %s is an OCI reference; floe reads manifests from local files", v.Value)
		d.Suggest = "pull a local copy (e.g. oras pull) and pass it with --manifest"
		diags.Add(d)
		return ""
	}
	if d, bad := notYAMLPath(v.Value, sf.Pos(v), "platform.manifest"); bad {
		diags.Add(d)
		return ""
	}
	return joinRel(specPath, v.Value)
}

// notYAMLPath rejects a manifest path written in an input that does not name a .yaml
// or .yml file: floe quotes the lines of the files it reads in diagnostics, so a
// floe.yaml must not be able to make it read (and print) arbitrary files such as
// ~/.docker/config.json or /proc/self/environ. --manifest, given by the user, may
// name any file.
func notYAMLPath(p string, pos diag.Pos, field string) (diag.Diagnostic, bool) {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml":
		return diag.Diagnostic{}, false
	}
	d := diag.Errorf(pos, diag.CodeParent, field, "%s %q must name a .yaml or .yml file", field, p)
	d.Suggest = "pass another file explicitly with --manifest"
	return d, true
}

func joinRel(from, rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return path.Clean(filepath.ToSlash(filepath.Join(filepath.Dir(from), rel)))
}

// relocateReadError moves "cannot read file" diagnostics about file (not yet placed:
// they have no path) to pos, the place that names the file.
func relocateReadError(ds diag.List, file string, pos diag.Pos, path string) {
	for i := range ds {
		if ds[i].Code == diag.CodeFile && ds[i].Pos.File == file && ds[i].Path == "" {
			ds[i].Pos, ds[i].Path = pos, path
		}
	}
}

// loadChain reads a manifest and its parents (domain → enterprise), reporting cycles
// with the ordered path. complete is false when a manifest of the chain could not be
// read or its parent cannot be followed (the chain then lacks what that tier gives).
func (c *compilation) loadChain(first string) (chain validate.Chain, complete bool) {
	res := c.res
	read := func(name string) (*parse.File, bool) {
		b, ok := c.read(name)
		if !ok {
			return nil, false
		}
		f, ds := parse.Parse(name, b)
		res.Diags.Add(ds...)
		return f, f != nil
	}
	var seen []string
	cur := first
	for {
		abs, _ := filepath.Abs(cur)
		if i := slices.Index(seen, abs); i >= 0 {
			names := make([]string, 0, len(chain)+1)
			for _, m := range chain[i:] {
				names = append(names, m.File.Name)
			}
			names = append(names, cur)
			last := chain[len(chain)-1]
			res.Diags.Add(diag.Errorf(last.File.At("parent_manifest"), diag.CodeInheritanceCycle, "parent_manifest", "manifest inheritance cycle: %s", strings.Join(names, " -> ")))
			return chain, false
		}
		seen = append(seen, abs)
		n := len(res.Diags)
		f, ok := read(cur)
		if !ok {
			if len(chain) > 0 {
				// A parent that cannot be read is reported where it is named.
				last := chain[len(chain)-1]
				relocateReadError(res.Diags[n:], cur, last.File.At("parent_manifest"), "parent_manifest")
			}
			return chain, false
		}
		m, ds := validate.ValidateManifest(f)
		res.Diags.Add(ds...)
		if m == nil {
			return chain, false
		}
		chain = append(chain, m)
		if m.Broken.Has("parent_manifest") || m.Broken.Has("scope") {
			return chain, false
		}
		if m.ParentManifest == nil {
			break
		}
		pm := *m.ParentManifest
		at := f.At("parent_manifest")
		if strings.HasPrefix(pm, "oci://") {
			d := diag.Errorf(at, diag.CodeParent, "parent_manifest", "parent manifest %s is an OCI reference; floe reads parents from local files", pm)
			d.Suggest = "pull a local copy of the parent manifest and set parent_manifest to its path (relative to this manifest)"
			res.Diags.Add(d)
			return chain, false
		}
		if len(chain) > 3 {
			res.Diags.Add(diag.Errorf(at, diag.CodeParent, "parent_manifest", "inheritance deeper than enterprise → domain → product"))
			return chain, false
		}
		if d, bad := notYAMLPath(pm, at, "parent_manifest"); bad {
			res.Diags.Add(d)
			return chain, false
		}
		cur = joinRel(cur, pm)
	}
	// Scope order: a domain's parent must be an enterprise manifest.
	for i := 1; i < len(chain); i++ {
		if s := chain[i].Scope; s == nil || *s != "enterprise" {
			res.Diags.Add(diag.Errorf(chain[i-1].File.At("parent_manifest"), diag.CodeParent, "parent_manifest", "parent manifest %s must have scope: enterprise", chain[i].File.Name))
			return chain, false
		}
	}
	return chain, true
}
