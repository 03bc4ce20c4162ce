//go:build browser && integration

package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// The trace viewer on Jaeger's query port (deploy/infra/jaeger/ui, served by the Jaeger
// of scripts/infra.sh): an SRE finds an order's trace by service, operation and tag,
// opens it, reads a span's tags, and opens it again by the id a customer quoted.
// Run by scripts/integration.sh, which starts Jaeger and exports CARTWHEEL_JAEGER_*.
func TestTraceViewerShowsAnOrdersTrace(t *testing.T) {
	query, otlp := os.Getenv("CARTWHEEL_JAEGER_QUERY"), os.Getenv("CARTWHEEL_JAEGER_OTLP")
	if query == "" || otlp == "" {
		t.Fatal("CARTWHEEL_JAEGER_QUERY and CARTWHEEL_JAEGER_OTLP are not set: scripts/integration.sh starts Jaeger and sets them")
	}
	const service = "cartwheel-viewer-test"
	tp := exportToJaeger(t, otlp, service)
	shop := startShop(t)

	// The page on Jaeger's port is the viewer, filled in by Jaeger's own static handler.
	index := get(t, query+"/search")
	for _, want := range []string{"<title>Cartwheel traces", "static/viewer.js", "JAEGER_VERSION = {"} {
		if !strings.Contains(index, want) {
			t.Fatalf("%s/search lacks %q (Jaeger's placeholder or no UI?):\n%.600s", query, want, index)
		}
	}
	if strings.Contains(index, "placeholder for the Jaeger UI") {
		t.Fatal("Jaeger serves its placeholder page, not the viewer")
	}

	// A customer places an order inside a trace of the test's own.
	tok := customer(t, shop)
	id, order := placeTracedOrder(t, shop, tok)
	waitOrderStatus(t, shop, tok, order, "AWAITING_PAYMENT")
	spans := settledSpanCount(t, tp, query, id)

	b := newBrowser(t, query)
	sre := b.actor("sre")
	sre.open("/search")
	sre.waitFor("services listed", fmt.Sprintf(`[...document.querySelectorAll('select[name=service] option')].some(o => o.value === %s)`, jsString(service)))
	sre.eval(fmt.Sprintf(`(() => { const s = document.querySelector('select[name=service]'); s.value = %s; s.dispatchEvent(new Event('change')); return ''; })()`, jsString(service)))
	sre.waitFor("operations listed", `[...document.querySelectorAll('select[name=operation] option')].some(o => o.value === 'POST /api/v1/orders')`)
	sre.eval(`(() => { document.querySelector('select[name=operation]').value = 'POST /api/v1/orders'; return ''; })()`)
	sre.fill("#search-form", "tags", "http.status_code=201")
	sre.click("#find")
	row := fmt.Sprintf(`li[data-trace-id=%q]`, id)
	sre.waitFor("the order's trace in the results", fmt.Sprintf(`!!document.querySelector(%s)`, jsString(row)))
	sre.shot("search results")
	search := sre.apiRequests("GET", "/api/traces")
	if len(search) == 0 {
		t.Fatal("the search sent no /api/traces request")
	}
	for _, p := range []string{"service=" + service, "operation=POST+%2Fapi%2Fv1%2Forders", "tags=%7B%22http.status_code%22%3A%22201%22%7D", "start=", "end="} {
		if last := search[len(search)-1].URL; !strings.Contains(last, p) {
			t.Errorf("search request %s lacks %s", last, p)
		}
	}

	sre.click(row + " a")
	sre.waitText("#span-count", fmt.Sprintf("%d spans", spans))
	if got := sre.eval(`String(document.querySelectorAll('#timeline .row.span').length)`); got != fmt.Sprint(spans) {
		t.Errorf("timeline rows = %s, want the trace's %d spans", got, spans)
	}
	sre.waitText("#trace-id", id)
	sre.waitText("#timeline .row.span .op", "POST /api/v1/orders")
	for _, op := range []string{"order.OrderService/CreateOrder", "send transactional cartwheel_order", "process cartwheel_order"} {
		sre.waitText("#timeline", op)
	}
	sre.click("#timeline .row.span .name")
	sre.waitText("#timeline .details", "http.route")
	sre.waitText("#timeline .details", "/api/v1/orders")
	sre.shot("the order's trace")

	// The id a customer quotes from X-Trace-ID opens the same trace.
	sre.open("/")
	sre.fill("#lookup", "id", strings.ToUpper(id))
	sre.click("#lookup button")
	sre.waitText("#trace-id", id)
	sre.waitText("#span-count", fmt.Sprintf("%d spans", spans))
	if path := sre.eval(`location.pathname`); path != "/trace/"+id {
		t.Errorf("lookup went to %s, want /trace/%s", path, id)
	}
}

