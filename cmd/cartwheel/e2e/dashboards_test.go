package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/promdash"
)

// Every metric a dashboard of deploy/observability queries is exported by the fleet
// after one customer journey (register, log in, browse, order, pay): a renamed or
// dropped metric fails here instead of leaving an empty panel.
func TestDashboardMetricsExported(t *testing.T) {
	want, err := promdash.MetricNames("../../../deploy/observability/dashboards")
	if err != nil {
		t.Fatalf("dashboards: %v", err)
	}
	s := newShop(t, nil)
	if s.fleet.AdminURL == "" {
		t.Fatal("the fleet has no admin listener (fleet.Fleet.AdminURL is empty)")
	}

	admin := s.admin()
	sku := s.newSKU(admin, 1250, 5)
	cus := s.newCustomer("Dana")
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	s.must(200, "GET", "/api/v1/products?q=kettle&sort=newest&page_size=5", "", nil, nil).decode(t, &page)
	if len(page.Items) == 0 {
		t.Fatal("no products listed")
	}
	for range 2 { // the second read is served by the product cache
		s.must(200, "GET", "/api/v1/products/"+page.Items[0].ID, "", nil, nil)
	}
	var o order
	s.must(201, "POST", "/api/v1/orders", cus.token, map[string]any{"lines": []any{line(sku, 1)}, "address_id": cus.address},
		map[string]string{"Idempotency-Key": "dashboards-1"}).decode(t, &o)
	if got := s.settle(cus, o.ID); got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("order settled as %s/%s", got.Status, got.CancelReason)
	}
	var pay payment
	s.must(201, "POST", "/api/v1/orders/"+o.ID+"/payments", cus.token, nil, nil).decode(t, &pay)
	s.must(200, "POST", "/api/v1/sandbox/payments/"+pay.ID+"/complete", cus.token, nil, nil)
	s.waitStatus(cus, o.ID, "PAID", 15*time.Second)

	// Consumers and gauges catch up asynchronously: scrape until every name is there.
	var missing []string
	deadline := time.Now().Add(15 * time.Second)
	for {
		exp := scrape(t, s.fleet.AdminURL+"/metrics")
		missing = missing[:0]
		for m := range want {
			if !exp.has(m) {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("%s is queried by %s but not exported", m, strings.Join(want[m], "; "))
	}
}

// exported is what one /metrics scrape holds: sample names and families by type.
type exported struct {
	samples  map[string]bool
	families map[string]string // name -> counter, gauge, histogram, summary, untyped
}

// has reports whether a dashboard's series name is exported: as a sample name, or as
// name_bucket/_sum/_count of an exported histogram or summary family.
func (e exported) has(series string) bool {
	if e.samples[series] || e.families[series] != "" {
		return true
	}
	switch e.families[promdash.Family(series)] {
	case "histogram", "summary":
		return true
	}
	return false
}

// scrape reads a Prometheus text exposition.
func scrape(t *testing.T, url string) exported {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: status %d, %v", url, resp.StatusCode, err)
	}
	e := exported{samples: map[string]bool{}, families: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			if f := strings.Fields(rest); len(f) == 2 {
				e.families[f[0]] = f[1]
			}
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			e.samples[line[:i]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	if len(e.samples) == 0 {
		t.Fatalf("scrape %s: no samples in %d bytes", url, len(body))
	}
	return e
}
