// Package dbt checks the product's dbt project against floe.yaml without running dbt
// and without reading SQL: a transform needs a model file of its name under the
// project's model-paths, a model file without a transform is never built, and, when
// dbt's own manifest.json is there, the refs dbt found must be the transform's
// dependsOn. File names and dbt's manifest are all it reads (contents of model files
// only to tell, by dbt's own checksum, whether the manifest is out of date).
package dbt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/floe-dev/floe/compiler/parse"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/diag"
	"github.com/floe-dev/floe/internal/safefs"
)

// Diagnostic codes.
const (
	projectFile       = "dbt_project.yml"
	defaultModelPath  = "models"
	defaultTargetPath = "target"
)

// Limits on what the check reads.
const (
	// MaxManifestBytes bounds dbt's manifest.json (tens of MB per 10,000 models).
	MaxManifestBytes = 1 << 30
	// MaxModelFiles bounds the files listed under the model paths.
	MaxModelFiles = 1_000_000
	// maxModelBytes bounds a model file read for its checksum.
	maxModelBytes = 16 << 20
)

// Options say where the project is and how to read it (the compiler touches the disk
// only through these).
type Options struct {
	// Dir is the product directory (floe.yaml's); the project is Dir/dbt_project.yml.
	Dir string
	// Manifest, when set, is dbt's manifest.json to use (else <target-path>/manifest.json
	// when it exists).
	Manifest string
	ReadFile func(name string) ([]byte, error)
	// OpenLarge, when set, opens dbt's manifest.json for streaming (it may be far bigger
	// than ReadFile reads); else it is read with ReadFile.
	OpenLarge func(name string) (io.ReadCloser, error)
	ReadDir   func(name string) ([]fs.DirEntry, error)
	Stat      func(name string) (fs.FileInfo, error)
}

// Result is what the check read: the files that are inputs of the compile, and the
// sources of the YAML ones (for quoting lines).
type Result struct {
	Inputs  []string
	Sources diag.Sources
	// Dirs are the model directories whose listing decides the check (a new model file
	// changes it); Absent the files whose absence does (dbt_project.yml, manifest.json
	// not written yet). Both are inputs of the compile like the files.
	Dirs, Absent []string
}

