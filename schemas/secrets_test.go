package schemas

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestRedactURLPassword(t *testing.T) {
	for _, c := range []struct {
		in, want string
		found    bool
	}{
		{"postgresql://floe:pa55@db:5432/catalog", "postgresql://floe:" + Redacted + "@db:5432/catalog", true},
		{"https://u:p@ss@host/x?y=1", "https://u:" + Redacted + "@host/x?y=1", true},
		{"https://u:pw@host", "https://u:" + Redacted + "@host", true},
		{"https://u:pw@host#frag@x", "https://u:" + Redacted + "@host#frag@x", true},
		{"https://user@host/x", "https://user@host/x", false}, // no password
		{"https://u:@host/x", "https://u:@host/x", false},     // empty password
		{"postgres://u:${PG_PASSWORD}@db/x", "postgres://u:${PG_PASSWORD}@db/x", false},
		{"postgres://u:env:PG@db/x", "postgres://u:env:PG@db/x", false},
		{"https://host/path?email=a:b@c", "https://host/path?email=a:b@c", false}, // @ after the host
		{"s3://bucket/wh", "s3://bucket/wh", false},
		{"user:pw@host", "user:pw@host", false}, // no scheme: not a URL
		{"a@b://c", "a@b://c", false},
		{"", "", false},
	} {
		got, found := RedactURLPassword(c.in)
		if got != c.want || found != c.found {
			t.Errorf("RedactURLPassword(%q) = %q, %v; want %q, %v", c.in, got, found, c.want, c.found)
		}
	}
}

// TestIsSecretKey: every spelling of a secret-like key is one (snake, camel, kebab,
// upper case, prefixed), and keys that merely mention one are not.
func TestIsSecretKey(t *testing.T) {
	for _, k := range []string{
		"password", "PASSWORD", "Password", "passwd", "pwd", "Pwd", "PWD", "db_password", "dbPassword",
		"secret", "client_secret", "clientSecret", "ClientSecret", "client-secret", "CLIENT_SECRET", "oauth2_client_secret",
		"secret_access_key", "secretAccessKey", "s3_secret_access_key", "s3SecretAccessKey", "aws-secret-access-key",
		"token", "motherduck_token", "MOTHERDUCK_TOKEN", "sessionToken", "session_token", "accessToken", "access_token",
		"refresh_token", "X-Amz-Security-Token", "api_key", "apiKey", "APIKey", "x-api-key", "apikey",
		"access_key_id", "accessKeyId", "private_key", "privateKey", "credential", "credentials", "connection_string",
		"connectionString", "Authorization", "authorization", "X-Amz-Signature", "sig", "signature", "passphrase",
		"account_key", "AccountKey",
		// Spellings added after the red-team review: dbt-postgres's alias, qualified forms.
		"pass", "db_pass", "secretValue", "secret_value", "private_key_pem", "privateKeyPem", "token_b64",
		"password_text", "Cookie", "X-Api-Key",
	} {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false, want true", k)
		}
	}
	for _, k := range []string{
		"", "path", "token_url", "tokenUrl", "secret_ref", "connection_secret_ref", "password_file", "max_tokens",
		"signed", "design", "keyspace", "partition_key", "secretary", "uri", "endpoint", "client_id", "region", "user",
		"passenger", "compass", "password_url", "secret_name", "token_type", "cookie_name", "private_key_path",
	} {
		if IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = true, want false", k)
		}
	}
}

