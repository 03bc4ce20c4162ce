package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

type openapiDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]openapiOp       `json:"paths"`
	Comps   map[string]map[string]json.RawMessage `json:"components"`
}

type openapiOp struct {
	OperationID string                      `json:"operationId"`
	Parameters  []struct{ Name, In string } `json:"parameters"`
	Responses   map[string]json.RawMessage  `json:"responses"`
	Security    *[]map[string][]string      `json:"security"`
}

func loadOpenAPI(t *testing.T, raw []byte) openapiDoc {
	t.Helper()
	var doc openapiDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// loadOpenAPI3 is the served document as kin-openapi reads it, references resolved.
func loadOpenAPI3(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiDocument)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIMatchesRoutes keeps the document and the router from drifting apart.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := start(t, newFakes())
	served := h.do(call{method: "GET", path: "/openapi.json"})
	if served.status != http.StatusOK || !strings.HasPrefix(served.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %s", served.status, served.header.Get("Content-Type"))
	}
	doc := loadOpenAPI(t, served.body)
	if doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+pathParam.ReplaceAllString(path, ":$1"))
		}
	}
	for _, r := range h.g.h.Routes() {
		if refusesMethod(r) {
			continue
		}
		routed = append(routed, r.Method+" "+r.Path)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("openapi.json documents %s, which is not routed", d)
		}
	}
}

// TestOpenAPIIsCoherent checks what a client generator relies on: unique operation
// ids, every path parameter declared, every reference resolvable, errors described.
func TestOpenAPIIsCoherent(t *testing.T) {
	doc := loadOpenAPI(t, openapiDocument)
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := strings.ToUpper(method) + " " + path
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or duplicated", name, op.OperationID)
			}
			ids[op.OperationID] = true
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(op.Parameters, func(p struct{ Name, In string }) bool { return p.Name == m[1] && p.In == "path" }) {
					t.Errorf("%s: path parameter %s not declared", name, m[1])
				}
			}
			if strings.HasPrefix(path, "/api/") {
				if _, ok := op.Responses["429"]; !ok {
					t.Errorf("%s: 429 not described", name)
				}
			}
		}
	}
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/([^/]+)/([^"]+)"`).FindAllStringSubmatch(string(openapiDocument), -1)
	if len(refs) == 0 {
		t.Fatal("no references found; the check below would prove nothing")
	}
	for _, m := range refs {
		if _, ok := doc.Comps[m[1]][m[2]]; !ok {
			t.Errorf("unresolvable reference #/components/%s/%s", m[1], m[2])
		}
	}
}

// TestOpenAPIIsValidOpenAPI303 reads the document as a client generator's loader does
// (kin-openapi, which oapi-codegen builds on): OpenAPI 3.0.3 and nothing of a later
// version (propertyNames was served here once, and strict validators refused the whole
// document for it). Patterns are ECMA-262, as the specification says; Go's regexp has no
// lookahead, so the loader is told not to compile them.
func TestOpenAPIIsValidOpenAPI303(t *testing.T) {
	doc := loadOpenAPI3(t)
	if err := doc.Validate(context.Background(), openapi3.DisableSchemaPatternValidation()); err != nil {
		t.Fatal(err)
	}
}

// TestOpenAPIListsTheErrorCatalog: Error.code's description lists every code of
// errs.Catalog with its HTTP status and message, and nothing else, so a client team
// reads the codes it may meet where its generated client documents the field.
func TestOpenAPIListsTheErrorCatalog(t *testing.T) {
	doc := loadOpenAPI3(t)
	listed := map[string]string{}
	for line := range strings.SplitSeq(doc.Components.Schemas["Error"].Value.Properties["code"].Value.Description, "\n") {
		if name, rest, ok := strings.Cut(strings.TrimPrefix(line, "- `"), "` "); ok && strings.HasPrefix(line, "- `") {
			listed[name] = rest
		}
	}
	for _, c := range errs.Catalog() {
		want := fmt.Sprintf("(%d): %s", c.HTTP, c.Message)
		if got, ok := listed[c.Name]; !ok || got != want {
			t.Errorf("Error.code lists %s as %q, want %q", c.Name, got, want)
		}
		delete(listed, c.Name)
	}
	for name := range listed {
		t.Errorf("Error.code lists %s, which the catalog does not have", name)
	}
}

