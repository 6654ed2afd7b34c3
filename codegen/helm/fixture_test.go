package helm

import (
	"time"

	"github.com/floe-dev/floe/codegen/gen"
	"github.com/floe-dev/floe/schemas"
)

// demoSecret is a literal secret in the unredacted artifacts; it must appear nowhere.
const demoSecret = "demo-secret"

// customer360 is the example product, built by hand until the compiler hands real ones over.
// Its unredacted artifacts carry a literal client_secret; the redacted bytes do not.
func customer360() *schemas.Product {
	preset := func(name, rc, lc, rm, lm string) schemas.NamedResourcePreset {
		return schemas.NamedResourcePreset{Name: name, Resources: schemas.ResourceRequirements{
			Requests: schemas.ResourceList{CPU: rc, Memory: rm},
			Limits:   schemas.ResourceList{CPU: lc, Memory: lm},
		}}
	}
	small := schemas.ResourceRequirements{
		Requests: schemas.ResourceList{CPU: "100m", Memory: "256Mi"},
		Limits:   schemas.ResourceList{CPU: "500m", Memory: "512Mi"},
	}
	return &schemas.Product{
		ArtifactsJSON: []byte(`{
  "version": "0.10.0",
  "plugins": {"catalog": {"type": "polaris", "config": {"client_id": "demo", "client_secret": "` + demoSecret + `"}}}
}
`),
		RedactedArtifactsJSON: []byte(`{
  "version": "0.10.0",
  "plugins": {"catalog": {"type": "polaris", "config": {"client_id": "demo", "client_secret": "**********"}}}
}
`),
		FloeVersion:     "0.1.0",
		ContractVersion: "0.10.0",
		Name:            "customer-360",
		Version:         "1.0.0",
		Slug:            "customer_360",
		DbtProjectName:  "customer_360",
		Orchestrator:    "dagster",
		Models: []schemas.ModelPlan{
			{Name: "stg_customers", Compute: "duckdb", Preset: "small", Resources: &small},
		},
		Order: []string{"stg_customers"},
		Schedules: schemas.ScheduleFile{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0",
			Product: "customer-360", Schedules: []schemas.Schedule{
				{Name: "customer_360_schedule", Cron: "0 6 * * *", Timezone: "Europe/Berlin", Enabled: true, Source: "floe.yaml"},
			}},
		Iceberg: schemas.IcebergIOConfig{FileVersion: "1", FloeVersion: "0.1.0", ContractVersion: "0.10.0",
			Product: "customer-360",
			Catalog: schemas.IcebergCatalog{Name: "polaris", Type: "rest", URI: "http://polaris:8181/api/catalog",
				Warehouse: "floe", Properties: []schemas.KeyValue{{Key: "s3.endpoint", Value: "http://minio:9000"}},
				Credentials: []schemas.SecretEnv{
					{Property: "credential", Env: "POLARIS_CREDENTIAL", SecretName: "polaris-credentials", SecretKey: "credential"},
				}},
			Namespace: "customer_360",
			Tables:    []schemas.IcebergTable{{Model: "stg_customers", Identifier: "customer_360.stg_customers", WriteMode: "overwrite"}},
		},
		ResourcePresets: []schemas.NamedResourcePreset{
			preset("large", "500m", "2000m", "1Gi", "2Gi"),
			preset("medium", "250m", "1000m", "512Mi", "1Gi"),
			preset("small", "100m", "500m", "256Mi", "512Mi"),
		},
		DefaultPreset: "small",
		Deployment: schemas.Deployment{
			ImageRepository: "ghcr.io/acme/customer-360",
			ImageTag:        "1.0.0",
			Port:            3030,
			Secrets: []schemas.SecretEnv{
				{Property: "credential", Env: "POLARIS_CREDENTIAL", SecretName: "polaris-credentials", SecretKey: "credential"},
				{Property: "s3.access-key-id", Env: "AWS_ACCESS_KEY_ID", SecretName: "minio-credentials", SecretKey: "AWS_ACCESS_KEY_ID"},
				{Property: "s3.secret-access-key", Env: "AWS_SECRET_ACCESS_KEY", SecretName: "minio-credentials", SecretKey: "AWS_SECRET_ACCESS_KEY"},
			},
			Env: []schemas.KeyValue{{Key: "FLOE_LOG_LEVEL", Value: "info"}, {Key: "DAGSTER_CLI_API_GRPC_LAZY_LOAD_USER_CODE", Value: "1"}},
		},
	}
}

// chartOptions are the options `floe package` passes: default output target, fixed time.
func chartOptions() gen.Options {
	return gen.Options{ProjectDir: "../..", Time: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), Chart: true}
}