// exportToJaeger makes the process's tracer provider export, under service, the traces
// a request asked for with a sampled traceparent (and no other).
func exportToJaeger(t *testing.T, otlp, service string) *sdktrace.TracerProvider {
	t.Helper()
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(otlp+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())),
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))),
	)
	obs.Install(tp)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", url, resp.StatusCode, body)
	}
	return string(body)
}

// customer registers one, with an address, and returns its token and address id.
func customer(t *testing.T, shop string) [2]string {
	t.Helper()
	api(t, shop, "POST", "/auth/register", "", map[string]string{"email": "sre-viewer@example.com", "password": "correct-horse-9", "name": "Vera"})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	mustJSON(t, api(t, shop, "POST", "/auth/login", "", map[string]string{"email": "sre-viewer@example.com", "password": "correct-horse-9"}), &tok)
	var addr struct {
		ID string `json:"id"`
	}
	mustJSON(t, api(t, shop, "POST", "/me/addresses", tok.AccessToken, map[string]string{
		"recipient": "Vera", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}), &addr)
	return [2]string{tok.AccessToken, addr.ID}
}

// placeTracedOrder orders the cheapest demo SKU in a new trace; it returns the trace id
// (as the gateway's X-Trace-ID header names it) and the order id.
func placeTracedOrder(t *testing.T, shop string, cust [2]string) (string, string) {
	t.Helper()
	var products struct {
		Items []struct {
			Skus []struct {
				Sku string `json:"sku"`
			} `json:"skus"`
		} `json:"items"`
	}
	mustJSON(t, api(t, shop, "GET", "/products?sort=price_asc", "", nil), &products)
	if len(products.Items) == 0 || len(products.Items[0].Skus) == 0 {
		t.Fatal("no demo product")
	}
	var traceID [16]byte
	var parent [8]byte
	_, _ = rand.Read(traceID[:])
	_, _ = rand.Read(parent[:])
	id := hex.EncodeToString(traceID[:])
	body := fmt.Sprintf(`{"lines":[{"sku":%q,"quantity":1}],"address_id":%q}`, products.Items[0].Skus[0].Sku, cust[1])
	req, _ := http.NewRequest("POST", shop+"/api/v1/orders", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+cust[0])
	req.Header.Set("Idempotency-Key", "viewer-"+id)
	req.Header.Set("traceparent", fmt.Sprintf("00-%s-%s-01", id, hex.EncodeToString(parent[:])))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("place order: %d %s", resp.StatusCode, out)
	}
	if got := resp.Header.Get("X-Trace-ID"); got != id {
		t.Fatalf("X-Trace-ID = %q, want %s", got, id)
	}
	var o struct {
		ID string `json:"id"`
	}
	mustJSON(t, out, &o)
	return id, o.ID
}

func waitOrderStatus(t *testing.T, shop string, cust [2]string, order, status string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var o struct {
			Status string `json:"status"`
		}
		mustJSON(t, api(t, shop, "GET", "/orders/"+order, cust[0], nil), &o)
		if o.Status == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s after 20s, want %s", order, o.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settledSpanCount flushes the spans and waits until Jaeger's count of the trace's spans
// stops moving (the messages of the order finish after the request that placed it).
func settledSpanCount(t *testing.T, tp *sdktrace.TracerProvider, query, id string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last, same := -1, 0
	for time.Now().Before(deadline) {
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data []struct {
				Spans []json.RawMessage `json:"spans"`
			} `json:"data"`
		}
		n := 0
		if resp, err := http.Get(query + "/api/traces/" + id); err == nil {
			if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil && len(body.Data) == 1 {
				n = len(body.Data[0].Spans)
			}
			resp.Body.Close()
		}
		if n > 0 && n == last {
			if same++; same == 3 {
				return n
			}
		} else {
			same = 0
		}
		last = n
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("trace %s in Jaeger: %d spans, still changing or absent after 20s", id, last)
	return 0
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %.200s: %v", b, err)
	}
}
