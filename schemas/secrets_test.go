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
	} {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false, want true", k)
		}
	}
	for _, k := range []string{
		"", "path", "token_url", "tokenUrl", "secret_ref", "connection_secret_ref", "password_file", "max_tokens",
		"signed", "design", "keyspace", "partition_key", "secretary", "uri", "endpoint", "client_id", "region", "user",
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
		// References and ordinary strings stay.
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
