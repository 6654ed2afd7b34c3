package k8scheck

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/floe-dev/floe/schemas"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ChartNamePrefix is what floe puts before the product name to name the product's Helm chart
// and its Kubernetes objects ("floe-customer-360").
const ChartNamePrefix = "floe-"

// maxReleaseNameLength is Helm's limit for release names; floe's objects are named after the
// chart, so the chart name must fit too.
const maxReleaseNameLength = 53

// Resources checks one container resources block: every quantity parses, and no request
// exceeds its limit. Paths are path + ".requests.cpu", ".limits.memory" and so on; a
// request-over-limit error points at the request.
func Resources(path string, r schemas.ResourceRequirements) []*FieldError {
	var errs []*FieldError
	type pair struct {
		name         string
		request, lim string
	}
	for _, p := range []pair{
		{"cpu", r.Requests.CPU, r.Limits.CPU},
		{"memory", r.Requests.Memory, r.Limits.Memory},
	} {
		reqPath := path + ".requests." + p.name
		limPath := path + ".limits." + p.name
		req, lim := p.request, p.lim
		reqQ, reqErr := quantityIfSet(reqPath, req)
		limQ, limErr := quantityIfSet(limPath, lim)
		if reqErr != nil {
			errs = append(errs, reqErr)
		}
		if limErr != nil {
			errs = append(errs, limErr)
		}
		if reqErr == nil && limErr == nil && req != "" && lim != "" && reqQ.Cmp(limQ) > 0 {
			errs = append(errs, &FieldError{Path: reqPath, Value: req,
				Message: fmt.Sprintf("request must not exceed the limit %s (%s)", lim, limPath)})
		}
	}
	return errs
}

// quantityIfSet parses value unless it is empty (an unset request or limit is allowed).
func quantityIfSet(path, value string) (resource.Quantity, *FieldError) {
	if value == "" {
		return resource.Quantity{}, nil
	}
	return Quantity(path, value)
}

// ProductName checks that a product name can name the product's chart, release and
// Kubernetes objects: "floe-<name>" must be a DNS-1035 label (Service names) no longer than
// Helm's 53-character release name limit, and "floe-<name>-<version>" must be a valid label
// value (the helm.sh/chart label). path is where the name was written ("metadata.name").
func ProductName(path, name, version string) []*FieldError {
	chart := ChartNamePrefix + name
	var errs []*FieldError
	for _, e := range DNS1035Label(path, chart) {
		e.Value = name
		e.Message = fmt.Sprintf("chart name %q: %s", chart, e.Message)
		errs = append(errs, e)
	}
	if len(chart) > maxReleaseNameLength {
		errs = append(errs, &FieldError{Path: path, Value: name, Message: fmt.Sprintf(
			"chart name %q is %d characters; Helm allows at most %d (product names up to %d characters)",
			chart, len(chart), maxReleaseNameLength, maxReleaseNameLength-len(ChartNamePrefix))})
	}
	if len(errs) == 0 {
		label := chart + "-" + version
		for _, e := range LabelValue(path, label) {
			e.Value = name
			e.Message = fmt.Sprintf("label helm.sh/chart=%q: %s", label, e.Message)
			errs = append(errs, e)
		}
	}
	return errs
}

// ChartVersion checks that a product version can be the version of its Helm chart:
// Helm reads it as a semantic version whose major, minor and patch numbers are 64-bit
// unsigned integers, so "18446744073709551616.0.0" (which the version pattern allows) is
// not one. path is where the version was written ("metadata.version").
func ChartVersion(path, version string) []*FieldError {
	core, _, _ := strings.Cut(version, "-")
	core, _, _ = strings.Cut(core, "+")
	for i, part := range strings.Split(core, ".") {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			continue // the pattern checks the shape; only the size is Helm's
		}
		if _, err := strconv.ParseUint(part, 10, 64); err != nil {
			name := [...]string{"major", "minor", "patch"}[min(i, 2)]
			return []*FieldError{{Path: path, Value: version, Message: fmt.Sprintf(
				"the %s version %s is larger than a Helm chart version can hold (at most %d)", name, part, uint64(math.MaxUint64))}}
		}
	}
	return nil
}

// Product runs every Kubernetes constraint on what the Helm generator will emit for p.
// Paths use the canonical (Product) shape:
//
//	metadata.name                                      product name / chart name
//	metadata.version                                   chart version label
//	resource_presets.<name>.requests.cpu (…limits.memory)
//	resource_presets.<name>                            preset name as a label value
//	deployment.image_repository, deployment.image_tag   (when set)
//	deployment.port
//	deployment.env[<i>].name
//	deployment.secrets[<i>].env | .secret_name | .secret_key
//
// The compiler maps them to YAML positions; a flat preset ("cpu_request") maps to
// requests.cpu, and so on.
func Product(p *schemas.Product) []*FieldError {
	var errs []*FieldError
	errs = append(errs, ProductName("metadata.name", p.Name, p.Version)...)
	errs = append(errs, ChartVersion("metadata.version", p.Version)...)
	for _, preset := range p.ResourcePresets {
		path := "resource_presets." + preset.Name
		errs = append(errs, LabelValue(path, preset.Name)...)
		errs = append(errs, Resources(path, preset.Resources)...)
	}
	if p.Deployment.ImageRepository != "" {
		errs = append(errs, ImageRepository("deployment.image_repository", p.Deployment.ImageRepository)...)
	}
	if p.Deployment.ImageTag != "" {
		errs = append(errs, ImageTag("deployment.image_tag", p.Deployment.ImageTag)...)
	}
	if p.Deployment.Port != 0 {
		errs = append(errs, Port("deployment.port", p.Deployment.Port)...)
	}
	for i, kv := range p.Deployment.Env {
		errs = append(errs, EnvVarName(fmt.Sprintf("deployment.env[%d].name", i), kv.Key)...)
	}
	for i, s := range p.Deployment.Secrets {
		base := fmt.Sprintf("deployment.secrets[%d]", i)
		errs = append(errs, EnvVarName(base+".env", s.Env)...)
		errs = append(errs, DNS1123Subdomain(base+".secret_name", s.SecretName)...)
		errs = append(errs, SecretKey(base+".secret_key", s.SecretKey)...)
	}
	return errs
}
