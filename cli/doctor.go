package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/compiler"
	"github.com/floe-dev/floe/schemas"
)

// check is one doctor probe.
type check struct {
	name string
	run  func(ctx context.Context) (detail string, err error)
}

func newDoctorCmd(e *env) *cobra.Command {
	f := inputFlags{format: "text"}
	var dagsterURL string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "doctor [PATH]",
		Short: "Check that the services a compiled product needs answer",
		Long: `Compile PATH in memory (nothing is written) and check that the services its
manifest names answer: the Dagster webserver (GraphQL { __typename }), the Iceberg
catalog (REST: GET /v1/config; local SQLite: its directory is writable) and the
lineage endpoint (HTTP: it answers; file: its directory is writable). Each failure
says what to do; any failure exits 1.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runCompiler(e, args, &f, compiler.Options{NoSerialize: true})
			if err != nil {
				return err
			}
			if err := report(e, res, "text"); err != nil {
				return err
			}
			p := res.Product
			projectDir := filepath.Dir(specPath(args))
			if dagsterURL == "" {
				dagsterURL = e.getenv("DAGSTER_WEBSERVER_URL")
			}
			if dagsterURL == "" {
				dagsterURL = "http://127.0.0.1:3000"
			}
			client := &http.Client{Timeout: timeout}
			checks := []check{
				{"dagster webserver", func(ctx context.Context) (string, error) { return checkDagster(ctx, client, dagsterURL) }},
				{"iceberg catalog", func(ctx context.Context) (string, error) {
					return checkCatalog(ctx, client, p.Iceberg.Catalog, projectDir)
				}},
				{"lineage", func(ctx context.Context) (string, error) { return checkLineage(ctx, client, p.Lineage, projectDir) }},
			}
			// What doctor prints names URLs (the flag's, the manifest's): their credentials
			// and every literal secret of the inputs are redacted.
			known := schemas.NewKnownSecrets(res.SecretStrings())
			shown := func(s string) string {
				s, _ = known.RedactString(s)
				return terminalText(s)
			}
			failed := 0
			for _, c := range checks {
				detail, err := c.run(cmd.Context())
				if err != nil {
					failed++
					fmt.Fprintf(e.stdout, "FAIL  %-18s %s\n", c.name, shown(err.Error()))
					continue
				}
				fmt.Fprintf(e.stdout, "ok    %-18s %s\n", c.name, shown(detail))
			}
			if failed > 0 {
				return &exitError{code: ExitInput, msg: fmt.Sprintf("doctor: %d of %d checks failed", failed, len(checks))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.manifest, "manifest", "", "platform manifest (default: platform.manifest in floe.yaml, relative to it)")
	cmd.Flags().StringVar(&dagsterURL, "dagster-url", "", "Dagster webserver URL (default: $DAGSTER_WEBSERVER_URL or http://127.0.0.1:3000)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "timeout of each check")
	return cmd
}

func checkDagster(ctx context.Context, client *http.Client, base string) (string, error) {
	u := strings.TrimRight(base, "/") + "/graphql"
	body := bytes.NewBufferString(`{"query":"{ __typename }"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return "", fmt.Errorf("invalid Dagster URL %q: %v", base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s does not answer (%s); start it with `dagster dev -f target/floe/definitions.py` or pass --dagster-url", u, netReason(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		Data struct {
			Typename string `json:"__typename"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Data.Typename == "" {
		return "", fmt.Errorf("%s answered HTTP %d but not as Dagster's GraphQL API; is --dagster-url the webserver?", u, resp.StatusCode)
	}
	return fmt.Sprintf("%s answers GraphQL (%s)", u, out.Data.Typename), nil
}

func checkCatalog(ctx context.Context, client *http.Client, c schemas.IcebergCatalog, projectDir string) (string, error) {
	switch c.Type {
	case "sql":
		path := strings.TrimPrefix(c.URI, "sqlite:///")
		if !filepath.IsAbs(path) {
			path = filepath.Join(projectDir, path)
		}
		if err := writableDir(filepath.Dir(path)); err != nil {
			return "", fmt.Errorf("local catalog %s: %v", path, err)
		}
		return "local SQLite catalog " + path, nil
	case "rest":
		u, err := url.Parse(strings.TrimRight(c.URI, "/") + "/v1/config")
		if err != nil || c.URI == "" {
			return "", fmt.Errorf("catalog URI %q is not a URL; fix plugins.catalog.config.uri", c.URI)
		}
		q := u.Query()
		q.Set("warehouse", c.Warehouse)
		u.RawQuery = q.Encode()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		resp, err := client.Do(req)
		if err != nil {
			return "", fmt.Errorf("REST catalog %s does not answer (%s); check plugins.catalog.config.uri and the network", c.URI, netReason(err))
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return fmt.Sprintf("REST catalog %s answers (HTTP %d without credentials: set %s)", c.URI, resp.StatusCode, credentialEnvs(c)), nil
		case resp.StatusCode >= 500:
			return "", fmt.Errorf("REST catalog %s answers HTTP %d: the catalog service is failing", c.URI, resp.StatusCode)
		}
		return fmt.Sprintf("REST catalog %s answers (HTTP %d)", c.URI, resp.StatusCode), nil
	}
	return "", fmt.Errorf("unknown catalog type %q", c.Type)
}

func credentialEnvs(c schemas.IcebergCatalog) string {
	var envs []string
	for _, s := range c.Credentials {
		envs = append(envs, s.Env)
	}
	if len(envs) == 0 {
		return "the catalog credentials"
	}
	return strings.Join(envs, ", ")
}

func checkLineage(ctx context.Context, client *http.Client, l schemas.LineageConfig, projectDir string) (string, error) {
	switch l.Transport {
	case "noop", "console":
		return "lineage transport " + l.Transport + " (nothing to reach)", nil
	case "file":
		path := l.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(projectDir, path)
		}
		if err := writableDir(filepath.Dir(path)); err != nil {
			return "", fmt.Errorf("lineage file %s: %v", path, err)
		}
		return "lineage events go to " + path, nil
	case "http":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.Endpoint, nil)
		if err != nil {
			return "", fmt.Errorf("lineage endpoint %q is not a URL; fix observability.lineage.endpoint", l.Endpoint)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", fmt.Errorf("lineage endpoint %s does not answer (%s); runs still succeed but lose lineage: start the backend or fix observability.lineage.endpoint", l.Endpoint, netReason(err))
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return "", fmt.Errorf("lineage endpoint %s answers HTTP %d: the lineage backend is failing", l.Endpoint, resp.StatusCode)
		}
		return fmt.Sprintf("lineage endpoint %s answers (HTTP %d)", l.Endpoint, resp.StatusCode), nil
	}
	return "", fmt.Errorf("unknown lineage transport %q", l.Transport)
}

// writableDir creates dir if needed and checks a file can be created in it.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create its directory: %v", describe(err))
	}
	f, err := os.CreateTemp(dir, ".floe-doctor-*")
	if err != nil {
		return fmt.Errorf("its directory is not writable: %v", describe(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// netReason shortens a client error to its cause.
func netReason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "no such host"):
		return "no such host"
	}
	return err.Error()
}
