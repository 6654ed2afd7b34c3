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

	"github.com/floe-dev/floe/codegen/airflow"
	"github.com/floe-dev/floe/schemas"
)

// check is one doctor probe. A check with warn set reports a problem that does not
// stop the product from running (it only warns).
type check struct {
	name string
	warn bool
	run  func(ctx context.Context) (detail string, err error)
}

// doctorReport is `floe doctor --json`.
type doctorReport struct {
	Product string        `json:"product"`
	Spec    string        `json:"spec"`
	OK      bool          `json:"ok"`
	Checks  []doctorCheck `json:"checks"`
}

type doctorCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, warn or fail
	Detail string `json:"detail"`
}

func newDoctorCmd(e *env) *cobra.Command {
	f := inputFlags{format: "text"}
	var dagsterURL string
	var timeout time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [PATH]",
		Short: "Check the compiled output, the Python runtime and the services the product needs",
		Long: `Compile PATH in memory (nothing is written) and check, from where you stand:

  compiled output    target/floe exists and is up to date (else: floe compile)
  python runtime     the runtime floe run and floe dev use is installed (warns only:
                     floe run installs it)
  dagster webserver  answers GraphQL { __typename } (--dagster-url, else
                     $DAGSTER_WEBSERVER_URL, else http://127.0.0.1:3000)
  iceberg catalog    REST: GET /v1/config answers; local SQLite: its directory is writable
  lineage            HTTP: the endpoint answers; file: its directory is writable

For a product orchestrated by Airflow, one orchestrator line replaces the python
runtime and dagster webserver checks: it says where floe compile writes the DAG, which
Airflow runs (floe run and floe dev run Dagster products).

Each problem says what to do, with paths and commands that work from the working
directory. A failed check exits 1; warnings do not. --json prints one JSON object.`,
		Example: `  floe doctor
  floe doctor examples/customer-360 --dagster-url http://127.0.0.1:3001
  floe doctor --json | jq '.checks[] | select(.status != "ok")'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return usageErr("--timeout %s: want a positive duration such as 10s", timeout)
			}
			res, err := checkProduct(e, &f, "doctor", args, "text")
			if err != nil {
				return err
			}
			p := res.Product
			projectDir := filepath.Dir(f.spec)
			if dagsterURL == "" {
				dagsterURL = e.getenv("DAGSTER_WEBSERVER_URL")
			}
			if dagsterURL == "" {
				dagsterURL = "http://127.0.0.1:3000"
			}
			client := &http.Client{Timeout: timeout}
			checks := []check{
				{"compiled output", true, func(context.Context) (string, error) { return checkCompiled(e, &f) }},
			}
			if p.Orchestrator == airflow.Generator.Name() {
				// floe runs nothing of an Airflow product locally: no runtime, no UI to probe.
				checks = append(checks, check{"orchestrator", false, func(context.Context) (string, error) {
					dag := relToWd(e, filepath.Join(defaultOut(f.spec), airflow.DAGFile))
					return fmt.Sprintf("Airflow: floe compile writes the DAG to %s; Airflow runs it (floe run and floe dev run Dagster products; see docs/airflow.md)", dag), nil
				}})
			} else {
				checks = append(checks,
					check{"python runtime", true, func(context.Context) (string, error) { return checkRuntime(e, f.spec) }},
					check{"dagster webserver", false, func(ctx context.Context) (string, error) {
						return checkDagsterAdvice(ctx, e, client, dagsterURL, f.spec)
					}})
			}
			checks = append(checks,
				check{"iceberg catalog", false, func(ctx context.Context) (string, error) {
					return checkCatalog(ctx, client, p.Iceberg.Catalog, projectDir)
				}},
				check{"lineage", false, func(ctx context.Context) (string, error) { return checkLineage(ctx, client, p.Lineage, projectDir) }},
			)
			// What doctor prints names URLs (the flag's, the manifest's): their credentials
			// and every literal secret of the inputs are redacted.
			known := schemas.NewKnownSecrets(res.SecretStrings())
			redacted := func(s string) string {
				s, _ = known.RedactString(s)
				return s
			}
			rep := doctorReport{Product: p.Name, Spec: f.spec, OK: true}
			failed := 0
			for _, c := range checks {
				detail, err := c.run(cmd.Context())
				dc := doctorCheck{Name: c.name, Status: "ok", Detail: redacted(detail)}
				if err != nil {
					dc.Status, dc.Detail = "fail", redacted(err.Error())
					if c.warn {
						dc.Status = "warn"
					} else {
						failed++
						rep.OK = false
					}
				}
				rep.Checks = append(rep.Checks, dc)
			}
			if asJSON {
				if err := writeJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				w := e.stdout
				for _, c := range rep.Checks {
					if e.quiet && c.Status == "ok" {
						continue
					}
					label := map[string]string{"ok": e.paint(w, "ok  ", styleGreen), "warn": e.paint(w, "warn", styleYellow),
						"fail": e.paint(w, "FAIL", styleRed)}[c.Status]
					fmt.Fprintf(w, "%s  %-18s %s\n", label, c.Name, terminalText(c.Detail))
				}
			}
			if failed > 0 {
				return &exitError{code: ExitInput, msg: fmt.Sprintf("doctor: %d of %d checks failed", failed, len(checks))}
			}
			return nil
		},
	}
	f.registerManifest(cmd)
	cmd.Flags().StringVar(&dagsterURL, "dagster-url", "", "Dagster webserver URL (default: $DAGSTER_WEBSERVER_URL or http://127.0.0.1:3000)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "timeout of each check")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

// self is how the user runs floe, for advice: the name they typed when it is on PATH
// ("floe"), else the path of this executable from the working directory.
func (e *env) self() string {
	if e.arg0 == "" || !strings.ContainsRune(e.arg0, filepath.Separator) && !strings.ContainsRune(e.arg0, '/') {
		return "floe"
	}
	if strings.Contains(e.arg0, "go-build") { // go run: a temporary binary
		return "go run ./cmd/floe"
	}
	return relToWd(e, e.arg0)
}

// productArg is the PATH argument that names spec from the working directory (""
// when floe finds it from there by itself).
func productArg(e *env, spec string) string {
	return devArg(e, spec)
}

// checkDagsterAdvice is checkDagster with advice that works from where the user stands.
func checkDagsterAdvice(ctx context.Context, e *env, client *http.Client, url, spec string) (string, error) {
	detail, err := checkDagster(ctx, client, url)
	if err != nil && strings.Contains(err.Error(), "does not answer") {
		return "", fmt.Errorf("%v; start it with `%s dev%s` (or pass --dagster-url)", err, e.self(), productArg(e, spec))
	}
	return detail, err
}

// checkCompiled says whether the output floe compile would write is on disk and current.
func checkCompiled(e *env, f *inputFlags) (string, error) {
	out := defaultOut(f.spec)
	cf := compileFlags{inputFlags: *f, outputFormat: "json", configMapName: "floe-compiled-values"}
	if !isFile(filepath.Join(out, stampFile)) {
		return "", fmt.Errorf("%s is not there; run `%s compile%s`", relToWd(e, out), e.self(), productArg(e, f.spec))
	}
	if !upToDate(out, compileOptions(e, &cf, out)) {
		return "", fmt.Errorf("%s is out of date; run `%s compile%s`", relToWd(e, out), e.self(), productArg(e, f.spec))
	}
	return relToWd(e, out) + " is up to date", nil
}

// checkRuntime says whether the Python runtime is installed where floe run looks.
func checkRuntime(e *env, spec string) (string, error) {
	r, ready, checkout, err := findRuntime(e, spec)
	if err != nil {
		return "", err
	}
	where := relToWd(e, r.dir)
	if !ready {
		how := fmt.Sprintf("`%s run%s` installs it on first use", e.self(), productArg(e, spec))
		if checkout != "" {
			how += fmt.Sprintf(", or `bash %s`", relToWd(e, filepath.Join(checkout, "scripts", "python-env.sh")))
		}
		return "", fmt.Errorf("not installed in %s; %s", where, how)
	}
	return fmt.Sprintf("%s (%s)", relToWd(e, r.python()), r.origin), nil
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
		return "", fmt.Errorf("%s does not answer (%s)", u, netReason(err))
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
