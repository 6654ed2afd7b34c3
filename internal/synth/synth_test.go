package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Spec's bytes are what published benchmarks were measured on: they must not change.
func TestSpecBytesAreStable(t *testing.T) {
	want := map[int]string{
		1:     "e3558ee54d9c70db9ba45ce719fdfea9c5685555a915fb6d4818fc92b13c6fe3",
		2:     "31efb231b83d4221b6a8a9d71c2851203d3ec2dc1c68e21c3729e2bd9d7f3fd3",
		10:    "493d1003caeaf5598ccb7cf1697c63a1c5cf55adae077dda6bbea03a2e6a2349",
		150:   "f6503dfe7d59edcc07bb406b9814f95076d08062be11cd974ff4bd5ee6e7bc35",
		1000:  "4eb4d4e3b2a13dc5ce4ef5737c076addeb285b8b1d388106f1a66847da2bd0a9",
		10000: "b654a9fc9028f7fc323a2329d91b1df5a435c693dcf31b58b92fefd06b140949",
	}
	for n, sum := range want {
		got := sha256.Sum256(Spec(n))
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("Spec(%d) changed: sha256 %x, want %s", n, got, sum)
		}
	}
}

var refRE = regexp.MustCompile(`\{\{ ref\('([^']+)'\) \}\}`)

// Every model's ref()s are exactly the distinct dependsOn of its transform in Spec.
func TestDbtProjectMatchesSpec(t *testing.T) {
	for _, n := range []int{1, 2, 10, 150, 1000} {
		var spec struct {
			Metadata   struct{ Name string }
			Transforms []struct {
				Name      string
				DependsOn []string `yaml:"dependsOn"`
			}
		}
		if err := yaml.Unmarshal(Spec(n), &spec); err != nil {
			t.Fatalf("Spec(%d): %v", n, err)
		}
		files := DbtProject(n)
		byName := map[string]string{}
		for _, f := range files {
			byName[f.Name] = string(f.Data)
		}
		if len(files) != n+1 || len(byName) != n+1 {
			t.Fatalf("DbtProject(%d): %d files (%d distinct), want %d", n, len(files), len(byName), n+1)
		}
		project := byName["dbt_project.yml"]
		if !strings.Contains(project, "profile: "+spec.Metadata.Name+"\n") {
			t.Errorf("dbt_project.yml does not use profile %q:\n%s", spec.Metadata.Name, project)
		}
		for _, tr := range spec.Transforms {
			sql, ok := byName["models/"+tr.Name+".sql"]
			if !ok {
				t.Fatalf("n=%d: no model for %s", n, tr.Name)
			}
			var refs []string
			for _, m := range refRE.FindAllStringSubmatch(sql, -1) {
				refs = append(refs, m[1])
			}
			want := slices.Compact(slices.Sorted(slices.Values(tr.DependsOn)))
			slices.Sort(refs)
			if !slices.Equal(refs, want) {
				t.Errorf("n=%d %s: refs %v, dependsOn %v", n, tr.Name, refs, tr.DependsOn)
			}
		}
	}
}

func ExampleDbtProject() {
	files := DbtProject(5)
	fmt.Print(string(files[len(files)-1].Data))
	// Output:
	// -- m_4 (synthetic)
	// select max(id) + 1 as id
	// from (
	//     select id from {{ ref('m_1') }}
	//     union all
	//     select id from {{ ref('m_2') }}
	//     union all
	//     select id from {{ ref('m_0') }}
	// ) as parents
}
