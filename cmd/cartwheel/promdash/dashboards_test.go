package promdash

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's dashboards, relative to this package.
const repoDashboards = "../../../deploy/observability/dashboards"

func TestRepoDashboardsLint(t *testing.T) {
	names, err := MetricNames(repoDashboards)
	if err != nil {
		t.Fatal(err)
	}
	// The fleet overview must cover what its issue asks for; each family at least once.
	for _, m := range []string{
		"cartwheel_gateway_requests_total", "cartwheel_gateway_request_duration_seconds_bucket",
		"kitex_server_throughput", "kitex_server_latency_us_bucket",
		"cartwheel_stock_reservations_total", "cartwheel_order_settle_seconds_bucket",
		"cartwheel_mq_consumer_lag", "cartwheel_mq_dead_lettered_total",
		"go_sql_in_use_connections", "go_goroutines",
	} {
		if len(names[m]) == 0 {
			t.Errorf("no panel queries %s", m)
		}
	}
	for m, where := range names {
		if !strings.HasPrefix(where[0], "cartwheel-fleet.json: ") {
			t.Errorf("%s: where = %q", m, where)
		}
	}
}

const goodDashboard = `{
  "title": "T", "uid": "t", "schemaVersion": 39,
  "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]},
  "panels": [
    {"id": 1, "type": "row", "title": "Row", "panels": [
      {"id": 2, "type": "timeseries", "title": "Inner", "datasource": {"type": "prometheus", "uid": "$ds"},
       "targets": [{"refId": "A", "expr": "rate(inner_total[5m])"}]}
    ]},
    {"id": 3, "type": "timeseries", "title": "QPS", "datasource": {"type": "prometheus", "uid": "${ds}"},
     "targets": [
       {"refId": "A", "expr": "sum by (route) (rate(a_total[$__rate_interval]))"},
       {"refId": "B", "datasource": {"type": "prometheus", "uid": "${ds}"}, "expr": "a_total / b"}
     ]}
  ]
}`

func writeDashboards(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMetricNames(t *testing.T) {
	dir := writeDashboards(t, map[string]string{"good.json": goodDashboard, "notes.txt": "not a dashboard"})
	names, err := MetricNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a_total": "good.json: QPS", "b": "good.json: QPS", "inner_total": "good.json: Inner"}
	if len(names) != len(want) {
		t.Fatalf("names = %v, want the keys of %v", names, want)
	}
	for m, where := range want {
		if got := names[m]; len(got) != 1 || got[0] != where {
			t.Errorf("%s: %q, want [%q]", m, got, where)
		}
	}
}

func TestMetricNamesRejects(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(goodDashboard, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(goodDashboard, old, new, 1)
	}
	for name, tc := range map[string]struct{ body, wantErr string }{
		"invalid JSON":       {goodDashboard[:len(goodDashboard)-2], "not valid JSON"},
		"trailing data":      {goodDashboard + "{}", "not valid JSON"},
		"not a dashboard":    {`{"panels": []}`, "not a dashboard"},
		"no ds variable":     {replace(`"type": "datasource"`, `"type": "custom"`), "no datasource variable"},
		"untitled panel":     {replace(`"title": "QPS"`, `"title": " "`), "no title"},
		"no panel ds":        {replace(`"title": "QPS", "datasource": {"type": "prometheus", "uid": "${ds}"},`, `"title": "QPS",`), "datasource: missing"},
		"other ds":           {replace(`"uid": "$ds"`, `"uid": "grafanacloud-prom"`), "does not name the datasource variable"},
		"loki ds":            {replace(`{"type": "prometheus", "uid": "$ds"}`, `{"type": "loki", "uid": "$ds"}`), `type "loki"`},
		"bad target ds":      {replace(`"refId": "B", "datasource": {"type": "prometheus", "uid": "${ds}"}`, `"refId": "B", "datasource": {"type": "prometheus", "uid": "x"}`), "target B: datasource"},
		"no targets":         {replace(`"targets": [{"refId": "A", "expr": "rate(inner_total[5m])"}]`, `"targets": []`), "no query"},
		"no expr":            {replace(`"expr": "a_total / b"`, `"query": "a_total / b"`), "target B: no expr"},
		"unparsable expr":    {replace(`"expr": "a_total / b"`, `"expr": "sum(a_total"`), "target B: promql"},
		"unknown function":   {replace(`rate(inner_total`, `rat(inner_total`), `unknown function "rat"`},
		"repeated panel ids": {replace(`"id": 3`, `"id": 2`), "panel id 2 repeated"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeDashboards(t, map[string]string{"d.json": tc.body})
			_, err := MetricNames(dir)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), "d.json") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
	if _, err := MetricNames(t.TempDir()); err == nil {
		t.Error("an empty folder passed")
	}
}
