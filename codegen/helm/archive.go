package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"path"
	"sort"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/floe-dev/floe/codegen/gen"
)

// packageChart writes the chart as Helm's `helm package` would (a gzipped tar whose entries
// are "<chart>/<file>", regular files only, Chart.yaml first) but reproducibly: every entry
// has the same mtime (mtime, truncated to the second), mode 0644, uid/gid 0 and no user or
// group names, the order is the order of files, and the gzip header carries no time or
// name. chartutil.Save is not used because it stamps time.Now() on every entry.
func packageChart(chartName string, files []chartFile, mtime time.Time) ([]byte, error) {
	mtime = mtime.UTC().Truncate(time.Second)
	if mtime.Before(time.Unix(0, 0)) {
		mtime = time.Unix(0, 0).UTC()
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     path.Join(chartName, f.Name),
			Mode:     0o644,
			Size:     int64(len(f.Data)),
			ModTime:  mtime,
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("package %s: %w", f.Name, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, fmt.Errorf("package %s: %w", f.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("package chart: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("package chart: %w", err)
	}
	return buf.Bytes(), nil
}

// verifyArchive loads the packaged chart back with Helm's archive loader, as `helm install
// x.tgz` would, and checks that no file was lost.
func verifyArchive(tgz []byte, want int) error {
	ch, err := loader.LoadArchive(bytes.NewReader(tgz))
	if err != nil {
		return fmt.Errorf("load packaged chart: %w", err)
	}
	got := len(ch.Raw)
	if got != want {
		return fmt.Errorf("packaged chart holds %d files, want %d", got, want)
	}
	return nil
}

// sortFiles sorts generated files by path.
func sortFiles(files []gen.File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}
