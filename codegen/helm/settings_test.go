package helm

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// schedulingOverlay sets every scheduling and pod setting the chart accepts.
const schedulingOverlay = `
podLabels:
  team: analytics
nodeSelector:
  kubernetes.io/os: linux
tolerations:
  - key: dedicated
    operator: Equal
    value: data
    effect: NoSchedule
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions:
            - key: node.kubernetes.io/instance-type
              operator: In
              values: [m6i.xlarge]
extraVolumes:
  - name: ca-bundle
    configMap:
      name: corporate-ca
extraVolumeMounts:
  - name: ca-bundle
    mountPath: /etc/ssl/corporate
    readOnly: true
workDir:
  mountPath: /data
  sizeLimit: 20Gi
probes:
  startup: null
  readiness:
    grpc:
      port: 3030
    periodSeconds: 5
  liveness:
    exec:
      command: [dagster, api, grpc-health-check, --port, "3030"]
    periodSeconds: 60
`

func deploymentOf(t *testing.T, objs []renderedObject) *appsv1.Deployment {
	t.Helper()
	for _, o := range objs {
		if d, ok := o.Object.(*appsv1.Deployment); ok {
			return d
		}
	}
	t.Fatal("no Deployment rendered")
	return nil
}

// TestChartSchedulingAndPodSettings: the standard settings render into the Deployment,
// decoded strictly (renderChart), next to the chart's own.
func TestChartSchedulingAndPodSettings(t *testing.T) {
	chart := packagedChart(t)
	objs, err := renderChart(chart, "floe-customer-360", "data-products",
		chartFileData(t, chart, "values-prod.yaml"), []byte(schedulingOverlay))
	if err != nil {
		t.Fatal(err)
	}
	pod := deploymentOf(t, objs).Spec.Template
	spec := pod.Spec
	c := spec.Containers[0]
	if pod.Labels["team"] != "analytics" || pod.Labels["app.kubernetes.io/name"] != "floe-customer-360" {
		t.Errorf("pod labels = %v", pod.Labels)
	}
	if spec.NodeSelector["kubernetes.io/os"] != "linux" {
		t.Errorf("nodeSelector = %v", spec.NodeSelector)
	}
	if len(spec.Tolerations) != 1 || spec.Tolerations[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("tolerations = %+v", spec.Tolerations)
	}
	if spec.Affinity == nil || spec.Affinity.NodeAffinity == nil {
		t.Errorf("affinity = %+v", spec.Affinity)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	work := volumes["floe-work"]
	if work.EmptyDir == nil || work.EmptyDir.SizeLimit == nil || work.EmptyDir.SizeLimit.String() != "20Gi" {
		t.Errorf("work volume = %+v", work)
	}
	if volumes["ca-bundle"].ConfigMap == nil || volumes["ca-bundle"].ConfigMap.Name != "corporate-ca" {
		t.Errorf("extra volume = %+v", volumes["ca-bundle"])
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if mounts["floe-work"] != "/data" || mounts["ca-bundle"] != "/etc/ssl/corporate" {
		t.Errorf("mounts = %v", mounts)
	}
	if c.StartupProbe != nil {
		t.Errorf("startup probe = %+v, want none (null)", c.StartupProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.GRPC == nil || c.ReadinessProbe.PeriodSeconds != 5 {
		t.Errorf("readiness probe = %+v", c.ReadinessProbe)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.PeriodSeconds != 60 {
		t.Errorf("liveness probe = %+v", c.LivenessProbe)
	}
}

// TestChartDefaultsProbesAndWorkDir: by default the code server has startup, readiness and
// liveness probes (Dagster's gRPC health check) and an emptyDir at the DuckDB directory.
func TestChartDefaultsProbesAndWorkDir(t *testing.T) {
	chart := packagedChart(t)
	objs, err := renderChart(chart, "floe-customer-360", "data-products")
	if err != nil {
		t.Fatal(err)
	}
	d := deploymentOf(t, objs)
	c := d.Spec.Template.Spec.Containers[0]
	for name, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.Exec == nil || !strings.Contains(strings.Join(p.Exec.Command, " "), "grpc-health-check --port 3030") {
			t.Errorf("%s probe = %+v", name, p)
		}
	}
	if len(d.Spec.Template.Annotations) != 0 {
		t.Errorf("pod annotations = %v, want none (no config checksum)", d.Spec.Template.Annotations)
	}
	for _, e := range c.Env {
		if e.Name == "FLOE_CONFIG_DIR" {
			t.Error("FLOE_CONFIG_DIR is set, but nothing reads it")
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || (m.Name == "floe-work" && m.MountPath == workDir(customer360()))
	}
	if !mounted {
		t.Errorf("mounts = %+v, want floe-work at %s", c.VolumeMounts, workDir(customer360()))
	}
}

// TestChartSettingsTyposRejected: the closed schema refuses misspelled or unsafe settings.
func TestChartSettingsTyposRejected(t *testing.T) {
	chart := packagedChart(t)
	for name, overlay := range map[string]string{
		"toleration key":     "tolerations:\n  - key: a\n    operater: Exists\n",
		"toleration effect":  "tolerations:\n  - key: a\n    effect: NoScheduling\n",
		"affinity key":       "affinity:\n  nodeAffinty: {}\n",
		"probe key":          "probes:\n  startup: null\n  readiness: null\n  liveness:\n    perodSeconds: 3\n",
		"mount without path": "extraVolumeMounts:\n  - name: x\n",
		"volume named work":  "extraVolumes:\n  - name: floe-work\n    emptyDir: {}\n",
		"selector pod label": "podLabels:\n  app.kubernetes.io/name: other\n",
		"work dir size":      "workDir:\n  mountPath: /data\n  sizeLimit: 20GB\n",
		"relative work dir":  "workDir:\n  mountPath: data\n  sizeLimit: \"\"\n",
		"unknown top-level":  "toleration: []\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := renderChart(chart, "floe-customer-360", "data-products", []byte(overlay)); err == nil {
				t.Errorf("overlay accepted:\n%s", overlay)
			}
		})
	}
}
