// Package promdash reads the Grafana dashboards of deploy/observability/dashboards: it
// lints them and lists the metric names their PromQL queries select, so a test can check
// those metrics against what the fleet exports.
package promdash

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// dashboard is the part of Grafana's dashboard JSON model the lint reads.
type dashboard struct {
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int             `json:"id"`
	Title      string          `json:"title"`
	Type       string          `json:"type"`
	Datasource json.RawMessage `json:"datasource"`
	Targets    []struct {
		RefID      string          `json:"refId"`
		Expr       *string         `json:"expr"`
		Datasource json.RawMessage `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's panels
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// MetricNames lints every dashboard (*.json) in dir and returns each metric name their
// queries select, mapped to where: "<file>: <panel title>" (sorted, without repeats).
// Histogram series keep their suffix as written (…_bucket); the caller matches them to
// the exported family. The error joins every problem found:
//   - a file that is not valid JSON, or not a dashboard (no title, uid or schemaVersion);
//   - no datasource template variable of type prometheus;
//   - a panel (other than a row) without a title, without a datasource naming that
//     variable, or without a query; a repeated panel id;
//   - a query without an expr, or one that does not tokenize as PromQL (ExprMetrics).
func MetricNames(dir string) (map[string][]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no dashboards (*.json) in %s", dir)
	}
	slices.Sort(files)
	names := map[string][]string{}
	var errs []error
	for _, f := range files {
		errs = append(errs, readDashboard(f, names)...)
	}
	for m := range names {
		slices.Sort(names[m])
		names[m] = slices.Compact(names[m])
	}
	return names, errors.Join(errs...)
}

func readDashboard(path string, names map[string][]string) []error {
	file := filepath.Base(path)
	raw, err := os.ReadFile(path)
	if err != nil {
		return []error{err}
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...))
	}
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&d); err != nil {
		return []error{fail("not valid JSON: %v", err)}
	}
	if dec.More() {
		return []error{fail("not valid JSON: data after the dashboard object")}
	}
	var errs []error
	if d.Title == "" || d.UID == "" || d.SchemaVersion == 0 {
		errs = append(errs, fail("not a dashboard: title, uid and schemaVersion are required"))
	}
	dsVar := ""
	for _, v := range d.Templating.List {
		if v.Type == "datasource" && v.Query == "prometheus" {
			dsVar = v.Name
		}
	}
	if dsVar == "" {
		errs = append(errs, fail("no datasource variable of type prometheus in templating.list"))
	}
	ids := map[int]bool{}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
			if ids[p.ID] {
				errs = append(errs, fail("%s: panel id %d repeated", where, p.ID))
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if strings.TrimSpace(p.Title) == "" {
				errs = append(errs, fail("%s: no title", where))
			}
			if err := checkDatasource(p.Datasource, dsVar); err != nil {
				errs = append(errs, fail("%s: datasource: %v", where, err))
			}
			if len(p.Targets) == 0 {
				errs = append(errs, fail("%s: no query", where))
			}
			for _, t := range p.Targets {
				if len(t.Datasource) > 0 {
					if err := checkDatasource(t.Datasource, dsVar); err != nil {
						errs = append(errs, fail("%s target %s: datasource: %v", where, t.RefID, err))
					}
				}
				if t.Expr == nil || strings.TrimSpace(*t.Expr) == "" {
					errs = append(errs, fail("%s target %s: no expr", where, t.RefID))
					continue
				}
				ms, err := ExprMetrics(*t.Expr)
				if err != nil {
					errs = append(errs, fail("%s target %s: %v", where, t.RefID, err))
					continue
				}
				for _, m := range ms {
					names[m] = append(names[m], file+": "+p.Title)
				}
			}
		}
	}
	walk(d.Panels)
	return errs
}

// checkDatasource accepts {"type": "prometheus", "uid": "${var}"} (or "$var") naming the
// dashboard's datasource variable.
func checkDatasource(raw json.RawMessage, dsVar string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New("missing")
	}
	var ref datasourceRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		return fmt.Errorf("want an object with type and uid: %s", raw)
	}
	if ref.Type != "prometheus" {
		return fmt.Errorf("type %q, want prometheus", ref.Type)
	}
	if dsVar == "" || (ref.UID != "${"+dsVar+"}" && ref.UID != "$"+dsVar) {
		return fmt.Errorf("uid %q does not name the datasource variable", ref.UID)
	}
	return nil
}

// Family maps a series name to its metric family: a histogram's or summary's
// name_bucket, name_sum and name_count series belong to family name.
func Family(series string) string {
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if f, ok := strings.CutSuffix(series, s); ok {
			return f
		}
	}
	return series
}
