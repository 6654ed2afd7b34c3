package diag

import (
	"encoding/json"
	"io"
	"slices"
)

// SARIF 2.1.0, the subset code-scanning tools ingest.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID string `json:"id"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Related   []sarifLocation `json:"relatedLocations,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifLocation struct {
	ID       int                   `json:"id,omitempty"`
	Physical sarifPhysicalLocation `json:"physicalLocation"`
	Message  *sarifMessage         `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	Artifact sarifArtifact `json:"artifactLocation"`
	Region   *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

func sarifLoc(p, end Pos) sarifPhysicalLocation {
	loc := sarifPhysicalLocation{Artifact: sarifArtifact{URI: p.File}}
	if p.Line > 0 {
		loc.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Col}
		if end.Line > 0 {
			loc.Region.EndLine, loc.Region.EndColumn = end.Line, end.Col
		}
	}
	return loc
}

func renderSARIF(w io.Writer, diags List, tool, version string) error {
	var ruleIDs []string
	for _, d := range diags {
		if !slices.Contains(ruleIDs, d.Code) {
			ruleIDs = append(ruleIDs, d.Code)
		}
	}
	slices.Sort(ruleIDs)
	rules := make([]sarifRule, len(ruleIDs))
	for i, id := range ruleIDs {
		rules[i] = sarifRule{ID: id}
	}
	results := make([]sarifResult, 0, len(diags))
	for _, d := range diags {
		text := d.Message
		if d.Suggest != "" {
			text += " (" + d.Suggest + ")"
		}
		r := sarifResult{
			RuleID:    d.Code,
			RuleIndex: slices.Index(ruleIDs, d.Code),
			Level:     d.Severity.String(), // SARIF's levels are floe's severities: error, warning, note
			Message:   sarifMessage{Text: text},
			Locations: []sarifLocation{{Physical: sarifLoc(d.Pos, d.End)}},
		}
		for i, rel := range d.Related {
			r.Related = append(r.Related, sarifLocation{ID: i + 1, Physical: sarifLoc(rel.Pos, Pos{}), Message: &sarifMessage{Text: rel.Message}})
		}
		results = append(results, r)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: tool, Version: version, InformationURI: "https://github.com/floe-dev/floe", Rules: rules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
