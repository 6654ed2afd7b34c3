package schemas

import "testing"

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
