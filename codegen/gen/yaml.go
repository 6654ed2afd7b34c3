package gen

import (
	"github.com/floe-dev/floe/internal/lazy"

	"go.yaml.in/yaml/v3"
)

// base60 is YAML 1.1's sexagesimal number ("12:30" is 750 to PyYAML and yaml.v2).
var base60 = lazy.Regexp(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)

// yaml11Only reports whether a YAML 1.1 reader (PyYAML, which dbt and the reference use;
// yaml.v2, which Kubernetes and Helm use) reads the plain scalar s as something other than
// the string s, where yaml.v3 (YAML 1.2) reads a string and so would write s unquoted:
// the 1.1 booleans y/n/yes/no/on/off, sexagesimal numbers, and the value ("=") and merge
// ("<<") types, which PyYAML cannot even construct.
func yaml11Only(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", "=", "<<":
		return true
	}
	return base60().MatchString(s)
}

// YAMLString is a string scalar node that YAML 1.1 and 1.2 readers both read back as s:
// yaml.v3 quotes what YAML 1.2 would read as another type (true, 1e3, null, …) and escapes
// what needs escaping; the strings only YAML 1.1 reads as another type are double-quoted
// here. Every YAML file floe builds from nodes takes its strings from here.
func YAMLString(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if yaml11Only(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}