// examplePath is a document's path with a well-formed value in each parameter.
func examplePath(path string) string {
	values := map[string]string{"id": "0b9e4c1e-5f6a-4c2b-9d7e-3a1f2b4c5d6e", "sku": "MUG-RED", "file": "store.js"}
	return pathParam.ReplaceAllStringFunc(path, func(p string) string { return values[p[1:len(p)-1]] })
}

// TestOpenAPISecurityMatchesTheRoutes: a client generated from the document sends a
// token exactly where the gateway asks for one. Every operation states its security; one
// that names bearerAuth answers a call without a token 401 UNAUTHENTICATED, and one with
// none never does (logout-all was served without security once: a generated client
// called it without its token).
func TestOpenAPISecurityMatchesTheRoutes(t *testing.T) {
	h := start(t, refusingFakes())
	doc := loadOpenAPI(t, openapiDocument)
	checked := 0
	for path, ops := range doc.Paths {
		concrete := examplePath(path)
		for method, op := range ops {
			name := strings.ToUpper(method) + " " + path
			if op.Security == nil {
				t.Errorf("%s: states no security; say [] for none", name)
				continue
			}
			bearer := slices.ContainsFunc(*op.Security, func(req map[string][]string) bool { _, ok := req["bearerAuth"]; return ok })
			a := h.do(call{method: strings.ToUpper(method), path: concrete, body: map[string]any{}})
			refused := a.status == http.StatusUnauthorized && strings.Contains(string(a.body), `"`+errs.Unauthenticated.Name+`"`)
			if bearer != refused {
				t.Errorf("%s: documented bearer %v, without a token answered %d %s", name, bearer, a.status, a.body)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("checked %d operations; the document has more", checked)
	}
}

func TestDocsPageIsSelfContained(t *testing.T) {
	h := start(t, newFakes())
	a := h.do(call{method: "GET", path: "/docs"})
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", a.status, a.header.Get("Content-Type"))
	}
	page := string(a.body)
	if !strings.Contains(page, `fetch("/openapi.json")`) {
		t.Error("the docs page does not load /openapi.json")
	}
	if regexp.MustCompile(`(?i)(src|href)=["']?(https?:)?//`).MatchString(page) {
		t.Error("the docs page loads something from another host")
	}
}

func TestHealthz(t *testing.T) {
	h := start(t, newFakes())
	a := h.do(call{method: "GET", path: "/healthz"})
	if a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
	assertJSON(t, a.body, `{"status":"ok"}`)
}

// listening starts a TCP listener that accepts and drops connections, standing in for
// a service that is up.
func listening(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

// closedAddr is an address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name      string
		instances map[string][]string
		wantDown  []string // nil means ready
	}{
		{name: "all_up", instances: map[string][]string{
			"user": {listening(t)}, "product": {listening(t)}, "order": {listening(t)}, "payment": {listening(t)}}},
		{name: "one_of_two_instances_up", instances: map[string][]string{
			"user": {closedAddr(t), listening(t)}, "product": {listening(t)}, "order": {listening(t)}, "payment": {listening(t)}}},
		{name: "refused_and_unregistered", instances: map[string][]string{
			"user": {listening(t)}, "product": {listening(t)}, "order": {closedAddr(t)}}, wantDown: []string{"order", "payment"}},
		{name: "nothing_registered", instances: map[string][]string{}, wantDown: []string{"order", "payment", "product", "user"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, newFakes())
			for name, addrs := range tt.instances {
				for _, addr := range addrs {
					tcp, _ := net.ResolveTCPAddr("tcp", addr)
					if err := h.reg.Register(&kregistry.Info{ServiceName: name, Addr: tcp}); err != nil {
						t.Fatal(err)
					}
				}
			}
			a := h.do(call{method: "GET", path: "/readyz"})
			if tt.wantDown == nil {
				if a.status != http.StatusOK {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				assertJSON(t, a.body, `{"status":"ready"}`)
				return
			}
			e := a.expectError(t, http.StatusServiceUnavailable, errs.Unavailable.Name)
			var down []string
			for _, d := range e.Details {
				down = append(down, d.Field)
			}
			if !slices.Equal(down, tt.wantDown) {
				t.Fatalf("down = %v, want %v", down, tt.wantDown)
			}
			if strings.Contains(string(a.body), "127.0.0.1") {
				t.Fatalf("readiness leaked addresses: %s", a.body)
			}
			if err := h.g.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), strings.Join(tt.wantDown, ", ")) {
				t.Fatalf("Ready = %v, want the same services down", err)
			}
		})
	}
}

