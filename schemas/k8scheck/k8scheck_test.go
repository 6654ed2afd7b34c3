package k8scheck

import (
	"strings"
	"testing"

	"github.com/floe-dev/floe/schemas"
)

func rr(rc, lc, rm, lm string) schemas.ResourceRequirements {
	return schemas.ResourceRequirements{
		Requests: schemas.ResourceList{CPU: rc, Memory: rm},
		Limits:   schemas.ResourceList{CPU: lc, Memory: lm},
	}
}

func paths(errs []*FieldError) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Path)
	}
	return strings.Join(out, " ")
}

func TestResources(t *testing.T) {
	cases := []struct {
		name string
		r    schemas.ResourceRequirements
		want string
	}{
		{"reference small", rr("100m", "500m", "256Mi", "512Mi"), ""},
		{"reference large", rr("500m", "2000m", "1Gi", "2Gi"), ""},
		{"equal", rr("1", "1000m", "1Gi", "1024Mi"), ""},
		{"decimal cpu", rr("0.5", "1.5", "512Mi", "1Gi"), ""},
		{"unset limit", rr("100m", "", "256Mi", ""), ""},
		{"request over limit", rr("2", "1", "256Mi", "512Mi"), "p.requests.cpu"},
		{"memory over limit", rr("1", "1", "1Gi", "512Mi"), "p.requests.memory"},
		{"bad cpu", rr("1 core", "2", "1Gi", "2Gi"), "p.requests.cpu"},
		{"GB is not a quantity", rr("1", "2", "1GB", "2Gi"), "p.requests.memory"},
		{"negative", rr("-1", "2", "1Gi", "2Gi"), "p.requests.cpu"},
		{"two errors", rr("x", "y", "1Gi", "2Gi"), "p.requests.cpu p.limits.cpu"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := paths(Resources("p", c.r)); got != c.want {
				t.Errorf("paths %q, want %q", got, c.want)
			}
		})
	}
	errs := Resources("resource_presets.small", rr("2", "1", "256Mi", "512Mi"))
	if msg := errs[0].Error(); !strings.Contains(msg, "must not exceed the limit 1") || !strings.HasPrefix(msg, "resource_presets.small.requests.cpu: ") {
		t.Errorf("message %q", msg)
	}
}

func TestNames(t *testing.T) {
	ok := func(errs []*FieldError) bool { return len(errs) == 0 }
	if !ok(DNS1123Label("n", "customer-360")) || ok(DNS1123Label("n", "Customer")) || ok(DNS1123Label("n", strings.Repeat("a", 64))) {
		t.Error("DNS1123Label")
	}
	if !ok(DNS1035Label("n", "floe-a")) || ok(DNS1035Label("n", "1floe")) {
		t.Error("DNS1035Label")
	}
	if !ok(DNS1123Subdomain("n", "polaris.credentials")) || ok(DNS1123Subdomain("n", "Polaris_Creds")) {
		t.Error("DNS1123Subdomain")
	}
	if !ok(LabelValue("n", "")) || !ok(LabelValue("n", "Prod_EU.1")) || ok(LabelValue("n", "-x")) || ok(LabelValue("n", strings.Repeat("a", 64))) {
		t.Error("LabelValue")
	}
	if !ok(EnvVarName("n", "AWS_ACCESS_KEY_ID")) || ok(EnvVarName("n", "1X")) || ok(EnvVarName("n", "A B")) {
		t.Error("EnvVarName")
	}
	if !ok(SecretKey("n", "s3.secret-key")) || ok(SecretKey("n", "a/b")) {
		t.Error("SecretKey")
	}
	if !ok(Port("n", 3030)) || ok(Port("n", 0)) || ok(Port("n", 65536)) {
		t.Error("Port")
	}
}

func TestProductName(t *testing.T) {
	cases := map[string]bool{
		"customer-360":          true,
		strings.Repeat("a", 48): true,
		strings.Repeat("a", 49): false, // floe- + 49 = 54 > 53 (Helm release names)
		"customer-":             false, // trailing hyphen (allowed by the reference's regex)
		"a--b":                  true,
		"Customer":              false,
		"customer_360":          false,
	}
	for name, valid := range cases {
		errs := ProductName("metadata.name", name, "1.0.0")
		if (len(errs) == 0) != valid {
			t.Errorf("%q: errors %v, want valid=%v", name, errs, valid)
		}
		for _, e := range errs {
			if e.Path != "metadata.name" || e.Value != name {
				t.Errorf("%q: error %+v", name, e)
			}
		}
	}
	// The chart label floe-<name>-<version> must fit 63 characters too.
	if errs := ProductName("metadata.name", strings.Repeat("a", 48), "1.0.0-rc.1+build.12345"); len(errs) == 0 {
		t.Error("helm.sh/chart label over 63 characters accepted")
	}
}

func TestProduct(t *testing.T) {
	p := &schemas.Product{
		Name: "customer-360", Version: "1.0.0",
		ResourcePresets: []schemas.NamedResourcePreset{
			{Name: "small", Resources: rr("100m", "500m", "256Mi", "512Mi")},
			{Name: "huge", Resources: rr("8", "4", "1Gi", "2Gi")},
		},
		Deployment: schemas.Deployment{
			Port:    3030,
			Env:     []schemas.KeyValue{{Key: "OK", Value: "1"}, {Key: "NOT OK", Value: "2"}},
			Secrets: []schemas.SecretEnv{{Env: "CRED", SecretName: "creds", SecretKey: "bad/key"}},
		},
	}
	want := "resource_presets.huge.requests.cpu deployment.env[1].name deployment.secrets[0].secret_key"
	if got := paths(Product(p)); got != want {
		t.Errorf("paths %q, want %q", got, want)
	}
}

func TestImage(t *testing.T) {
	for v, ok := range map[string]bool{
		"customer-360": true, "ghcr.io/acme/customer-360": true, "localhost:5000/a/b": true,
		"registry.example.com:443/team/c360": true, "a__b/c.d": true,
		"": false, "acme/C360": false, "ghcr.io/acme/c360:1.0": false, "ghcr.io/acme/c360@sha256:abc": false,
		"a//b": false, "-a": false, "a/": false,
		// A first component without "." or ":" is a path component, not a host: lower case.
		"UPPER/x": false, "Acme/c360": false, "localhost/x": true, "Registry.example.com/x": true,
	} {
		if got := len(ImageRepository("r", v)) == 0; got != ok {
			t.Errorf("ImageRepository(%q) valid=%v, want %v", v, got, ok)
		}
	}
	for v, ok := range map[string]bool{
		"1.0.0": true, "latest": true, "sha-3f2a1c": true, "v1_2": true,
		"": false, ".x": false, "-x": false, "a:b": false, strings.Repeat("a", 129): false,
	} {
		if got := len(ImageTag("t", v)) == 0; got != ok {
			t.Errorf("ImageTag(%q) valid=%v, want %v", v, got, ok)
		}
	}
}
