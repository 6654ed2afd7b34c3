package helm

import (
	"strings"
	"testing"
)

// TestConsistencyRejects: objects that decode fine but do not fit together are errors.
func TestConsistencyRejects(t *testing.T) {
	base := exampleChart(t, customer360())
	cases := map[string]struct {
		file, from, to, want string
	}{
		"service selects nothing": {"templates/service.yaml",
			"  selector:\n    {{- include \"floe.selectorLabels\" . | nindent 4 }}\n", "  selector:\n    app: other\n",
			"does not select the code-server pods"},
		"service targets unknown port": {"templates/service.yaml", "targetPort: grpc", "targetPort: http",
			`targets port "http"`},
		"networkpolicy unknown port": {"templates/networkpolicy.yaml", "- port: grpc", "- port: grpcs",
			`allows port "grpcs"`},
		"work dir not mounted": {"templates/deployment.yaml",
			"            - name: floe-work\n              mountPath:", "            - name: other-work\n              mountPath:",
			`volume "other-work"`},
		"serviceaccount dangling": {"templates/deployment.yaml",
			"serviceAccountName: {{ include \"floe.serviceAccountName\" . }}", "serviceAccountName: robot",
			`ServiceAccount "robot"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			src := string(chartFileData(t, base, c.file))
			if !strings.Contains(src, c.from) {
				t.Fatalf("%s has no %q", c.file, c.from)
			}
			broken := replaceChartFile(base, c.file, []byte(strings.Replace(src, c.from, c.to, 1)))
			_, err := renderChart(broken, "floe-customer-360", "data-products", chartFileData(t, base, "values-prod.yaml"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}
