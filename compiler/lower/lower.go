// Package lower is the last pass: it builds the CompiledArtifacts contract (0.10.0,
// the reference's byte format) and the schemas.Product the generators read, and
// checks the artifact against its own JSON Schema before anyone may write it.
package lower

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/floe-dev/floe/compiler/govern"
	"github.com/floe-dev/floe/compiler/graph"
	"github.com/floe-dev/floe/compiler/resolve"
	"github.com/floe-dev/floe/compiler/validate"
	"github.com/floe-dev/floe/schemas"
	"golang.org/x/sync/errgroup"
)

// Input is everything the earlier passes produced.
type Input struct {
	Resolved    *resolve.Resolved
	Graph       *graph.Graph
	Policy      *govern.Result
	Schedules   []schemas.Schedule
	CompiledAt  time.Time
	FloeVersion string
	// Sources are the raw input bytes in hash order: floe.yaml, its manifest, then each parent.
	Sources [][]byte
	// Check, when set, validates the artifact as it is serialized (each model as it is
	// encoded), while the rest of the product is built; its error is Lower's.
	Check schemas.ListChecker
	// NoSerialize leaves ArtifactsJSON and RedactedArtifactsJSON empty (floe validate
	// writes nothing; the artifact is still encoded, to be checked).
	NoSerialize bool
}

// FormatTime renders t as the reference's Pydantic does for an aware UTC datetime:
// fraction omitted when zero, else microseconds, suffix Z.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if us := t.Nanosecond() / 1000; us != 0 {
		return t.Format("2006-01-02T15:04:05") + fmt.Sprintf(".%06dZ", us)
	}
	return t.Format("2006-01-02T15:04:05") + "Z"
}