// Check runs the checks of spec against the project in opts.Dir, if there is one.
func Check(spec *validate.Spec, opts Options) (*Result, diag.List) {
	var diags diag.List
	res := &Result{Sources: diag.Sources{}}
	projPath := join(opts.Dir, projectFile)
	st, err := opts.Stat(projPath)
	if err != nil || !st.Mode().IsRegular() {
		res.Absent = append(res.Absent, projPath)
		if err == nil {
			// Something is there, but not a project file dbt could read: say so rather
			// than skip the check as if there were no dbt project.
			diags.Add(diag.Warnf(diag.Pos{File: projPath}, diag.CodeProject, "", "%s is %s, not a file; the dbt project is not checked", projectFile, safefs.Kind(st.Mode())))
		}
		if opts.Manifest != "" {
			diags.Add(diag.Errorf(diag.Pos{File: opts.Manifest}, diag.CodeDbtManifest, "", "--dbt-manifest is given but %s has no %s", dirName(opts.Dir), projectFile))
		}
		return res, diags
	}
	b, err := opts.ReadFile(projPath)
	if err != nil {
		diags.Add(diag.Warnf(diag.Pos{File: projPath}, diag.CodeProject, "", "cannot read %s: %v; the dbt project is not checked", projectFile, err))
		return res, diags
	}
	res.Inputs = append(res.Inputs, projPath)
	res.Sources[projPath] = b
	proj, ds := readProject(projPath, b)
	diags.Add(ds...)
	if proj == nil {
		return res, diags
	}

	// Model files: name → path (relative to the product directory, slash-separated).
	models := map[string]string{}
	var order []string
	count := 0
	for _, mp := range proj.modelPaths {
		clean := path.Clean(mp)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			diags.Add(diag.Warnf(proj.pos(projPath, "model-paths"), diag.CodeProject, "model-paths",
				"model path %q is outside the dbt project; its models are not checked", mp))
			continue
		}
		res.Dirs = append(res.Dirs, join(opts.Dir, clean))
		walk(opts, opts.Dir, clean, &count, func(rel string) {
			name := strings.TrimSuffix(path.Base(rel), path.Ext(rel))
			if _, dup := models[name]; !dup {
				models[name] = rel
				order = append(order, name)
			}
		})
	}
	if count > MaxModelFiles {
		diags.Add(diag.Warnf(diag.Pos{File: projPath}, diag.CodeProject, "", "more than %d files under the model paths; the dbt project is not checked", MaxModelFiles))
		return res, diags
	}
	slices.Sort(order)
	for _, name := range order {
		res.Inputs = append(res.Inputs, join(opts.Dir, models[name]))
	}

	ts := spec.Transforms
	transforms := make(map[string]int, len(ts))
	nameBroken := false
	for i, t := range ts {
		if spec.Broken.Has("transforms", fmt.Sprint(i), "name") {
			// The model may carry the name as written; with none written, any model may
			// belong to this transform.
			if i < len(spec.Names) && spec.Names[i] != "" {
				transforms[spec.Names[i]] = i
			} else {
				nameBroken = true
			}
			continue
		}
		transforms[t.Name] = i
		if _, ok := models[t.Name]; ok {
			continue
		}
		d := diag.Errorf(spec.TransformAt(i, "name"), diag.CodeNoModel, spec.TransformPath(i, "name"),
			"transform %q has no dbt model: no %s.sql or %s.py under %s", t.Name, t.Name, t.Name, strings.Join(proj.modelPaths, ", "))
		d.Suggest = diag.DidYouMean(t.Name, order)
		if d.Suggest == "" {
			d.Suggest = fmt.Sprintf("add %s/%s.sql to the dbt project, or remove the transform", proj.modelPaths[0], t.Name)
		}
		diags.Add(d)
	}
	if !nameBroken {
		for _, name := range order {
			if _, ok := transforms[name]; ok {
				continue
			}
			d := diag.Warnf(diag.Pos{File: join(opts.Dir, models[name])}, diag.CodeNoTransform, "",
				"dbt model %q has no transform in floe.yaml; floe never builds it", name)
			d.Suggest = fmt.Sprintf("add `- name: %s` to transforms (with its dependsOn), or delete the file", name)
			diags.Add(d)
		}
	}

	// dbt's manifest: the refs of each model.
	mpath := opts.Manifest
	if mpath == "" {
		mpath = join(opts.Dir, path.Join(proj.targetPath, "manifest.json"))
		if st, err := opts.Stat(mpath); err != nil || !st.Mode().IsRegular() {
			res.Absent = append(res.Absent, mpath)
			if err == nil {
				d := diag.Warnf(diag.Pos{File: mpath}, diag.CodeDbtManifestUnread, "", "dbt manifest: %s is %s, not a file; the refs are not checked", mpath, safefs.Kind(st.Mode()))
				d.Suggest = "remove it and run `dbt parse` to write the manifest"
				diags.Add(d)
			}
			return res, diags // no manifest yet (dbt parse has not run): nothing more to check
		}
	}
	man, err := readManifest(opts, mpath)
	if err != nil {
		if opts.Manifest != "" {
			diags.Add(diag.Errorf(diag.Pos{File: mpath}, diag.CodeDbtManifest, "", "dbt manifest: %v", err))
		} else {
			d := diag.Warnf(diag.Pos{File: mpath}, diag.CodeDbtManifestUnread, "", "dbt manifest: %v; the refs are not checked", err)
			d.Suggest = "run `dbt parse` to write it again"
			diags.Add(d)
		}
		return res, diags
	}
	res.Inputs = append(res.Inputs, mpath)
	diags.Add(checkRefs(spec, opts, proj, man, transforms, mpath)...)
	return res, diags
}

// project is what the check needs of dbt_project.yml.
type project struct {
	name       string
	modelPaths []string
	targetPath string
	file       *parse.File
}

func (p *project) pos(file, key string) diag.Pos {
	if p.file == nil {
		return diag.Pos{File: file}
	}
	return p.file.Key(key)
}

