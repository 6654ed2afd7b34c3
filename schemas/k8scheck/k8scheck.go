// Package k8scheck holds the pure Kubernetes constraint checks floe runs at compile time:
// DNS-1123 names and label values, 63-character limits, resource quantities that parse and
// requests that do not exceed limits. Every check returns plain *FieldError values that carry
// a dotted field path; the compiler maps those paths to YAML positions, and codegen/helm runs
// the same checks again as a last line of defence before it renders anything.
//
// The package imports only schemas and k8s.io/apimachinery, never compiler or codegen, so both
// can call it without an import cycle.
package k8scheck

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// FieldError is one violated Kubernetes constraint.
type FieldError struct {
	// Path is the dotted field path the value came from, e.g. "metadata.name" or
	// "resource_presets.small.requests.cpu". Callers choose the prefix; checks append
	// sub-fields (".requests.cpu") where a value has parts.
	Path string
	// Value is the offending value as written.
	Value string
	// Message says what is wrong, in lower case, without the path.
	Message string
}

// Error renders the error as `path: message (value "v")`.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s (value %q)", e.Path, e.Message, e.Value)
}

// MaxNameLength is the limit for DNS-1123 labels, label values and most object names.
const MaxNameLength = validation.DNS1123LabelMaxLength // 63

func fieldErrors(path, value string, msgs []string) []*FieldError {
	if len(msgs) == 0 {
		return nil
	}
	out := make([]*FieldError, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, &FieldError{Path: path, Value: value, Message: m})
	}
	return out
}

// DNS1123Label checks a name that must be an RFC 1123 label: at most 63 lower-case
// alphanumerics or '-', starting and ending with an alphanumeric (Service, Namespace names).
func DNS1123Label(path, value string) []*FieldError {
	return fieldErrors(path, value, validation.IsDNS1123Label(value))
}

// DNS1035Label checks a name that must be an RFC 1035 label (a DNS-1123 label that also
// starts with a letter): Kubernetes Service names.
func DNS1035Label(path, value string) []*FieldError {
	return fieldErrors(path, value, validation.IsDNS1035Label(value))
}

// DNS1123Subdomain checks an object name that must be an RFC 1123 subdomain (ConfigMap,
// Secret, ServiceAccount names): at most 253 characters of dot-separated labels.
func DNS1123Subdomain(path, value string) []*FieldError {
	return fieldErrors(path, value, validation.IsDNS1123Subdomain(value))
}

// LabelValue checks a Kubernetes label value: empty, or at most 63 characters of
// alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric.
func LabelValue(path, value string) []*FieldError {
	return fieldErrors(path, value, validation.IsValidLabelValue(value))
}

// EnvVarName checks the name of a container environment variable.
func EnvVarName(path, value string) []*FieldError {
	return fieldErrors(path, value, validation.IsEnvVarName(value))
}

// SecretKey checks a key inside a Secret or ConfigMap.
func SecretKey(path, value string) []*FieldError {
	return fieldErrors(path, value, validation.IsConfigMapKey(value))
}

// Port checks a container or service port number (1..65535).
func Port(path string, port int) []*FieldError {
	return fieldErrors(path, strconv.Itoa(port), validation.IsValidPortNum(port))
}

// Quantity parses a Kubernetes resource quantity ("250m", "1.5", "512Mi"). A negative
// quantity is an error too: no request or limit can be negative.
func Quantity(path, value string) (resource.Quantity, *FieldError) {
	if strings.TrimSpace(value) != value || value == "" {
		return resource.Quantity{}, &FieldError{Path: path, Value: value,
			Message: "must be a Kubernetes quantity such as \"250m\" or \"512Mi\""}
	}
	q, err := resource.ParseQuantity(value)
	if err != nil {
		return resource.Quantity{}, &FieldError{Path: path, Value: value,
			Message: "must be a Kubernetes quantity such as \"250m\" or \"512Mi\""}
	}
	if q.Sign() < 0 {
		return resource.Quantity{}, &FieldError{Path: path, Value: value, Message: "must not be negative"}
	}
	return q, nil
}

// The image reference grammar of the container runtimes (distribution/reference): an
// optional registry host[:port], then lower-case path components separated by "/"; a tag is
// at most 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'.
var (
	imageRepository = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])` +
			`(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?` +
			`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	})
	imageTag = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`) })
)

// ImageRepository checks a container image repository ("ghcr.io/acme/customer-360"), without
// tag or digest.
func ImageRepository(path, value string) []*FieldError {
	if len(value) > 255 || !imageRepository().MatchString(value) || !firstIsHostOrLower(value) {
		return []*FieldError{{Path: path, Value: value, Message: "must be an image repository such as " +
			"\"ghcr.io/acme/customer-360\" (lower-case path, optional registry host[:port], no tag or digest)"}}
	}
	return nil
}

// firstIsHostOrLower reports whether the first component of an image repository is a
// registry host (it holds a '.' or a ':', or is "localhost", as distribution/reference
// decides) or a lower-case path component: "UPPER/x" is no image name, as docker and
// containerd say ("repository name must be lowercase").
func firstIsHostOrLower(value string) bool {
	first, _, more := strings.Cut(value, "/")
	if !more || strings.ContainsAny(first, ".:") || first == "localhost" {
		return true
	}
	return first == strings.ToLower(first)
}

// ImageTag checks a container image tag ("1.0.0", "sha-3f2a1c").
func ImageTag(path, value string) []*FieldError {
	if !imageTag().MatchString(value) {
		return []*FieldError{{Path: path, Value: value, Message: "must be an image tag: up to 128 letters, " +
			"digits, '_', '.' or '-', not starting with '.' or '-'"}}
	}
	return nil
}
