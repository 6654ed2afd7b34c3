package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is one file of a synthetic product, its Name relative to the product directory.
type File struct {
	Name string
	Data []byte
}

// Product returns the floe inputs of a product of n transforms: floe.yaml (Spec) and
// its manifest chain (domain.yaml, enterprise.yaml).
func Product(n int) []File {
	return []File{
		{Name: "floe.yaml", Data: Spec(n)},
		{Name: "domain.yaml", Data: []byte(Domain)},
		{Name: "enterprise.yaml", Data: []byte(Enterprise)},
	}
}

// dbtProjectYAML names the profile floe compiles for the product (its name) and
// materializes models as tables: as views, each layer would inline its three parents
// and a query of the last layer would expand exponentially in DuckDB.
const dbtProjectYAML = `# dbt project of the synthetic product: one model per transform of floe.yaml.
name: ` + ProductName + `
version: "1.0.0"
config-version: 2
profile: ` + ProductName + `

model-paths: ["models"]
target-path: target
clean-targets: [target]

models:
  ` + ProductName + `:
    +materialized: table
`

// DbtProject returns the dbt project of the product Spec(n) describes: dbt_project.yml
// and models/m_<i>.sql for every transform, whose ref()s are exactly its dependsOn, so
// that `dbt parse` writes a target/manifest.json with the compiled graph. The SQL is
// cheap DuckDB SQL with one row per model (a model's id is one more than its parents'
// largest), so building all of them stays fast.
func DbtProject(n int) []File {
	w := width(n)
	files := make([]File, 0, n+1)
	files = append(files, File{Name: "dbt_project.yml", Data: []byte(dbtProjectYAML)})
	for i := range n {
		files = append(files, File{Name: fmt.Sprintf("models/m_%d.sql", i), Data: modelSQL(i, parents(i, w))})
	}
	return files
}

// modelSQL is the SQL of model i, referencing each distinct parent once, in
// dependsOn order.
func modelSQL(i int, deps []int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "-- m_%d (synthetic)\n", i)
	if len(deps) == 0 {
		fmt.Fprintf(&b, "select %d as id\n", i)
		return []byte(b.String())
	}
	b.WriteString("select max(id) + 1 as id\nfrom (\n")
	seen := make(map[int]bool, len(deps))
	first := true
	for _, d := range deps {
		if seen[d] {
			continue
		}
		seen[d] = true
		if !first {
			b.WriteString("    union all\n")
		}
		first = false
		fmt.Fprintf(&b, "    select id from {{ ref('m_%d') }}\n", d)
	}
	b.WriteString(") as parents\n")
	return []byte(b.String())
}

// WriteFiles writes files under dir, creating directories as needed.
func WriteFiles(dir string, files []File) error {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create directory for %s: %w", f.Name, err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.Name, err)
		}
	}
	return nil
}