// readProject reads name, model-paths and target-path; a file that is not what dbt
// reads is a warning (dbt reports it) and the project is not checked.
func readProject(name string, src []byte) (*project, diag.List) {
	var diags diag.List
	f, ds := parse.Parse(name, src)
	if f == nil || f.Root == nil {
		for _, d := range ds {
			if d.Severity == diag.Error {
				d.Severity, d.Code = diag.Warning, diag.CodeProject
				d.Message += "; the dbt project is not checked"
				diags.Add(d)
			}
		}
		if f != nil {
			diags.Add(diag.Warnf(diag.Pos{File: name}, diag.CodeProject, "", "%s is empty; the dbt project is not checked", projectFile))
		}
		return nil, diags
	}
	p := &project{modelPaths: []string{defaultModelPath}, targetPath: defaultTargetPath, file: f}
	str := func(key string) (string, bool) {
		_, v := parse.MapGet(f.Root, key)
		if v == nil || v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			return "", v == nil
		}
		return v.Value, true
	}
	if s, ok := str("name"); ok {
		p.name = s
	}
	if s, ok := str("target-path"); ok && s != "" {
		p.targetPath = s
	} else if !ok {
		diags.Add(diag.Warnf(p.pos(name, "target-path"), diag.CodeProject, "target-path", "target-path must be a string; the dbt project is not checked"))
		return nil, diags
	}
	if _, v := parse.MapGet(f.Root, "model-paths"); v != nil {
		var paths []string
		ok := v.Kind == yaml.SequenceNode
		for _, c := range v.Content {
			c = parse.Deref(c)
			if c == nil || c.Kind != yaml.ScalarNode || c.Tag != "!!str" || c.Value == "" {
				ok = false
				break
			}
			paths = append(paths, c.Value)
		}
		if !ok || len(paths) == 0 {
			diags.Add(diag.Warnf(p.pos(name, "model-paths"), diag.CodeProject, "model-paths", "model-paths must be a list of directories; the dbt project is not checked"))
			return nil, diags
		}
		p.modelPaths = paths
	}
	return p, diags
}

// walk lists the model files (.sql, .py) under dir/rel, without following links (a
// link loop cannot make it run forever) and skipping hidden directories.
func walk(opts Options, dir, rel string, count *int, found func(rel string)) {
	entries, err := opts.ReadDir(join(dir, rel))
	if err != nil {
		return // a model path that does not exist has no models (dbt says the same)
	}
	for _, e := range entries {
		if *count++; *count > MaxModelFiles {
			return
		}
		name := e.Name()
		child := path.Join(rel, name)
		isModel := strings.HasSuffix(name, ".sql") || strings.HasSuffix(name, ".py")
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			// dbt follows links, and reads a linked model file as a model: so does this
			// check (by its name; the stale check reads it through the link, as dbt does).
			// A linked directory is not walked (it may lead anywhere, or in a circle).
			if isModel {
				found(child)
			}
		case e.IsDir():
			if !strings.HasPrefix(name, ".") {
				walk(opts, dir, child, count, found)
			}
		case e.Type().IsRegular() && isModel:
			found(child)
		}
	}
}

// manifest is what the check reads of dbt's manifest.json.
type manifest struct {
	Nodes map[string]manifestNode `json:"nodes"`
}

type manifestNode struct {
	Name             string `json:"name"`
	ResourceType     string `json:"resource_type"`
	PackageName      string `json:"package_name"`
	OriginalFilePath string `json:"original_file_path"`
	Checksum         struct {
		Name     string `json:"name"`
		Checksum string `json:"checksum"`
	} `json:"checksum"`
	DependsOn struct {
		Nodes []string `json:"nodes"`
	} `json:"depends_on"`
}

func readManifest(opts Options, name string) (*manifest, error) {
	st, err := opts.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, unwrapPathErr(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if st.Size() > MaxManifestBytes {
		return nil, fmt.Errorf("%s is %d bytes; the limit is %d", name, st.Size(), int64(MaxManifestBytes))
	}
	var r io.Reader
	if opts.OpenLarge != nil {
		f, err := opts.OpenLarge(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", name, unwrapPathErr(err))
		}
		defer f.Close()
		r = f
	} else {
		b, err := opts.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", name, unwrapPathErr(err))
		}
		r = bytes.NewReader(b)
	}
	// The limit holds while reading: a file that grows after the stat is cut off.
	lr := &io.LimitedReader{R: r, N: MaxManifestBytes + 1}
	m, err := decodeManifest(lr)
	if lr.N <= 0 {
		return nil, fmt.Errorf("%s is larger than %d bytes, the limit", name, int64(MaxManifestBytes))
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not a dbt manifest: %v", name, unwrapPathErr(err))
	}
	if m.Nodes == nil {
		return nil, fmt.Errorf("%s has no nodes: not a dbt manifest", name)
	}
	return m, nil
}