// SourceHash is "sha256:" + hex SHA-256 of the concatenated input bytes.
func SourceHash(sources [][]byte) string {
	h := sha256.New()
	for _, s := range sources {
		h.Write(s)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func ptr[T any](v T) *T { return &v }

// Lower builds the artifact and the product.
func Lower(in Input) (*schemas.Product, error) {
	r := in.Resolved
	spec := r.Spec.FloeSpec
	m := r.Manifest
	name := spec.Metadata.Name
	// Every value that is a literal secret anywhere in the inputs: redacted wherever it
	// appears, in every file but the contract.
	var known *schemas.KnownSecrets
	if in.Policy != nil {
		known = schemas.NewKnownSecrets(validate.SecretStrings(in.Policy.Secrets))
	}

	ca := &schemas.CompiledArtifacts{
		Version: schemas.ContractVersion,
		Metadata: schemas.CompilationMetadata{
			CompiledAt: FormatTime(in.CompiledAt), FloeVersion: schemas.ReferenceFloeVersion,
			SourceHash: SourceHash(in.Sources), ProductName: name, ProductVersion: spec.Metadata.Version,
		},
		Identity:         schemas.ProductIdentity{ProductID: "default." + strings.ReplaceAll(name, "-", "_"), Domain: "default", Repository: ""},
		Mode:             "simple",
		InheritanceChain: []schemas.ManifestRef{},
		Observability:    observability(spec, m),
		Plugins:          ptr(r.Plugins), // a copy: &r.Plugins would keep every pass's data (and the YAML trees) alive
		DbtProfiles:      r.Profiles,
		Governance:       in.Policy.Governance,
		DataContracts:    []schemas.Map{},
		QualityConfig:    qualityConfig(m.Plugins.Quality),
	}
	// Inheritance chain, enterprise first; the product's own manifest is listed when it
	// has a scope. A domain manifest names the product's domain.
	for i := len(r.Chain) - 1; i >= 0; i-- {
		mm := r.Chain[i].Manifest
		if mm.Scope == nil {
			continue
		}
		ca.InheritanceChain = append(ca.InheritanceChain, schemas.ManifestRef{
			Name: mm.Metadata.Name, Version: mm.Metadata.Version, Scope: *mm.Scope, Ref: r.Chain[i].File.Name,
		})
		if *mm.Scope == "domain" && i == 0 {
			ca.Identity.Domain = mm.Metadata.Name
			ca.Identity.ProductID = mm.Metadata.Name + "." + strings.ReplaceAll(name, "-", "_")
		}
	}
	models := make([]schemas.ResolvedModel, len(spec.Transforms))
	for i, t := range spec.Transforms {
		models[i] = schemas.ResolvedModel{Name: t.Name, Compute: r.Computes[i], Tags: t.Tags, DependsOn: t.DependsOn, QualityTier: t.Tier}
		if len(t.QualityChecks) > 0 {
			models[i].QualityChecks = make([]schemas.QualityCheck, len(t.QualityChecks))
			for k, q := range t.QualityChecks {
				if q.Severity == "" {
					q.Severity = "warning"
				}
				if q.Parameters == nil {
					q.Parameters = schemas.NewMap()
				}
				if q.Enabled == nil {
					q.Enabled = ptr(true)
				}
				models[i].QualityChecks[k] = q
			}
		}
	}
	ca.Transforms = &schemas.ResolvedTransforms{Models: models, DefaultCompute: r.DefaultCompute}
	sum := in.Policy.Summary
	ca.EnforcementResult = &sum

	// Serializing and checking the artifact (a few megabytes for big products, model by
	// model) is independent of building the rest of the product: do both at once.
	var data, redacted []byte
	var g errgroup.Group
	g.Go(func() (err error) {
		data, redacted, err = serialize(ca, in.Check, !in.NoSerialize, known)
		return err
	})
	defer g.Wait() // on every return, before ca and p are handed out

	p := &schemas.Product{
		Artifacts:   ca,
		FloeVersion: in.FloeVersion, ContractVersion: schemas.ContractVersion,
		Name: name, Version: spec.Metadata.Version, Slug: r.Slug, DbtProjectName: r.ProjectName,
		Orchestrator: r.Plugins.Orchestrator.Type,
		Order:        in.Graph.OrderNames(), Layers: in.Graph.Layers(),
		ResourcePresets: r.Presets, DefaultPreset: r.DefaultPreset,
	}
	p.Iceberg = icebergConfig(in, p)
	p.Lineage = lineage(ca)
	p.Schedules = schemas.ScheduleFile{FileVersion: "1", FloeVersion: in.FloeVersion, ContractVersion: schemas.ContractVersion, Product: name, Schedules: in.Schedules}
	if p.Schedules.Schedules == nil {
		p.Schedules.Schedules = []schemas.Schedule{}
	}
	p.Models = make([]schemas.ModelPlan, len(spec.Transforms))
	for i, t := range spec.Transforms {
		mp := schemas.ModelPlan{
			Name: t.Name, DependsOn: nonNil(t.DependsOn), Tags: nonNil(t.Tags), Compute: r.Computes[i],
			Layer: in.Graph.Layer[i], Preset: r.ModelPresets[i], Table: p.Iceberg.Tables[i],
		}
		if t.Tier != nil {
			mp.Tier = *t.Tier
		}
		for _, pr := range r.Presets {
			if pr.Name == mp.Preset {
				res := pr.Resources
				mp.Resources = &res
			}
		}
		p.Models[i] = mp
	}
	p.Deployment = deployment(r, p, known)
	p.Secrets = known
	redactProduct(p, known)
	if err := g.Wait(); err != nil {
		return nil, err
	}
	p.ArtifactsJSON, p.RedactedArtifactsJSON = data, redacted
	return p, nil
}

// serialize writes compiled_artifacts.json, checked by check, and its copy with literal
// secrets redacted: structurally first (values under secret keys, the dbt profiles'
// env_var() references), then every string of the copy, keys and values, by value
// (known). Without keep it only checks the artifact (floe validate).
func serialize(ca *schemas.CompiledArtifacts, check schemas.ListChecker, keep bool, known *schemas.KnownSecrets) (data, redacted []byte, err error) {
	if !keep {
		if err := schemas.CheckArtifacts(ca, check); err != nil {
			return nil, nil, fmt.Errorf("check compiled artifacts: %w", err)
		}
		return nil, nil, nil
	}
	data, err = schemas.MarshalArtifacts(ca, check)
	if err != nil {
		return nil, nil, fmt.Errorf("serialize compiled artifacts: %w", err)
	}
	// Serialize a second, redacted copy only when redaction changed something (a second
	// pass over 100,000 models is not free).
	redacted = data
	if red, changed := redact(ca, known); changed {
		if redacted, err = schemas.MarshalArtifacts(red, nil); err != nil {
			return nil, nil, fmt.Errorf("serialize redacted artifacts: %w", err)
		}
	}
	if known.Len() > 0 {
		redacted, _ = known.RedactJSON(redacted)
	}
	return data, redacted, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func observability(spec *schemas.FloeSpec, m *schemas.Manifest) schemas.ObservabilityConfig {
	name, version := spec.Metadata.Name, spec.Metadata.Version
	o := schemas.ObservabilityConfig{
		Telemetry: schemas.TelemetryConfig{
			Enabled: true, OTLPEndpoint: "http://localhost:4317", OTLPProtocol: "grpc",
			Sampling: schemas.SamplingConfig{Dev: 1.0, Staging: 0.5, Prod: 0.1},
			ResourceAttributes: schemas.ResourceAttributes{
				ServiceName: name, ServiceVersion: version, DeploymentEnvironment: "dev", FloeNamespace: "default",
				FloeProductName: name, FloeProductVersion: version, FloeMode: "dev",
			},
			BatchProcessor: schemas.BatchSpanProcessorConfig{MaxQueueSize: 2048, MaxExportBatchSize: 512, ScheduleDelayMillis: 5000, ExportTimeoutMillis: 30000},
			// The reference reads FLOE_LOG_LEVEL/FLOE_LOG_JSON here; floe does not, so the
			// artifact depends on the inputs alone.
			Logging: schemas.LoggingConfig{LogLevel: "INFO", JSONOutput: true},
			Backend: "console",
		},
		Lineage: true, LineageNamespace: name,
	}
	if ob := m.Observability; ob != nil {
		if ob.Tracing != nil && ob.Tracing.Endpoint != nil {
			o.Telemetry.OTLPEndpoint = *ob.Tracing.Endpoint
		}
		o.LineageTransport = ptr("http")
		if l := ob.Lineage; l != nil {
			if l.Enabled != nil {
				o.Lineage = *l.Enabled
			}
			if l.Transport != nil {
				o.LineageTransport = l.Transport
			}
			o.LineageEndpoint = l.Endpoint
		}
	}
	return o
}

func qualityConfig(q *schemas.QualityConfig) *schemas.QualityConfig {
	if q == nil {
		return nil
	}
	out := *q
	f := func(v float64) *schemas.Float { x := schemas.Float(v); return &x }
	gate := func(g *schemas.GateTier, cov float64, tests []string, score int) *schemas.GateTier {
		o := schemas.GateTier{}
		if g != nil {
			o = *g
		}
		if o.MinTestCoverage == nil {
			o.MinTestCoverage = f(cov)
		}
		if o.RequiredTests == nil {
			o.RequiredTests = tests
		}
		if o.MinScore == nil {
			o.MinScore = ptr(score)
		}
		if o.Overridable == nil {
			o.Overridable = ptr(true)
		}
		return &o
	}
	gates := schemas.QualityGates{}
	if q.QualityGates != nil {
		gates = *q.QualityGates
	}
	out.QualityGates = &schemas.QualityGates{
		Bronze: gate(gates.Bronze, 0, []string{}, 0),
		Silver: gate(gates.Silver, 80, []string{"not_null", "unique"}, 75),
		Gold:   gate(gates.Gold, 100, []string{"not_null", "unique", "accepted_values", "relationships"}, 90),
	}
	w := schemas.DimensionWeights{}
	if q.DimensionWeights != nil {
		w = *q.DimensionWeights
	}
	or := func(v *schemas.Float, d float64) *schemas.Float {
		if v != nil {
			return v
		}
		return f(d)
	}
	out.DimensionWeights = &schemas.DimensionWeights{Completeness: or(w.Completeness, 0.25), Accuracy: or(w.Accuracy, 0.25),
		Validity: or(w.Validity, 0.2), Consistency: or(w.Consistency, 0.15), Timeliness: or(w.Timeliness, 0.15)}
	c := schemas.CalculationParameters{}
	if q.Calculation != nil {
		c = *q.Calculation
	}
	ori := func(v *int, d int) *int {
		if v != nil {
			return v
		}
		return ptr(d)
	}
	sw := schemas.SeverityWeights{}
	if c.SeverityWeights != nil {
		sw = *c.SeverityWeights
	}
	out.Calculation = &schemas.CalculationParameters{BaselineScore: ori(c.BaselineScore, 70), MaxPositiveInfluence: ori(c.MaxPositiveInfluence, 30),
		MaxNegativeInfluence: ori(c.MaxNegativeInfluence, 50),
		SeverityWeights:      &schemas.SeverityWeights{Critical: or(sw.Critical, 3.0), Warning: or(sw.Warning, 1.0), Info: or(sw.Info, 0.5)}}
	t := schemas.QualityThresholds{}
	if q.Thresholds != nil {
		t = *q.Thresholds
	}
	out.Thresholds = &schemas.QualityThresholds{MinScore: ori(t.MinScore, 70), WarnScore: ori(t.WarnScore, 85)}
	out.CheckTimeoutSeconds = ori(q.CheckTimeoutSeconds, 300)
	if out.Enabled == nil {
		out.Enabled = ptr(true)
	}
	return &out
}

// Redacted is what replaces a literal secret.
const Redacted = schemas.Redacted

// redact returns a copy of ca with every literal secret the inputs can put in it
// replaced (ca is not modified), and whether there was one. User values reach the
// artifact in the plugin configs, the observability endpoints, the dbt profiles
// (whose secrets become the env_var() references profiles.yml carries) and the
// quality checks' parameters; every other field is typed and checked.
func redact(ca *schemas.CompiledArtifacts, known *schemas.KnownSecrets) (*schemas.CompiledArtifacts, bool) {
	c := *ca
	changed := false
	str := func(s string) string {
		r, ok := known.RedactString(s)
		changed = changed || ok
		return r
	}
	conf := func(m *schemas.Map) *schemas.Map {
		r, ok := known.RedactMap(m)
		changed = changed || ok
		return r
	}
	c.Observability.Telemetry.OTLPEndpoint = str(c.Observability.Telemetry.OTLPEndpoint)
	if e := c.Observability.LineageEndpoint; e != nil {
		c.Observability.LineageEndpoint = ptr(str(*e))
	}
	if ca.Plugins != nil {
		p := *ca.Plugins
		for _, ref := range []**schemas.PluginRef{&p.Catalog, &p.Storage, &p.Ingestion, &p.Semantic, &p.LineageBackend} {
			if *ref != nil {
				r := **ref
				r.Config = conf(r.Config)
				*ref = &r
			}
		}
		p.Compute.Config = conf(p.Compute.Config)
		p.Orchestrator.Config = conf(p.Orchestrator.Config)
		c.Plugins = &p
	}
	if prof, secrets := schemas.DbtProfilesWithEnv(ca.DbtProfiles, known); len(secrets) > 0 {
		c.DbtProfiles, changed = prof, true
	}
	if ca.Transforms != nil {
		var models []schemas.ResolvedModel // copied on the first change only
		for i := range ca.Transforms.Models {
			var checks []schemas.QualityCheck
			for k, q := range ca.Transforms.Models[i].QualityChecks {
				params, ok := known.RedactMap(q.Parameters)
				if !ok {
					continue
				}
				if models == nil {
					models = slices.Clone(ca.Transforms.Models)
				}
				if checks == nil {
					checks = slices.Clone(ca.Transforms.Models[i].QualityChecks)
					models[i].QualityChecks = checks
				}
				checks[k].Parameters = params
			}
		}
		if models != nil {
			t := *ca.Transforms
			t.Models = models
			c.Transforms = &t
			changed = true
		}
	}
	return &c, changed
}

// redactProduct replaces every known secret in the product's free-text fields (tags,
// partition columns, the catalog's URI, warehouse and properties, the lineage settings,
// the image and the plain environment), copying what it changes: the generators read
// these. Names (the product, transforms, presets, schedules) are identifiers the
// output is built on; a literal secret equal to one is refused by the compiler.
func redactProduct(p *schemas.Product, known *schemas.KnownSecrets) {
	if known.Len() == 0 {
		return
	}
	str := func(s *string) { *s, _ = known.RedactString(*s) }
	strs := func(l *[]string) { *l, _ = known.RedactStrings(*l) }
	for i := range p.Models {
		strs(&p.Models[i].Tags)
		strs(&p.Models[i].Table.PartitionBy)
	}
	for i := range p.Iceberg.Tables {
		strs(&p.Iceberg.Tables[i].PartitionBy)
	}
	c := &p.Iceberg.Catalog
	str(&c.URI)
	str(&c.Warehouse)
	c.Properties = slices.Clone(c.Properties)
	for i := range c.Properties {
		str(&c.Properties[i].Value)
	}
	str(&p.Lineage.Endpoint)
	str(&p.Lineage.Namespace)
	str(&p.Lineage.File)
	d := &p.Deployment
	str(&d.ImageRepository)
	str(&d.ImageTag)
	d.Env = slices.Clone(d.Env)
	for i := range d.Env {
		str(&d.Env[i].Value)
	}
}

// scrubURL is s with every literal secret in it (a URL's password, a token in its
// query, …) replaced by Redacted (govern reports it); what runs reads credentials
// from Secrets and environment variables.
func scrubURL(s string) string {
	r, _ := schemas.RedactString(s)
	return r
}

func mapString(m *schemas.Map, key string) string {
	v, _ := m.Get(key)
	s, _ := v.(string)
	return s
}

func envName(parts ...string) string {
	s := strings.ToUpper(strings.Join(parts, "_"))
	return strings.NewReplacer("-", "_", ".", "_").Replace(s)
}

func icebergConfig(in Input, p *schemas.Product) schemas.IcebergIOConfig {
	r := in.Resolved
	cfg := schemas.IcebergIOConfig{FileVersion: "1", FloeVersion: in.FloeVersion, ContractVersion: schemas.ContractVersion,
		Product: p.Name, Namespace: p.Slug}
	cat := schemas.IcebergCatalog{Name: "floe", Type: "sql", URI: "sqlite:///target/floe-local/catalog.db",
		Warehouse: "target/floe-local/warehouse", Properties: []schemas.KeyValue{}, Credentials: []schemas.SecretEnv{}}
	secretName := func(sel *schemas.PluginSelection, suffix string) string {
		if sel != nil && sel.ConnectionSecretRef != nil {
			return *sel.ConnectionSecretRef
		}
		return p.Name + "-" + suffix
	}
	if c := r.Plugins.Catalog; c != nil {
		switch c.Type {
		case "sql", "sqlite", "local":
			if u := mapString(c.Config, "uri"); u != "" {
				cat.URI = scrubURL(u)
			}
			if w := mapString(c.Config, "warehouse"); w != "" {
				cat.Warehouse = scrubURL(w)
			}
		default: // polaris, rest and other REST catalogs
			cat.Type = "rest"
			cat.URI = scrubURL(mapString(c.Config, "uri"))
			cat.Warehouse = scrubURL(mapString(c.Config, "warehouse"))
			if o, ok := c.Config.Get("oauth2"); ok {
				if om, ok := o.(*schemas.Map); ok {
					if s := mapString(om, "scope"); s != "" {
						cat.Properties = append(cat.Properties, schemas.KeyValue{Key: "scope", Value: s})
					}
					if s := mapString(om, "token_url"); s != "" {
						cat.Properties = append(cat.Properties, schemas.KeyValue{Key: "oauth2-server-uri", Value: scrubURL(s)})
					}
				}
			}
			cat.Credentials = append(cat.Credentials, schemas.SecretEnv{Property: "credential", Env: "FLOE_CATALOG_CREDENTIAL",
				SecretName: secretName(r.Manifest.Plugins.Catalog, "catalog"), SecretKey: "FLOE_CATALOG_CREDENTIAL"})
		}
	}
	if s := r.Plugins.Storage; s != nil && s.Type != "local" {
		if e := mapString(s.Config, "endpoint"); e != "" {
			cat.Properties = append(cat.Properties, schemas.KeyValue{Key: "s3.endpoint", Value: scrubURL(e)})
		}
		if e := mapString(s.Config, "region"); e != "" {
			cat.Properties = append(cat.Properties, schemas.KeyValue{Key: "s3.region", Value: e})
		}
		if v, ok := s.Config.Get("path_style_access"); ok && v == true {
			cat.Properties = append(cat.Properties, schemas.KeyValue{Key: "s3.path-style-access", Value: "true"})
		}
		sn := secretName(r.Manifest.Plugins.Storage, "storage")
		cat.Credentials = append(cat.Credentials,
			schemas.SecretEnv{Property: "s3.access-key-id", Env: "FLOE_S3_ACCESS_KEY_ID", SecretName: sn, SecretKey: "FLOE_S3_ACCESS_KEY_ID"},
			schemas.SecretEnv{Property: "s3.secret-access-key", Env: "FLOE_S3_SECRET_ACCESS_KEY", SecretName: sn, SecretKey: "FLOE_S3_SECRET_ACCESS_KEY"})
	}
	slices.SortFunc(cat.Properties, func(a, b schemas.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	cfg.Catalog = cat
	if g := r.Manifest.Governance; g != nil && g.SnapshotKeepLast != nil {
		cfg.SnapshotKeepLast = g.SnapshotKeepLast
	}
	cfg.Tables = make([]schemas.IcebergTable, len(r.Spec.Transforms))
	for i, t := range r.Spec.Transforms {
		tb := schemas.IcebergTable{Model: t.Name, Identifier: p.Slug + "." + t.Name, WriteMode: "overwrite", PartitionBy: []string{}}
		if t.Iceberg != nil {
			if t.Iceberg.WriteMode != "" {
				tb.WriteMode = t.Iceberg.WriteMode
			}
			if t.Iceberg.PartitionBy != nil {
				tb.PartitionBy = t.Iceberg.PartitionBy
			}
		}
		cfg.Tables[i] = tb
	}
	return cfg
}

func lineage(ca *schemas.CompiledArtifacts) schemas.LineageConfig {
	o := ca.Observability
	l := schemas.LineageConfig{Enabled: o.Lineage, Namespace: o.LineageNamespace, Transport: "file", File: "target/floe-local/lineage.jsonl"}
	if !o.Lineage {
		l.Transport, l.File = "noop", ""
		return l
	}
	if o.LineageTransport != nil && *o.LineageTransport != "http" {
		l.Transport, l.File = *o.LineageTransport, ""
	} else if o.LineageEndpoint != nil {
		l.Transport, l.Endpoint, l.File = "http", scrubURL(*o.LineageEndpoint), ""
	}
	return l
}

func deployment(r *resolve.Resolved, p *schemas.Product, known *schemas.KnownSecrets) schemas.Deployment {
	d := schemas.Deployment{ImageRepository: "floe-" + p.Name, ImageTag: p.Version, Port: 3030, Secrets: []schemas.SecretEnv{}, Env: []schemas.KeyValue{}}
	if img, ok := r.Plugins.Orchestrator.Config.Get("image"); ok {
		if im, ok := img.(*schemas.Map); ok {
			if s := mapString(im, "repository"); s != "" {
				d.ImageRepository = s
			}
			if s := mapString(im, "tag"); s != "" {
				d.ImageTag = s
			}
		}
	}
	d.Secrets = append(d.Secrets, p.Iceberg.Catalog.Credentials...)
	// profiles.yml reads each literal secret of the dbt profile from a variable; on
	// Kubernetes it comes from the compute plugin's Secret (connection_secret_ref, else
	// <product>-compute), one key per variable.
	if _, secrets := schemas.DbtProfilesWithEnv(r.Profiles, known); len(secrets) > 0 {
		name := p.Name + "-compute"
		if sel := r.Manifest.Plugins.Compute; sel != nil && sel.ConnectionSecretRef != nil {
			name = *sel.ConnectionSecretRef
		}
		for _, s := range secrets {
			d.Secrets = append(d.Secrets, schemas.SecretEnv{Property: "dbt:" + s.Path, Env: s.Env, SecretName: name, SecretKey: s.Env})
		}
	}
	return d
}
