package schemas

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestDbtProfilesWithEnv: every literal secret of a dbt profile becomes an env_var()
// reference with a deterministic name, a secret inside a string only replaces its
// secret part, references and other values stay, and the input is not modified.
func TestDbtProfilesWithEnv(t *testing.T) {
	var doc Map
	src := `{"shop": {"target": "dev", "outputs": {"dev": {
		"type": "duckdb", "path": "md:analytics?motherduck_token=md-tok", "threads": 4,
		"settings": {"s3_secret_access_key": "s3-secret", "s3SessionToken": "sess", "memory_limit": "1GB", "pin": 1234, "api_key": 99},
		"attach": [{"path": "postgres://u:pg-pw@db/x", "alias": "pg"}, {"path": "host=db password=dsn-pw dbname=y"}],
		"password": "${PW}"}}}}`
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(&doc)
	got, secrets := DbtProfilesWithEnv(&doc, nil)
	if after, _ := json.Marshal(&doc); string(after) != string(before) {
		t.Errorf("input modified: %s", after)
	}
	b, _ := json.Marshal(got)
	want := `{"shop":{"target":"dev","outputs":{"dev":{"type":"duckdb",` +
		`"path":"{{ 'md:analytics?motherduck_token=' ~ env_var('DBT_ENV_SECRET_FLOE_PATH') }}","threads":4,` +
		`"settings":{"s3_secret_access_key":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY') }}",` +
		`"s3SessionToken":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_S3_SESSION_TOKEN') }}","memory_limit":"1GB","pin":1234,` +
		`"api_key":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_API_KEY') }}"},` +
		`"attach":[{"path":"{{ 'postgres://u:' ~ env_var('DBT_ENV_SECRET_FLOE_ATTACH_0_PATH') ~ '@db/x' }}","alias":"pg"},` +
		`{"path":"{{ 'host=db password=' ~ env_var('DBT_ENV_SECRET_FLOE_ATTACH_1_PATH') ~ ' dbname=y' }}"}],"password":"${PW}"}}}}`
	if string(b) != want {
		t.Errorf("DbtProfilesWithEnv:\n got %s\nwant %s", b, want)
	}
	// Every value with a secret part is one expression that profiles.yml may carry
	// as it is (the text around the secret is a quoted literal, never a template).
	for _, v := range []string{
		"{{ 'md:analytics?motherduck_token=' ~ env_var('DBT_ENV_SECRET_FLOE_PATH') }}",
		"{{ 'postgres://u:' ~ env_var('DBT_ENV_SECRET_FLOE_ATTACH_0_PATH') ~ '@db/x' }}",
	} {
		if !IsDbtEnvExpr(v) || DbtUnrepresentable(v) {
			t.Errorf("%s: not kept as an env expression", v)
		}
	}
	var names []string
	for _, s := range secrets {
		names = append(names, s.Env+"="+s.Path)
	}
	wantNames := []string{
		"DBT_ENV_SECRET_FLOE_PATH=path",
		"DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY=settings.s3_secret_access_key",
		"DBT_ENV_SECRET_FLOE_SETTINGS_S3_SESSION_TOKEN=settings.s3SessionToken",
		"DBT_ENV_SECRET_FLOE_SETTINGS_API_KEY=settings.api_key",
		"DBT_ENV_SECRET_FLOE_ATTACH_0_PATH=attach.0.path",
		"DBT_ENV_SECRET_FLOE_ATTACH_1_PATH=attach.1.path",
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("secrets = %q, want %q", names, wantNames)
	}
	// Two secrets in one value, and two keys that spell the same name, stay apart.
	var two Map
	_ = json.Unmarshal([]byte(`{"p": {"outputs": {"dev": {"settings": {"a-token": "x1", "a_token": "x2"},
		"path": "https://u:pw1@h/x?token=tok2"}}}}`), &two)
	_, secrets = DbtProfilesWithEnv(&two, nil)
	names = names[:0]
	for _, s := range secrets {
		names = append(names, s.Env)
	}
	if w := []string{"DBT_ENV_SECRET_FLOE_SETTINGS_A_TOKEN", "DBT_ENV_SECRET_FLOE_SETTINGS_A_TOKEN_2",
		"DBT_ENV_SECRET_FLOE_PATH", "DBT_ENV_SECRET_FLOE_PATH_2"}; !slices.Equal(names, w) {
		t.Errorf("names = %q, want %q", names, w)
	}
	// Template text around a secret stays text: it is quoted, not rendered.
	var hostile Map
	_ = json.Unmarshal([]byte(`{"p": {"outputs": {"dev": {"path": "host=db password=pw dbname={{ 7*7 }}'"}}}}`), &hostile)
	got, _ = DbtProfilesWithEnv(&hostile, nil)
	b, _ = json.Marshal(got)
	if w := `{"p":{"outputs":{"dev":{"path":"{{ 'host=db password=' ~ env_var('DBT_ENV_SECRET_FLOE_PATH') ~ ' dbname={{ 7*7 }}\\'' }}"}}}}`; string(b) != w {
		t.Errorf("hostile text around a secret:\n got %s\nwant %s", b, w)
	}
}