// TestRedactString: every way a secret hides inside a string, one spelling per case;
// only the secret is replaced, and strings that hold none are left alone.
func TestRedactString(t *testing.T) {
	const r = Redacted
	for _, c := range []struct{ in, want string }{
		// URL passwords, also holding / ? # @ (written unencoded).
		{"postgresql://floe:pa55@db:5432/catalog", "postgresql://floe:" + r + "@db:5432/catalog"},
		{"postgres://u:pa/ss@db/x", "postgres://u:" + r + "@db/x"},
		{"postgres://u:pa?ss@db/x", "postgres://u:" + r + "@db/x"},
		{"postgres://u:pa#ss@db/x", "postgres://u:" + r + "@db/x"},
		{"https://u:p@ss@host/x?y=1", "https://u:" + r + "@host/x?y=1"},
		{"https://u:pw@host/x?email=a@b.com", "https://u:" + r + "@host/x?email=a@b.com"},
		{"mysql://:onlypass@db", "mysql://:" + r + "@db"},
		// A token as a web URL's user.
		{"https://ghp_TOKEN123@github.com/org/repo.git", "https://" + r + "@github.com/org/repo.git"},
		{"git+https://TOKEN@host/x", "git+https://" + r + "@host/x"},
		// Query strings.
		{"https://idp/token?client_id=floe&client_secret=cs-123", "https://idp/token?client_id=floe&client_secret=" + r},
		{"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F&X-Amz-Signature=abcdef0123&X-Amz-Expires=60",
			"https://b.s3.amazonaws.com/k?X-Amz-Credential=" + r + "&X-Amz-Signature=" + r + "&X-Amz-Expires=60"},
		{"https://acct.blob.core.windows.net/c?sv=2021&sig=AbC%2Bd%3D", "https://acct.blob.core.windows.net/c?sv=2021&sig=" + r},
		{"https://api.example.com/v1?token=tok-1&x=1", "https://api.example.com/v1?token=" + r + "&x=1"},
		{"https://api.example.com/v1?access_token=tok-1", "https://api.example.com/v1?access_token=" + r},
		{"md:analytics?motherduck_token=md-tok", "md:analytics?motherduck_token=" + r},
		// libpq and ODBC connection strings.
		{"host=db port=5432 user=floe password=pg-secret dbname=x", "host=db port=5432 user=floe password=" + r + " dbname=x"},
		{"host=db password='with space' dbname=x", "host=db password=" + r + " dbname=x"},
		{"host=db password = spaced dbname=x", "host=db password = " + r + " dbname=x"},
		{"Server=db;Database=x;Uid=floe;Pwd=odbc-pw;", "Server=db;Database=x;Uid=floe;Pwd=" + r + ";"},
		// Authorization credentials.
		{"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Bearer " + r},
		{"Authorization: Bearer abc123def456", "Authorization: Bearer " + r},
		{"Authorization: token ghp_abc123def", "Authorization: token " + r},
		{"Basic dXNlcjpwYXNzd29yZA==", "Basic " + r},
		// Secret headers and cookies written into a string, a token in a URL fragment.
		{"X-Api-Key: v", "X-Api-Key: " + r},
		{"curl -H 'X-Api-Key: k-123' https://api", "curl -H 'X-Api-Key: " + r + "' https://api"},
		{"Private-Token: glpat-abc", "Private-Token: " + r},
		{"{api_key: abc}", "{api_key: " + r + "}"},
		{"token: ghp_abc123def", "token: " + r},
		{"Cookie: session=abc; theme=dark", "Cookie: " + r},
		{"Set-Cookie: sid=s3cr3t; Path=/", "Set-Cookie: " + r},
		{"https://app.example.com/cb#access_token=tok-9&state=x", "https://app.example.com/cb#access_token=" + r + "&state=x"},
		// References and ordinary strings stay.
		{"X-Api-Key: ${API_KEY}", "X-Api-Key: ${API_KEY}"},
		{"the token: is rotated daily", "the token: is rotated daily"},
		{"signature: John", "signature: John"},
		{"https://app.example.com/docs#section=2", "https://app.example.com/docs#section=2"},
		{"postgres://u:${PG_PASSWORD}@db/x", "postgres://u:${PG_PASSWORD}@db/x"},
		{"postgres://u:env:PG@db/x", "postgres://u:env:PG@db/x"},
		{"postgresql://floe@db/x", "postgresql://floe@db/x"},
		{"https://host/path?email=a:b@c", "https://host/path?email=a:b@c"},
		{"host=db password=${PGPASSWORD}", "host=db password=${PGPASSWORD}"},
		{"https://api/x?token={{ env_var('T') }}", "https://api/x?token={{ env_var('T') }}"},
		{"https://api/x?tokenized=1&page=2", "https://api/x?tokenized=1&page=2"},
		{"s3://bucket/wh", "s3://bucket/wh"},
		{"Uses basic settings for the bearer of the table", "Uses basic settings for the bearer of the table"},
		{"user:pw@host", "user:pw@host"},
		{"a=b c=d", "a=b c=d"},
		{"", ""},
	} {
		got, found := RedactString(c.in)
		if got != c.want || found != (c.in != c.want) {
			t.Errorf("RedactString(%q) = %q, %v; want %q, %v", c.in, got, found, c.want, c.in != c.want)
		}
	}
}

// TestRedactValue: a secret key's value is a secret in every shape (scalar, number,
// list, nested mapping); other values lose only the secrets inside them; the input is
// never modified.
func TestRedactValue(t *testing.T) {
	in := NewMap()
	in.Set("user", "floe")
	in.Set("password", "pw-1")
	in.Set("pin", Int("1234"))
	in.Set("apiKey", Int("987654"))
	in.Set("tokens", []any{"tok-a", "tok-b", "${T}"})
	creds := NewMap()
	creds.Set("id", "cid")
	creds.Set("value", "cval")
	in.Set("credentials", creds)
	in.Set("uri", "https://u:url-pw@h/x")
	in.Set("threads", Int("4"))
	in.Set("ref", "${SECRET}")
	before, _ := json.Marshal(in)
	out, changed := RedactValue(in)
	if !changed {
		t.Fatal("nothing redacted")
	}
	after, _ := json.Marshal(in)
	if string(before) != string(after) {
		t.Errorf("input modified: %s", after)
	}
	got, _ := json.Marshal(out)
	want := `{"user":"floe","password":"**********","pin":1234,"apiKey":"**********","tokens":["**********","**********","${T}"],` +
		`"credentials":{"id":"**********","value":"**********"},"uri":"https://u:**********@h/x","threads":4,"ref":"${SECRET}"}`
	if string(got) != want {
		t.Errorf("RedactValue:\n got %s\nwant %s", got, want)
	}
	secrets := SecretStrings(in)
	if w := []string{"pw-1", "987654", "tok-a", "tok-b", "cid", "cval", "url-pw"}; !slices.Equal(secrets, w) {
		t.Errorf("SecretStrings = %q, want %q", secrets, w)
	}
}

