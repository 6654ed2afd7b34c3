package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	corev1 "k8s.io/api/core/v1"

	"github.com/floe-dev/floe/templates/runtime"
)

// platformValuesFile is helm/dagster-values.yaml for the example product.
func platformValuesFile(t *testing.T) []byte {
	t.Helper()
	data, ok := generateFiles(t, customer360(), chartOptions())[PlatformValuesFile]
	if !ok {
		t.Fatalf("Generate wrote no %s", PlatformValuesFile)
	}
	return data
}

// TestPlatformValuesKubernetesTypes decodes the values into floe's types with unknown keys
// refused, and every part that is a Kubernetes object strictly into its k8s.io/api type.
func TestPlatformValuesKubernetesTypes(t *testing.T) {
	data := platformValuesFile(t)
	var typed DagsterPlatformValues
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&typed); err != nil {
		t.Fatalf("%s does not decode into DagsterPlatformValues: %v", PlatformValuesFile, err)
	}
	var raw struct {
		RunLauncher struct {
			Type   string `yaml:"type"`
			Config struct {
				K8s map[string]any `yaml:"k8sRunLauncher"`
			} `yaml:"config"`
		} `yaml:"runLauncher"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	k8s := raw.RunLauncher.Config.K8s
	strict := func(name string, v any, into any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		jd := json.NewDecoder(bytes.NewReader(b))
		jd.DisallowUnknownFields()
		if err := jd.Decode(into); err != nil {
			t.Errorf("%s does not decode strictly into %T: %v", name, into, err)
		}
	}
	var res corev1.ResourceRequirements
	strict("resources", k8s["resources"], &res)
	var sc corev1.SecurityContext
	strict("securityContext", k8s["securityContext"], &sc)
	var secrets []corev1.SecretEnvSource
	strict("envSecrets", k8s["envSecrets"], &secrets)
	run := k8s["runK8sConfig"].(map[string]any)
	var pod corev1.PodSpec
	strict("runK8sConfig.podSpecConfig", run["podSpecConfig"], &pod)
	var container corev1.Container
	strict("runK8sConfig.containerConfig", run["containerConfig"], &container)

	if raw.RunLauncher.Type != "K8sRunLauncher" {
		t.Errorf("runLauncher.type = %q", raw.RunLauncher.Type)
	}
	if got := res.Limits.Memory().String(); got != "512Mi" {
		t.Errorf("run pod memory limit = %s, want the default (small) preset's 512Mi", got)
	}
	// minio-credentials' keys are the variables' names: the whole Secret; polaris-credentials
	// maps a key to another name: a secretKeyRef.
	if len(secrets) != 1 || secrets[0].Name != "minio-credentials" {
		t.Errorf("envSecrets = %+v", secrets)
	}
	if len(container.Env) != 1 || container.Env[0].ValueFrom == nil ||
		container.Env[0].ValueFrom.SecretKeyRef.Name != "polaris-credentials" {
		t.Errorf("runK8sConfig.containerConfig.env = %+v", container.Env)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != imageUID || psc.FSGroup == nil || *psc.FSGroup != imageUID ||
		psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod security context = %+v, want non-root %d", psc, imageUID)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container security context = %+v, want no privilege escalation", sc)
	}
	if bytes.Contains(data, []byte("s3cr3t")) {
		t.Error("a literal secret reached the platform values")
	}
}

// TestPlatformValuesRenderRunLauncher renders the dagster chart's own run-launcher template
// (testdata/dagster-run-launcher) with the generated values: the run_launcher section of
// the dagster.yaml the chart would build. The runtime test
// tests/runtime/test_e2e_kubernetes.py checks it against K8sRunLauncher.config_type() and
// builds the run and step pods from it with dagster-k8s.
func TestPlatformValuesRenderRunLauncher(t *testing.T) {
	ch, err := loader.Load("testdata/dagster-run-launcher")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ReadValues(platformValuesFile(t))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := chartutil.ToRenderValues(ch, vals,
		chartutil.ReleaseOptions{Name: "dagster", Namespace: "dagster", Revision: 1, IsInstall: true},
		chartutil.DefaultCapabilities.Copy())
	if err != nil {
		t.Fatal(err)
	}
	// Not strict: the chart reads keys its values leave out, as `helm install` allows.
	out, err := engine.Engine{}.Render(ch, rv)
	if err != nil {
		t.Fatal(err)
	}
	rendered := out["dagster-run-launcher/templates/instance.yaml"]
	var doc struct {
		RunLauncher struct {
			Module string         `yaml:"module"`
			Class  string         `yaml:"class"`
			Config map[string]any `yaml:"config"`
		} `yaml:"run_launcher"`
	}
	if err := yaml.Unmarshal([]byte(rendered), &doc); err != nil {
		t.Fatalf("rendered run_launcher is not YAML: %v\n%s", err, rendered)
	}
	if doc.RunLauncher.Class != "K8sRunLauncher" || doc.RunLauncher.Config["env_secrets"] == nil ||
		doc.RunLauncher.Config["run_k8s_config"] == nil || doc.RunLauncher.Config["resources"] == nil {
		t.Errorf("rendered run_launcher lacks floe's settings:\n%s", rendered)
	}
	golden(t, "files/dagster-instance-run-launcher.yaml", []byte(rendered))
}

// TestRuntimeRunsStepsAsTheImageUser keeps the UID the runtime gives step pods
// (floe_runtime/kubernetes.py IMAGE_UID) equal to the image's and the charts'.
func TestRuntimeRunsStepsAsTheImageUser(t *testing.T) {
	src, err := fs.ReadFile(runtime.Package(), "floe_runtime/kubernetes.py")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("\nIMAGE_UID = %d\n", imageUID)
	if !strings.Contains(string(src), want) {
		t.Errorf("floe_runtime/kubernetes.py does not set %q", strings.TrimSpace(want))
	}
}