// metricsText is what the admin listener's /metrics would serve for the gateway.
func (h *harness) metricsText() string {
	h.t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(h.tel.Registry(), promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	f := newFakes()
	f.products.getProduct = func(context.Context, *productapi.GetProductRequest) (*productapi.Product, error) {
		return sampleProduct(), nil
	}
	h := start(t, f)
	h.do(call{method: "GET", path: "/api/v1/products/" + productID})
	h.do(call{method: "GET", path: "/api/v1/products/not-an-id"})
	h.do(call{method: "GET", path: "/no/such/path"})
	text := h.metricsText()
	for _, want := range []string{
		`cartwheel_gateway_requests_total{method="GET",route="/api/v1/products/:id",service="gateway",status_class="2xx"} 1`,
		`cartwheel_gateway_requests_total{method="GET",route="/api/v1/products/:id",service="gateway",status_class="4xx"} 1`,
		`cartwheel_gateway_requests_total{method="GET",route="unmatched",service="gateway",status_class="4xx"} 1`,
		`cartwheel_gateway_request_duration_seconds_bucket{method="GET",route="/api/v1/products/:id",service="gateway",status_class="2xx",le="+Inf"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, productID) {
		t.Error("a raw path (with an id) became a metric label")
	}
}

func TestCORS(t *testing.T) {
	h := start(t, newFakes(), func(c *Config) { c.CORSOrigins = []string{"https://shop.example.com"} })
	preflight := func(origin string) answer {
		return h.do(call{method: "OPTIONS", path: "/api/v1/orders", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "Authorization, Idempotency-Key"}})
	}
	a := preflight("https://shop.example.com")
	if a.status != http.StatusNoContent || a.header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" {
		t.Fatalf("allowed origin preflight: %d %v", a.status, a.header)
	}
	if !strings.Contains(a.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Errorf("Idempotency-Key not allowed: %v", a.header)
	}
	a = preflight("https://evil.example.com")
	if got := a.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("unlisted origin got Access-Control-Allow-Origin %q", got)
	}
	a.envelope(t) // whatever the status, it is our envelope, not a bare 403

	simple := h.do(call{method: "GET", path: "/openapi.json", header: map[string]string{"Origin": "https://shop.example.com"}})
	if simple.header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" ||
		!strings.Contains(simple.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Fatalf("simple request CORS headers: %v", simple.header)
	}
}

// TestCORSAllowsWhatTheDocumentNames: a browser on an allowed origin may send every
// request header the document names (but the webhook's, which only a provider's
// servers send) and read every answer header it documents.
func TestCORSAllowsWhatTheDocumentNames(t *testing.T) {
	h := start(t, newFakes(), func(c *Config) { c.CORSOrigins = []string{"https://shop.example.com"} })
	doc := loadOpenAPI3(t)
	sent, answered := map[string]bool{}, map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value.In == openapi3.ParameterInHeader && op.OperationID != "paymentWebhook" {
					sent[p.Value.Name] = true
				}
			}
			for _, r := range op.Responses.Map() {
				for name := range r.Value.Headers {
					answered[name] = true
				}
			}
		}
	}
	if !sent["X-Client"] || !answered["X-Trace-ID"] || !answered["Retry-After"] {
		t.Fatalf("the document's headers look incomplete: sends %v, answers %v", sent, answered)
	}
	for name := range sent {
		a := h.do(call{method: "OPTIONS", path: "/api/v1/products", header: map[string]string{
			"Origin": "https://shop.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": name}})
		if !containsFold(a.header.Get("Access-Control-Allow-Headers"), name) {
			t.Errorf("a browser may not send %s: %d %v", name, a.status, a.header)
		}
	}
	a := h.do(call{method: "GET", path: "/api/v1/products", header: map[string]string{"Origin": "https://shop.example.com"}})
	for name := range answered {
		if !containsFold(a.header.Get("Access-Control-Expose-Headers"), name) {
			t.Errorf("a browser may not read %s: %v", name, a.header)
		}
	}
}

// containsFold: list, a comma-separated header value, names name in any letter case.
func containsFold(list, name string) bool {
	for item := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(item), name) {
			return true
		}
	}
	return false
}

func TestCORSOffByDefault(t *testing.T) {
	h := start(t, newFakes())
	a := h.do(call{method: "GET", path: "/openapi.json", header: map[string]string{"Origin": "https://shop.example.com"}})
	if got := a.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("no origins configured, yet Access-Control-Allow-Origin = %q", got)
	}
}

// Metrics and pprof are on the admin listener (pkg/obs), never on the public port.
func TestMetricsAndPprofAreNotPublic(t *testing.T) {
	h := start(t, newFakes())
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		h.do(call{method: "GET", path: path}).expectError(t, http.StatusNotFound, errs.RouteNotFound.Name)
	}
}

// Made-up methods and paths must not grow the metrics: every label is from a closed set.
func TestMetricsStayBoundedUnderRandomMethodsAndPaths(t *testing.T) {
	h := start(t, newFakes())
	rng := rand.New(rand.NewPCG(1, 2))
	send := func(n int) {
		for range n {
			method := fmt.Sprintf("M%06d", rng.IntN(1_000_000))
			if rng.IntN(4) == 0 {
				method = "GET"
			}
			req, err := http.NewRequest(method, h.base+fmt.Sprintf("/x%d/%d", rng.Int64(), rng.Int64()), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := h.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	series := func() int { return strings.Count(h.metricsText(), "cartwheel_gateway_") }
	send(100)
	before := series()
	send(10_000)
	if after := series(); after != before {
		t.Fatalf("gateway series grew from %d to %d lines after 10,000 random requests", before, after)
	}
	if text := h.metricsText(); !strings.Contains(text, `method="OTHER"`) || strings.Contains(text, `method="M`) {
		t.Fatal("unknown methods must share the label OTHER")
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	cfg := testConfig(t)
	cfg.Addr = closedAddr(t)
	g, cleanup, err := New(t.Context(), cfg, Deps{Logger: slog.New(slog.DiscardHandler), Registry: registry.NewStatic(nil), Clients: newFakes().clients()})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	waitServing(t, g.Addr().String())
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if c, err := net.DialTimeout("tcp", g.Addr().String(), time.Second); err == nil {
		_ = c.Close()
		t.Fatal("still accepting connections after Run returned")
	}
}

func waitServing(t *testing.T, addr string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resp, err := client.Get("http://" + addr + "/openapi.json"); err == nil {
			_ = resp.Body.Close()
			client.CloseIdleConnections()
			return
		}
	}
	t.Fatalf("gateway on %s never served", addr)
}
