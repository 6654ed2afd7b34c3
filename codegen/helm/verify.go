package helm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes/scheme"
)

// KubeVersion is the Kubernetes version floe renders and lints the chart for. The Helm
// library's own default (v1.20.0) predates the chart's kubeVersion constraint, so it is
// always set explicitly.
const KubeVersion = "v1.31.0"

// envOverlays are the environment overlays shipped with the chart, in the order they are verified.
var envOverlays = []string{"values-dev.yaml", "values-staging.yaml", "values-prod.yaml"}

// verifyNamespace is the namespace the chart is checked in; the release is named like the
// chart, which keeps object names equal to the chart name ("floe-customer-360").
const verifyNamespace = "data-products"

// renderedObject is one rendered Kubernetes object, decoded strictly.
type renderedObject struct {
	// Source is the template that produced it ("floe-customer-360/templates/service.yaml").
	Source string
	// Kind and Name identify it.
	Kind, Name string
	// YAML is the rendered document; Object its typed decoding (*appsv1.Deployment, ...).
	YAML   string
	Object runtime.Object
}

// renderChart renders the chart files with the given values overlays (applied in order, as
// `helm template -f a -f b` would) for release/namespace, validating the merged values
// against values.schema.json, decodes every object strictly and checks the objects fit
// together. Generate runs it for the default values and each overlay.
func renderChart(files []chartFile, release, namespace string, overlays ...[]byte) ([]renderedObject, error) {
	ch, err := loadChart(files)
	if err != nil {
		return nil, err
	}
	vals := map[string]any{}
	for i, o := range overlays {
		v, err := chartutil.ReadValues(o)
		if err != nil {
			return nil, fmt.Errorf("read values overlay %d: %w", i+1, err)
		}
		vals = mergeMaps(vals, v)
	}
	kv, err := chartutil.ParseKubeVersion(KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("parse kube version: %w", err)
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, kv.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion %s, incompatible with %s", ch.Metadata.KubeVersion, kv)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	if err := chartutil.ValidateReleaseName(release); err != nil {
		return nil, fmt.Errorf("release name %q: %w", release, err)
	}
	rv, err := chartutil.ToRenderValues(ch, vals,
		chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}, caps)
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	// Strict: a template reading a key the values lack is an error, not an empty string.
	rendered, err := engine.Engine{Strict: true}.Render(ch, rv)
	if err != nil {
		return nil, fmt.Errorf("render chart: %w", err)
	}
	for name := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(rendered, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(rendered, caps.APIVersions, releaseutil.InstallOrder)
	if err != nil {
		return nil, fmt.Errorf("split rendered manifests: %w", err)
	}
	if len(hooks) > 0 {
		return nil, fmt.Errorf("chart renders %d hook(s); floe's chart has none", len(hooks))
	}
	objs := make([]renderedObject, 0, len(manifests))
	var errs []error
	for _, m := range manifests {
		obj, err := decodeStrict(m.Content)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m.Name, err))
			continue
		}
		ro := renderedObject{Source: m.Name, Kind: m.Head.Kind, YAML: m.Content, Object: obj}
		if m.Head.Metadata != nil {
			ro.Name = m.Head.Metadata.Name
		}
		errs = append(errs, checkObjectMeta(ro)...)
		objs = append(objs, ro)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := checkConsistency(objs); err != nil {
		return nil, fmt.Errorf("rendered objects: %w", err)
	}
	return objs, nil
}

// codecs decodes YAML into the registered k8s.io/api types, rejecting unknown and duplicate fields.
var codecs = sync.OnceValue(func() serializer.CodecFactory {
	return serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
})

// decodeStrict decodes one rendered document. A strict decoding error still returns the
// object; it is a failure all the same.
func decodeStrict(doc string) (runtime.Object, error) {
	obj, _, err := codecs().UniversalDeserializer().Decode([]byte(doc), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decode strictly: %w", err)
	}
	return obj, nil
}

// checkObjectMeta applies the API server's name and label rules that strict decoding does
// not: object names are DNS-1123 subdomains (Services: DNS-1035 labels), label keys are
// qualified names and label values valid label values.
func checkObjectMeta(o renderedObject) []error {
	acc, err := meta.Accessor(o.Object)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", o.Source, err)}
	}
	var errs []error
	bad := func(what string, msgs []string) {
		for _, m := range msgs {
			errs = append(errs, fmt.Errorf("%s: %s %s: %s", o.Source, o.Kind, what, m))
		}
	}
	name := acc.GetName()
	if o.Kind == "Service" {
		bad(fmt.Sprintf("name %q", name), validation.IsDNS1035Label(name))
	} else {
		bad(fmt.Sprintf("name %q", name), validation.IsDNS1123Subdomain(name))
	}
	keys := make([]string, 0, len(acc.GetLabels()))
	for k := range acc.GetLabels() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		bad(fmt.Sprintf("label key %q", k), validation.IsQualifiedName(k))
		bad(fmt.Sprintf("label %s value %q", k, acc.GetLabels()[k]), validation.IsValidLabelValue(acc.GetLabels()[k]))
	}
	return errs
}

// lintChart runs Helm's chart linter (the rules of `helm lint`) on the chart files with the
// given values overlays merged in order, treating warnings as errors (`helm lint --strict`).
// The linter reads charts from disk only, so the files are written to a temporary directory
// that is removed before lintChart returns.
func lintChart(files []chartFile, overlays ...[]byte) error {
	dir, err := os.MkdirTemp("", "floe-helm-lint-")
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	defer os.RemoveAll(dir)
	name := ""
	for _, f := range files {
		if f.Name == "Chart.yaml" {
			ch, err := loadChart(files)
			if err != nil {
				return err
			}
			name = ch.Name()
		}
	}
	if name == "" {
		return fmt.Errorf("lint: chart has no Chart.yaml")
	}
	root := filepath.Join(dir, name)
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("lint: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("lint: %w", err)
		}
	}
	kv, err := chartutil.ParseKubeVersion(KubeVersion)
	if err != nil {
		return fmt.Errorf("parse kube version: %w", err)
	}
	vals := map[string]any{}
	for i, o := range overlays {
		v, err := chartutil.ReadValues(o)
		if err != nil {
			return fmt.Errorf("read values overlay %d: %w", i+1, err)
		}
		vals = mergeMaps(vals, v)
	}
	linter := lint.AllWithKubeVersion(root, vals, verifyNamespace, kv)
	var errs []error
	for _, m := range linter.Messages {
		if m.Severity >= support.WarningSev {
			// m.Error() is "[SEVERITY] path: error"; drop the temporary directory from it.
			errs = append(errs, errors.New(strings.ReplaceAll(m.Error(), root+string(filepath.Separator), "")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("helm lint --strict: %w", err)
	}
	return nil
}

// loadChart loads the chart from memory, as Helm loads a chart archive.
func loadChart(files []chartFile) (*chart.Chart, error) {
	bf := make([]*loader.BufferedFile, 0, len(files))
	for _, f := range files {
		bf = append(bf, &loader.BufferedFile{Name: f.Name, Data: f.Data})
	}
	ch, err := loader.LoadFiles(bf)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	return ch, nil
}

// mergeMaps merges b over a the way `helm -f a -f b` does: maps recursively, everything
// else (lists, scalars) replaced.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bv, ok := v.(map[string]any); ok {
			if av, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(av, bv)
				continue
			}
		}
		out[k] = v
	}
	return out
}
