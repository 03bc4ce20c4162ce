package promdash

import (
	"slices"
	"testing"
)

func TestExprMetrics(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{`up`, []string{"up"}},
		{`sum by (route) (rate(cartwheel_gateway_requests_total{job=~"$job", status_class="5xx"}[$__rate_interval]))`,
			[]string{"cartwheel_gateway_requests_total"}},
		{`histogram_quantile(0.99, sum by (le, callee, method) (rate(kitex_server_latency_us_bucket[5m]))) / 1e6`,
			[]string{"kitex_server_latency_us_bucket"}},
		{`sum(rate(a_total[1h30m:1m] offset 5m)) without (instance) / on (service) group_left(team) b`,
			[]string{"a_total", "b"}},
		{"sum(increase(x[$__range])) or vector(0) # dead letters\n", []string{"x"}},
		{`{__name__="by_name", job="j"} + {__name__=~"regex.*"}`, []string{"by_name"}},
		{`label_replace(go_goroutines, "svc", "$1", "job", "cartwheel-(.*)") > bool 1.5e-3`, []string{"go_goroutines"}},
		{`max(x @ start()) and y unless z or ${datasource}_never == Inf`, []string{"x", "y", "z", "_never"}},
		{`topk(5, sum without (le) (rate(m_bucket[[[interval]]])))`, []string{"m_bucket"}},
		{`clamp_min(0x1F * a, -1) - b`, []string{"a", "b"}},
		{`a + a`, []string{"a"}},
	} {
		got, err := ExprMetrics(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestExprMetricsRejects(t *testing.T) {
	for _, expr := range []string{
		``,
		`1 + 2`,
		`sum(rate(x[5m])`,
		`rate(x[5m]))`,
		`x{job="a}`,
		`x{job="a"`,
		`x{a="b"{c="d"}}`,
		`histogram_quantil(0.9, x)`,
		`x[5m`,
		`x[5m + 1]`,
		`x ; y`,
		`sum(x) by (a`,
		`x{a=$}`,
	} {
		if got, err := ExprMetrics(expr); err == nil {
			t.Errorf("%q: accepted (metrics %q), want an error", expr, got)
		}
	}
}

func TestFamily(t *testing.T) {
	for in, want := range map[string]string{
		"cartwheel_order_settle_seconds_bucket": "cartwheel_order_settle_seconds",
		"kitex_server_latency_us_sum":           "kitex_server_latency_us",
		"x_count":                               "x",
		"cartwheel_orders_created_total":        "cartwheel_orders_created_total",
	} {
		if got := Family(in); got != want {
			t.Errorf("Family(%s) = %s, want %s", in, got, want)
		}
	}
}
