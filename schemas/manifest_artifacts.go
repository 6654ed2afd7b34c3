package schemas

import (
	"bytes"
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// ArtifactsConfig is the manifest's artifacts block: where compiled artifacts are
// stored (an OCI registry) and how they are promoted. floe does not push or promote;
// it validates the block as the reference does, so a manifest that works there works
// here and one it rejects is rejected at the same value.
type ArtifactsConfig struct {
	Registry  RegistryConfig   `json:"registry" jsonschema:"required"`
	Promotion *PromotionConfig `json:"promotion,omitempty" jsonschema:"nullable"`
}

// RegistryConfig is an OCI registry.
type RegistryConfig struct {
	URI          string              `json:"uri" jsonschema:"required,minLength=1,pattern=^oci://[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9](:[0-9]+)?(/[a-zA-Z0-9._-]+)*$,description=oci://host[:port]/path"`
	Auth         RegistryAuth        `json:"auth" jsonschema:"required"`
	TLSVerify    *bool               `json:"tls_verify,omitempty"`
	Cache        *RegistryCache      `json:"cache,omitempty"`
	Resilience   *RegistryResilience `json:"resilience,omitempty"`
	Signing      *SigningConfig      `json:"signing,omitempty" jsonschema:"nullable"`
	Verification *VerificationPolicy `json:"verification,omitempty" jsonschema:"nullable"`
}

// RegistryAuth says how to authenticate to the registry. credentials_ref, when
// written, is required for basic and token and not allowed for the others.
type RegistryAuth struct {
	Type           string           `json:"type" jsonschema:"required,enum=anonymous,enum=basic,enum=token,enum=aws-irsa,enum=azure-managed-identity,enum=gcp-workload-identity"`
	CredentialsRef *SecretReference `json:"credentials_ref,omitempty" jsonschema:"nullable"`
}

// SecretReference names a secret.
type SecretReference struct {
	Source *string `json:"source,omitempty" jsonschema:"enum=env,enum=kubernetes,enum=vault,enum=external-secrets,enum=infisical,default=kubernetes"`
	Name   string  `json:"name" jsonschema:"required,minLength=1,maxLength=253,pattern=^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$"`
	Key    *string `json:"key,omitempty" jsonschema:"nullable"`
}

// RegistryCache is the local artifact cache.
type RegistryCache struct {
	Enabled   *bool   `json:"enabled,omitempty"`
	Path      *string `json:"path,omitempty"`
	MaxSizeGB *int    `json:"max_size_gb,omitempty" jsonschema:"minimum=1,default=10"`
	TTLHours  *int    `json:"ttl_hours,omitempty" jsonschema:"minimum=1,default=24"`
}

// RegistryResilience are retry and circuit-breaker settings.
type RegistryResilience struct {
	Retry          *RetryConfig          `json:"retry,omitempty"`
	CircuitBreaker *CircuitBreakerConfig `json:"circuit_breaker,omitempty"`
}

// RetryConfig retries registry calls.
type RetryConfig struct {
	MaxAttempts       *int   `json:"max_attempts,omitempty" jsonschema:"minimum=1,maximum=10,default=3"`
	InitialDelayMS    *int   `json:"initial_delay_ms,omitempty" jsonschema:"minimum=100,default=1000"`
	BackoffMultiplier *Float `json:"backoff_multiplier,omitempty" jsonschema:"minimum=1,maximum=5,default=2"`
	MaxDelayMS        *int   `json:"max_delay_ms,omitempty" jsonschema:"minimum=1000,default=30000"`
	Jitter            *bool  `json:"jitter,omitempty"`
}

// CircuitBreakerConfig stops calling a failing registry.
type CircuitBreakerConfig struct {
	Enabled           *bool `json:"enabled,omitempty"`
	FailureThreshold  *int  `json:"failure_threshold,omitempty" jsonschema:"minimum=1,default=5"`
	RecoveryTimeoutMS *int  `json:"recovery_timeout_ms,omitempty" jsonschema:"minimum=1000,default=60000"`
	HalfOpenRequests  *int  `json:"half_open_requests,omitempty" jsonschema:"minimum=1,default=1"`
}

// SigningConfig signs artifacts: keyless needs oidc_issuer (and no private key),
// key-based needs private_key_ref.
type SigningConfig struct {
	Mode          string           `json:"mode" jsonschema:"required,enum=keyless,enum=key-based"`
	OIDCIssuer    *string          `json:"oidc_issuer,omitempty" jsonschema:"nullable"`
	RekorURL      *string          `json:"rekor_url,omitempty"`
	FulcioURL     *string          `json:"fulcio_url,omitempty"`
	PrivateKeyRef *SecretReference `json:"private_key_ref,omitempty" jsonschema:"nullable"`
}

// VerificationPolicy verifies signatures; enabled (the default) needs trusted_issuers
// or public_key_ref.
type VerificationPolicy struct {
	Enabled               *bool                        `json:"enabled,omitempty"`
	Enforcement           *string                      `json:"enforcement,omitempty" jsonschema:"enum=enforce,enum=warn,enum=off"`
	TrustedIssuers        []TrustedIssuer              `json:"trusted_issuers,omitempty"`
	RequireRekor          *bool                        `json:"require_rekor,omitempty"`
	RequireSBOM           *bool                        `json:"require_sbom,omitempty"`
	PublicKeyRef          *SecretReference             `json:"public_key_ref,omitempty" jsonschema:"nullable"`
	Environments          map[string]EnvironmentPolicy `json:"environments,omitempty"`
	GracePeriodDays       *int                         `json:"grace_period_days,omitempty" jsonschema:"minimum=0,maximum=90,default=7"`
	PrivateInfrastructure *bool                        `json:"private_infrastructure,omitempty"`
}

// TrustedIssuer is an OIDC issuer whose signatures are trusted, with exactly one of
// subject and subject_regex.
type TrustedIssuer struct {
	Issuer       string  `json:"issuer" jsonschema:"required"`
	Subject      *string `json:"subject,omitempty" jsonschema:"nullable"`
	SubjectRegex *string `json:"subject_regex,omitempty" jsonschema:"nullable,maxLength=1000"`
}

// EnvironmentPolicy overrides verification for one environment.
type EnvironmentPolicy struct {
	Enforcement string `json:"enforcement" jsonschema:"required,enum=enforce,enum=warn,enum=off"`
	RequireSBOM *bool  `json:"require_sbom,omitempty" jsonschema:"nullable"`
}

// PromotionConfig is the promotion lifecycle.
type PromotionConfig struct {
	Environments           []PromotionEnvironment `json:"environments,omitempty" jsonschema:"minItems=1"`
	AuditBackend           *string                `json:"audit_backend,omitempty" jsonschema:"enum=oci,enum=s3,enum=database"`
	DefaultTimeoutSeconds  *int                   `json:"default_timeout_seconds,omitempty" jsonschema:"minimum=30,maximum=3600,default=300"`
	Webhooks               []WebhookConfig        `json:"webhooks,omitempty" jsonschema:"nullable"`
	GateCommands           map[string]GateCommand `json:"gate_commands,omitempty" jsonschema:"nullable"`
	SignatureEnforcement   *string                `json:"signature_enforcement,omitempty" jsonschema:"enum=enforce,enum=warn,enum=off"`
	SecondaryRegistries    []string               `json:"secondary_registries,omitempty" jsonschema:"nullable"`
	VerifySecondaryDigests *bool                  `json:"verify_secondary_digests,omitempty"`
}

// PromotionEnvironment is one stage; its gates map gate names (policy_compliance,
// tests, security_scan, cost_analysis, performance_baseline) to true/false or a
// security gate; policy_compliance cannot be false.
type PromotionEnvironment struct {
	Name               string                 `json:"name" jsonschema:"required,minLength=1,maxLength=50,pattern=^[a-z][a-z0-9_-]*$"`
	Gates              map[string]GateSetting `json:"gates" jsonschema:"required"`
	GateTimeoutSeconds *int                   `json:"gate_timeout_seconds,omitempty" jsonschema:"minimum=30,maximum=3600,default=300"`
	Authorization      *Authorization         `json:"authorization,omitempty" jsonschema:"nullable"`
	Lock               *EnvironmentLock       `json:"lock,omitempty" jsonschema:"nullable"`
}

// Authorization says who may promote.
type Authorization struct {
	AllowedGroups      []string `json:"allowed_groups,omitempty" jsonschema:"nullable"`
	AllowedOperators   []string `json:"allowed_operators,omitempty" jsonschema:"nullable"`
	SeparationOfDuties *bool    `json:"separation_of_duties,omitempty"`
}

// EnvironmentLock locks an environment.
type EnvironmentLock struct {
	Locked   bool    `json:"locked" jsonschema:"required"`
	Reason   *string `json:"reason,omitempty" jsonschema:"nullable"`
	LockedBy *string `json:"locked_by,omitempty" jsonschema:"nullable"`
	LockedAt *string `json:"locked_at,omitempty" jsonschema:"nullable,format=date-time"`
}

// WebhookConfig notifies on promotion events (promote, rollback, lock, unlock).
type WebhookConfig struct {
	URL            string            `json:"url" jsonschema:"required,minLength=1"`
	Events         []string          `json:"events" jsonschema:"required,minItems=1"`
	Headers        map[string]string `json:"headers,omitempty" jsonschema:"nullable"`
	TimeoutSeconds *int              `json:"timeout_seconds,omitempty" jsonschema:"minimum=1,maximum=300,default=30"`
	RetryCount     *int              `json:"retry_count,omitempty" jsonschema:"minimum=0,maximum=10,default=3"`
}

// SecurityGateConfig runs a scanner as a promotion gate.
type SecurityGateConfig struct {
	Command         string   `json:"command" jsonschema:"required,minLength=1"`
	BlockOnSeverity []string `json:"block_on_severity,omitempty"`
	IgnoreUnfixed   *bool    `json:"ignore_unfixed,omitempty"`
	ScannerFormat   *string  `json:"scanner_format,omitempty" jsonschema:"enum=trivy,enum=grype"`
	TimeoutSeconds  *int     `json:"timeout_seconds,omitempty" jsonschema:"minimum=30,maximum=3600,default=600"`
}

// PromotionGates are the gate names an environment's gates map may use (checked by
// the compiler: the fast validation path has no propertyNames).
var PromotionGates = []string{"policy_compliance", "tests", "security_scan", "cost_analysis", "performance_baseline"}

// GateSetting is a gate turned on or off (true/false) or configured as a security gate.
type GateSetting struct {
	On   *bool
	Gate *SecurityGateConfig
}

// GateCommand is a gate's command line, or a security gate.
type GateCommand struct {
	Command *string
	Gate    *SecurityGateConfig
}

// securityGateSchema is SecurityGateConfig's schema, inline.
func securityGateSchema() *jsonschema.Schema {
	r := &jsonschema.Reflector{RequiredFromJSONSchemaTags: true, DoNotReference: true, ExpandedStruct: true, Mapper: mapCustomTypes}
	s := r.Reflect(&SecurityGateConfig{})
	s.Version, s.ID = "", ""
	return s
}

// JSONSchema is true, false or a security gate.
func (GateSetting) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "boolean"}, securityGateSchema()}}
}

// JSONSchema is a command line or a security gate.
func (GateCommand) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, securityGateSchema()}}
}

// UnmarshalJSON reads true/false or a security gate.
func (g *GateSetting) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		g.Gate = &SecurityGateConfig{}
		return json.Unmarshal(b, g.Gate)
	}
	return json.Unmarshal(b, &g.On)
}

// UnmarshalJSON reads a command line or a security gate.
func (g *GateCommand) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		g.Gate = &SecurityGateConfig{}
		return json.Unmarshal(b, g.Gate)
	}
	return json.Unmarshal(b, &g.Command)
}