// TestKnownSecrets: a value that is a secret somewhere is redacted everywhere: as a
// whole value (any length) and inside longer strings (at least MinSecretPart bytes),
// next to what SecretSpans finds.
func TestKnownSecrets(t *testing.T) {
	const r = Redacted
	k := NewKnownSecrets([]string{"ALSEKRET123", "ab", "${REF}", "", r}, []string{"ALSEKRET123", "xyz9"})
	if got := k.List(); !slices.Equal(got, []string{"ALSEKRET123", "ab", "xyz9"}) {
		t.Errorf("List() = %q", got)
	}
	for _, c := range []struct{ in, want string }{
		{"ALSEKRET123", r},
		{"region ALSEKRET123 and xyz9", "region " + r + " and " + r},
		{"ab", r},
		{"abc", "abc"}, // too short to be replaced inside other text
		{"https://u:ALSEKRET123x@h/p", "https://u:" + r + "@h/p"},
		{"Bearer tok-123456 xyz9", "Bearer " + r + " " + r},
		{"plain", "plain"},
	} {
		if got, _ := k.RedactString(c.in); got != c.want {
			t.Errorf("RedactString(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var none *KnownSecrets
	if got, ok := none.RedactString("Bearer tok-123456"); got != "Bearer "+r || !ok {
		t.Errorf("nil set: RedactString = %q, %v", got, ok)
	}
	doc := []byte(`{"a": "ALSEKRET123", "ALSEKRET123": ["x\u00e9 xyz9", 1, "\"ab\""], "b": "ok"}`)
	got, ok := k.RedactJSON(doc)
	want := `{"a": "**********", "**********": ["x\u00e9 **********", 1, "\"ab\""], "b": "ok"}`
	if !ok || string(got) != want {
		t.Errorf("RedactJSON:\n got %s\nwant %s", got, want)
	}
	if !k.Contains([]byte("… ALSEKRET123 …")) || k.Contains([]byte("nothing")) {
		t.Error("Contains does not find the known secrets")
	}
}

// TestSecretKeys: a key of a mapping under a secret key is a secret unless it is a
// setting name, a key holding a URL with a password has the password redacted, and
// redacted keys stay distinct.
func TestSecretKeys(t *testing.T) {
	for k, want := range map[string]bool{
		"key_id": true, "region": true, "s3.endpoint": true, "clientId": true, "oauth2": true, "type": true,
		"HUNTkeyA1": false, "AKIAIOSFODNN7EXAMPLE": false, "huntkeyA1": false, "abc1def": false, "": false,
		"x-api-key": true, "k y": false,
	} {
		if got := IsSettingName(k); got != want {
			t.Errorf("IsSettingName(%q) = %v, want %v", k, got, want)
		}
	}
	var in Map
	if err := json.Unmarshal([]byte(`{"api_keys": {"HUNTkeyA1": "v1", "AKIA7EXAMPLE": "v2", "region": "r"},
		"secrets": [{"type": "s3", "key_id": "kid", "secret": "sk"}],
		"postgres://u:SEKkeyurlH8@db/x": 1, "plain": 2}`), &in); err != nil {
		t.Fatal(err)
	}
	out, changed := RedactValue(&in)
	b, _ := json.Marshal(out)
	want := `{"api_keys":{"**********":"**********","**********_2":"**********","region":"**********"},` +
		`"secrets":[{"type":"**********","key_id":"**********","secret":"**********"}],` +
		`"postgres://u:**********@db/x":1,"plain":2}`
	if !changed || string(b) != want {
		t.Errorf("RedactValue:\n got %s\nwant %s", b, want)
	}
	secrets := SecretStrings(&in)
	for _, s := range []string{"HUNTkeyA1", "AKIA7EXAMPLE", "SEKkeyurlH8"} {
		if !slices.Contains(secrets, s) {
			t.Errorf("SecretStrings misses the key %q: %q", s, secrets)
		}
	}
	if slices.Contains(secrets, "region") || slices.Contains(secrets, "key_id") {
		t.Errorf("SecretStrings holds a setting name: %q", secrets)
	}
}
