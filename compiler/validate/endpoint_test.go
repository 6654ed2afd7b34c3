package validate

import "testing"

func TestPrivateHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1": true, "2130706433": true, "0x7f.0.0.1": true, "0177.0.0.1": true,
		"LOCALHOST": true, "localhost.": true, "api.localhost": true, "0.0.0.0": true,
		"10.1.2.3": true, "172.16.0.1": true, "172.31.255.255": true, "192.168.1.1": true, "169.254.169.254": true,
		"::1": true, "::ffff:127.0.0.1": true, "fd00::1": true, "fe80::1": true, "::": true,
		"172.32.0.1": false, "8.8.8.8": false, "10.example.com": false, "example.com": false,
		"2001:4860:4860::8888": false, "localhost.example.com": false, "1e100.net": false, "256.1.1.1": false,
	} {
		if got := privateHost(host); got != want {
			t.Errorf("privateHost(%q) = %v, want %v", host, got, want)
		}
	}
}
