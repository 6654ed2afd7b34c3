package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/floe-dev/floe/compiler"
	"github.com/floe-dev/floe/schemas"
)

// listKinds are what floe list lists.
var listKinds = []string{"transforms", "schedules", "presets"}

// listing is `floe list --json`: every kind asked for, the others omitted.
type listing struct {
	Product    string            `json:"product"`
	Version    string            `json:"version"`
	Transforms []listedTransform `json:"transforms,omitempty"`
	Schedules  []listedSchedule  `json:"schedules,omitempty"`
	Presets    []listedPreset    `json:"presets,omitempty"`
	kinds      map[string]bool
}

type listedTransform struct {
	Name      string   `json:"name"`
	Tier      string   `json:"tier,omitempty"`
	Preset    string   `json:"preset,omitempty"`
	Layer     int      `json:"layer"`
	DependsOn []string `json:"depends_on"`
	Tags      []string `json:"tags"`
	Table     string   `json:"table"`
	WriteMode string   `json:"write_mode"`
}

type listedSchedule struct {
	Name     string   `json:"name"`
	Cron     string   `json:"cron"`
	Timezone string   `json:"timezone"`
	Enabled  bool     `json:"enabled"`
	Source   string   `json:"source"`
	NextRuns []string `json:"next_runs"`
}

type listedPreset struct {
	Name      string                       `json:"name"`
	Default   bool                         `json:"default"`
	Resources schemas.ResourceRequirements `json:"resources"`
	UsedBy    []string                     `json:"used_by"`
}

func newListCmd(e *env) *cobra.Command {
	f := inputFlags{format: "text"}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [transforms|schedules|presets] [PATH]",
		Short: "List the product's transforms, schedules and resource presets",
		Long: `List what the compiled product holds: its transforms (tier, resource preset, layer in
the dependency graph, dependencies, Iceberg table), its schedules (cron, time zone,
state, next runs) and the platform's resource presets (requests, limits, which
transforms use each). Name one kind to list only it. The product is compiled in memory;
nothing is written. --json prints one JSON object, for scripts.`,
		Example: `  floe list                                    # everything, for ./floe.yaml or the nearest above
  floe list transforms examples/customer-360
  floe list schedules --json | jq -r '.schedules[].next_runs[0]'`,
		Args: cobra.MaximumNArgs(2),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return listKinds, cobra.ShellCompDirectiveDefault
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			kinds := map[string]bool{}
			switch {
			case len(args) > 0 && slices.Contains(listKinds, args[0]):
				kinds[args[0]] = true
				args = args[1:]
			case len(args) == 2:
				return usageErr("%q is not one of %s", args[0], strings.Join(listKinds, ", "))
			default:
				for _, k := range listKinds {
					kinds[k] = true
				}
			}
			res, err := checkProduct(e, &f, "list", args, "text")
			if err != nil {
				return err
			}
			l := listProduct(res, kinds)
			if asJSON {
				return writeJSON(e.stdout, l)
			}
			return l.render(e.stdout)
		},
	}
	f.registerManifest(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON object")
	return cmd
}

// listProduct gathers the kinds asked for from a compiled product.
func listProduct(res *compiler.Result, kinds map[string]bool) *listing {
	p := res.Product
	l := &listing{Product: p.Name, Version: p.Version, kinds: kinds}
	if kinds["transforms"] {
		l.Transforms = []listedTransform{}
		for _, m := range p.Models {
			l.Transforms = append(l.Transforms, listedTransform{Name: m.Name, Tier: m.Tier, Preset: m.Preset,
				Layer: m.Layer, DependsOn: nonNil(m.DependsOn), Tags: nonNil(m.Tags),
				Table: m.Table.Identifier, WriteMode: m.Table.WriteMode})
		}
	}
	if kinds["schedules"] {
		l.Schedules = []listedSchedule{}
		for i, s := range p.Schedules.Schedules {
			ls := listedSchedule{Name: s.Name, Cron: s.Cron, Timezone: s.Timezone, Enabled: s.Enabled, Source: s.Source, NextRuns: []string{}}
			if i < len(res.NextRuns) {
				for _, t := range res.NextRuns[i] {
					ls.NextRuns = append(ls.NextRuns, t.Format(time.RFC3339))
				}
			}
			l.Schedules = append(l.Schedules, ls)
		}
	}
	if kinds["presets"] {
		l.Presets = []listedPreset{}
		for _, r := range p.ResourcePresets {
			lp := listedPreset{Name: r.Name, Default: r.Name == p.DefaultPreset, Resources: r.Resources, UsedBy: []string{}}
			for _, m := range p.Models {
				if m.Preset == r.Name {
					lp.UsedBy = append(lp.UsedBy, m.Name)
				}
			}
			l.Presets = append(l.Presets, lp)
		}
	}
	return l
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// render prints the listing as aligned tables.
func (l *listing) render(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	sections := 0
	section := func(title string) {
		if sections > 0 {
			fmt.Fprintln(tw)
		}
		sections++
		fmt.Fprintln(tw, title)
	}
	if l.kinds["transforms"] {
		section("TRANSFORM\tTIER\tPRESET\tLAYER\tDEPENDS ON\tTABLE")
		for _, t := range l.Transforms {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s (%s)\n", t.Name, dash(t.Tier), dash(t.Preset), t.Layer,
				dash(strings.Join(t.DependsOn, ", ")), t.Table, t.WriteMode)
		}
	}
	if l.kinds["schedules"] {
		section("SCHEDULE\tCRON\tTIME ZONE\tSTATE\tNEXT RUN")
		if len(l.Schedules) == 0 {
			fmt.Fprintln(tw, "(none: add a schedule: block to floe.yaml)")
		}
		for _, s := range l.Schedules {
			state := "enabled"
			if !s.Enabled {
				state = "disabled"
			}
			next := "-"
			if len(s.NextRuns) > 0 {
				next = s.NextRuns[0]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Cron, s.Timezone, state, next)
		}
	}
	if l.kinds["presets"] {
		section("PRESET\tREQUESTS\tLIMITS\tUSED BY")
		if len(l.Presets) == 0 {
			fmt.Fprintln(tw, "(none: the manifest defines no resource_presets)")
		}
		for _, p := range l.Presets {
			name := p.Name
			if p.Default {
				name += " (default)"
			}
			r := p.Resources
			fmt.Fprintf(tw, "%s\tcpu %s, memory %s\tcpu %s, memory %s\t%s\n", name,
				dash(r.Requests.CPU), dash(r.Requests.Memory), dash(r.Limits.CPU), dash(r.Limits.Memory),
				dash(strings.Join(p.UsedBy, ", ")))
		}
	}
	if err := tw.Flush(); err != nil {
		return inputErr("write: %v", err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
