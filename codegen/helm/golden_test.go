package helm

import (
	"testing"
)

// TestGoldenFiles pins every text file Generate writes for the example product.
func TestGoldenFiles(t *testing.T) {
	files := generateFiles(t, customer360(), chartOptions())
	for _, name := range []string{
		"Dockerfile",
		"Dockerfile.dockerignore",
		"helm/values.yaml",
		"helm/dagster-values.yaml",
		"helm/floe-customer-360/Chart.yaml",
		"helm/floe-customer-360/values.yaml",
		"helm/floe-customer-360/values.schema.json",
	} {
		data, ok := files[name]
		if !ok {
			t.Fatalf("Generate wrote no %s", name)
		}
		golden(t, "files/"+name, data)
	}
}

// TestGoldenRenders renders the example chart, as packaged, with its defaults and with each
// environment overlay, and pins the output (`helm template floe-customer-360 <tgz> -f <overlay>`).
func TestGoldenRenders(t *testing.T) {
	files := packagedChart(t)
	for _, overlay := range append([]string{""}, envOverlays...) {
		name := overlay
		var overlays [][]byte
		if overlay == "" {
			name = "values.yaml"
		} else {
			overlays = append(overlays, chartFileData(t, files, overlay))
		}
		t.Run(name, func(t *testing.T) {
			objs, err := renderChart(files, "floe-customer-360", "data-products", overlays...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "render/"+name, renderedText(objs))
		})
	}
}

// packagedChart generates the example chart and reads it back from the .tgz, so tests see
// exactly what a platform team installs.
func packagedChart(t *testing.T) []chartFile {
	t.Helper()
	files := generateFiles(t, customer360(), chartOptions())
	tgz, ok := files["helm/floe-customer-360-1.0.0.tgz"]
	if !ok {
		t.Fatal("Generate wrote no helm/floe-customer-360-1.0.0.tgz")
	}
	entries, hdrs := untar(t, tgz)
	out := make([]chartFile, 0, len(hdrs))
	for _, h := range hdrs {
		name := h.Name[len("floe-customer-360/"):]
		out = append(out, chartFile{Name: name, Data: entries[h.Name]})
		if unpacked := files["helm/floe-customer-360/"+name]; string(unpacked) != string(entries[h.Name]) {
			t.Errorf("unpacked chart file %s differs from the packaged one", name)
		}
	}
	return out
}