// TestDbtProfilesWithEnvKnown: a known secret (an aliased one) is read from a variable
// wherever it appears, whole or inside a string, and a secret key is written redacted,
// its variable named by position.
func TestDbtProfilesWithEnvKnown(t *testing.T) {
	var doc Map
	src := `{"p": {"target": "dev", "outputs": {"dev": {"settings": {
		"s3_region": "ALSEKRET123", "note": "k=ALSEKRET123!", "s3_secret_access_key": "ALSEKRET123",
		"api_keys": {"HUNTkeyA1": "v1", "region": "r"}}}}}}`
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	got, secrets := DbtProfilesWithEnv(&doc, NewKnownSecrets([]string{"ALSEKRET123"}))
	b, _ := json.Marshal(got)
	want := `{"p":{"target":"dev","outputs":{"dev":{"settings":{` +
		`"s3_region":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_S3_REGION') }}",` +
		`"note":"{{ 'k=' ~ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_NOTE') ~ '!' }}",` +
		`"s3_secret_access_key":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_S3_SECRET_ACCESS_KEY') }}",` +
		`"api_keys":{"**********":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_API_KEYS_0') }}",` +
		`"region":"{{ env_var('DBT_ENV_SECRET_FLOE_SETTINGS_API_KEYS_REGION') }}"}}}}}}`
	if string(b) != want {
		t.Errorf("DbtProfilesWithEnv:\n got %s\nwant %s", b, want)
	}
	for _, s := range secrets {
		if strings.Contains(s.Env, "HUNT") || strings.Contains(s.Path, "HUNT") {
			t.Errorf("a variable spells the secret key: %+v", s)
		}
	}
}

// TestIsDbtEnvExpr: only string literals and env_var() calls joined by ~.
func TestIsDbtEnvExpr(t *testing.T) {
	for s, want := range map[string]bool{
		"{{ env_var('A') }}":                            true,
		"{{ 'x' ~ env_var('A') }}":                      true,
		"{{ env_var('A') ~ 'y' ~ env_var('B') }}":       true,
		"{{ 'it\\'s' ~ env_var('A') }}":                 true,
		"{{ 'x' ~ 'y' }}":                               false,
		"{{ 'x' ~ env_var('A') ~ 7*7 }}":                false,
		"{{ 'x' }}{{ env_var('A') }}":                   false,
		"{{ 'x' ~ env_var('A') }} {{ 7*7 }}":            false,
		"{{ 'x' ~ env_var(A) }}":                        false,
		"{{ 'a' ~ env_var('A') }}{% if 1 %}{% endif %}": false,
	} {
		if got := IsDbtEnvExpr(s); got != want {
			t.Errorf("IsDbtEnvExpr(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestRedactText: a YAML or JSON text loses its secrets line by line, without parsing
// (the YAML may be broken), and keeps its lines in place.
func TestRedactText(t *testing.T) {
	in := `plugins:
  compute:
    config:
      settings:
        s3_secret_access_key: yaml-secret  # comment
        "motherduck_token": 'quoted-tok'
        clientSecret: camel-secret: broken
        password: |
          block-line-1
          block-line-2
        tokens:
          - list-tok-1
          - list-tok-2
        other: {user: u, pwd: flow-pw}
        uri: postgres://u:url-pw@db/x
        "pass\x77ord": escaped-key-pw
        'api_key': single-quoted-key
        flow: {"pass\u0077ord": flow-escaped}
        split: "https://u:split-pw-1
          split-pw-2@host/x"
        broken: "https://u:open-quote-pw
        plain: https://u:plain-split-1
          plain-split-2@host/x
        port: http://localhost:8080
      threads: 4
{"a": {
  "secretAccessKey": "json-secret",
  "credentials": [
    "json-list-1",
    "json-list-2"
  ],
  "ok": "known-secret-here"
}}`
	out, found := RedactText(in, []string{"known-secret"})
	if n, m := strings.Count(in, "\n"), strings.Count(out, "\n"); n != m {
		t.Fatalf("lines %d -> %d", n, m)
	}
	for _, s := range []string{"yaml-secret", "quoted-tok", "camel-secret", "block-line", "list-tok", "flow-pw",
		"url-pw", "json-secret", "json-list", "known-secret", "escaped-key-pw", "single-quoted-key", "flow-escaped",
		"split-pw", "open-quote-pw", "plain-split"} {
		if strings.Contains(out, s) {
			t.Errorf("%q left in:\n%s", s, out)
		}
	}
	for _, s := range []string{"threads: 4", `"ok"`, "user: u", "postgres://u:", "settings:", "@host/x", "http://localhost:8080"} {
		if !strings.Contains(out, s) {
			t.Errorf("%q lost:\n%s", s, out)
		}
	}
	for _, s := range []string{"yaml-secret", "quoted-tok", "flow-pw", "url-pw", "json-secret"} {
		if !slices.Contains(found, s) {
			t.Errorf("found %q lacks %q", found, s)
		}
	}
}

// TestSecretUnderAuthorization: an Authorization value is a credential, but a mapping
// under authorization (the manifest's promotion rules) is read key by key.
func TestSecretUnderAuthorization(t *testing.T) {
	var doc Map
	_ = json.Unmarshal([]byte(`{"headers": {"Authorization": "Bearer abc.def"},
		"authorization": {"allowed_groups": ["platform"], "token": "t0k"}}`), &doc)
	got := SecretStrings(&doc)
	if want := []string{"Bearer abc.def", "t0k"}; !slices.Equal(got, want) {
		t.Errorf("SecretStrings = %q, want %q", got, want)
	}
}