// checkRefs compares each transform's dependsOn with the refs of its model between
// transforms of the product. A model whose file changed since dbt wrote the manifest
// (dbt's checksum no longer matches) is not compared: the warning says to parse again.
func checkRefs(spec *validate.Spec, opts Options, proj *project, man *manifest, transforms map[string]int, mpath string) diag.List {
	var diags diag.List
	byName := map[string]manifestNode{}
	var ids []string
	for id := range man.Nodes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		n := man.Nodes[id]
		if n.ResourceType == "model" && (proj.name == "" || n.PackageName == proj.name) {
			if _, dup := byName[n.Name]; !dup {
				byName[n.Name] = n
			}
		}
	}
	refName := map[string]string{} // node id → model name, for models of the project
	for _, n := range byName {
		refName["model."+n.PackageName+"."+n.Name] = n.Name
	}
	for i, t := range spec.Transforms {
		is := fmt.Sprint(i)
		if spec.Broken.Has("transforms", is, "name") || spec.Broken.Has("transforms", is, "dependsOn") {
			continue
		}
		n, ok := byName[t.Name]
		if !ok {
			continue // no model (reported above) or one dbt has not parsed yet
		}
		file := n.OriginalFilePath
		if stale(opts, n) {
			d := diag.Warnf(diag.Pos{File: join(opts.Dir, file)}, diag.CodeStale, "",
				"%s changed since dbt wrote %s; its refs are not checked", file, mpath)
			d.Suggest = "run `dbt parse`"
			diags.Add(d)
			continue
		}
		var refs []string
		for _, dep := range n.DependsOn.Nodes {
			if name, ok := refName[dep]; ok {
				if _, isTransform := transforms[name]; isTransform && !slices.Contains(refs, name) {
					refs = append(refs, name)
				}
			}
		}
		deps := t.DependsOn
		at, ok := spec.DependsOnKey(i)
		if !ok {
			at = spec.TransformAt(i, "name")
		}
		for _, ref := range refs {
			if slices.Contains(deps, ref) {
				continue
			}
			d := diag.Errorf(at, diag.CodeRefMissing, spec.TransformPath(i, "dependsOn"),
				"transform %q does not depend on %q, but its model %s refs it", t.Name, ref, file)
			d.Suggest = fmt.Sprintf("add %s to dependsOn", ref)
			diags.Add(d)
		}
		for k, dep := range deps {
			if slices.Contains(refs, dep) || spec.Broken.Has("transforms", is, "dependsOn", fmt.Sprint(k)) {
				continue
			}
			if _, isTransform := transforms[dep]; !isTransform {
				continue // not a transform: the graph pass reports it
			}
			d := diag.Errorf(spec.TransformAt(i, "dependsOn", fmt.Sprint(k)), diag.CodeRefExtra, spec.TransformPath(i, "dependsOn", fmt.Sprint(k)),
				"transform %q depends on %q, but its model %s does not ref it", t.Name, dep, file)
			d.Suggest = fmt.Sprintf("remove %s from dependsOn, or add {{ ref('%s') }} to %s", dep, dep, file)
			diags.Add(d)
		}
	}
	return diags
}

// stale reports whether a model file's content no longer has the checksum dbt
// recorded (sha256 of the stripped text; line ends as read on the platform that ran dbt).
func stale(opts Options, n manifestNode) bool {
	if n.Checksum.Name != "sha256" || n.OriginalFilePath == "" {
		return false
	}
	name := join(opts.Dir, n.OriginalFilePath)
	st, err := opts.Stat(name)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxModelBytes {
		return true
	}
	b, err := opts.ReadFile(name)
	if err != nil {
		return true
	}
	text := strings.TrimSpace(string(b))
	for _, s := range []string{text, strings.ReplaceAll(text, "\r\n", "\n")} {
		sum := sha256.Sum256([]byte(s))
		if hex.EncodeToString(sum[:]) == n.Checksum.Checksum {
			return false
		}
	}
	return true
}

func join(dir, rel string) string {
	if dir == "" || dir == "." {
		return path.Clean(rel)
	}
	return path.Join(dir, rel)
}

func dirName(dir string) string {
	if dir == "" || dir == "." {
		return "the product directory"
	}
	return dir
}

// unwrapPathErr drops the path an fs.PathError repeats (the message names it).
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
